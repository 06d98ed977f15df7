"""Stub HTTP servers on 127.0.0.1 for the ticket tracker (Jira) and the GitHub REST API: real HTTP, canned JSON
in the shapes those APIs answer with."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    status: int = 200
    body: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Stub:
    url: str
    routes: dict[str, Route]  # path with query -> answer
    hits: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (path, headers)

    def count(self, prefix: str) -> int:
        return sum(p.startswith(prefix) for p, _ in self.hits)


@contextmanager
def stub_server(routes: dict[str, Route]) -> Iterator[Stub]:
    stub = Stub(url="", routes=routes)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            stub.hits.append((self.path, dict(self.headers)))
            route = stub.routes.get(self.path) or stub.routes.get(self.path.split("?")[0])
            if route is None:
                route = Route(404, {"message": "Not Found"})
            if route.delay:
                time.sleep(route.delay)
            payload = json.dumps(route.body).encode() if route.body is not None else b""
            try:
                self.send_response(route.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in route.headers.items():
                    self.send_header(key, value.replace("{url}", stub.url))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- Jira: GET /rest/api/2/issue/{key}?fields=status, as Jira Cloud answers it ------------------------
def jira_issue(key: str, status: str, category_key: str, category_name: str, status_id: str = "10001",
               category_id: int = 3, color: str = "green") -> dict[str, Any]:
    base = "https://example.atlassian.net/rest/api/2"
    return {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": "10042", "self": f"{base}/issue/10042", "key": key,
        "fields": {"status": {
            "self": f"{base}/status/{status_id}", "description": "", "iconUrl": "https://example.atlassian.net/",
            "name": status, "id": status_id,
            "statusCategory": {"self": f"{base}/statuscategory/{category_id}", "id": category_id,
                               "key": category_key, "colorName": color, "name": category_name},
        }},
    }


DONE = jira_issue("OPS-1234", "Done", "done", "Done")
IN_PROGRESS = jira_issue("OPS-7", "In Progress", "indeterminate", "In Progress", "3", 4, "yellow")
NOT_FOUND = {"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}


def jira_path(key: str) -> str:
    return f"/rest/api/2/issue/{key}?fields=status"


# --- GitHub REST API shapes -------------------------------------------------------------------------
def gh_user(login: str, uid: int = 1) -> dict[str, Any]:
    return {"login": login, "id": uid, "node_id": "MDQ6VXNlcjE=", "avatar_url": "https://github.com/images/error/x.gif",
            "url": f"https://api.github.com/users/{login}", "html_url": f"https://github.com/{login}",
            "type": "User", "site_admin": False}


def gh_pull(number: int, author: str, head_sha: str, repo: str = "example/org") -> dict[str, Any]:
    return {"url": f"https://api.github.com/repos/{repo}/pulls/{number}", "id": 1, "number": number,
            "state": "open", "locked": False, "title": "JIT: Admin in prod-app", "user": gh_user(author),
            "body": "", "draft": False,
            "head": {"label": f"{author}:jit", "ref": "jit/request", "sha": head_sha, "user": gh_user(author)},
            "base": {"label": "example:main", "ref": "main", "sha": "0" * 40, "user": gh_user("example")},
            "author_association": "MEMBER", "merged": False, "mergeable": True}


def gh_file(filename: str, status: str = "added") -> dict[str, Any]:
    return {"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": filename, "status": status,
            "additions": 9, "deletions": 0, "changes": 9,
            "blob_url": f"https://github.com/example/org/blob/x/{filename}",
            "raw_url": f"https://github.com/example/org/raw/x/{filename}",
            "contents_url": f"https://api.github.com/repos/example/org/contents/{filename}", "patch": "@@ -0,0 +1,9 @@"}


def gh_review(rid: int, login: str, state: str, commit_id: str, submitted_at: str = "2026-12-04T10:00:00Z",
              number: int = 7) -> dict[str, Any]:
    return {"id": rid, "node_id": "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3ODA=", "user": gh_user(login, rid), "body": "",
            "state": state, "html_url": f"https://github.com/example/org/pull/{number}#pullrequestreview-{rid}",
            "pull_request_url": f"https://api.github.com/repos/example/org/pulls/{number}",
            "_links": {"html": {"href": "..."}, "pull_request": {"href": "..."}},
            "submitted_at": submitted_at, "commit_id": commit_id, "author_association": "MEMBER"}
