"""Safe at every step: a fault after each mutating call in turn, then a re-run converges, and no
root, OU or account is ever seen with zero SCPs (or no Allow) at any point -- checked after every
mutating call. Every fault point runs on the in-memory fake (which, like AWS, refuses to detach a last
SCP); on the emulator, over real boto3 and HTTP (moto does not enforce the last-policy rule: its memory is
read after each call), a fault after each kind of mutating call the two applies make, each in the re-run of
the run the fault before stopped, and every run plans and makes the same mutating calls as on the fake."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_helpers import Aws, FaultyPort, check_emulator_targets, set_account_ids

from consolezero.apply.executor import StepFailed, run_apply
from consolezero.core.repository import load_repository
from consolezero.devtools.seed import seed_emulator
from consolezero.plan.build import build_plan
from consolezero.plan.live import read_live
from fake_aws import FakeAws
from support import check_every_target_has_an_allow

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
MEMBERS = [("sandbox", "aws+sandbox@example.com"), ("app", "aws+app@example.com")]


@dataclass
class Org:
    """A fresh organization on one backend: its port, the repository, the account ids, and the invariant check
    that runs after every mutating call (moto's memory read directly; the fake through its port)."""

    port: Any
    root: Path
    ids: dict[str, str]
    check: Callable[[], None]


def fresh(emulator, tmp: Path, state: dict[str, str]) -> Org:
    """The emulator, reset and seeded with the two member accounts and the group."""
    import boto3

    from consolezero.integrations.aws.boto import EMULATOR_CREDENTIALS

    emulator.reset()
    if "session" not in _PORTS:
        _PORTS["session"] = boto3.session.Session(region_name="us-east-1", **EMULATOR_CREDENTIALS)
    aws = Aws(url=emulator.url, session=_PORTS["session"])
    seed = seed_emulator(aws.url, MEMBERS, ["engineers"], REGION)
    ids = {**seed.account_ids, "management": seed.management_id}
    root = tmp / "repo"
    write_state(root, state, ids)
    if aws.url not in _PORTS:  # one port (so one set of boto3 clients) per emulator: client creation is slow
        _PORTS[aws.url] = aws.port()
    return Org(_PORTS[aws.url], root, ids, check_emulator_targets)


def fresh_fake(tmp: Path, state: dict[str, str]) -> Org:
    """The same organization in the in-memory fake (which also refuses, as AWS does, to detach a last SCP)."""
    fake = FakeAws()
    seed = fake.seed_organization(MEMBERS, ["engineers"])
    ids = {**seed.account_ids, "management": seed.management_id}
    root = tmp / "repo"
    write_state(root, state, ids)
    return Org(fake, root, ids, lambda: check_every_target_has_an_allow(fake))


def converge(org: Org, fail_at: int | None, plans: list[list[str]] | None = None) -> tuple[FaultyPort, bool]:
    """Apply (with a fault after the ``fail_at``th mutating call): the port's record, and whether it failed. The
    plan it runs goes to ``plans`` (its changes' summaries)."""
    port = FaultyPort(org.port, fail_at=fail_at, check=org.check)

    def confirm(plan: Any) -> bool:
        if plans is not None:
            plans.append([c.summary for c in plan.changes])
        return True

    try:
        run_apply(load_repository(org.root), port, confirm=confirm)
    except StepFailed as exc:
        assert "InjectedFault" in str(exc.cause)
        return port, True
    return port, False


def assert_converged(org: Org) -> None:
    repo = load_repository(org.root)
    plan = build_plan(repo.model, read_live(org.port, repo.model))
    assert not plan.errors, plan.errors
    assert plan.changes == (), [c.summary for c in plan.changes]
    org.check()


PHASES = (("first apply", STATE_A), ("transition", STATE_B))


def mutating_calls(org: Org) -> dict[str, list[str]]:
    """The mutating calls (port method names, in order) of each apply, without a fault."""
    made = {}
    for name, state in PHASES:
        write_state(org.root, state, org.ids)
        made[name] = converge(org, None)[0].calls
        assert_converged(org)
    return made


Run = tuple[list[str], list[str]]  # a run's plan (its changes' summaries) and its mutating calls, up to a fault


def fault_rounds(new_org: Callable[[Path], Org], tmp_path: Path,
                 points: dict[str, list[list[int]]]) -> dict[str, list[list[Run]]]:
    """Round i: apply state A to a fresh organization with a fault after the mutating call ``points["first
    apply"][i][0]``, re-run (with a fault after the re-run's ``[i][1]``th call, and so on, then without one),
    check A; then the transition to state B (allow-list strategy: FullAWSAccess detached; a new OU and a moved
    account; SCPs changed, retargeted and deleted; permission sets updated, created and deleted) with the faults
    ``points["transition"][i]``, the same way, check B. An apply whose rounds are used up runs without a fault.
    Returns each faulted apply's runs, the fault-free re-run last."""
    runs: dict[str, list[list[Run]]] = {name: [] for name, _ in PHASES}
    for i in range(max(len(p) for p in points.values())):
        org = new_org(tmp_path / f"run{i}")
        for name, state in PHASES:
            write_state(org.root, state, org.ids)
            faults = points[name][i] if i < len(points[name]) else []
            made: list[Run] = []
            for fail_at in [*faults, None]:
                plans: list[list[str]] = []
                port, failed = converge(org, fail_at, plans)
                assert failed == (fail_at is not None), (name, faults, port.calls)
                made.append((plans[0] if plans else [], port.calls))  # no plan to confirm: nothing to do
            if faults:
                runs[name].append(made)
                assert_converged(org)
    return runs


def fault_points(tmp_path: Path) -> dict[str, list[list[int]]]:
    """Where the emulator's faults go, found on the fake: each apply fails right after its first call of a kind
    (port method) no fault has come after yet, its re-run likewise, and so on while the re-run makes such a
    call; then the re-run left fails after its last call. So every kind of mutating call either apply makes
    gets a fault, as do the first call of the first apply and the last of each. One round: each apply's faults,
    each counted in the run it stops."""
    org = fresh_fake(tmp_path, STATE_A)
    faulted: set[str] = set()
    points: dict[str, list[list[int]]] = {}
    for name, state in PHASES:
        write_state(org.root, state, org.ids)
        chain: list[int] = []
        while True:
            port = FaultyPort(org.port, check=org.check, fail_when=lambda calls: calls[-1] not in faulted)
            try:
                run_apply(load_repository(org.root), port)
            except StepFailed:
                chain.append(len(port.calls))
                faulted.add(port.calls[-1])
                continue
            points[name] = [chain + [len(port.calls)] if port.calls else chain]
            break
    return points


def faulted_calls(runs: dict[str, list[list[Run]]]) -> set[str]:
    """The kinds of mutating call a fault came right after."""
    return {calls[-1] for rounds in runs.values() for made in rounds for _, calls in made[:-1]}


def test_a_fault_after_each_mutating_call_then_a_rerun_converges(tmp_path: Path) -> None:
    """Every fault point, on the in-memory fake (it enforces AWS's last-policy rule; the Allow is checked after
    every mutating call); one re-run finishes the apply."""
    calls = mutating_calls(fresh_fake(tmp_path / "clean", STATE_A))
    assert len(calls["first apply"]) >= 15 and len(calls["transition"]) >= 20, calls
    runs = fault_rounds(lambda tmp: fresh_fake(tmp, STATE_A), tmp_path,
                        {name: [[n] for n in range(1, len(made) + 1)] for name, made in calls.items()})
    for name, made in calls.items():  # up to the fault, the calls of the apply without one
        assert [faulted[1] for (faulted, _) in runs[name]] == [made[:n] for n in range(1, len(made) + 1)]
    assert faulted_calls(runs) == {*calls["first apply"], *calls["transition"]}


def test_a_fault_after_each_kind_of_mutating_call_converges_on_the_emulator(emulator, tmp_path: Path) -> None:
    """The same over real boto3 and HTTP, in one organization: a fault after each kind of mutating call, and after
    the first and the last call of each apply (:func:`fault_points`), each in the re-run of the run the fault
    before stopped. Every run plans the same changes and makes the same mutating calls as on the fake, so each
    fault leaves the emulator where it leaves the fake, and the re-run from there plans what the fake's does
    (the exhaustive run above shows that one re-run converges after any single fault); the last re-run
    converges on the emulator too."""
    calls = mutating_calls(fresh_fake(tmp_path / "clean", STATE_A))
    points = fault_points(tmp_path / "points")
    runs = fault_rounds(lambda tmp: fresh(emulator, tmp, STATE_A), tmp_path / "emulator", points)
    assert faulted_calls(runs) == {*calls["first apply"], *calls["transition"]}  # every kind got a fault
    assert len(faulted_calls(runs)) >= 12 and sum(len(made) - 1 for r in runs.values() for made in r) >= 15
    assert runs["first apply"][0][0][1] == calls["first apply"][:1]  # the first call of the first apply
    assert [made[-1][1] for made in (runs["first apply"][0], runs["transition"][0])] == [[], []]  # and the last
    assert runs == fault_rounds(lambda tmp: fresh_fake(tmp, STATE_A), tmp_path / "fake", points)


def test_transition_plan_shape(tmp_path: Path) -> None:
    org = fresh_fake(tmp_path, STATE_A)
    converge(org, None)
    write_state(org.root, STATE_B, org.ids)
    repo = load_repository(org.root)
    plan = build_plan(repo.model, read_live(org.port, repo.model))
    got = [(c.op, c.name, c.target) for c in plan.changes]
    assert ("detach", "FullAWSAccess", "ou:Workloads") in got
    assert ("detach", "FullAWSAccess", "account:app") in got
    assert ("detach", "FullAWSAccess", "ou:Workloads/Prod") in got  # AWS attaches it to the new OU
    assert ("attach", "AllowAll", "ou:Workloads/Prod") in got
    assert got.index(("attach", "AllowAll", "ou:Workloads")) < got.index(("detach", "FullAWSAccess", "ou:Workloads"))
    assert ("detach", "DenyLeave", "root") in got and ("delete", "DenyLeave", "") in got
    assert ("move", "app", "ou:Workloads/Prod") in got
    assert got[-1] == ("delete", "Old", "")
    converge(org, None)
    assert_converged(org)
    check_every_target_has_an_allow(org.port)  # the same invariant, read through the port


def test_full_aws_access_stays_where_nothing_else_would_allow(tmp_path: Path) -> None:
    org = fresh_fake(tmp_path, STATE_A)
    converge(org, None)
    no_allow_on_app = {**STATE_B, "scps/allow-all.yaml": STATE_B["scps/allow-all.yaml"].replace(
        ', "account:app"', "")}
    write_state(org.root, no_allow_on_app, org.ids)
    repo = load_repository(org.root)
    plan = build_plan(repo.model, read_live(org.port, repo.model))
    got = [(c.op, c.name, c.target) for c in plan.changes]
    assert ("detach", "FullAWSAccess", "account:app") not in got
    assert ("detach", "FullAWSAccess", "ou:Workloads") in got
    assert any(w.startswith("FullAWSAccess stays attached to account:app") for w in plan.warnings)
    converge(org, None)
    assert_converged(org)
