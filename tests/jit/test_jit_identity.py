"""check-approvals' Identity Store check: the user exists and is in a group of the role's jit assignments that
covers the account (read through the AWS port, as the plan role would).

On the in-memory AWS port (tests/fake_aws/); the group check and the CLI run on the emulator too (``backend``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.core.repository import load_repository
from consolezero.jit.check import identity_problem
from fake_aws import FakeAws, FakeOrg
from http_stubs import DONE, Route, gh_file, gh_pull, gh_review, gh_user, jira_path, stub_server
from support import AWS_EXAMPLE_PARTS, copy_example

HEAD = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
FILE = "requests/admin/2026-12/alice-prod-app-OPS-1234.yaml"


def seeded(backend, tmp_path: Path):  # noqa: ANN201
    """The example; alice (in engineers) and bob (in no group) in the identity store."""
    org = backend.seed(copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS), users=("bob@example.com",))
    backend.add_user(org, "alice@example.com", ("engineers",))
    return org


@pytest.fixture
def org(fake: FakeAws, tmp_path: Path) -> FakeOrg:
    from backends import FakeBackend

    return seeded(FakeBackend(fake), tmp_path)


def _request(org, user: str, account: str):  # noqa: ANN202
    text = (f"user: {user}\ngithub: alice\nrole: Admin\naccount: {account}\nduration: PT1H\nticket: OPS-1234\n"
            "reason: Rotate the payments database credentials\n")
    path = org.root / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    model = load_repository(org.root).model
    request = next(r for r in model.requests if r.file == FILE)
    return request, model


def test_member_of_a_covering_group_is_eligible(org: FakeOrg) -> None:
    request, model = _request(org, "alice@example.com", "prod-app")
    assert identity_problem(org.port(), None, request, model.roles["Admin"], model) is None


def test_not_in_a_covering_group(backend, tmp_path: Path) -> None:
    org = seeded(backend, tmp_path)
    request, model = _request(org, "bob@example.com", "prod-app")
    problem = identity_problem(org.port(), None, request, model.roles["Admin"], model)
    assert problem == ("bob@example.com is in none of the groups that may request Admin in prod-app: engineers, "
                       "platform-leads")
    request, model = _request(org, "alice@example.com", "security")  # engineers cover ou:Workloads only
    problem = identity_problem(org.port(), None, request, model.roles["Admin"], model)
    assert problem == "alice@example.com is in none of the groups that may request Admin in security: platform-leads"


def test_unknown_user(org: FakeOrg) -> None:
    request, model = _request(org, "zoe@example.com", "prod-app")
    assert identity_problem(org.port(), None, request, model.roles["Admin"], model) == \
        "no user zoe@example.com in the Identity Store"


def test_check_approvals_with_the_identity_check(backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    org = seeded(backend, tmp_path)
    _request(org, "alice@example.com", "prod-app")
    aws = backend.cli(monkeypatch, tmp_path)  # --endpoint-url for the emulator
    routes = {
        "/repos/example/org/pulls/7": Route(200, gh_pull(7, "alice", HEAD)),
        "/repos/example/org/pulls/7/files": Route(200, [gh_file(FILE)]),
        "/repos/example/org/pulls/7/reviews": Route(200, [gh_review(1, "bob", "APPROVED", HEAD)]),
        "/orgs/example/teams/platform-leads/members": Route(200, [gh_user("bob", 2)]),
        jira_path("OPS-1234"): Route(200, DONE),
    }
    with stub_server(routes) as stub:
        result = CliRunner().invoke(app, ["check-approvals", str(org.root), "--repo", "example/org", "--pr", "7",
                                          "--api-url", stub.url, "--jira-url", stub.url,
                                          *aws])
    assert result.exit_code == 0, result.output
    assert "alice@example.com is eligible in the Identity Store" in result.output
