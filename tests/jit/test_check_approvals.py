"""check-approvals end to end: a stub GitHub API and a stub Jira over real HTTP on 127.0.0.1, the example repository
with the pull request's request file in it, the command line as the workflow runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.core.model import Jit
from consolezero.integrations.github import GitHubClient, Review
from consolezero.jit.approvals import count_approvals
from http_stubs import DONE, IN_PROGRESS, Route, gh_file, gh_pull, gh_review, gh_user, jira_path, stub_server
from test_contracts import validate

runner = CliRunner()
HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
OLD = "ecdd80bb57125d7ba9641ffaa4d7d2c19d3f3091"
FILE = "requests/admin/2026-12/alice-prod-app-OPS-1234.yaml"
REQUEST = """user: alice@example.com
github: alice
role: Admin
account: prod-app
duration: PT1H
ticket: OPS-1234
reason: Rotate the payments database credentials (incident 42)
"""
LEADS = [gh_user("bob", 2), gh_user("carol", 3), gh_user("alice", 4)]  # alice leads too: she still cannot self-approve


def _routes(reviews: list[dict], author: str = "alice", files: list[str] = (FILE,), ticket: Route | None = None,
            extra: dict | None = None) -> dict[str, Route]:
    routes = {
        "/repos/example/org/pulls/7": Route(200, gh_pull(7, author, HEAD)),
        "/repos/example/org/pulls/7/files": Route(200, [gh_file(f) for f in files]),
        "/repos/example/org/pulls/7/reviews": Route(200, reviews),
        "/orgs/example/teams/platform-leads/members": Route(200, LEADS),
        jira_path("OPS-1234"): ticket or Route(200, DONE),
    }
    routes.update(extra or {})
    return routes


def _run(example: Path, url: str, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["check-approvals", str(example), "--repo", "example/org", "--pr", "7",
                                 "--api-url", url, "--jira-url", url, "--no-identity-check", *extra],
                           env={"GITHUB_TOKEN": "ghs_test", "JIRA_TOKEN": "pat"})
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def _no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's Jira client pauses RETRY_PAUSE (0.5 s) between its two attempts at a tracker that answers 5xx
    (tests/jit/test_jira.py checks the pause); here the attempts are counted, not waited for."""
    monkeypatch.setattr("consolezero.integrations.jira.RETRY_PAUSE", 0.0)


@pytest.fixture
def pr_repo(example: Path) -> Path:
    (example / FILE).parent.mkdir(parents=True, exist_ok=True)
    (example / FILE).write_text(REQUEST, encoding="utf-8")
    return example


def test_one_approval_from_an_approver_on_the_head_commit(pr_repo: Path) -> None:
    with stub_server(_routes([gh_review(1, "bob", "APPROVED", HEAD)])) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 0, out
    assert out.startswith(f"{FILE}: approved: Admin in prod-app for alice@example.com (1 of 1 approval: bob; "
                          "ticket OPS-1234 is done (Done); Identity Store not checked (--no-identity-check))")
    assert stub.hits[0][1]["Authorization"] == "Bearer ghs_test"


def test_the_requesters_own_approval_never_counts(pr_repo: Path) -> None:
    with stub_server(_routes([gh_review(1, "alice", "APPROVED", HEAD)])) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 1
    assert "not approved" in out and "0 of 1 approval from @example/platform-leads" in out
    assert "not counted: alice (the requester)" in out


def test_a_non_approver_does_not_count(pr_repo: Path) -> None:
    with stub_server(_routes([gh_review(1, "mallory", "APPROVED", HEAD)])) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 1 and "mallory (not an approver)" in out


def test_an_approval_before_the_last_push_does_not_count(pr_repo: Path) -> None:
    with stub_server(_routes([gh_review(1, "bob", "APPROVED", OLD)])) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 1 and "bob (approved ecdd80b, before the last push)" in out


def test_the_latest_decision_counts(pr_repo: Path) -> None:
    reviews = [gh_review(1, "bob", "APPROVED", HEAD), gh_review(2, "bob", "CHANGES_REQUESTED", HEAD),
               gh_review(3, "carol", "APPROVED", HEAD), gh_review(4, "carol", "COMMENTED", HEAD)]
    with stub_server(_routes(reviews)) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 0 and "1 of 1 approval: carol" in out


