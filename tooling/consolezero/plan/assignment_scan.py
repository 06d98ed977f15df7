"""The complete assignment scan: every assignment of every managed permission set, whoever holds it, so
that nothing granted outside git (an assignment made by hand in the console, to a principal the
repository never names) survives a reconcile.

Two complete ways exist; the scan takes the cheaper one:

- by account: the accounts each managed set is provisioned to (ListAccountsForProvisionedPermissionSet,
  one call per set: an assignment always provisions its set to its account), then the set's assignments
  in each of them (ListAccountAssignments, one call per provisioned (account, set) pair): grows with
  accounts x sets;
- by principal: every group and user of the identity store (ListGroups / ListUsers, one call per 100),
  then the assignments of each one the plan has not read already (ListAccountAssignmentsForPrincipal,
  one call per principal): grows with people, not accounts.

The first step of the first way is always taken (it sizes the second). When it finds more pairs than
:data:`LIST_PRINCIPALS_ABOVE`, the identity store is listed and the way with fewer calls is used; the
listing also names every principal, so a hand-made assignment shows as `user:jane@example.com`, not an
opaque id. Reads run in parallel (:data:`WORKERS` in flight) under the port's client-side rate limit
(``port.read_rate()`` calls per second: 20 against AWS, none against a local emulator), with botocore's
adaptive retries for any throttling beyond it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from consolezero.integrations.aws.port import AwsPort, LiveAssignment, LivePermissionSet, SsoInstance

WORKERS = 8
LIST_PRINCIPALS_ABOVE = 100  # provisioned (account, set) pairs above which listing the identity store may pay

T = TypeVar("T")
R = TypeVar("R")


class Throttle:
    """At most ``rate`` starts per second across threads (a leaky bucket)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = self.clock()
            start = max(now, self.next)
            self.next = start + self.interval
        if start > now:
            self.sleep(start - now)


def parallel(func: Callable[[T], R], items: Sequence[T], throttle: Throttle, workers: int = WORKERS) -> list[R]:
    """``[func(x) for x in items]`` with up to ``workers`` in flight; the first error is raised."""
    def call(item: T) -> R:
        throttle.wait()
        return func(item)

    if len(items) <= 1 or workers <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="consolezero-scan") as pool:
        return list(pool.map(call, items))


@dataclass
class ScanResult:
    assignments: list[LiveAssignment] = field(default_factory=list)
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (type, id) -> name, for who holds what
    way: str = "by account"
    calls: int = 0


def scan_assignments(port: AwsPort, sso: SsoInstance, permission_sets: Iterable[LivePermissionSet],
                     already_read: set[tuple[str, str]], throttle: Throttle | None = None) -> ScanResult:
    """Every assignment of the managed ``permission_sets``; ``already_read``: principals (type, id) whose
    assignments the caller has read (their assignments need no second read)."""
    throttle = throttle or Throttle(port.read_rate())
    managed = [ps.arn for ps in permission_sets if ps.managed]
    result = ScanResult()
    provisioned = parallel(lambda arn: port.accounts_for_permission_set(sso.instance_arn, arn), managed, throttle)
    result.calls += len(managed)
    pairs = [(account, arn) for arn, accounts in zip(managed, provisioned, strict=True) for account in accounts]
    principals: list[tuple[str, str, str]] | None = None
    if len(pairs) > LIST_PRINCIPALS_ABOVE:
        principals = port.list_principals(sso.identity_store_id)
        result.calls += 2 + len(principals) // 100
        result.names = {(kind, pid): name for kind, pid, name in principals}
    unread = [(kind, pid) for kind, pid, _ in principals or () if (kind, pid) not in already_read]
    arns = set(managed)
    if principals is not None and len(unread) < len(pairs):
        result.way = "by principal"
        found = parallel(lambda p: port.assignments_for_principal(sso.instance_arn, p[0], p[1]), unread, throttle)
        result.calls += len(unread)
        result.assignments = [a for batch in found for a in batch if a.permission_set_arn in arns]
        return result
    found = parallel(lambda pair: port.account_assignments(sso.instance_arn, pair[0], pair[1]), pairs, throttle)
    result.calls += len(pairs)
    result.assignments = [a for batch in found for a in batch]
    if principals is None:  # name the holders the caller does not know (usually none, or a few)
        unknown = sorted({(a.principal_type, a.principal_id) for a in result.assignments} - already_read)
        names = parallel(lambda p: port.principal_name(sso.identity_store_id, p[0], p[1]), unknown, throttle)
        result.calls += len(unknown)
        result.names = {p: n for p, n in zip(unknown, names, strict=True) if n}
    return result
