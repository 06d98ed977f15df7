"""Permission sets and account assignments: the desired state and the diff (a mixin of plan's builder).

Assignments are read per principal (see plan_live); a managed permission set's assignment that the
repository does not declare is removed. Just-in-time roles have no standing assignment: JIT grants
enter through :func:`desired_assignments` (a pure function of the repository, its history on main
and ``now``: :class:`consolezero.jit.grants.Grants`), and the sessions of grants that ended are
ended through the permission set's inline policy (:mod:`consolezero.plan.sessions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consolezero.core.model import DEFAULT_SESSION_DURATION, Model, Role, format_duration, parse_duration
from consolezero.integrations.aws.port import BoundaryRef, LivePermissionSet
from consolezero.plan.actions import (
    Assign,
    CreatePermissionSet,
    DeletePermissionSet,
    Target,
    TicketRef,
    Unassign,
    UpdatePermissionSet,
)
from consolezero.plan.documents import document_diff, managed_policy_arn, minify, owned_tags, parse_document
from consolezero.plan.sessions import session_changes, size_error
from consolezero.plan.types import P_ASSIGN, P_DEFINE, P_DELETE_PS, P_UNASSIGN, Change

if TYPE_CHECKING:
    from consolezero.jit.grants import Grants
    from consolezero.plan.live import LiveState



@dataclass(frozen=True)
class DesiredAssignment:
    role: str
    principal_type: str
    principal: str
    account: str
    source: str = field(default="", compare=False)  # the request file of a just-in-time grant
    fallback_files: tuple[str, ...] = field(default=(), compare=False)  # its requests made under the ticket fallback


def desired_assignments(model: Model, now: datetime | None = None,
                        grants: Grants | None = None) -> list[DesiredAssignment]:
    """The account assignments that should exist at ``now`` (``grants.now`` when grants are given).

    Standing roles: every account under each assignment target, for its principal. Just-in-time roles
    have no standing assignment: each grant active at ``now`` (a merged request whose window contains
    it) is one USER assignment, so desired state stays a pure function of (repository, history, now).
    """
    found: dict[DesiredAssignment, None] = {}
    if grants is not None:
        fallback = {r.file for r in model.requests if r.ticket_fallback}
        for window in grants.active():
            if window.role in model.roles and window.account in model.accounts:
                found[DesiredAssignment(window.role, "USER", window.user, window.account, window.files[0],
                                        tuple(f for f in window.files if f in fallback))] = None
    for role in model.roles.values():
        if role.access != "standing":
            continue  # jit: granted from requests (not yet)
        for assignment in role.assignments:
            for target in assignment.targets:
                for account in model.accounts_under(target):
                    found[DesiredAssignment(role.name, assignment.principal_type, assignment.principal,
                                            account.name)] = None
    return list(found)


def _session_lookup(principals: Any) -> tuple[dict[str, str | None], dict[str, str]]:
    ids = {p.name: p.id for p in principals if p.type == "USER"}
    return ids, {p.id: p.name for p in principals if p.type == "USER" and p.id}


@dataclass(frozen=True)
class DesiredPermissionSet:
    name: str
    description: str
    session_duration: str
    managed_policies: tuple[str, ...]
    customer_policies: tuple[tuple[str, str], ...]
    inline_policy: str | None  # as uploaded: the declared policy plus the session-ending statements due now
    boundary: BoundaryRef | None
    tags: Mapping[str, str]
    declared_inline: str | None = None  # the role's own inline policy (minified)


def desired_permission_set(role: Role, session_statements: tuple[Mapping[str, Any], ...] = ()) -> DesiredPermissionSet:
    boundary = None
    if role.boundary is not None:
        if role.boundary.managed:
            boundary = BoundaryRef(managed_arn=managed_policy_arn(role.boundary.managed))
        elif role.boundary.customer_managed:
            name, path = role.boundary.customer_managed
            boundary = BoundaryRef(customer_name=name, customer_path=path or "/")
    from consolezero.jit.sessions import merge

    merged = merge(role.inline_policy, session_statements)
    return DesiredPermissionSet(
        name=role.name, description=role.description.strip(),
        session_duration=format_duration(role.session_duration or DEFAULT_SESSION_DURATION),
        managed_policies=tuple(sorted({managed_policy_arn(p) for p in role.managed_policies})),
        customer_policies=tuple(sorted({(n, p or "/") for n, p in role.customer_managed_policies})),
        inline_policy=minify(merged) if merged else None,
        boundary=boundary, tags=owned_tags(role.tags),
        declared_inline=minify(role.inline_policy) if role.inline_policy else None)


class IdentityCenterDiff:
    """Permission sets and assignments, for plan's builder (which provides the attributes below)."""

    model: Model
    live: LiveState
    errors: list[str]
    live_accounts: dict[str, Any]
    new_accounts: set[str]
    grants: Grants | None
    warnings: list[str]

    def add(self, change: Change) -> None:  # pragma: no cover - provided by the builder
        raise NotImplementedError

    def target_of(self, target_id: str) -> Target:  # pragma: no cover - provided by the builder
        raise NotImplementedError

    def plan_permission_sets(self) -> dict[str, LivePermissionSet]:
        live_by_name = {p.name: p for p in self.live.permission_sets}
        if self.model.roles and self.live.sso is None:
            self.errors.append("IAM Identity Center has no instance in this region (identity_center.region in "
                               "accounts/organization.yaml); enable it first")
            return {}
        assigned = {a.permission_set_arn for a in self.live.assignments}
        ends_by_role = self._session_ends()
        for role in self.model.roles.values():
            live = live_by_name.get(role.name)
            ends = ends_by_role.get(role.name, []) if live is not None and ends_by_role is not None else []
            if ends_by_role is None and live is not None:  # no history: the statements in place stay in place
                from consolezero.jit.sessions import split

                statements = tuple(split(parse_document(live.inline_policy))[1].values())
            else:
                statements = tuple(e.statement() for e in ends)
            desired = desired_permission_set(role, statements)
            if live is not None and not live.managed:
                self.errors.append(f"{role.file}: name clash: IAM Identity Center already has a permission set named "
                                   f"{role.name} without the managed-by tag ({live.arn}); rename the role, or tag "
                                   "the permission set managed-by=consolezero to adopt it")
                continue
            if live is None:
                self.add(Change("create", "permission_set", role.name, "", P_DEFINE,
                                f"create permission set {role.name}",
                                details={"session_duration": desired.session_duration,
                                         "managed_policies": list(desired.managed_policies)},
                                action=CreatePermissionSet(**_definition(desired))))
            else:
                problem = size_error(role.file, role.name, desired.inline_policy, len(statements))
                if problem:
                    self.errors.append(problem)
                    continue
                self._update_permission_set(desired, live, live.arn in assigned,
                                            ends if ends_by_role is not None else None)
        for live in self.live.permission_sets:
            if live.managed and live.name not in self.model.roles:
                self.add(Change("delete", "permission_set", live.name, "", P_DELETE_PS,
                                f"delete permission set {live.name}", action=DeletePermissionSet(arn=live.arn)))
        return live_by_name

    def _session_ends(self) -> dict[str, list[Any]] | None:
        """The session-ending statements due now, by role; None without history (nothing is known, so the
        statements in place are kept: dropping them early would let the sessions of an ended grant live on)."""
        if self.grants is None or not self.grants.history.available:
            return None
        from consolezero.jit.sessions import session_ends

        live_sessions = {p.name: parse_duration(p.session_duration) or 0 for p in self.live.permission_sets
                         if p.managed}
        ends, warnings = session_ends(self.grants, self.model, _session_lookup(self.live.principals)[0],
                                      live_sessions)
        self.warnings.extend(warnings)
        by_role: dict[str, list[Any]] = {}
        for end in ends:
            by_role.setdefault(end.role, []).append(end)
        return by_role

    def _update_permission_set(self, desired: DesiredPermissionSet, live: LivePermissionSet, assigned: bool,
                               ends: list[Any] | None = None) -> None:
        from consolezero.jit.sessions import split
        fields: list[str] = []
        details: dict[str, Any] = {}
        if desired.description != (live.description or ""):
            fields.append("description")
            details["description"] = [live.description, desired.description]
        if parse_duration(desired.session_duration) != parse_duration(live.session_duration):
            fields.append("session_duration")
            details["session_duration"] = [live.session_duration, desired.session_duration]
        for name, want, have in (("managed_policies", desired.managed_policies, live.managed_policies),
                                 ("customer_managed_policies", desired.customer_policies, live.customer_policies)):
            add, remove = sorted(set(want) - set(have)), sorted(set(have) - set(want))
            if add or remove:
                fields.append(name)
                details[name] = {"add": [list(x) if isinstance(x, tuple) else x for x in add],
                                 "remove": [list(x) if isinstance(x, tuple) else x for x in remove]}
        live_inline, live_ends = split(parse_document(live.inline_policy))
        want_inline = parse_document(desired.declared_inline)
        if live_inline != want_inline:
            fields.append("inline_policy")
            details["inline_policy"] = document_diff(live_inline, want_inline, f"{desired.name} inline policy")
        if ends is not None:
            for change in session_changes(self.model, desired.name, live.arn, ends, live_ends,
                                          desired.inline_policy, assigned, _session_lookup(self.live.principals)[1]):
                self.add(change)
        if desired.boundary != live.boundary:
            fields.append("permissions_boundary")
            details["permissions_boundary"] = [live.boundary.describe() if live.boundary else None,
                                               desired.boundary.describe() if desired.boundary else None]
        tags_add = {k: v for k, v in desired.tags.items() if live.tags.get(k) != v}
        tags_remove = sorted(k for k in live.tags if k not in desired.tags)
        if tags_add or tags_remove:
            fields.append("tags")
            details["tags"] = {"add": tags_add, "remove": tags_remove}
        definition_changed = bool(fields)
        if live.outdated_accounts:
            fields.append("provisioning")
            details["provisioning"] = f"{len(live.outdated_accounts)} account(s) run an outdated version"
        if not fields:
            return
        details["fields"] = fields
        action = UpdatePermissionSet(
            **_definition(desired), arn=live.arn,
            managed_add=tuple(sorted(set(desired.managed_policies) - set(live.managed_policies))),
            managed_remove=tuple(sorted(set(live.managed_policies) - set(desired.managed_policies))),
            customer_add=tuple(sorted(set(desired.customer_policies) - set(live.customer_policies))),
            customer_remove=tuple(sorted(set(live.customer_policies) - set(desired.customer_policies))),
            inline_changed=parse_document(live.inline_policy) != parse_document(desired.inline_policy),
            boundary_changed=desired.boundary != live.boundary,
            provision=bool(live.outdated_accounts) or (definition_changed and assigned),
            update_settings="description" in fields or "session_duration" in fields,
            tags_add=tags_add, tags_remove=tuple(tags_remove))
        self.add(Change("update", "permission_set", desired.name, "", P_DEFINE,
                        f"update permission set {desired.name}: {', '.join(fields)}", details=details, action=action))

    def plan_assignments(self, live_sets: Mapping[str, LivePermissionSet], now: datetime | None) -> None:
        if self.live.sso is None:
            return
        principals = {(p.type, p.name): p for p in self.live.principals}
        names_by_id = {(p.type, p.id): p.label for p in self.live.principals if p.id}
        managed_arns = {p.arn: p.name for p in self.live.permission_sets if p.managed}
        desired: dict[tuple[str, str, str, str], DesiredAssignment] = {}
        missing: set[tuple[str, str]] = set()
        for d in desired_assignments(self.model, now, self.grants):
            principal = principals.get((d.principal_type, d.principal))
            if principal is None or principal.id is None:
                if d.source:
                    self.errors.append(f"{d.source}: user {d.principal} is not in the IAM Identity Center identity "
                                       f"store, so the grant of {d.role} on {d.account} cannot be assigned; fix the "
                                       "user field (the Identity Center user name) in a new request")
                else:
                    missing.add((d.principal_type, d.principal))
                continue
            live_set = live_sets.get(d.role)
            if live_set is not None and not live_set.managed:
                continue  # reported as a name clash
            account = self.model.accounts[d.account]
            if account.id not in self.live_accounts and d.account not in self.new_accounts:
                continue  # reported with the account
            desired[(d.role, account.id or d.account, d.principal_type, principal.id)] = d
        for kind, name in sorted(missing):
            self.errors.append(f"{kind.lower()} {name} is not in the IAM Identity Center identity store; create it in "
                               "your identity provider (it is synchronised by SCIM) before assigning roles to it")
        live_keys = {}
        for a in self.live.assignments:
            if a.permission_set_arn in managed_arns:
                live_keys[(managed_arns[a.permission_set_arn], a.account_id, a.principal_type, a.principal_id)] = a
        for key, d in desired.items():
            if key in live_keys:
                continue
            role, account_id, ptype, pid = key
            live_set = live_sets.get(role)
            label = f"{ptype.lower()}:{d.principal}"
            self.add(Change("assign", "assignment", role, f"account:{d.account}", P_ASSIGN,
                            f"assign {role} to {label} on account:{d.account}", details={"principal": label},
                            action=Assign(permission_set=role, arn=live_set.arn if live_set else None,
                                          account=d.account,
                                          account_id=account_id if account_id in self.live_accounts else None,
                                          principal_type=ptype, principal_id=pid, principal=label,
                                          ticket_fallback=tuple(TicketRef(r.file, r.ticket) for r in self.model.requests
                                                                if r.file in d.fallback_files)
                                          if d.fallback_files else None)))
        for key, a in live_keys.items():
            if key in desired:
                continue
            role = key[0]
            label = names_by_id.get((a.principal_type, a.principal_id), f"{a.principal_type.lower()}:{a.principal_id}")
            target = self.target_of(a.account_id)
            self.add(Change("unassign", "assignment", role, target.label, P_UNASSIGN,
                            f"unassign {role} from {label} on {target.label}", details={"principal": label},
                            action=Unassign(permission_set=role, arn=a.permission_set_arn, account=target,
                                            account_id=a.account_id, principal_type=a.principal_type,
                                            principal_id=a.principal_id, principal=label)))


def _definition(desired: DesiredPermissionSet) -> dict[str, Any]:
    """The declared fields of a permission set's create or update action."""
    return {"name": desired.name, "description": desired.description, "session_duration": desired.session_duration,
            "tags": dict(desired.tags), "managed_policies": desired.managed_policies,
            "customer_policies": desired.customer_policies, "inline_policy": desired.inline_policy,
            "boundary": desired.boundary}
