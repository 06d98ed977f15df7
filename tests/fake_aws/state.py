"""The shared state of :class:`fake_aws.FakeAws`: AWS's constants and shapes, and :class:`FakeState`.

FakeState holds what every area reads and writes (the organization and its SCPs, permission sets and assignments,
the identity store, IAM users in member accounts, alert resources), the one counter all ids come from, the
caller's credentials and pace, the lookups several areas share (a target or parent exists, an account joins),
the asynchronous requests (IN_PROGRESS for ``polls`` status calls, then SUCCEEDED or FAILED), and the inspection
helpers where the port has no method. Each AWS area is a mixin on FakeState; :mod:`fake_aws.fake` composes them.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from consolezero.integrations.aws.port import (
    FULL_AWS_ACCESS,
    FULL_AWS_ACCESS_ID,
    AsyncStatus,
    AwsError,
    BoundaryRef,
    LiveAssignment,
)

MANAGEMENT_ID = "123456789012"
FULL_ACCESS_CONTENT = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
PENDING = "PendingConfirmation"
CONFIRMED_LATER = frozenset({"email", "email-json", "http", "https"})
REPORT_COLUMNS = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
                  "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
                  "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
                  "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
                  "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
                  "cert_2_active,cert_2_last_rotated")
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def session_hours(duration: str) -> float | None:
    """PT8H / PT90M / PT1H30M -> hours; None when it is not such a duration."""
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration or "")
    if not m or not any(m.groups()):
        return None
    h, mins, s = (int(g or 0) for g in m.groups())
    return h + mins / 60 + s / 3600


@dataclass
class _Policy:
    name: str
    description: str
    content: str
    tags: dict[str, str]
    aws_managed: bool = False


@dataclass
class _PermissionSet:
    name: str
    description: str
    session_duration: str
    tags: dict[str, str]
    managed: list[str] = field(default_factory=list)
    customer: list[tuple[str, str]] = field(default_factory=list)
    inline: str | None = None
    boundary: BoundaryRef | None = None
    outdated: set[str] = field(default_factory=set)


@dataclass
class _Key:
    id: str
    created: datetime
    status: str = "Active"
    last_used: datetime | None = None
    service: str = "s3"
    region: str = "us-east-1"


@dataclass
class _IamUser:
    name: str
    path: str
    created: datetime
    mfa: list[str] = field(default_factory=list)
    keys: list[_Key] = field(default_factory=list)
    password: bool = False


@dataclass
class _Request:
    kind: str  # create_account | provision | assign | unassign
    polls_left: int
    effect: Callable[[], str | None]  # runs once, on success; returns the result id (a new account's)
    failure: str | None = None
    result_id: str | None = None
    done: bool = False


@dataclass(frozen=True)
class FakeSeed:
    """What :meth:`FakeAws.seed_organization` made: the fields of devtools.seed's SeededOrganization."""

    management_id: str
    account_ids: dict[str, str]
    instance_arn: str
    identity_store_id: str
    group_ids: dict[str, str]


