"""FakeAws: an in-memory AWS port for the tests -- no HTTP, no boto3, deterministic, strict.

What it is. :class:`FakeAws` implements every method of
:class:`consolezero.integrations.aws.port.AwsPort` with the semantics :class:`BotoPort` promises (read
``integrations/aws/boto*.py``): idempotent attach/detach/delete, the same :class:`AwsError` codes,
complete (unpaginated) reads. Where AWS enforces a rule moto does not, the fake enforces it, because a
plan that passes here must pass against AWS:

- at least one SCP stays attached to every root, OU and account (ConstraintViolationException,
  reason MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED), at most ``max_attachments`` (10) directly attached;
- an SCP document over ``scp_max_chars`` characters (10,240, AWS's limit since 2026-05-15; pass 5,120
  for the older one) or not JSON is refused; SCP names are unique; AWS managed SCPs cannot be edited;
- AWS attaches FullAWSAccess (``p-FullAWSAccess``) to the root and to every new OU and account;
- OUs need an existing parent; moving an account needs its real source parent; a second account
  with an email already in use fails (EMAIL_ALREADY_EXISTS);
- permission sets: unique names, session duration PT1H..PT12H, AWS managed policies only by their
  real ARN (with its path), at most 10 of them, no deleting a set that is still assigned; an
  assignment needs an account of the organization and a principal of the identity store (else the
  request FAILS); assigning twice keeps one assignment;
- SNS email/http(s) subscriptions stay ``PendingConfirmation`` until :meth:`confirm_subscriptions`
  (moto confirms them at once); a StackSet name is taken once.

Asynchronous steps (account creation, provisioning, assignments) answer IN_PROGRESS for ``polls``
status calls, then SUCCEEDED; their effect happens when they succeed. Pass ``polls=0`` (the default) for
instant steps; apply's waiter sleeps between polls, so tests with ``polls > 0`` pass ``sleep``.
Permission sets are outdated (``accounts_for_permission_set(outdated_only=True)``) in every account they
are provisioned to (= assigned in) after any change to them, until provisioned again.

Ids look like AWS's and come from one counter: ``r-xxxx``, ``ou-xxxx-xxxxxxxx``, ``p-xxxxxxxx``,
12-digit account ids, ``arn:aws:sso:::permissionSet/ssoins-.../ps-...``. The management account is
``123456789012``, named ``master`` (as in moto) unless given.

Seeding (mirrors :mod:`consolezero.devtools.seed`; never through the port, as an identity provider or
an account's own admins would): :meth:`seed_organization`, :meth:`add_account`, :meth:`add_group`,
:meth:`add_user`, :meth:`seed_break_glass_user`, :meth:`enable_break_glass_mfa`, :meth:`seed_iam_users`,
and :func:`seed_repository` for a repository (its account ids rewritten). Out-of-band changes and
inspection go through the port's own methods (``update_scp``, ``detach_scp``, ``list_scps``,
``policy_content``, ``policies_for_target``, ...) plus the few helpers below where the port has none
(``parent_of``, ``ou_name``, IAM user edits, ``delete_group``, ``events``).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from consolezero.integrations.aws.port import (
    FULL_AWS_ACCESS,
    FULL_AWS_ACCESS_ID,
    AccessKeyInfo,
    AsyncStatus,
    AwsError,
    BoundaryRef,
    CredentialReport,
    IamUser,
    LiveAccount,
    LiveAssignment,
    LiveEventBus,
    LiveEventRule,
    LiveOu,
    LiveRuleTarget,
    LiveStackSet,
    LiveSubscription,
    LiveTopic,
    PermissionSetInfo,
    PolicySummary,
    SsoInstance,
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


class FakeAws:
    """The AWS port in memory (see the module docstring). One instance is one organization."""

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

    # --- Organizations: read -----------------------------------------------------------------
    def _summary(self, policy_id: str) -> PolicySummary:
        p = self._policies[policy_id]
        return PolicySummary(id=policy_id, name=p.name, description=p.description, aws_managed=p.aws_managed)

    def _policy(self, policy_id: str, operation: str) -> _Policy:
        if policy_id not in self._policies:
            raise AwsError("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.",
                           operation)
        return self._policies[policy_id]

    def _target(self, target_id: str, operation: str) -> None:
        if target_id != self.root and target_id not in self._ous and target_id not in self._accounts:
            raise AwsError("TargetNotFoundException", "You specified a target that doesn't exist.", operation)

    def _is_parent(self, parent_id: str) -> bool:
        return parent_id == self.root or parent_id in self._ous

    def root_id(self) -> str:
        return self.root

    def child_ous(self, parent_id: str) -> list[LiveOu]:
        if not self._is_parent(parent_id):
            raise AwsError("ParentNotFoundException", "You specified parent that doesn't exist.", "child_ous")
        return [LiveOu(id=i, name=n, parent_id=parent_id) for i, n in self._ous.items()
                if self._parent[i] == parent_id]

    def child_accounts(self, parent_id: str) -> list[LiveAccount]:
        if not self._is_parent(parent_id):
            raise AwsError("ParentNotFoundException", "You specified parent that doesn't exist.", "child_accounts")
        return [LiveAccount(id=i, name=a["name"], email=a["email"], parent_id=parent_id, status=a["status"])
                for i, a in self._accounts.items() if self._parent[i] == parent_id]

    def list_scps(self) -> list[PolicySummary]:
        return [self._summary(i) for i in self._policies]

    def policy_tags(self, policy_id: str) -> dict[str, str]:
        if policy_id not in self._policies:
            raise AwsError("TargetNotFoundException", "You specified a target that doesn't exist.", "policy_tags")
        return dict(self._policies[policy_id].tags)

    def policy_content(self, policy_id: str) -> str:
        return self._policy(policy_id, "describe_policy").content

    def policy_targets(self, policy_id: str) -> list[str]:
        self._policy(policy_id, "list_targets_for_policy")
        return [t for t, ids in self._attached.items() if policy_id in ids]

    def policies_for_target(self, target_id: str) -> list[PolicySummary]:
        self._target(target_id, "list_policies_for_target")
        return [self._summary(i) for i in self._attached.get(target_id, [])]

    # --- Organizations: write ----------------------------------------------------------------
    def _check_content(self, content: str, operation: str) -> None:
        if len(content) > self.scp_max_chars:
            raise AwsError("ConstraintViolationException", f"the policy document is {len(content)} characters, over "
                           f"{self.scp_max_chars}", operation, "POLICY_CONTENT_LIMIT_EXCEEDED")
        try:
            document = json.loads(content)
        except ValueError:
            document = None
        statements = document.get("Statement") if isinstance(document, dict) else None
        statements = [statements] if isinstance(statements, dict) else statements
        if not isinstance(statements, list) or not statements or any(
                not isinstance(s, dict) or "Principal" in s or "NotPrincipal" in s for s in statements):
            raise AwsError("MalformedPolicyDocumentException", "The provided policy document doesn't meet the "
                           "requirements of the specified policy type.", operation)

    def _editable(self, policy_id: str, operation: str) -> _Policy:
        policy = self._policy(policy_id, operation)
        if policy.aws_managed:
            raise AwsError("AccessDeniedException", "You can't modify an AWS managed policy.", operation)
        return policy

    def create_scp(self, name: str, description: str, content: str, tags: Mapping[str, str]) -> str:
        if any(p.name == name for p in self._policies.values()):
            raise AwsError("DuplicatePolicyException", "A policy with the same name already exists.", "create_policy")
        self._check_content(content, "create_policy")
        policy_id = "p-" + self._token(8)
        self._policies[policy_id] = _Policy(name, description or name, content, dict(tags))
        return policy_id

    def update_scp(self, policy_id: str, description: str | None, content: str | None) -> None:
        policy = self._editable(policy_id, "update_policy")
        if content is not None:
            self._check_content(content, "update_policy")
            policy.content = content
        if description is not None:
            policy.description = description

    def tag_policy(self, policy_id: str, tags: Mapping[str, str]) -> None:
        self.policy_tags(policy_id)
        self._editable(policy_id, "tag_resource").tags.update(tags)

    def untag_policy(self, policy_id: str, keys: list[str]) -> None:
        self.policy_tags(policy_id)
        policy = self._editable(policy_id, "untag_resource")
        for key in keys:
            policy.tags.pop(key, None)

    def delete_scp(self, policy_id: str) -> None:
        if policy_id not in self._policies:
            return  # already gone
        self._editable(policy_id, "delete_policy")
        if self.policy_targets(policy_id):
            raise AwsError("PolicyInUseException", "The policy is attached to one or more entities. You must detach "
                           "it from all roots, OUs, and accounts before performing this operation.", "delete_policy")
        del self._policies[policy_id]

    def attach_scp(self, policy_id: str, target_id: str) -> bool:
        self._policy(policy_id, "attach_policy")
        self._target(target_id, "attach_policy")
        attached = self._attached.setdefault(target_id, [])
        if policy_id in attached:
            return False
        if len(attached) >= self.max_attachments:
            raise AwsError("ConstraintViolationException", f"{target_id} already has {len(attached)} SCPs attached",
                           "attach_policy", "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
        attached.append(policy_id)
        return True

    def detach_scp(self, policy_id: str, target_id: str) -> bool:
        self._policy(policy_id, "detach_policy")
        self._target(target_id, "detach_policy")
        attached = self._attached.get(target_id, [])
        if policy_id not in attached:
            return False
        if len(attached) == 1:
            raise AwsError("ConstraintViolationException", f"{target_id} must keep at least one SCP attached",
                           "detach_policy", "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
        attached.remove(policy_id)
        return True

    def _depth(self, ou_id: str) -> int:
        depth = 0
        while ou_id != self.root:
            ou_id, depth = self._parent[ou_id], depth + 1
        return depth

    def create_ou(self, parent_id: str, name: str, tags: Mapping[str, str]) -> str:
        for ou in self.child_ous(parent_id):
            if ou.name == name:
                return ou.id  # as BotoPort: a duplicate name is the OU already there
        if self._depth(parent_id) >= 5:
            raise AwsError("ConstraintViolationException", "OUs nest at most 5 levels below the root",
                           "create_organizational_unit", "OU_DEPTH_LIMIT_EXCEEDED")
        ou_id = f"ou-{self.root[2:]}-{self._token(8)}"
        self._ous[ou_id] = name
        self._parent[ou_id] = parent_id
        self._attached[ou_id] = [FULL_AWS_ACCESS_ID]
        return ou_id

    def move_account(self, account_id: str, source_parent_id: str, destination_parent_id: str) -> None:
        if account_id not in self._accounts:
            raise AwsError("AccountNotFoundException", "You specified an account that doesn't exist.", "move_account")
        if not self._is_parent(destination_parent_id):
            raise AwsError("DestinationParentNotFoundException", "We can't find the destination container.",
                           "move_account")
        if self._parent[account_id] == destination_parent_id:
            return  # already there
        if self._parent[account_id] != source_parent_id:
            raise AwsError("SourceParentNotFoundException", "We can't find a source root or OU with the ParentId "
                           "that you specified.", "move_account")
        self._parent[account_id] = destination_parent_id

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

    def start_create_account(self, name: str, email: str, tags: Mapping[str, str]) -> AsyncStatus:
        taken = any(a["email"].lower() == email.lower() for a in self._accounts.values())
        return self._start("create_account", lambda: self._add_account(self._account_id(), name, email, self.root,
                                                                      tags),
                           "EMAIL_ALREADY_EXISTS" if taken else None)

    def create_account_status(self, request_id: str) -> AsyncStatus:
        return self._status(request_id, "create_account")

    # --- IAM in member accounts: read only ---------------------------------------------------
    def _member(self, account_id: str, operation: str) -> dict[str, _IamUser]:
        if account_id in self.blocked_accounts or account_id not in self._accounts:
            raise AwsError("MemberRoleUnavailable", f"cannot assume a role in account {account_id} "
                           "(consolezero-census: AccessDenied; OrganizationAccountAccessRole: AccessDenied)", operation)
        return self._iam.setdefault(account_id, {})

    def _iam_user(self, account_id: str, user: str, operation: str) -> _IamUser:
        found = self._member(account_id, operation).get(user)
        if found is None:
            raise AwsError("NoSuchEntity", f"The user with name {user} cannot be found.", operation)
        return found

    def iam_user(self, account_id: str, user: str) -> IamUser | None:
        found = self._member(account_id, "get_user").get(user)
        if found is None:
            return None
        return IamUser(name=found.name, path=found.path, arn=f"arn:aws:iam::{account_id}:user{found.path}{found.name}")

    def mfa_devices(self, account_id: str, user: str) -> list[str]:
        return list(self._iam_user(account_id, user, "list_mfa_devices").mfa)

    def access_keys(self, account_id: str, user: str) -> list[AccessKeyInfo]:
        return [AccessKeyInfo(id=k.id, status=k.status, created=_iso(k.created))
                for k in self._iam_user(account_id, user, "list_access_keys").keys]

    def generate_credential_report(self, account_id: str) -> str:
        self._member(account_id, "generate_credential_report")
        if account_id in self._reports:
            return "COMPLETE"
        self._reports[account_id] = self.now
        return "STARTED"

    def credential_report(self, account_id: str) -> CredentialReport | None:
        users = self._member(account_id, "get_credential_report")
        if account_id not in self._reports:
            return None
        lines = [REPORT_COLUMNS, f"<root_account>,arn:aws:iam::{account_id}:root,{_iso(self.now)},not_supported,"
                 "N/A,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"]
        for u in users.values():
            row = [u.name, f"arn:aws:iam::{account_id}:user{u.path}{u.name}", _iso(u.created),
                   str(u.password).lower(), "N/A" if u.password else "not_supported",
                   _iso(u.created) if u.password else "N/A", "N/A", str(bool(u.mfa)).lower()]
            for slot in range(2):
                k = u.keys[slot] if slot < len(u.keys) else None
                row += ([str(k.status == "Active").lower(), _iso(k.created),
                         _iso(k.last_used) if k.last_used else "N/A", k.region if k.last_used else "N/A",
                         k.service if k.last_used else "N/A"] if k else ["false", "N/A", "N/A", "N/A", "N/A"])
            lines.append(",".join(row + ["false", "N/A", "false", "N/A"]))
        return CredentialReport(account_id=account_id, content="\n".join(lines) + "\n",
                                generated=_iso(self._reports[account_id]))

    # --- IAM Identity Center: read -----------------------------------------------------------
    def _instance(self, instance_arn: str, operation: str) -> None:
        if instance_arn != self.instance_arn:
            raise AwsError("ResourceNotFoundException", f"no IAM Identity Center instance {instance_arn}", operation)

    def _set(self, instance_arn: str, arn: str, operation: str) -> _PermissionSet:
        self._instance(instance_arn, operation)
        if arn not in self._sets:
            raise AwsError("ResourceNotFoundException", f"Could not find PermissionSet with id {arn}", operation)
        return self._sets[arn]

    def _store(self, identity_store_id: str, operation: str) -> None:
        if identity_store_id != self.store_id:
            raise AwsError("ValidationException", f"no identity store {identity_store_id}", operation)

    def sso_instance(self, instance_arn: str | None) -> SsoInstance | None:
        if instance_arn is not None and instance_arn != self.instance_arn:
            return None
        return SsoInstance(instance_arn=self.instance_arn, identity_store_id=self.store_id)

    def list_permission_sets(self, instance_arn: str) -> list[str]:
        self._instance(instance_arn, "list_permission_sets")
        return list(self._sets)

    def describe_permission_set(self, instance_arn: str, arn: str) -> PermissionSetInfo:
        ps = self._set(instance_arn, arn, "describe_permission_set")
        return PermissionSetInfo(arn=arn, name=ps.name, description=ps.description,
                                 session_duration=ps.session_duration)

    def permission_set_tags(self, instance_arn: str, arn: str) -> dict[str, str]:
        return dict(self._set(instance_arn, arn, "list_tags_for_resource").tags)

    def permission_set_managed_policies(self, instance_arn: str, arn: str) -> list[str]:
        return sorted(self._set(instance_arn, arn, "list_managed_policies_in_permission_set").managed)

    def permission_set_customer_policies(self, instance_arn: str, arn: str) -> list[tuple[str, str]]:
        return sorted(self._set(instance_arn, arn, "list_customer_managed_policy_references_in_permission_set")
                      .customer)

    def permission_set_inline_policy(self, instance_arn: str, arn: str) -> str | None:
        return self._set(instance_arn, arn, "get_inline_policy_for_permission_set").inline or None

    def permission_set_boundary(self, instance_arn: str, arn: str) -> BoundaryRef | None:
        return self._set(instance_arn, arn, "get_permissions_boundary_for_permission_set").boundary

    def _provisioned(self, arn: str) -> set[str]:
        return {a.account_id for a in self._assignments if a.permission_set_arn == arn}

    def accounts_for_permission_set(self, instance_arn: str, arn: str, outdated_only: bool = False) -> list[str]:
        ps = self._set(instance_arn, arn, "list_accounts_for_provisioned_permission_set")
        accounts = self._provisioned(arn)
        return sorted(accounts & ps.outdated if outdated_only else accounts)

    def assignments_for_principal(self, instance_arn: str, principal_type: str,
                                  principal_id: str) -> list[LiveAssignment]:
        self._instance(instance_arn, "list_account_assignments_for_principal")
        return [a for a in self._assignments if (a.principal_type, a.principal_id) == (principal_type, principal_id)]

    def account_assignments(self, instance_arn: str, account_id: str, arn: str) -> list[LiveAssignment]:
        self._set(instance_arn, arn, "list_account_assignments")
        return [a for a in self._assignments if (a.account_id, a.permission_set_arn) == (account_id, arn)]

    def group_id(self, identity_store_id: str, name: str) -> str | None:
        self._store(identity_store_id, "get_group_id")
        return next((i for i, n in self._groups.items() if n == name), None)

    def list_principals(self, identity_store_id: str) -> list[tuple[str, str, str]]:
        self._store(identity_store_id, "list_groups")
        return ([("GROUP", i, n) for i, n in self._groups.items()]
                + [("USER", i, n) for i, n in self._users.items()])

    def principal_name(self, identity_store_id: str, principal_type: str, principal_id: str) -> str | None:
        self._store(identity_store_id, "describe_group" if principal_type == "GROUP" else "describe_user")
        return (self._groups if principal_type == "GROUP" else self._users).get(principal_id)

    def user_id(self, identity_store_id: str, name: str) -> str | None:
        self._store(identity_store_id, "get_user_id")
        return next((i for i, n in self._users.items() if n == name), None)

    def user_group_ids(self, identity_store_id: str, user_id: str) -> list[str]:
        self._store(identity_store_id, "list_group_memberships_for_member")
        return sorted(g for g, u in self._members if u == user_id)

    # --- IAM Identity Center: write ----------------------------------------------------------
    def _check_duration(self, duration: str, operation: str) -> None:
        hours = session_hours(duration)
        if hours is None or not 1 <= hours <= 12:
            raise AwsError("ValidationException", f"SessionDuration {duration!r} is not between PT1H and PT12H",
                           operation)

    def _changed(self, ps: _PermissionSet, arn: str) -> None:
        """Any change to a set makes it outdated wherever it is provisioned, until provisioned again."""
        ps.outdated = self._provisioned(arn)

    def create_permission_set(self, instance_arn: str, name: str, description: str, session_duration: str,
                              tags: Mapping[str, str]) -> str:
        self._instance(instance_arn, "create_permission_set")
        if not re.fullmatch(r"[\w+=,.@-]{1,32}", name):
            raise AwsError("ValidationException", f"permission set name {name!r} is not 1-32 of [\\w+=,.@-]",
                           "create_permission_set")
        if any(ps.name == name for ps in self._sets.values()):
            raise AwsError("ConflictException", f"a permission set named {name} already exists",
                           "create_permission_set")
        self._check_duration(session_duration, "create_permission_set")
        arn = f"arn:aws:sso:::permissionSet/{instance_arn.rsplit('/', 1)[-1]}/ps-{self._token(16)}"
        self._sets[arn] = _PermissionSet(name, description, session_duration, dict(tags))
        return arn

    def update_permission_set(self, instance_arn: str, arn: str, description: str, session_duration: str) -> None:
        ps = self._set(instance_arn, arn, "update_permission_set")
        self._check_duration(session_duration, "update_permission_set")
        ps.session_duration = session_duration
        if description:
            ps.description = description
        self._changed(ps, arn)

    def tag_permission_set(self, instance_arn: str, arn: str, tags: Mapping[str, str]) -> None:
        self._set(instance_arn, arn, "tag_resource").tags.update(tags)

    def untag_permission_set(self, instance_arn: str, arn: str, keys: list[str]) -> None:
        ps = self._set(instance_arn, arn, "untag_resource")
        for key in keys:
            ps.tags.pop(key, None)

    def delete_permission_set(self, instance_arn: str, arn: str) -> None:
        self._instance(instance_arn, "delete_permission_set")
        if arn not in self._sets:
            return  # already gone
        if self._provisioned(arn):
            raise AwsError("ConflictException", f"permission set {self._sets[arn].name} is still assigned in "
                           f"{', '.join(sorted(self._provisioned(arn)))}", "delete_permission_set")
        del self._sets[arn]

    def attach_managed_policy(self, instance_arn: str, arn: str, policy_arn: str) -> None:
        from consolezero.policy.managed import managed_policy_info

        ps = self._set(instance_arn, arn, "attach_managed_policy_to_permission_set")
        info = managed_policy_info(policy_arn)
        if info is None or info.get("kind") != "iam" or info["arn"] != policy_arn:
            raise AwsError("ResourceNotFoundException", f"Policy does not exist with ARN: {policy_arn}",
                           "attach_managed_policy_to_permission_set")
        if policy_arn in ps.managed:
            return  # attached already (ConflictException, tolerated)
        if len(ps.managed) >= 10:
            raise AwsError("ServiceQuotaExceededException", "at most 10 managed policies per permission set",
                           "attach_managed_policy_to_permission_set")
        ps.managed.append(policy_arn)
        self._changed(ps, arn)

    def detach_managed_policy(self, instance_arn: str, arn: str, policy_arn: str) -> None:
        ps = self._set(instance_arn, arn, "detach_managed_policy_from_permission_set")
        if policy_arn in ps.managed:
            ps.managed.remove(policy_arn)
            self._changed(ps, arn)

    def attach_customer_policy(self, instance_arn: str, arn: str, name: str, path: str) -> None:
        ps = self._set(instance_arn, arn, "attach_customer_managed_policy_reference_to_permission_set")
        if (name, path) not in ps.customer:
            ps.customer.append((name, path))
            self._changed(ps, arn)

    def detach_customer_policy(self, instance_arn: str, arn: str, name: str, path: str) -> None:
        ps = self._set(instance_arn, arn, "detach_customer_managed_policy_reference_from_permission_set")
        if (name, path) in ps.customer:
            ps.customer.remove((name, path))
            self._changed(ps, arn)

    def put_inline_policy(self, instance_arn: str, arn: str, document: str) -> None:
        ps = self._set(instance_arn, arn, "put_inline_policy_to_permission_set")
        if len(document.encode("utf-8")) > 32_768:
            raise AwsError("ValidationException", "the inline policy is over 32,768 bytes",
                           "put_inline_policy_to_permission_set")
        ps.inline = document
        self._changed(ps, arn)

    def delete_inline_policy(self, instance_arn: str, arn: str) -> None:
        ps = self._set(instance_arn, arn, "delete_inline_policy_from_permission_set")
        if ps.inline is not None:
            ps.inline = None
            self._changed(ps, arn)

    def put_boundary(self, instance_arn: str, arn: str, boundary: BoundaryRef) -> None:
        ps = self._set(instance_arn, arn, "put_permissions_boundary_to_permission_set")
        ps.boundary = boundary if boundary.managed_arn else replace(boundary, customer_path=boundary.customer_path
                                                                    or "/")
        self._changed(ps, arn)

    def delete_boundary(self, instance_arn: str, arn: str) -> None:
        ps = self._set(instance_arn, arn, "delete_permissions_boundary_from_permission_set")
        if ps.boundary is not None:
            ps.boundary = None
            self._changed(ps, arn)

    def start_provision(self, instance_arn: str, arn: str) -> AsyncStatus:
        ps = self._set(instance_arn, arn, "provision_permission_set")
        return self._start("provision", lambda: ps.outdated.clear())

    def provision_status(self, instance_arn: str, request_id: str) -> AsyncStatus:
        self._instance(instance_arn, "describe_permission_set_provisioning_status")
        return self._status(request_id, "provision")

    def start_create_assignment(self, instance_arn: str, account_id: str, arn: str, principal_type: str,
                                principal_id: str) -> AsyncStatus:
        ps = self._set(instance_arn, arn, "create_account_assignment")
        new = LiveAssignment(account_id, arn, principal_type, principal_id)
        failure = None
        if account_id not in self._accounts:
            failure = f"account {account_id} is not in the organization"
        elif principal_id not in (self._groups if principal_type == "GROUP" else self._users):
            failure = f"{principal_type.lower()} {principal_id} is not in the identity store"

        def assign() -> None:
            if new not in self._assignments:
                self._assignments.append(new)
            ps.outdated.discard(account_id)  # a new assignment provisions the latest version to its account

        return self._start("assign", assign, failure)

    def assignment_creation_status(self, instance_arn: str, request_id: str) -> AsyncStatus:
        self._instance(instance_arn, "describe_account_assignment_creation_status")
        return self._status(request_id, "assign")

    def start_delete_assignment(self, instance_arn: str, account_id: str, arn: str, principal_type: str,
                                principal_id: str) -> AsyncStatus:
        self._instance(instance_arn, "delete_account_assignment")
        gone = LiveAssignment(account_id, arn, principal_type, principal_id)
        if gone not in self._assignments:
            return AsyncStatus(state="SUCCEEDED", request_id="")  # already gone

        def unassign() -> None:
            if gone in self._assignments:
                self._assignments.remove(gone)

        return self._start("unassign", unassign)

    def assignment_deletion_status(self, instance_arn: str, request_id: str) -> AsyncStatus:
        self._instance(instance_arn, "describe_account_assignment_deletion_status")
        return self._status(request_id, "unassign")

    # --- guardrail alerts: EventBridge, SNS (in an account and region), StackSets (the caller's) ---------
    def _reach(self, account_id: str) -> str:
        """The account the call runs in ("" is the caller's); a member account needs a role to assume."""
        account = account_id or self.management_id
        if account != self.management_id and (account in self.blocked_accounts or account not in self._accounts):
            raise AwsError("AssumeRoleFailed", f"cannot reach account {account}: no member role could be assumed "
                           "(consolezero-alerts: AccessDenied; OrganizationAccountAccessRole: AccessDenied)",
                           "assume_role")
        return account

    def _bus_map(self, account: str, region: str) -> dict[str, dict[str, Any]]:
        buses = self._buses.setdefault((account, region), {})
        buses.setdefault("default", {"arn": f"arn:aws:events:{region}:{account}:event-bus/default", "policy": None,
                                     "tags": {}})
        return buses

    def _bus(self, account: str, region: str, name: str, operation: str) -> dict[str, Any]:
        bus = self._bus_map(account, region).get(name.rsplit("/", 1)[-1])
        if bus is None:
            raise AwsError("ResourceNotFoundException", f"Event bus {name} does not exist.", operation)
        return bus

    def organization_id(self) -> str:
        return self.org_id

    def event_bus(self, account_id: str, region: str, name: str) -> LiveEventBus | None:
        account = self._reach(account_id)
        bus = self._bus_map(account, region).get(name)
        return LiveEventBus(name=name, arn=bus["arn"], policy=bus["policy"], tags=dict(bus["tags"])) if bus else None

    def create_event_bus(self, account_id: str, region: str, name: str, tags: Mapping[str, str]) -> str:
        buses = self._bus_map(self._reach(account_id), region)
        if name not in buses:
            account = account_id or self.management_id
            buses[name] = {"arn": f"arn:aws:events:{region}:{account}:event-bus/{name}", "policy": None,
                           "tags": dict(tags)}
        return str(buses[name]["arn"])

    def put_event_bus_policy(self, account_id: str, region: str, name: str, policy: str) -> None:
        bus = self._bus(self._reach(account_id), region, name, "put_permission")
        json.loads(policy)
        bus["policy"] = policy

    def _by_arn(self, account: str, region: str, arn: str) -> dict[str, Any]:
        for bus in self._bus_map(account, region).values():
            if bus["arn"] == arn:
                return bus
        for (acct, reg, _), rules in self._rules.items():
            for rule in rules.values():
                if (acct, reg) == (account, region) and rule["arn"] == arn:
                    return rule
        raise AwsError("ResourceNotFoundException", f"Resource {arn} does not exist.", "tag_resource")

    def tag_event_resource(self, account_id: str, region: str, arn: str, tags: Mapping[str, str]) -> None:
        self._by_arn(self._reach(account_id), region, arn)["tags"].update(tags)

    def event_rules(self, account_id: str, region: str, bus: str, prefix: str) -> list[LiveEventRule]:
        account = self._reach(account_id)
        self._bus(account, region, bus, "list_rules")
        rules = self._rules.get((account, region, bus), {})
        return [LiveEventRule(name=name, arn=r["arn"], pattern=r["pattern"], description=r["description"],
                              state="ENABLED", tags=dict(r["tags"]), targets=tuple(r["targets"].values()))
                for name, r in sorted(rules.items()) if name.startswith(prefix)]

    def put_event_rule(self, account_id: str, region: str, bus: str, name: str, pattern: str, description: str,
                       tags: Mapping[str, str]) -> str:
        account = self._reach(account_id)
        self._bus(account, region, bus, "put_rule")
        try:
            json.loads(pattern)
        except ValueError:
            raise AwsError("InvalidEventPatternException", "Event pattern is not valid.", "put_rule") from None
        rules = self._rules.setdefault((account, region, bus), {})
        where = name if bus == "default" else f"{bus}/{name}"
        rule = rules.setdefault(name, {"arn": f"arn:aws:events:{region}:{account}:rule/{where}", "tags": {},
                                       "targets": {}})
        rule.update(pattern=pattern, description=description[:512])
        rule["tags"].update(tags)
        return str(rule["arn"])

    def put_event_targets(self, account_id: str, region: str, bus: str, rule: str,
                          targets: list[Mapping[str, object]]) -> None:
        account = self._reach(account_id)
        found = self._rules.get((account, region, bus), {}).get(rule)
        if found is None:
            raise AwsError("ResourceNotFoundException", f"Rule {rule} does not exist on EventBus {bus}.", "put_targets")
        for t in targets:
            transformer: Any = t.get("InputTransformer") or {}
            found["targets"][str(t["Id"])] = LiveRuleTarget(
                id=str(t["Id"]), arn=str(t["Arn"]), role_arn=t.get("RoleArn"),  # type: ignore[arg-type]
                input_paths=dict(transformer.get("InputPathsMap") or {}),
                input_template=transformer.get("InputTemplate"))
        if len(found["targets"]) > 5:
            raise AwsError("LimitExceededException", "a rule has at most 5 targets", "put_targets")

    def delete_event_rule(self, account_id: str, region: str, bus: str, name: str) -> None:
        self._rules.get((self._reach(account_id), region, bus), {}).pop(name, None)

    def put_events(self, account_id: str, region: str, entries: list[Mapping[str, object]]) -> int:
        account = self._reach(account_id)
        for entry in entries:
            target = str(entry.get("EventBusName") or "default")
            if target.startswith("arn:"):
                _, _, _, where, acct, _ = target.split(":", 5)
                self._bus(acct, where, target, "put_events")
            else:
                self._bus(account, region, target, "put_events")
            self.events.append((account, region, dict(entry)))
        return 0

    def _topic(self, arn: str, code: str, operation: str) -> dict[str, Any]:
        if arn not in self._topics:
            raise AwsError(code, "Topic does not exist", operation)
        return self._topics[arn]

    def topic(self, account_id: str, region: str, name: str) -> LiveTopic | None:
        arn = f"arn:aws:sns:{region}:{self._reach(account_id)}:{name}"
        found = self._topics.get(arn)
        if found is None:
            return None
        return LiveTopic(arn=arn, policy=found["policy"], tags=dict(found["tags"]), subscriptions=tuple(
            LiveSubscription(protocol=p, endpoint=e, arn=PENDING if pending else sub_arn)
            for sub_arn, (p, e, pending) in found["subscriptions"].items()))

    def create_topic(self, account_id: str, region: str, name: str, tags: Mapping[str, str]) -> str:
        account = self._reach(account_id)
        arn = f"arn:aws:sns:{region}:{account}:{name}"
        if arn in self._topics:
            if tags and dict(tags) != self._topics[arn]["tags"]:
                raise AwsError("InvalidParameterException", "Invalid parameter: Tags Reason: Topic already exists "
                               "with different tags", "create_topic")
            return arn
        policy = {"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
            "Effect": "Allow", "Sid": "__default_statement_ID", "Principal": {"AWS": "*"},
            "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                       "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic",
                       "SNS:Publish"], "Resource": arn, "Condition": {"StringEquals": {"AWS:SourceOwner": account}}}]}
        self._topics[arn] = {"policy": json.dumps(policy, separators=(",", ":")), "tags": dict(tags),
                             "subscriptions": {}}
        return arn

    def set_topic_policy(self, account_id: str, region: str, arn: str, policy: str) -> None:
        self._reach(account_id)
        topic = self._topic(arn, "NotFound", "set_topic_attributes")
        try:
            json.loads(policy)
        except ValueError:
            raise AwsError("InvalidParameter", "Invalid parameter: Policy", "set_topic_attributes") from None
        topic["policy"] = policy

    def tag_topic(self, account_id: str, region: str, arn: str, tags: Mapping[str, str]) -> None:
        self._reach(account_id)
        self._topic(arn, "ResourceNotFound", "tag_resource")["tags"].update(tags)

    def subscribe(self, account_id: str, region: str, arn: str, protocol: str, endpoint: str) -> str:
        self._reach(account_id)
        subscriptions = self._topic(arn, "NotFound", "subscribe")["subscriptions"]
        for sub_arn, (p, e, _) in subscriptions.items():
            if (p, e) == (protocol, endpoint):
                return str(sub_arn)
        sub_arn = f"{arn}:{self._uuid()}"
        subscriptions[sub_arn] = (protocol, endpoint, protocol in CONFIRMED_LATER)
        return sub_arn

    def unsubscribe(self, account_id: str, region: str, subscription_arn: str) -> None:
        self._reach(account_id)
        for topic in self._topics.values():
            topic["subscriptions"].pop(subscription_arn, None)

    def _stack(self, region: str, name: str, operation: str) -> dict[str, Any]:
        found = self._stack_sets.get((region, name))
        if found is None:
            raise AwsError("StackSetNotFoundException", f"StackSet {name} not found", operation)
        return found

    def stack_set(self, region: str, name: str) -> LiveStackSet | None:
        found = self._stack_sets.get((region, name))
        if found is None:
            return None
        return LiveStackSet(name=name, template=found["template"], tags=dict(found["tags"]),
                            regions=tuple(sorted(found["regions"])))

    def create_stack_set(self, region: str, name: str, description: str, template: str,
                         tags: Mapping[str, str]) -> None:
        if (region, name) in self._stack_sets:
            raise AwsError("NameAlreadyExistsException", f"StackSet {name} already exists", "create_stack_set")
        self._stack_sets[(region, name)] = {"template": template, "tags": dict(tags), "regions": set(),
                                            "ou_ids": set(), "description": description}

    def update_stack_set(self, region: str, name: str, template: str) -> None:
        self._stack(region, name, "update_stack_set")["template"] = template

    def create_stack_instances(self, region: str, name: str, ou_ids: list[str], regions: list[str]) -> None:
        found = self._stack(region, name, "create_stack_instances")
        for ou in ou_ids:
            self._target(ou, "create_stack_instances")
        found["ou_ids"].update(ou_ids)
        found["regions"].update(regions)

    # --- seeding (what an organization, an identity provider or an account's admins already did) --------
    def add_account(self, name: str, email: str, parent_id: str | None = None,
                    tags: Mapping[str, str] | None = None) -> str:
        """An existing member account (at the root unless ``parent_id``); its id."""
        return self._add_account(self._account_id(), name, email, parent_id or self.root, tags or {})

    def add_group(self, name: str) -> str:
        group_id = self._uuid()
        self._groups[group_id] = name
        return group_id

    def add_user(self, name: str, groups: Iterable[str] = ()) -> str:
        """An identity store user (``name`` is its user name), in the named groups."""
        user_id = self._uuid()
        self._users[user_id] = name
        for group in groups:
            self._members.add((next(i for i, n in self._groups.items() if n == group), user_id))
        return user_id

    def delete_group(self, name: str) -> None:
        group_id = next(i for i, n in self._groups.items() if n == name)
        del self._groups[group_id]
        self._members = {(g, u) for g, u in self._members if g != group_id}

    def seed_organization(self, accounts: Sequence[tuple[str, str]], groups: Sequence[str],
                          users: Sequence[str] = ()) -> FakeSeed:
        """Member accounts (name, email), identity store groups and users: seed_emulator's fake twin."""
        account_ids = {name: self.add_account(name, email) for name, email in accounts}
        group_ids = {g: self.add_group(g) for g in groups}
        for user in users:
            self.add_user(user)
        return FakeSeed(management_id=self.management_id, account_ids=account_ids, instance_arn=self.instance_arn,
                        identity_store_id=self.store_id, group_ids=group_ids)

    def create_iam_user(self, account_id: str, user: str, path: str = "/", password: bool = False) -> None:
        users = self._iam.setdefault(account_id, {})
        if user in users:
            raise AwsError("EntityAlreadyExists", f"User with name {user} already exists.", "create_user")
        users[user] = _IamUser(user, path, self.now, password=password)

    def _seeded_user(self, account_id: str, user: str) -> _IamUser:
        return self._iam[account_id][user]

    def update_iam_user_path(self, account_id: str, user: str, path: str) -> None:
        self._seeded_user(account_id, user).path = path

    def seed_break_glass_user(self, account_id: str, user: str, path: str, mfa: bool = True) -> None:
        """The break-glass IAM user (with a virtual MFA device unless ``mfa`` is False), as devtools.seed."""
        self.create_iam_user(account_id, user, path)
        if mfa:
            self.enable_break_glass_mfa(account_id, user)

    def enable_break_glass_mfa(self, account_id: str, user: str, hardware: bool = False) -> str:
        """A virtual MFA device (``arn:...:mfa/USER-mfa``) or a hardware token's serial number; the serial."""
        serial = f"GAHT{self._next():08d}" if hardware else f"arn:aws:iam::{account_id}:mfa/{user}-mfa"
        self._seeded_user(account_id, user).mfa.append(serial)
        return serial

    def deactivate_mfa_device(self, account_id: str, user: str, serial: str) -> None:
        self._seeded_user(account_id, user).mfa.remove(serial)

    def create_access_key(self, account_id: str, user: str, created: datetime | None = None,
                          last_used: datetime | None = None, service: str = "s3", active: bool = True) -> str:
        found = self._seeded_user(account_id, user)
        if len(found.keys) >= 2:
            raise AwsError("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", "create_access_key")
        key_id = f"AKIAFAKE{self._next():012d}"
        found.keys.append(_Key(key_id, created or self.now, "Active" if active else "Inactive", last_used, service))
        return key_id

    def delete_access_key(self, account_id: str, user: str, key_id: str) -> None:
        found = self._seeded_user(account_id, user)
        found.keys = [k for k in found.keys if k.id != key_id]

    def seed_iam_users(self, account_id: str, users: Sequence[Any], now: datetime) -> None:
        """devtools.seed's SeedUser/SeedKey (name, path, password, keys of given age and last use)."""
        for user in users:
            self.create_iam_user(account_id, user.name, user.path, user.password)
            for key in user.keys:
                used = now - timedelta(days=key.last_used_days_ago) if key.last_used_days_ago is not None else None
                self.create_access_key(account_id, user.name, now - timedelta(days=key.age_days), used, key.service,
                                       key.active)

    def confirm_subscriptions(self) -> None:
        """Every pending SNS subscription's endpoint confirms it."""
        for topic in self._topics.values():
            topic["subscriptions"] = {a: (p, e, False) for a, (p, e, _) in topic["subscriptions"].items()}

    # --- inspection where the port has no method ----------------------------------------------
    def parent_of(self, child_id: str) -> str:
        return self._parent[child_id]

    def ou_name(self, ou_id: str) -> str:
        return self._ous[ou_id]