def test_someone_else_opening_the_request_is_refused(pr_repo: Path) -> None:
    with stub_server(_routes([gh_review(1, "bob", "APPROVED", HEAD)], author="mallory")) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 1
    assert "request-author-mismatch (line 2): the pull request is opened by mallory, but the request is alice's" in out


def test_ticket_not_done(pr_repo: Path) -> None:
    with stub_server(_routes([gh_review(1, "bob", "APPROVED", HEAD)], ticket=Route(200, IN_PROGRESS))) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 1 and "request-ticket-not-done: ticket OPS-1234 is 'In Progress', not done" in out


def test_tracker_down_admin_passes_only_with_the_fallback_and_two_approvals(pr_repo: Path) -> None:
    down = Route(500, {"errorMessages": ["Internal server error"]})
    with stub_server(_routes([gh_review(1, "bob", "APPROVED", HEAD)], ticket=down)) as stub:
        code, out = _run(pr_repo, stub.url)
        assert code == 1 and "the request fails closed" in out and "ticket_fallback: true" in out
        (pr_repo / FILE).write_text(REQUEST + "ticket_fallback: true\n", encoding="utf-8")
        code, out = _run(pr_repo, stub.url)
        assert code == 1 and "1 of 2 approvals from @example/platform-leads (bob)" in out
        stub.routes["/repos/example/org/pulls/7/reviews"] = Route(200, [gh_review(1, "bob", "APPROVED", HEAD),
                                                                        gh_review(2, "carol", "APPROVED", HEAD)])
        code, out = _run(pr_repo, stub.url, "--format", "json")
    assert code == 0, out
    data = validate("check-approvals.schema.json", out)
    assert data["summary"] == {"approved": 1, "not_approved": 0, "error": 0}
    entry = data["requests"][0]
    assert (entry["fallback_used"], entry["approvals_needed"], entry["approvals"]) == (True, 2, ["bob", "carol"])
    assert stub.count(jira_path("OPS-1234")) == 6  # one retry per run: 3 runs x 2 attempts


def test_fallback_while_the_tracker_answers_is_refused(pr_repo: Path) -> None:
    (pr_repo / FILE).write_text(REQUEST + "ticket_fallback: true\n", encoding="utf-8")
    reviews = [gh_review(1, "bob", "APPROVED", HEAD), gh_review(2, "carol", "APPROVED", HEAD)]
    with stub_server(_routes(reviews)) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 1 and "remove ticket_fallback" in out


def test_tracker_refusing_credentials_is_a_configuration_error(pr_repo: Path) -> None:
    with stub_server(_routes([], ticket=Route(401, {"errorMessages": ["You are not authenticated."]}))) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 2 and "could not check" in out and "a configuration error" in out and "pat" not in out


def test_a_misplaced_request_is_judged_by_its_content(example: Path) -> None:
    misplaced = "requests/readonly/2026-12/bob-docs-typo.yaml"
    (example / misplaced).parent.mkdir(parents=True)
    (example / misplaced).write_text(REQUEST, encoding="utf-8")
    with stub_server(_routes([gh_review(1, "bob", "APPROVED", HEAD)], files=[misplaced])) as stub:
        code, out = _run(example, stub.url)
    assert code == 1 and "request-path-mismatch" in out and "Admin in prod-app" in out


def test_no_request_files_and_missing_pull_request(example: Path) -> None:
    with stub_server(_routes([], files=["roles/admin.yaml"])) as stub:
        code, out = _run(example, stub.url)
        assert (code, out) == (0, "example/org#7: no request files in this pull request\n")
        result = runner.invoke(app, ["check-approvals", str(example), "--repo", "example/org", "--pr", "8",
                                     "--api-url", stub.url, "--no-identity-check"], env={"GITHUB_EVENT_PATH": ""})
    assert result.exit_code == 2
    assert result.output == "consolezero: GitHub API GET /repos/example/org/pulls/8: HTTP 404 Not Found\n"


def test_team_members_unreadable_is_could_not_run(pr_repo: Path) -> None:
    routes = _routes([gh_review(1, "bob", "APPROVED", HEAD)],
                     extra={"/orgs/example/teams/platform-leads/members": Route(403, {"message": "Forbidden"})})
    with stub_server(routes) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 2 and "Members: read" in out