class FakeState:
    """One organization's state in memory, its ids, and the helpers that every area shares."""

    def __init__(self, *, polls: int = 0, scp_max_chars: int = 10_240, max_attachments: int = 10,
                 management_id: str = MANAGEMENT_ID, management_name: str = "master",
                 management_email: str = "master@example.com", access_key_id: str = "ASIAFAKEEXAMPLE00001",
                 caller_arn: str | None = None, now: datetime = datetime(2026, 11, 1, tzinfo=UTC),
                 read_rate: float = 0.0) -> None:
        self.polls = polls
        self.rate = read_rate  # parallel reads per second; 0: no limit (nothing to protect in memory)
        self.scp_max_chars = scp_max_chars
        self.max_attachments = max_attachments
        self.now = now
        self.access_key = access_key_id
        self.caller = caller_arn or f"arn:aws:sts::{management_id}:assumed-role/consolezero-fake/session"
        self._n = 0
        self._lock = threading.RLock()
        self.management_id = management_id
        self.org_id = "o-" + self._token(10)
        self.root = "r-" + self._token(4)
        self._ous: dict[str, str] = {}  # id -> name
        self._accounts: dict[str, dict[str, Any]] = {}  # id -> {name, email, status, tags}
        self._parent: dict[str, str] = {}  # OU or account id -> parent id
        self._policies: dict[str, _Policy] = {FULL_AWS_ACCESS_ID: _Policy(
            FULL_AWS_ACCESS, "Allows access to every operation", FULL_ACCESS_CONTENT, {}, aws_managed=True)}
        self._attached: dict[str, list[str]] = {self.root: [FULL_AWS_ACCESS_ID]}  # target -> policy ids
        self._requests: dict[str, _Request] = {}
        self.instance_arn = f"arn:aws:sso:::instance/ssoins-{self._token(16)}"
        self.store_id = "d-" + self._token(10)
        self._sets: dict[str, _PermissionSet] = {}  # ARN -> set
        self._assignments: list[LiveAssignment] = []
        self._groups: dict[str, str] = {}  # id -> display name
        self._users: dict[str, str] = {}  # id -> user name
        self._members: set[tuple[str, str]] = set()  # (group id, user id)
        self._iam: dict[str, dict[str, _IamUser]] = {}  # account -> user name -> user
        self._reports: dict[str, datetime] = {}  # account -> when its credential report was generated
        self.blocked_accounts: set[str] = set()  # member accounts whose roles cannot be assumed
        self._buses: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}  # (account, region) -> name -> bus
        self._rules: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}  # (acct, region, bus) -> rules
        self._topics: dict[str, dict[str, Any]] = {}  # ARN -> {policy, tags, subscriptions}
        self._stack_sets: dict[tuple[str, str], dict[str, Any]] = {}  # (region, name) -> stack set
        self.events: list[tuple[str, str, Mapping[str, object]]] = []  # (account, region, entry) put on a bus
        self._add_account(management_id, management_name, management_email, self.root, {})

    # --- ids ---------------------------------------------------------------------------------
    def _next(self) -> int:
        with self._lock:
            self._n += 1
            return self._n

    def _token(self, width: int) -> str:
        n, out = int(hashlib.sha256(str(self._next()).encode()).hexdigest(), 16), ""
        for _ in range(width):
            n, r = divmod(n, 36)
            out = _B36[r] + out
        return out

    def _account_id(self) -> str:
        return f"{200_000_000_000 + self._next() * 1_009:012d}"

    def _uuid(self) -> str:
        return f"{self._next():08x}-fa4e-4a0e-8000-{self._next():012x}"

    # --- credentials and pace ----------------------------------------------------------------
    def access_key_id(self) -> str | None:
        return self.access_key

    def read_rate(self) -> float:
        return self.rate

    def caller_arn(self) -> str | None:
        return self.caller

    # --- shared lookups and asynchronous requests -------------------------------------------
    def _target(self, target_id: str, operation: str) -> None:
        if target_id != self.root and target_id not in self._ous and target_id not in self._accounts:
            raise AwsError("TargetNotFoundException", "You specified a target that doesn't exist.", operation)

    def _is_parent(self, parent_id: str) -> bool:
        return parent_id == self.root or parent_id in self._ous

    def _add_account(self, account_id: str, name: str, email: str, parent_id: str, tags: Mapping[str, str]) -> str:
        self._accounts[account_id] = {"name": name, "email": email, "status": "ACTIVE", "tags": dict(tags)}
        self._parent[account_id] = parent_id
        self._attached[account_id] = [FULL_AWS_ACCESS_ID]
        return account_id

    def _start(self, kind: str, effect: Callable[[], str | None], failure: str | None = None) -> AsyncStatus:
        request_id = ("car-" + self._token(32)) if kind == "create_account" else self._uuid()
        self._requests[request_id] = _Request(kind, self.polls, effect, failure)
        return self._status(request_id, kind, poll=False)

    def _status(self, request_id: str, kind: str, poll: bool = True) -> AsyncStatus:
        request = self._requests.get(request_id)
        if request is None or request.kind != kind:
            code = "CreateAccountStatusNotFoundException" if kind == "create_account" else "ResourceNotFoundException"
            raise AwsError(code, f"no {kind} request {request_id}", kind)
        if poll and request.polls_left > 0:
            request.polls_left -= 1
        if request.polls_left > 0 and not request.done:
            return AsyncStatus(state="IN_PROGRESS", request_id=request_id)
        if request.failure:
            return AsyncStatus(state="FAILED", request_id=request_id, failure_reason=request.failure)
        if not request.done:
            request.done, request.result_id = True, request.effect()
        return AsyncStatus(state="SUCCEEDED", request_id=request_id, result_id=request.result_id)

    # --- inspection where the port has no method ----------------------------------------------
    def parent_of(self, child_id: str) -> str:
        return self._parent[child_id]

    def ou_name(self, ou_id: str) -> str:
        return self._ous[ou_id]