@dataclass
class FakeOrg:
    """A repository seeded into a :class:`FakeAws` (example_org's fake twin): ``ids`` maps account names to ids."""

    fake: FakeAws
    root: Path
    seed: FakeSeed
    ids: dict[str, str] = field(default_factory=dict)

    def repo(self) -> Any:
        from consolezero.core.repository import load_repository

        return load_repository(self.root)

    def port(self) -> FakeAws:
        return self.fake


def seed_repository(fake: FakeAws, root: Path, users: Sequence[str] = (),
                    break_glass_mfa: bool | None = True) -> FakeOrg:
    """The repository's member accounts and groups (and ``users``) in ``fake``, and, unless ``break_glass_mfa``
    is None, its break-glass users with (True: a virtual one) or without an MFA device; the repository's
    account files get the ids the fake assigned (the management account's too). aws_helpers.seed_for's twin."""
    from consolezero.core.repository import load_repository
    from support import set_account_ids

    org = load_repository(root).model.organization
    model = load_repository(root).model
    members = [(a.name, a.email) for a in model.accounts.values() if a.name != org.management_account]
    seed = fake.seed_organization(members, org.groups, users)
    ids = {**seed.account_ids, org.management_account: seed.management_id}
    set_account_ids(root, ids)
    if break_glass_mfa is not None:
        for glass in org.break_glass:
            fake.seed_break_glass_user(ids[glass.account], glass.user, glass.path, mfa=break_glass_mfa)
    return FakeOrg(fake=fake, root=root, seed=seed, ids=ids)
