"""Safe at every step: a fault after each mutating call in turn, then a re-run converges, and no
root, OU or account is ever seen with zero SCPs (or no Allow) at any point -- checked after every
mutating call, because moto does not enforce AWS's last-policy rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

from aws_helpers import Aws, FaultyPort, check_emulator_targets, check_every_target_has_an_allow, set_account_ids

from consolezero.apply.executor import StepFailed, run_apply
from consolezero.core.repository import load_repository
from consolezero.devtools.seed import seed_emulator
from consolezero.plan.build import build_plan
from consolezero.plan.live import read_live

REGION = "eu-west-1"

COMMON = {
    "accounts/organization.yaml": """
        management_account: management
        jit_account: management
        identity_center: {region: eu-west-1}
        groups: [engineers]
    """,
    "accounts/management.yaml": 'id: "000000000000"\nemail: aws+management@example.com\n',
    "accounts/Sandbox/sandbox.yaml": 'id: "000000000000"\nemail: aws+sandbox@example.com\n',
    "roles/readonly.yaml": """
        name: ReadOnly
        session_duration: PT8H
        managed_policies: [ReadOnlyAccess]
        access: standing
        assignments: [{group: engineers, targets: [root]}]
    """,
}

STATE_A = {
    **COMMON,
    "accounts/Workloads/app.yaml": 'id: "000000000000"\nemail: aws+app@example.com\n',
    "scps/deny-leave.yaml": """
        name: DenyLeave
        targets: [root]
        policy:
          Version: "2012-10-17"
          Statement: [{Sid: DenyLeave, Effect: Deny, Action: "organizations:LeaveOrganization", Resource: "*"}]
    """,
    "scps/guard.yaml": """
        name: Guard
        targets: ["ou:Workloads"]
        policy:
          Version: "2012-10-17"
          Statement: [{Sid: Guard, Effect: Deny, Action: "ec2:DeleteVpc", Resource: "*"}]
    """,
    "roles/old.yaml": """
        name: Old
        managed_policies: [AWSSupportAccess]
        access: standing
        assignments: [{group: engineers, targets: ["ou:Sandbox"]}]
    """,
}

STATE_B = {  # allow-list strategy, a new OU, a moved account, an SCP changed, one deleted, roles changed
    **COMMON,
    "roles/readonly.yaml": COMMON["roles/readonly.yaml"].replace("PT8H", "PT4H") + """
        inline_policy:
          Version: "2012-10-17"
          Statement: [{Effect: Deny, Action: "s3:GetObject", Resource: "arn:aws:s3:::secrets/*"}]
    """,
    "accounts/Workloads/Prod/app.yaml": 'id: "000000000000"\nemail: aws+app@example.com\n',
    "scps/guard.yaml": """
        name: Guard
        targets: ["ou:Sandbox"]
        policy:
          Version: "2012-10-17"
          Statement: [{Sid: Guard, Effect: Deny, Action: ["ec2:DeleteVpc", "ec2:DeleteSubnet"], Resource: "*"}]
    """,
    "scps/allow-all.yaml": """
        name: AllowAll
        targets: ["ou:Workloads", "ou:Workloads/Prod", "account:app"]
        policy:
          Version: "2012-10-17"
          Statement: [{Sid: AllowAll, Effect: Allow, Action: "*", Resource: "*"}]
    """,
    "scps/full-aws-access.yaml": """
        name: FullAWSAccess
        aws_managed: FullAWSAccess
        targets: [root, "ou:Sandbox", "account:management", "account:sandbox"]
    """,
    "roles/dev.yaml": """
        name: Dev
        session_duration: PT2H
        managed_policies: [PowerUserAccess]
        access: standing
        assignments: [{group: engineers, targets: ["ou:Workloads"]}]
    """,
}


def write_state(root: Path, files: dict[str, str], ids: dict[str, str]) -> None:
    for sub in ("accounts", "scps", "roles"):
        for path in sorted((root / sub).rglob("*"), reverse=True) if (root / sub).exists() else ():
            if path.is_file():
                path.unlink()
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    set_account_ids(root, ids)


_PORTS: dict[str, object] = {}  # one boto3 session and one port for the module: both are slow to create


def fresh(emulator, tmp: Path, state: dict[str, str]) -> tuple[Aws, Path, dict[str, str]]:
    import boto3

    from consolezero.integrations.aws.boto import EMULATOR_CREDENTIALS

    emulator.reset()
    if "session" not in _PORTS:
        _PORTS["session"] = boto3.session.Session(region_name="us-east-1", **EMULATOR_CREDENTIALS)
    aws = Aws(url=emulator.url, session=_PORTS["session"])
    seed = seed_emulator(aws.url, [("sandbox", "aws+sandbox@example.com"), ("app", "aws+app@example.com")],
                         ["engineers"], REGION)
    ids = {**seed.account_ids, "management": seed.management_id}
    root = tmp / "repo"
    write_state(root, state, ids)
    return aws, root, ids


def shared_port(aws: Aws) -> object:
    """One port (so one set of boto3 clients) per emulator: client creation is the slow part."""
    if aws.url not in _PORTS:
        _PORTS[aws.url] = aws.port()
    return _PORTS[aws.url]


def converge(aws: Aws, root: Path, fail_at: int | None) -> tuple[FaultyPort, bool]:
    port = FaultyPort(shared_port(aws), fail_at=fail_at, check=check_emulator_targets)
    try:
        run_apply(load_repository(root), port)
    except StepFailed as exc:
        assert "InjectedFault" in str(exc.cause)
        return port, True
    return port, False


def assert_converged(aws: Aws, root: Path) -> None:
    repo = load_repository(root)
    plan = build_plan(repo.model, read_live(shared_port(aws), repo.model))
    assert not plan.errors, plan.errors
    assert plan.changes == (), [c.summary for c in plan.changes]
    check_emulator_targets()


def test_a_fault_after_each_mutating_call_then_a_rerun_converges(emulator, tmp_path: Path) -> None:
    """Round n: apply state A to a fresh organization with a fault after its nth mutating call, re-run,
    check A; then the transition to state B (allow-list strategy: FullAWSAccess detached; a new OU and
    a moved account; SCPs changed, retargeted and deleted; permission sets updated, created and
    deleted) with a fault after its nth mutating call, re-run, check B. Until no fault is left to inject."""
    steps: dict[str, int] = {}
    n = 1
    while len(steps) < 2:
        aws, root, ids = fresh(emulator, tmp_path / f"run{n}", STATE_A)
        for name, state in (("first apply", STATE_A), ("transition", STATE_B)):
            if state is STATE_B:
                write_state(root, STATE_B, ids)
            if name in steps:
                converge(aws, root, None)
            else:
                port, failed = converge(aws, root, fail_at=n)
                if failed:
                    assert not converge(aws, root, None)[1]  # the re-run after the failure
                else:
                    assert len(port.calls) == n - 1
                    steps[name] = n - 1
            assert_converged(aws, root)
        n += 1
    assert steps["first apply"] >= 15 and steps["transition"] >= 20, steps


def test_transition_plan_shape(emulator, tmp_path: Path) -> None:
    aws, root, ids = fresh(emulator, tmp_path, STATE_A)
    converge(aws, root, None)
    write_state(root, STATE_B, ids)
    repo = load_repository(root)
    plan = build_plan(repo.model, read_live(aws.port(), repo.model))
    got = [(c.op, c.name, c.target) for c in plan.changes]
    assert ("detach", "FullAWSAccess", "ou:Workloads") in got
    assert ("detach", "FullAWSAccess", "account:app") in got
    assert ("detach", "FullAWSAccess", "ou:Workloads/Prod") in got  # AWS attaches it to the new OU
    assert ("attach", "AllowAll", "ou:Workloads/Prod") in got
    assert got.index(("attach", "AllowAll", "ou:Workloads")) < got.index(("detach", "FullAWSAccess", "ou:Workloads"))
    assert ("detach", "DenyLeave", "root") in got and ("delete", "DenyLeave", "") in got
    assert ("move", "app", "ou:Workloads/Prod") in got
    assert got[-1] == ("delete", "Old", "")
    converge(aws, root, None)
    assert_converged(aws, root)
    check_every_target_has_an_allow(aws.port())  # the same invariant, over HTTP


def test_full_aws_access_stays_where_nothing_else_would_allow(emulator, tmp_path: Path) -> None:
    aws, root, ids = fresh(emulator, tmp_path, STATE_A)
    converge(aws, root, None)
    no_allow_on_app = {**STATE_B, "scps/allow-all.yaml": STATE_B["scps/allow-all.yaml"].replace(
        ', "account:app"', "")}
    write_state(root, no_allow_on_app, ids)
    repo = load_repository(root)
    plan = build_plan(repo.model, read_live(shared_port(aws), repo.model))
    got = [(c.op, c.name, c.target) for c in plan.changes]
    assert ("detach", "FullAWSAccess", "account:app") not in got
    assert ("detach", "FullAWSAccess", "ou:Workloads") in got
    assert any(w.startswith("FullAWSAccess stays attached to account:app") for w in plan.warnings)
    converge(aws, root, None)
    assert_converged(aws, root)
