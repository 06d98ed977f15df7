"""The Jira client and the ticket gate against a stub tracker over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import time

import pytest

from consolezero.core.model import Jit, Request, Role, TicketsConfig
from consolezero.integrations.jira import RETRY_PAUSE, JiraClient, auth_header, make_client
from consolezero.jit.tickets import TicketState, classify, verdict
from http_stubs import DONE, IN_PROGRESS, NOT_FOUND, Route, jira_path, stub_server

TICKETS = TicketsConfig(system="jira", url="https://example.atlassian.net", done_categories=("done",))


def _client(url: str, timeout: float = 2.0, auth: str | None = None) -> JiraClient:
    return JiraClient(url, timeout=timeout, auth=auth, sleep=lambda _: None)


def test_done_in_progress_and_missing() -> None:
    routes = {jira_path("OPS-1234"): Route(200, DONE), jira_path("OPS-7"): Route(200, IN_PROGRESS),
              jira_path("OPS-404"): Route(404, NOT_FOUND)}
    with stub_server(routes) as stub:
        client = _client(stub.url)
        assert classify(client.issue_status("OPS-1234"), TICKETS) == TicketState("OPS-1234", "done", "Done")
        assert classify(client.issue_status("OPS-7"), TICKETS) == TicketState("OPS-7", "not_done", "In Progress")
        missing = classify(client.issue_status("OPS-404"), TICKETS)
        assert missing.kind == "missing"
    assert stub.count("/rest/api/2/issue/OPS-404") == 1  # a 404 is an answer: no retry


def test_done_categories_match_key_or_name() -> None:
    with stub_server({jira_path("OPS-7"): Route(200, IN_PROGRESS)}) as stub:
        answer = _client(stub.url).issue_status("OPS-7")
    wide = TicketsConfig(system="jira", url="x", done_categories=("done", "In Progress"))
    assert classify(answer, wide).kind == "done"


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_a_configuration_error(status: int) -> None:
    with stub_server({jira_path("OPS-1"): Route(status, {"errorMessages": ["Unauthorized"]})}) as stub:
        state = classify(_client(stub.url, auth="Bearer s3cret-token").issue_status("OPS-1"), TICKETS)
    assert state.kind == "config"
    assert "JIRA_USER" in state.detail and "s3cret" not in state.detail


def test_server_error_is_retried_once_then_down() -> None:
    paused: list[float] = []
    with stub_server({jira_path("OPS-1"): Route(500, {"errorMessages": ["Internal server error"]})}) as stub:
        answer = JiraClient(stub.url, timeout=2.0, auth=None, sleep=paused.append).issue_status("OPS-1")
    assert stub.count("/rest/api/2/issue/OPS-1") == 2
    assert paused == [RETRY_PAUSE] == [0.5]  # one pause, between the two attempts
    state = classify(answer, TICKETS)
    assert state.kind == "down" and "2 attempts" in state.detail


def test_slower_than_the_timeout_is_down_and_does_not_hang() -> None:
    with stub_server({jira_path("OPS-1"): Route(200, DONE, delay=1.5)}) as stub:
        started = time.monotonic()
        answer = _client(stub.url, timeout=0.3).issue_status("OPS-1")
        took = time.monotonic() - started
    assert answer.http_status == 0 and "no answer within 0.3 s" in answer.error
    assert classify(answer, TICKETS).kind == "down"
    assert took < 1.5  # two attempts of 0.3 s, not the server's 1.5 s each


def test_unreachable_tracker_is_down() -> None:
    with stub_server({}) as stub:
        url = stub.url
    state = classify(_client(url, timeout=0.5).issue_status("OPS-1"), TICKETS)  # the server is gone
    assert state.kind == "down" and "cannot connect" in state.detail


def test_credentials_from_the_environment_are_sent_and_never_shown() -> None:
    env = {"JIRA_USER": "bot@example.com", "JIRA_API_TOKEN": "tok-123"}
    assert auth_header(env) == "Basic " + base64.b64encode(b"bot@example.com:tok-123").decode()
    assert auth_header({"JIRA_TOKEN": "pat-9", **env}) == "Bearer pat-9"
    assert auth_header({}) is None
    with stub_server({jira_path("OPS-1234"): Route(200, DONE)}) as stub:
        client = make_client("https://example.atlassian.net", 2.0, url_override=stub.url, env=env)
        client.issue_status("OPS-1234")
    assert stub.hits[0][1]["Authorization"] == auth_header(env)
    assert "tok-123" not in repr(client) and "tok-123" not in str(vars(client).get("base_url"))


def _role(fallback: int | None) -> Role:
    return Role(name="Admin", file="roles/admin.yaml", access="jit", session_duration=3600,
                jit=Jit(max_duration=7200, approvals=1, approvers=("@example/platform-leads",), ticket="required",
                        fallback_approvals=fallback))


def _request(fallback: bool = False) -> Request:
    return Request(file="requests/admin/2026-12/a.yaml", user="alice@example.com", github="alice", role="Admin",
                   account="prod-app", duration=3600, ticket="OPS-1", reason="r", ticket_fallback=fallback)


DOWN = TicketState("OPS-1", "down", "no answer within 10 s (2 attempts)")


def test_tracker_down_fails_closed_without_a_declared_fallback() -> None:
    result = verdict(_request(fallback=True), _role(None), DOWN)
    assert not result.ok and "fails closed" in result.message and "declares no when_ticket_system_down" in \
        result.message


def test_tracker_down_with_fallback_needs_the_flag_and_the_fallback_count() -> None:
    without = verdict(_request(), _role(2), DOWN)
    assert not without.ok and "ticket_fallback: true" in without.message and without.approvals == 2
    used = verdict(_request(fallback=True), _role(2), DOWN)
    assert used.ok and used.fallback_used and used.approvals == 2


def test_fallback_claimed_while_the_tracker_answers_is_refused() -> None:
    result = verdict(_request(fallback=True), _role(2), TicketState("OPS-1", "done", "Done"))
    assert not result.ok and "remove ticket_fallback" in result.message and result.approvals == 1


def test_done_not_done_missing_and_config() -> None:
    assert verdict(_request(), _role(2), TicketState("OPS-1", "done", "Done")).ok
    assert "'In Progress', not done" in verdict(_request(), _role(2), TicketState("OPS-1", "not_done",
                                                                                   "In Progress")).message
    assert not verdict(_request(), _role(2), TicketState("OPS-1", "missing", "no such ticket")).ok
    assert verdict(_request(), _role(2), TicketState("OPS-1", "config", "HTTP 401")).config_error
