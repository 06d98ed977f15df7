"""The Jira REST client: one call, ``GET /rest/api/2/issue/{key}?fields=status``.

Credentials come from environment variables only and are never printed or logged:
``JIRA_USER`` (or ``JIRA_EMAIL``) with ``JIRA_API_TOKEN`` (Jira Cloud: basic auth with an API token), or
``JIRA_TOKEN`` (Jira Data Center / Server: a personal access token, sent as a bearer token). A call
has a timeout; a timeout, a refused connection or a 5xx answer is retried once. The answer is
returned as it came (:class:`JiraAnswer`); :mod:`consolezero.jit.tickets` decides what it means.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

USER_VARS = ("JIRA_USER", "JIRA_EMAIL")
API_TOKEN_VAR = "JIRA_API_TOKEN"
BEARER_VAR = "JIRA_TOKEN"
URL_VAR = "CONSOLEZERO_JIRA_URL"  # overrides tickets.url (a test tracker, a proxy)
RETRY_PAUSE = 0.5


@dataclass(frozen=True)
class JiraAnswer:
    """What the tracker said about one issue. ``http_status`` 0: no answer (``error`` says why)."""

    key: str
    http_status: int
    status_name: str = ""
    category_key: str = ""
    category_name: str = ""
    error: str = ""
    attempts: int = 1


def auth_header(env: Mapping[str, str] | None = None) -> str | None:
    """The Authorization header value from the environment, or None (anonymous)."""
    env = os.environ if env is None else env
    bearer = env.get(BEARER_VAR, "").strip()
    if bearer:
        return f"Bearer {bearer}"
    user = next((env[v].strip() for v in USER_VARS if env.get(v, "").strip()), "")
    token = env.get(API_TOKEN_VAR, "").strip()
    if user and token:
        return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode("ascii")
    return None


def credentials_hint() -> str:
    return (f"set {USER_VARS[0]} and {API_TOKEN_VAR} (Jira Cloud) or {BEARER_VAR} (a Data Center personal "
            "access token)")


class JiraClient:
    def __init__(self, base_url: str, timeout: float = 10.0, auth: str | None = None, retries: int = 1,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._auth = auth
        self.retries = retries
        self._sleep = sleep

    def __repr__(self) -> str:  # never shows the credentials
        return f"JiraClient({self.base_url!r}, timeout={self.timeout})"

    def issue_status(self, key: str) -> JiraAnswer:
        """The issue's status and status category; retried once when the tracker does not answer or fails."""
        answer = JiraAnswer(key, 0, error="not called")
        for attempt in range(1, self.retries + 2):
            answer = self._once(key, attempt)
            if answer.http_status and answer.http_status < 500:
                return answer
            if attempt <= self.retries:
                self._sleep(RETRY_PAUSE)
        return answer

    def _once(self, key: str, attempt: int) -> JiraAnswer:
        import urllib.error  # here, not at the top: lint imports this module's callers and must start fast
        import urllib.request

        url = f"{self.base_url}/rest/api/2/issue/{quote(key, safe='')}?fields=status"
        request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                       "User-Agent": "consolezero"})
        if self._auth:
            request.add_unredirected_header("Authorization", self._auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - http(s) only
                body = response.read(1_000_000)
                status = response.status
        except urllib.error.HTTPError as exc:
            return JiraAnswer(key, exc.code, error=_error_text(exc), attempts=attempt)
        except TimeoutError:
            return JiraAnswer(key, 0, error=f"no answer within {self.timeout:g} s", attempts=attempt)
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                return JiraAnswer(key, 0, error=f"no answer within {self.timeout:g} s", attempts=attempt)
            return JiraAnswer(key, 0, error=f"cannot connect: {getattr(reason, 'strerror', None) or reason}",
                              attempts=attempt)
        except (OSError, ValueError) as exc:
            return JiraAnswer(key, 0, error=f"cannot connect: {exc}", attempts=attempt)
        try:
            data = json.loads(body)
            status_field = data["fields"]["status"]
            category = status_field.get("statusCategory") or {}
        except (ValueError, KeyError, TypeError, AttributeError):
            return JiraAnswer(key, 502, error="the answer is not a Jira issue with a status", attempts=attempt)
        return JiraAnswer(key, status, status_name=str(status_field.get("name") or ""),
                          category_key=str(category.get("key") or ""), category_name=str(category.get("name") or ""),
                          attempts=attempt)


def _error_text(exc: Any) -> str:
    """Jira's own errorMessages when it sent some, else the HTTP reason."""
    try:
        data = json.loads(exc.read(100_000))
        messages = data.get("errorMessages") if isinstance(data, dict) else None
        if messages:
            return "; ".join(str(m) for m in messages)
    except (ValueError, OSError, AttributeError):
        pass
    return f"HTTP {exc.code} {exc.reason}"


def make_client(tickets_url: str, timeout: float, url_override: str | None = None,
                env: Mapping[str, str] | None = None) -> JiraClient:
    env = os.environ if env is None else env
    base = url_override or env.get(URL_VAR) or tickets_url
    return JiraClient(base, timeout=timeout, auth=auth_header(env))
