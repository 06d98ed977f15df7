"""The complete assignment scan on an in-memory port: complete either way, the cheaper way taken, holders named."""

from __future__ import annotations

import threading

from consolezero.integrations.aws.port import LiveAssignment, LivePermissionSet, SsoInstance
from consolezero.plan.assignment_scan import Throttle, parallel, scan_assignments

SSO = SsoInstance(instance_arn="arn:aws:sso:::instance/ssoins-1", identity_store_id="d-1")
MANAGED = {"managed-by": "consolezero"}


class FakePort:
    def __init__(self, accounts: int, people: int) -> None:
        self.calls: list[str] = []
        self.lock = threading.Lock()
        self.sets = [LivePermissionSet(arn=f"ps-{i}", name=f"Set{i}", description="", session_duration="PT1H",
                                       tags=MANAGED) for i in range(2)]
        self.assignments = [LiveAssignment(f"{a:012d}", "ps-0", "GROUP", "g-everyone") for a in range(accounts)]
        self.assignments.append(LiveAssignment("000000000000", "ps-1", "USER", "u-stranger"))
        self.assignments.append(LiveAssignment("000000000000", "ps-unmanaged", "USER", "u-stranger"))
        self.principals = [("GROUP", "g-everyone", "everyone"), ("USER", "u-stranger", "stranger@example.com")]
        self.principals += [("USER", f"u-{i}", f"user{i}@example.com") for i in range(people)]

    def _count(self, name: str) -> None:
        with self.lock:
            self.calls.append(name)

    def accounts_for_permission_set(self, instance_arn: str, arn: str, outdated_only: bool = False) -> list[str]:
        self._count("ListAccountsForProvisionedPermissionSet")
        return sorted({a.account_id for a in self.assignments if a.permission_set_arn == arn})

    def account_assignments(self, instance_arn: str, account_id: str, arn: str) -> list[LiveAssignment]:
        self._count("ListAccountAssignments")
        return [a for a in self.assignments if a.account_id == account_id and a.permission_set_arn == arn]

    def list_principals(self, identity_store_id: str) -> list[tuple[str, str, str]]:
        self._count("ListGroups+ListUsers")
        return list(self.principals)

    def assignments_for_principal(self, instance_arn: str, kind: str, pid: str) -> list[LiveAssignment]:
        self._count("ListAccountAssignmentsForPrincipal")
        return [a for a in self.assignments if (a.principal_type, a.principal_id) == (kind, pid)]

    def principal_name(self, identity_store_id: str, kind: str, pid: str) -> str | None:
        self._count("Describe")
        return next((n for k, i, n in self.principals if (k, i) == (kind, pid)), None)


def _managed(port: FakePort) -> set[LiveAssignment]:
    return {a for a in port.assignments if a.permission_set_arn != "ps-unmanaged"}


def test_few_accounts_read_by_account_and_name_the_unknown_holder() -> None:
    port = FakePort(accounts=10, people=5)
    result = scan_assignments(port, SSO, port.sets, {("GROUP", "g-everyone")}, Throttle(0))
    assert result.way == "by account" and set(result.assignments) == _managed(port)
    assert result.names == {("USER", "u-stranger"): "stranger@example.com"}
    assert len(port.calls) == result.calls == 2 + 11 + 1  # 2 sets, 11 (account, set) pairs, 1 describe


def test_many_accounts_read_by_principal_when_that_is_cheaper() -> None:
    port = FakePort(accounts=1000, people=20)
    result = scan_assignments(port, SSO, port.sets, {("GROUP", "g-everyone")}, Throttle(0))
    read_already = {a for a in _managed(port) if a.principal_id == "g-everyone"}
    assert result.way == "by principal"  # the caller read everyone's; the rest is found, unmanaged sets left out
    assert set(result.assignments) == _managed(port) - read_already
    assert result.names[("USER", "u-stranger")] == "stranger@example.com"
    assert port.calls.count("ListAccountAssignmentsForPrincipal") == 21  # everyone not already read
    assert len(port.calls) == 2 + 1 + 21


def test_many_accounts_and_more_people_read_by_account() -> None:
    port = FakePort(accounts=150, people=400)
    result = scan_assignments(port, SSO, port.sets, {("GROUP", "g-everyone")}, Throttle(0))
    assert result.way == "by account" and set(result.assignments) == _managed(port)
    assert port.calls.count("ListAccountAssignments") == 151  # 150 + the stranger's; 401 principals would cost more


def test_the_throttle_spaces_starts_and_parallel_raises_the_first_error() -> None:
    now = [0.0]
    slept: list[float] = []
    throttle = Throttle(10.0, clock=lambda: now[0], sleep=slept.append)
    for _ in range(3):
        throttle.wait()
    assert slept == [0.1, 0.2]

    def boom(x: int) -> int:
        if x == 3:
            raise ValueError("three")
        return x

    assert parallel(lambda x: x * 2, list(range(20)), Throttle(0)) == [x * 2 for x in range(20)]
    try:
        parallel(boom, list(range(10)), Throttle(0))
    except ValueError as exc:
        assert str(exc) == "three"
    else:  # pragma: no cover
        raise AssertionError("the error was swallowed")