def test_the_pull_request_from_the_event_and_paginated_reviews(pr_repo: Path, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    payload = {"action": "submitted", "pull_request": {"number": 7, "head": {"sha": HEAD}},
               "repository": {"full_name": "example/org"}}
    event.write_text(json.dumps(payload))
    page2 = "/repos/example/org/pulls/7/reviews?per_page=100&page=2"
    routes = _routes([gh_review(1, "mallory", "APPROVED", HEAD)], extra={
        page2: Route(200, [gh_review(2, "carol", "APPROVED", HEAD)])})
    routes["/repos/example/org/pulls/7/reviews"].headers = {"Link": f'<{{url}}{page2}>; rel="next", '
                                                                    f'<{{url}}{page2}>; rel="last"'}
    with stub_server(routes) as stub:
        result = runner.invoke(app, ["check-approvals", str(pr_repo), "--no-identity-check", "--format", "markdown"],
                               env={"GITHUB_EVENT_PATH": str(event), "GITHUB_API_URL": stub.url,
                                    "CONSOLEZERO_JIRA_URL": stub.url})
    assert result.exit_code == 0, result.output
    assert "✅ approved" in result.output and "1 of 1: carol" in result.output
    payload["pull_request"]["head"]["sha"] = OLD  # a push since the run started: this run's checkout is stale
    event.write_text(json.dumps(payload))
    with stub_server(routes) as stub:
        result = runner.invoke(app, ["check-approvals", str(pr_repo), "--no-identity-check"],
                               env={"GITHUB_EVENT_PATH": str(event), "GITHUB_API_URL": stub.url})
    assert result.exit_code == 2
    assert result.output == ("consolezero: example/org#7 moved: this run checked out ecdd80b, its head is now 6dcb09b; "
                             "the run for the newer push decides\n")


def test_each_approver_team_must_approve() -> None:
    jit = Jit(max_duration=7200, approvals=2, approvers=("@example/platform-leads", "@example/security", "@dave"),
              ticket="required", fallback_approvals=None)
    members = {"@example/platform-leads": {"bob", "carol"}, "@example/security": {"erin"}}
    two_leads = [Review("bob", "APPROVED", HEAD, ""), Review("Carol", "APPROVED", HEAD, "")]
    result = count_approvals(jit, 2, "alice", "alice", HEAD, two_leads, members)
    assert not result.ok and result.teams_missing == ("@example/security",)
    result = count_approvals(jit, 2, "alice", "alice", HEAD, [two_leads[0], Review("erin", "APPROVED", HEAD, "")],
                             members)
    assert result.ok and result.counted == ("bob", "erin")
    user_only = Jit(max_duration=7200, approvals=1, approvers=("@dave",), ticket="none", fallback_approvals=None)
    assert count_approvals(user_only, 1, "alice", "alice", HEAD, [Review("dave", "APPROVED", HEAD, "")], {}).ok


def test_the_client_never_shows_the_token() -> None:
    assert "ghs_" not in repr(GitHubClient("https://api.github.com", token="ghs_secret"))


def test_tracker_down_and_no_fallback_declared_fails_closed(pr_repo: Path) -> None:
    admin = pr_repo / "roles/admin.yaml"
    admin.write_text("\n".join(line for line in admin.read_text().splitlines()
                               if "when_ticket_system_down" not in line) + "\n")
    (pr_repo / FILE).write_text(REQUEST + "ticket_fallback: true\n", encoding="utf-8")
    reviews = [gh_review(1, "bob", "APPROVED", HEAD), gh_review(2, "carol", "APPROVED", HEAD)]
    with stub_server(_routes(reviews, ticket=Route(200, DONE, delay=2.5))) as stub:
        org = pr_repo / "accounts/organization.yaml"
        org.write_text(org.read_text().replace("project_keys: [OPS, SEC]", "project_keys: [OPS, SEC], "
                                                                            "timeout_seconds: 0.3"))
        code, out = _run(pr_repo, stub.url)
    assert code == 1
    assert ("the ticket tracker is down (no answer within 0.3 s (2 attempts)): ticket OPS-1234 cannot be checked, and "
            "role Admin declares no when_ticket_system_down fallback, so the request fails closed") in out


def test_a_request_may_not_change_what_it_is_judged_by(pr_repo: Path) -> None:
    with stub_server(_routes([gh_review(1, "bob", "APPROVED", HEAD)], files=[FILE, "roles/admin.yaml"])) as stub:
        code, out = _run(pr_repo, stub.url)
    assert code == 1
    assert ("this pull request also changes roles/admin.yaml, which the request is judged by: file the request in a "
            "pull request of its own") in out
