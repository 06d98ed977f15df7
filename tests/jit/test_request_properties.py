"""Property tests: whatever a request file holds, the request rules (with a pull request and the tracker's answers)
and check-approvals answer with findings or verdicts, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consolezero.core.repository import load_repository
from consolezero.integrations.github import PullFile, PullRequest, Review
from consolezero.jit.check import Sources, check_pull
from consolezero.jit.tickets import TicketState
from consolezero.lint.context import PullContext
from consolezero.lint.runner import run_lint
from support import copy_example

FILE = "requests/admin/2026-12/alice-prod-app-OPS-1234.yaml"
FIELDS = ["user", "github", "role", "account", "duration", "ticket", "reason", "ticket_fallback", "extra"]
values = st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.sampled_from(
    ["Admin", "ReadOnly", "prod-app", "security", "PT1H", "PT3H", "1h", "OPS-1234", "OPS 1", "alice", "a@b.c"]) | \
    st.lists(st.text(max_size=4), max_size=2)
KINDS = ["done", "not_done", "missing", "config", "down"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("req") / "repo")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(st.sampled_from(FIELDS), values, max_size=9), kind=st.sampled_from(KINDS),
       author=st.sampled_from(["alice", "mallory", ""]))
def test_any_request_gives_findings_or_verdicts(repo: Path, doc: dict, kind: str, author: str) -> None:
    path = repo / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    try:
        loaded = load_repository(repo)
        ticket = str(doc.get("ticket"))
        states = {ticket: TicketState(ticket, kind, "x")}  # type: ignore[arg-type]
        findings = run_lint(loaded, online=True, pr=PullContext(author or "alice", frozenset({FILE})),
                            tickets=states).findings
        assert all(f.line >= 1 and f.message for f in findings)
        def ticket_state(key: str) -> TicketState:
            return TicketState(key, kind, "x")  # type: ignore[arg-type]

        sources = Sources(members=lambda org, team: {"bob"}, ticket=ticket_state, identity=lambda request, role: None)
        verdicts = check_pull(loaded, PullRequest(7, author or "alice", "h"), [PullFile(FILE, "added")],
                              [Review("bob", "APPROVED", "h", "")], sources)
        assert [v.file for v in verdicts] == [FILE]
        assert verdicts[0].status in ("approved", "not_approved", "error") and verdicts[0].line()
    finally:
        path.unlink()
