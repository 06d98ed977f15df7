"""JIT grants applied: apply creates the assignment, a reconcile after expiry removes it and adds the
session-ending statement, a later reconcile drops it; the engine reads the statement; the flood limit.

On the in-memory AWS port (tests/fake_aws/); on the emulator, the demo grants, expires and drops a JIT grant
(tests/aws/test_cli_plan_apply.py). The ticket-fallback alert's delivery (EventBridge -> SNS -> a queue) is
tested on the emulator: tests/aws/test_jit_fallback_alert.py."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from consolezero.apply.executor import StepFailed
from consolezero.apply.service import run_apply
from consolezero.devtools.gitrepo import init_main, merge_branch
from consolezero.integrations.aws.port import AwsError
from consolezero.jit.grants import Grants, Window, repository_grants
from consolezero.jit.sessions import INLINE_POLICY_MAX_BYTES, ROLE_POLICY_MAX_CHARS, session_statement
from consolezero.plan.actions import TicketRef
from consolezero.plan.build import build_plan
from consolezero.plan.live import read_live
from fake_aws import FakeAws, FakeOrg, seed_repository
from support import AWS_EXAMPLE_PARTS, copy_example

ALICE = "requests/admin/2026-11/alice-prod-app-OPS-1234.yaml"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def jit_repo(seed: Any, tmp_path: Path, users: tuple[str, ...] = ("alice@example.com", "bob@example.com"),
             squash: bool = False) -> Any:
    """The example seeded by ``seed(root, users)``, alice and bob in the identity store unless ``users`` says
    otherwise; the repository is a git repository whose main got the organization at 09:00 and alice's request
    (the example's) by a merge commit at 10:00."""
    root = copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS)
    text = (root / ALICE).read_text(encoding="utf-8")
    shutil.rmtree(root / "requests")
    org = seed(root, users)
    init_main(root, "2026-11-20T09:00:00Z")
    merge_branch(root, "alice-admin", {ALICE: text}, "2026-11-20T10:00:00Z", squash=squash)
    return org


@pytest.fixture
def jit_org(fake: FakeAws, tmp_path: Path) -> FakeOrg:
    return jit_repo(lambda root, users: seed_repository(fake, root, users), tmp_path)


def plan_at(org: Any, now: str):
    repo = org.repo()
    grants = repository_grants(repo, t(now))
    return build_plan(repo.model, read_live(org.port(), repo.model), grants=grants)


def apply_at(org: Any, now: str):
    return run_apply(org.repo(), org.port(), now=t(now))  # plan, as apply composes it, reads the grants itself


def summaries(plan) -> list[str]:
    return [c.summary for c in plan.changes]


def alice_assignments(org: Any) -> list[tuple[str, str]]:
    port = org.port()
    user_id = port.user_id(org.seed.identity_store_id, "alice@example.com")
    found = port.assignments_for_principal(org.seed.instance_arn, "USER", user_id)
    return [(a.account_id, a.permission_set_arn) for a in found]


def admin_inline(org: Any) -> dict | None:
    port, instance = org.port(), org.seed.instance_arn
    arn = next(a for a in port.list_permission_sets(instance)
               if port.describe_permission_set(instance, a).name == "Admin")
    text = port.permission_set_inline_policy(instance, arn)
    return json.loads(text) if text else None


def test_grant_applied_then_expired_sessions_ended_then_statement_dropped(fake_backend, tmp_path: Path) -> None:
    from consolezero.access.matrix import AccessMatrix
    from consolezero.access.query import matrix_entries, select

    jit_org = jit_repo(fake_backend.seed, tmp_path)

    def matrix() -> list:
        m = AccessMatrix(jit_org.repo().model)
        return matrix_entries(m, select(m, None, None))

    before = matrix()
    # before the merge: the organization alone (lint runs too: the history is clean)
    assert apply_at(jit_org, "2026-11-20T09:30:00Z").applied
    assert alice_assignments(jit_org) == []
    # 10:05: the grant is active -> one USER assignment
    plan = plan_at(jit_org, "2026-11-20T10:05:00Z")
    assert summaries(plan) == ["assign Admin to user:alice@example.com on account:prod-app"] and not plan.warnings
    apply_at(jit_org, "2026-11-20T10:05:00Z")
    prod = jit_org.ids["prod-app"]
    assert [a for a, _ in alice_assignments(jit_org)] == [prod]
    assert plan_at(jit_org, "2026-11-20T10:59:59Z").changes == ()
    # 11:05: expired -> the assignment goes, and the sessions issued before 11:00 end
    plan = plan_at(jit_org, "2026-11-20T11:05:00Z")
    assert summaries(plan) == [
        "end sessions of alice@example.com in Admin on prod-app issued before 2026-11-20T11:00:00Z",
        "unassign Admin from user:alice@example.com on account:prod-app"]
    result = apply_at(jit_org, "2026-11-20T11:05:00Z")
    assert [c.summary for c in result.applied] == summaries(plan)
    assert alice_assignments(jit_org) == []
    statement = admin_inline(jit_org)["Statement"][0]
    user_id = plan.changes[0].details["statement"]["Condition"]["StringEquals"]["identitystore:UserId"]
    assert statement == {"Sid": statement["Sid"], "Effect": "Deny", "Action": "*", "Resource": "*",
                         "Condition": {"StringEquals": {"identitystore:UserId": user_id,
                                                        "aws:PrincipalAccount": prod},
                                       "DateLessThan": {"aws:TokenIssueTime": "2026-11-20T11:00:00Z"}}}
    assert statement["Sid"].startswith("EndSessions") and len(statement["Sid"]) == len("EndSessions") + 12
    assert plan_at(jit_org, "2026-11-20T11:59:59Z").changes == ()  # stable between reconciles
    repo = jit_org.repo()  # without history nothing is known: the statement stays (dropping it would be fail-open)
    assert build_plan(repo.model, read_live(jit_org.port(), repo.model)).changes == ()
    # 12:05: the session duration (PT1H) since expiry has passed -> the statement is dropped
    plan = plan_at(jit_org, "2026-11-20T12:05:00Z")
    assert summaries(plan) == ["stop ending sessions of alice@example.com in Admin on prod-app issued before "
                               "2026-11-20T11:00:00Z (its session duration, PT1H, has passed)"]
    apply_at(jit_org, "2026-11-20T12:05:00Z")
    assert admin_inline(jit_org) is None
    assert plan_at(jit_org, "2026-11-20T12:10:00Z").changes == ()
    assert matrix() == before  # lint and access read the repository only: the role is what it was


