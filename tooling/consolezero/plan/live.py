"""Read the live state plan needs, through the AWS port, in a number of calls that grows with the
number of OUs, policies, permission sets and principals -- not with the number of accounts
(except for pagination: 20 accounts per ListAccountsForParent page, 100 assignments per page).

Call-count shape of one read (P managed SCPs, S permission sets, G principals, O OUs, A accounts):
  Organizations: 1 ListRoots + (O + 1) x (ListOrganizationalUnitsForParent + ListAccountsForParent)
                 + ceil(A / 20) extra account pages + ceil(#SCPs / 20) ListPolicies
                 + 1 ListTagsForResource per customer SCP + (DescribePolicy + ListTargetsForPolicy) per managed SCP
                 [allow-list strategy only: + ListTargetsForPolicy for FullAWSAccess and unmanaged SCPs]
  Identity Center: 1 ListInstances + ListPermissionSets + 2 per set (Describe, ListTags)
                 + 5 per managed set (managed, customer, inline, boundary, outdated accounts)
                 + 1 GetGroupId/GetUserId per principal + ListAccountAssignmentsForPrincipal per resolved
                 principal (100 assignments per page)
  [complete assignment scan (the default of apply and reconcile; see plan/assignment_scan.py):
                 + ListAccountsForProvisionedPermissionSet per managed set, then the cheaper of
                 ListAccountAssignments per provisioned (account, set) pair and ListGroups/ListUsers +
                 ListAccountAssignmentsForPrincipal per principal not read above; in parallel, rate-limited]
SCP state never costs a call per account. The fingerprint is the SHA-256 of the canonical JSON of it all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from consolezero.breakglass.preflight import BreakGlassState, read_break_glass
from consolezero.core.model import BreakGlass, Model, Target
from consolezero.integrations.aws.port import (
    AwsPort,
    LiveAccount,
    LiveAssignment,
    LiveOu,
    LivePermissionSet,
    SsoInstance,
    is_managed,
)
from consolezero.plan.assignment_scan import scan_assignments
from consolezero.policy.scp import is_full_access, uses_allow_list


@dataclass(frozen=True)
class LivePolicy:
    id: str
    name: str
    description: str
    aws_managed: bool
    tags: Mapping[str, str] = field(default_factory=dict)
    content: str | None = None  # read for managed policies only
    targets: tuple[str, ...] | None = None  # target ids; None when not read

    @property
    def managed(self) -> bool:
        return not self.aws_managed and is_managed(self.tags)

    @property
    def is_full_access(self) -> bool:
        return is_full_access(self.name, self.aws_managed)


@dataclass(frozen=True)
class Principal:
    type: str  # GROUP | USER
    name: str
    id: str | None  # None: not found in the identity store

    @property
    def label(self) -> str:
        return f"{self.type.lower()}:{self.name}"


@dataclass(frozen=True)
class LiveState:
    root_id: str
    ous: tuple[LiveOu, ...]
    accounts: tuple[LiveAccount, ...]
    policies: tuple[LivePolicy, ...]
    sso: SsoInstance | None = None
    permission_sets: tuple[LivePermissionSet, ...] = ()
    assignments: tuple[LiveAssignment, ...] = ()
    principals: tuple[Principal, ...] = ()
    allow_list: bool = False  # FullAWSAccess (and unmanaged SCPs) targets were read
    full_assignment_scan: bool = False
    break_glass: tuple[BreakGlassState, ...] = ()  # the JIT account's break-glass users (preflight)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ous"] = sorted(data["ous"], key=lambda o: o["id"])
        data["accounts"] = sorted(data["accounts"], key=lambda a: a["id"])
        data["policies"] = sorted(data["policies"], key=lambda p: p["id"])
        for policy in data["policies"]:
            policy["tags"] = dict(sorted(policy["tags"].items()))
            if policy["targets"] is not None:
                policy["targets"] = sorted(policy["targets"])
        data["permission_sets"] = sorted(data["permission_sets"], key=lambda p: p["arn"])
        data["assignments"] = sorted(data["assignments"], key=lambda a: json.dumps(a, sort_keys=True))
        data["principals"] = sorted(data["principals"], key=lambda p: (p["type"], p["name"]))
        return data

    def fingerprint(self) -> str:
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def covers(model: Model, target: Target, account_name: str) -> bool:
    account = model.accounts.get(account_name)
    if account is None:
        return False
    if target.kind == "root":
        return True
    if target.kind == "account":
        return target.name == account_name
    return account.ou == target.name or account.ou.startswith(target.name + "/")


def break_glass_to_verify(model: Model) -> list[BreakGlass]:
    """The JIT account's declared break-glass users: apply's preflight reads them whenever some SCP of the
    repository covers that account (so plan can judge any change that would reach them).

    Not needed when the JIT account is the management account (SCPs never restrict it)."""
    org = model.organization
    if org is None or not org.jit_account or org.jit_account == org.management_account:
        return []
    if not any(scp.policy is not None and any(covers(model, t, org.jit_account) for t in scp.targets)
               for scp in model.scps.values()):
        return []
    return [glass for glass in org.break_glass if glass.account == org.jit_account and glass.user]


def principals_of(model: Model) -> list[tuple[str, str]]:
    """Every principal whose assignments plan reads: declared groups, assignment principals, requesters."""
    seen: dict[tuple[str, str], None] = {}
    if model.organization is not None:
        for group in model.organization.groups:
            seen[("GROUP", group)] = None
    for role in model.roles.values():
        for assignment in role.assignments:
            seen[(assignment.principal_type, assignment.principal)] = None
    for request in model.requests:
        if request.user:
            seen[("USER", request.user)] = None
    return list(seen)


def read_organization(port: AwsPort) -> tuple[str, list[LiveOu], list[LiveAccount]]:
    """The OU tree (with paths) and every account with its parent: one walk, two calls per parent."""
    root = port.root_id()
    ous: list[LiveOu] = []
    accounts: list[LiveAccount] = []
    queue: list[tuple[str, str]] = [(root, "")]
    while queue:
        parent_id, parent_path = queue.pop(0)
        for ou in port.child_ous(parent_id):
            path = f"{parent_path}/{ou.name}" if parent_path else ou.name
            ous.append(LiveOu(id=ou.id, name=ou.name, parent_id=parent_id, path=path))
            queue.append((ou.id, path))
        accounts.extend(port.child_accounts(parent_id))
    return root, ous, accounts


def read_policies(port: AwsPort, allow_list: bool) -> list[LivePolicy]:
    policies = []
    for summary in port.list_scps():
        tags: dict[str, str] = {} if summary.aws_managed else port.policy_tags(summary.id)
        policy = LivePolicy(id=summary.id, name=summary.name, description=summary.description,
                            aws_managed=summary.aws_managed, tags=tags)
        content = targets = None
        if policy.managed:
            content = port.policy_content(summary.id)
            targets = tuple(port.policy_targets(summary.id))
        elif allow_list:
            targets = tuple(port.policy_targets(summary.id))
        policies.append(LivePolicy(id=policy.id, name=policy.name, description=policy.description,
                                   aws_managed=policy.aws_managed, tags=tags, content=content, targets=targets))
    return policies


def read_permission_set(port: AwsPort, instance_arn: str, arn: str) -> LivePermissionSet:
    info = port.describe_permission_set(instance_arn, arn)
    tags = port.permission_set_tags(instance_arn, arn)
    if not is_managed(tags):
        return LivePermissionSet(arn=arn, name=info.name, description=info.description,
                                 session_duration=info.session_duration, tags=tags, read=False)
    return LivePermissionSet(
        arn=arn, name=info.name, description=info.description, session_duration=info.session_duration, tags=tags,
        managed_policies=tuple(sorted(port.permission_set_managed_policies(instance_arn, arn))),
        customer_policies=tuple(sorted(port.permission_set_customer_policies(instance_arn, arn))),
        inline_policy=port.permission_set_inline_policy(instance_arn, arn),
        boundary=port.permission_set_boundary(instance_arn, arn),
        outdated_accounts=tuple(port.accounts_for_permission_set(instance_arn, arn, outdated_only=True)),
    )


def read_live(port: AwsPort, model: Model, full_assignment_scan: bool = False) -> LiveState:
    """Everything the diff needs, read once. ``full_assignment_scan`` also finds assignments of managed
    permission sets to principals the repository never names (:mod:`consolezero.plan.assignment_scan`)."""
    allow_list = uses_allow_list(model)
    root, ous, accounts = read_organization(port)
    policies = read_policies(port, allow_list)
    organization = model.organization
    needs_sso = bool(model.roles) or full_assignment_scan
    sso = port.sso_instance(organization.instance_arn if organization else None) if needs_sso else None
    permission_sets: list[LivePermissionSet] = []
    principals: list[Principal] = []
    assignments: dict[tuple[str, str, str, str], LiveAssignment] = {}
    if sso is not None:
        for arn in port.list_permission_sets(sso.instance_arn):
            permission_sets.append(read_permission_set(port, sso.instance_arn, arn))
        for kind, name in principals_of(model):
            lookup = port.group_id if kind == "GROUP" else port.user_id
            principal_id = lookup(sso.identity_store_id, name)
            principals.append(Principal(type=kind, name=name, id=principal_id))
            if principal_id is None:
                continue
            for a in port.assignments_for_principal(sso.instance_arn, kind, principal_id):
                assignments[(a.account_id, a.permission_set_arn, a.principal_type, a.principal_id)] = a
        if full_assignment_scan:
            read = {(p.type, p.id) for p in principals if p.id}
            scan = scan_assignments(port, sso, permission_sets, read)
            for a in scan.assignments:
                assignments[(a.account_id, a.permission_set_arn, a.principal_type, a.principal_id)] = a
            held = {(a.principal_type, a.principal_id) for a in scan.assignments}
            principals += [Principal(type=kind, name=name, id=pid) for (kind, pid), name in sorted(scan.names.items())
                           if (kind, pid) in held and (kind, pid) not in read]
    glass_states = []
    live_ids = {a.id for a in accounts}
    for glass in break_glass_to_verify(model):
        account = model.accounts.get(glass.account)
        if account is not None and account.id in live_ids:
            glass_states.append(read_break_glass(port, account.id, glass))
    return LiveState(root_id=root, ous=tuple(ous), accounts=tuple(accounts), policies=tuple(policies), sso=sso,
                     permission_sets=tuple(permission_sets), assignments=tuple(assignments.values()),
                     principals=tuple(principals), allow_list=allow_list, full_assignment_scan=full_assignment_scan,
                     break_glass=tuple(glass_states))
