"""The GitHub REST client for ``check-approvals``: a pull request, its files, its reviews, team members.

Read-only GETs, paginated through the ``Link`` header (100 a page). The token comes from the
environment (``GITHUB_TOKEN``) and is never printed or logged; the API base URL from
``--api-url`` or ``GITHUB_API_URL`` (which GitHub Actions sets; GitHub Enterprise Server too).
Reading a team's members needs the organization's *Members: read* permission, which the workflow's
own ``GITHUB_TOKEN`` lacks: see docs/jit.md.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

DEFAULT_API = "https://api.github.com"
TOKEN_VAR = "GITHUB_TOKEN"
API_VAR = "GITHUB_API_URL"
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
MAX_PAGES = 50


class GitHubError(Exception):
    """The API could not be read (one line, never the token)."""


@dataclass(frozen=True)
class PullRequest:
    number: int
    author: str
    head_sha: str


@dataclass(frozen=True)
class PullFile:
    filename: str
    status: str  # added | removed | modified | renamed | copied | changed | unchanged


@dataclass(frozen=True)
class Review:
    reviewer: str
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    commit_id: str
    submitted_at: str


class GitHubClient:
    def __init__(self, api_url: str = DEFAULT_API, token: str | None = None, timeout: float = 20.0) -> None:
        self.api_url = api_url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:  # never shows the token
        return f"GitHubClient({self.api_url!r})"

    def _get(self, url: str) -> tuple[Any, str | None]:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                   "User-Agent": "consolezero"}
        request = urllib.request.Request(url, headers=headers)
        if self._token:
            request.add_unredirected_header("Authorization", f"Bearer {self._token}")
        what = url.removeprefix(self.api_url)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - http(s) only
                body = response.read(20_000_000)
                link = response.headers.get("Link")
        except urllib.error.HTTPError as exc:
            hint = ""
            if exc.code in (401, 403, 404) and "/teams/" in what:
                hint = (" (reading team members needs a token with the organization's Members: read permission: "
                        "see docs/jit.md)")
            elif exc.code == 401:
                hint = f" (set {TOKEN_VAR})"
            raise GitHubError(f"GitHub API GET {what}: HTTP {exc.code} {exc.reason}{hint}") from None
        except TimeoutError:
            raise GitHubError(f"GitHub API GET {what}: no answer within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubError(f"GitHub API GET {what}: cannot connect: {reason}") from None
        try:
            data = json.loads(body)
        except ValueError:
            raise GitHubError(f"GitHub API GET {what}: the answer is not JSON") from None
        match = _NEXT.search(link or "")
        return data, match.group(1) if match else None

    def _list(self, path: str) -> list[Any]:
        url: str | None = f"{self.api_url}{path}{'&' if '?' in path else '?'}per_page=100"
        found: list[Any] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            data, url = self._get(url)
            if not isinstance(data, list):
                raise GitHubError(f"GitHub API GET {path}: expected a list")
            found.extend(data)
        return found

    def pull_request(self, repo: str, number: int) -> PullRequest:
        data, _ = self._get(f"{self.api_url}/repos/{repo}/pulls/{number}")
        try:
            return PullRequest(number=int(data["number"]), author=str(data["user"]["login"]),
                               head_sha=str(data["head"]["sha"]))
        except (KeyError, TypeError, ValueError):
            raise GitHubError(f"GitHub API: pull request {repo}#{number} has no author or head") from None

    def pull_files(self, repo: str, number: int) -> list[PullFile]:
        return [PullFile(str(f.get("filename", "")), str(f.get("status", "")))
                for f in self._list(f"/repos/{repo}/pulls/{number}/files") if isinstance(f, Mapping)]

    def reviews(self, repo: str, number: int) -> list[Review]:
        """Every review, in the chronological order GitHub returns them."""
        found = []
        for r in self._list(f"/repos/{repo}/pulls/{number}/reviews"):
            if not isinstance(r, Mapping) or not isinstance(r.get("user"), Mapping):
                continue  # a deleted user ("ghost") has user: null
            found.append(Review(reviewer=str(r["user"].get("login", "")), state=str(r.get("state", "")),
                                commit_id=str(r.get("commit_id") or ""), submitted_at=str(r.get("submitted_at") or "")))
        return found

    def team_members(self, org: str, team_slug: str) -> set[str]:
        path = f"/orgs/{quote(org, safe='')}/teams/{quote(team_slug, safe='')}/members"
        return {str(m["login"]) for m in self._list(path) if isinstance(m, Mapping) and "login" in m}


def make_client(api_url: str | None = None, env: Mapping[str, str] | None = None) -> GitHubClient:
    env = os.environ if env is None else env
    return GitHubClient(api_url or env.get(API_VAR) or DEFAULT_API, token=env.get(TOKEN_VAR) or None)


def pull_from_event(path: str) -> tuple[str, int, str | None] | None:
    """(owner/name, number, head SHA) from a GitHub event payload (pull_request and pull_request_review events)."""
    try:
        with open(path, encoding="utf-8") as handle:
            event = json.load(handle)
        head = event["pull_request"].get("head")
        sha = head.get("sha") if isinstance(head, Mapping) else None
        return (str(event["repository"]["full_name"]), int(event["pull_request"]["number"]),
                str(sha) if sha else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