def test_unknown_user_is_a_plan_error_naming_the_request(fake: FakeAws, tmp_path: Path) -> None:
    org = jit_repo(lambda root, users: seed_repository(fake, root, users), tmp_path, users=(),  # nobody there
                   squash=True)
    plan = plan_at(org, "2026-11-20T10:05:00Z")
    assert plan.errors == (f"{ALICE}: user alice@example.com is not in the IAM Identity Center identity store, so the "
                           "grant of Admin on prod-app cannot be assigned; fix the user field (the Identity Center "
                           "user name) in a new request",)
    expired = plan_at(org, "2026-11-20T11:05:00Z")  # an ended grant of an unknown user: nothing to end, said once
    assert not expired.errors
    assert [w for w in expired.warnings if "cannot end the sessions" in w] == [
        f"{ALICE}: cannot end the sessions of alice@example.com in Admin: the user is not in the IAM Identity "
        "Center identity store"]


def test_cli_now_overrides_the_clock_for_plan_and_apply(jit_org: FakeOrg, fake_cli: FakeAws,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from consolezero.cli.app import app

    runner = CliRunner()
    root = str(jit_org.root)
    assert runner.invoke(app, ["apply", root, "--auto-approve", "--now", "2026-11-20T10:05:00Z"]).exit_code == 0
    assert len(alice_assignments(jit_org)) == 1
    text = runner.invoke(app, ["plan", root, "--now", "2026-11-20T11:05:00Z"]).stdout
    assert "  ~ end sessions of alice@example.com in Admin on prod-app issued before 2026-11-20T11:00:00Z" in text
    assert "  - unassign Admin from user:alice@example.com on account:prod-app" in text
    data = json.loads(runner.invoke(app, ["plan", root, "--now", "2026-11-20T11:05:00Z", "--format", "json"]).stdout)
    assert [(c["op"], c["kind"], c["name"], c["target"]) for c in data["changes"]] == [
        ("update", "permission_set", "Admin", "account:prod-app"),
        ("unassign", "assignment", "Admin", "account:prod-app")]
    result = runner.invoke(app, ["apply", root, "--auto-approve", "--now", "2026-11-20T11:05:00Z"])
    assert result.exit_code == 0, result.output
    assert alice_assignments(jit_org) == [] and admin_inline(jit_org) is not None
    monkeypatch.setenv("CONSOLEZERO_MAIN_REF", "trunk")  # a named main that does not exist: refused, not guessed
    bad = runner.invoke(app, ["plan", root])
    assert bad.exit_code == 2  # a plan error: apply refuses it too
    assert "Error: --main-ref (or CONSOLEZERO_MAIN_REF): no trunk in the git repository" in bad.stdout
    assert runner.invoke(app, ["apply", root, "--auto-approve"]).exit_code == 1


def test_the_engine_reads_the_statement_the_role_stays_what_it_was_for_everyone_else() -> None:
    from consolezero.policy.catalog import load_catalog
    from consolezero.policy.conditions import Context, permission_set_role_arn
    from consolezero.policy.document import parse_policy
    from consolezero.policy.evaluate import Evaluator, Labeled

    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    ended = {"Version": "2012-10-17", "Statement": [session_statement("alice-id", "333333333333",
                                                                      t("2026-11-20T11:00:00Z"))]}
    evaluator = Evaluator(load_catalog())
    identity = [Labeled("AdministratorAccess", parse_policy(admin)), Labeled("inline", parse_policy(ended))]

    def access(user_id: str, account: str):
        context = Context(permission_set_role_arn(account, "Admin"), account, "AssumedRole",
                          extra={"identitystore:UserId": user_id})
        return evaluator.evaluate(identity, None, None, context).access

    plain = evaluator.evaluate([identity[0]], None, None, Context.for_permission_set("333333333333", "Admin")).access
    assert access("bob-id", "333333333333") == plain  # everyone else: exactly what the role gives
    assert access("alice-id", "444444444444") == plain  # alice elsewhere: untouched
    alice = access("alice-id", "333333333333")  # alice here: denied for sessions issued before the expiry
    assert alice.certain == 0 and alice.possible == plain.possible  # (the issue time is not known offline)


def test_a_flood_of_expiries_over_the_inline_policy_limit_is_a_plan_error_with_the_count(jit_org: FakeOrg) -> None:
    repo = jit_org.repo()
    apply_at(jit_org, "2026-11-20T09:30:00Z")
    live = read_live(jit_org.port(), repo.model)
    from consolezero.plan.live import Principal

    users = [f"user{i:03d}@example.com" for i in range(60)]
    live = type(live)(**{**live.__dict__, "principals": live.principals + tuple(
        Principal("USER", u, f"90000000-0000-0000-0000-{i:012d}") for i, u in enumerate(users))})
    now = t("2026-11-20T11:30:00Z")
    windows = tuple(Window(u, "Admin", "prod-app", now - timedelta(hours=1, minutes=i % 30),
                           now - timedelta(minutes=1 + i % 30), (f"requests/admin/2026-11/{u}.yaml",))
                    for i, u in enumerate(users))
    plan = build_plan(repo.model, live, grants=Grants(now=now, windows=windows))
    assert len(plan.errors) == 1
    error = plan.errors[0]
    assert error.startswith("roles/admin.yaml: the inline policy of permission set Admin would be ")
    assert f"over the {ROLE_POLICY_MAX_CHARS:,} non-whitespace characters" in error
    assert "with 60 session-ending" in error
    assert INLINE_POLICY_MAX_BYTES == 32_768
    few = build_plan(repo.model, live, grants=Grants(now=now, windows=windows[:20]))
    assert not few.errors and len([c for c in few.changes if c.details.get("end_sessions")]) == 20


class _Recording:
    """The port, its calls named in order; ``put_events`` refused when ``refuse_events``."""

    def __init__(self, inner: FakeAws, refuse_events: bool = False) -> None:
        self._inner, self.refuse_events, self.calls = inner, refuse_events, []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            if name == "put_events" and self.refuse_events:
                raise AwsError("AccessDeniedException", "not authorized to perform: events:PutEvents", "put_events")
            return attr(*args, **kwargs)

        return wrapped if callable(attr) else attr


def test_a_fallback_grant_is_alerted_before_it_is_assigned_and_not_assigned_unalerted(fake: FakeAws,
                                                                                      tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS)
    text = (root / ALICE).read_text(encoding="utf-8") + "ticket_fallback: true\n"
    shutil.rmtree(root / "requests")
    org = seed_repository(fake, root, ("alice@example.com",))
    init_main(root, "2026-11-20T09:00:00Z")
    apply_at(org, "2026-11-20T09:30:00Z")  # the alerts exist before any grant
    merge_branch(root, "alice-admin", {ALICE: text}, "2026-11-20T10:00:00Z")
    plan = plan_at(org, "2026-11-20T10:05:00Z")
    assign = next(c for c in plan.changes if c.op == "assign")
    assert assign.action.ticket_fallback == (TicketRef(file=ALICE, ticket="OPS-1234"),)
    refused = _Recording(fake, refuse_events=True)
    with pytest.raises(StepFailed, match="events:PutEvents"):
        run_apply(org.repo(), refused, now=t("2026-11-20T10:05:00Z"))
    assert "start_create_assignment" not in refused.calls and alice_assignments(org) == []  # no alert, no grant
    assert fake.events == []

    recording = _Recording(fake)
    run_apply(org.repo(), recording, now=t("2026-11-20T10:05:00Z"))  # a re-run sends it, then grants
    assert recording.calls.index("put_events") < recording.calls.index("start_create_assignment")
    assert alice_assignments(org) != []
    [(account, region, entry)] = fake.events
    assert (account, region) == (org.ids["security"], "us-east-1")
    assert entry["EventBusName"] == f"arn:aws:events:us-east-1:{org.ids['security']}:event-bus/consolezero-alerts"
    assert (entry["Source"], entry["DetailType"]) == ("consolezero", "JIT grant via ticket fallback")
    assert json.loads(str(entry["Detail"])) == {"user": "alice@example.com", "role": "Admin", "account": "prod-app",
                                                "ticket": "OPS-1234", "file": ALICE, "ticket_fallback": True}
