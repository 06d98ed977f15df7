"""Desired (the model) vs live (read once by :mod:`consolezero.plan.live`) -> a Plan. Pure: no AWS here.

Ownership: only SCPs and permission sets tagged ``managed-by: consolezero`` are updated, detached or
deleted (plus FullAWSAccess attachments under the allow-list strategy); an unmanaged object with a
declared name is a plan error (a name clash), never adopted silently.

Order of execution (``Change.phase``): create/update SCPs and permission sets, create OUs, create and
move accounts, attach, detach, delete SCPs, assign, unassign, (provision updated sets), delete sets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consolezero.core import model as declared
from consolezero.core.model import Model
from consolezero.plan.actions import (
    ROOT,
    AttachScp,
    CreateAccount,
    CreateOu,
    CreateScp,
    DeleteScp,
    DetachScp,
    MoveAccount,
    Target,
    UpdateScp,
)
from consolezero.plan.documents import document_diff, has_allow, jsonable, minify, owned_tags, parse_document
from consolezero.plan.identity_center import (
    IdentityCenterDiff,
)
from consolezero.plan.live import LivePolicy, LiveState
from consolezero.plan.types import (
    OPS,
    P_ACCOUNT,
    P_ATTACH,
    P_DEFINE,
    P_DELETE_SCP,
    P_DETACH,
    P_OU,
    Change,
    Plan,
)
from consolezero.policy.scp import FULL_AWS_ACCESS, FULL_AWS_ACCESS_ID, full_access_scp

if TYPE_CHECKING:
    from consolezero.jit.grants import Grants


# (policy, its id, target, its id, attach? (else detach)); an id is None when created in this apply
_Attachment = tuple[str, str | None, Target, str | None, bool]


def _target(target: declared.Target) -> Target:
    """A target the repository declares, as the plan's Target."""
    return Target(target.kind, target.name)


# --- the diff -----------------------------------------------------------------------------
class _PlanBuilder(IdentityCenterDiff):
    def __init__(self, model: Model, live: LiveState, create_accounts: bool, grants: Grants | None = None) -> None:
        self.model = model
        self.grants = grants
        self.live = live
        self.create_accounts = create_accounts
        self.changes: list[Change] = []
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.ou_by_path = {o.path: o for o in live.ous}
        self.ou_by_id = {o.id: o for o in live.ous}
        self.live_accounts = {a.id: a for a in live.accounts}
        self.model_accounts_by_id = {a.id: a for a in model.accounts.values() if a.id}
        self.new_ous: set[str] = set()
        self.new_accounts: set[str] = set()

    # targets: root | OU by path | account by name <-> live ids
    def target_id(self, target: declared.Target) -> str | None:
        if target.kind == "root":
            return self.live.root_id
        if target.kind == "ou":
            ou = self.ou_by_path.get(target.name)
            return ou.id if ou else None
        account = self.model.accounts.get(target.name)
        return account.id if account and account.id in self.live_accounts else None

    def target_of(self, target_id: str) -> Target:
        if target_id == self.live.root_id:
            return ROOT
        if target_id in self.ou_by_id:
            return Target.ou(self.ou_by_id[target_id].path)
        account = self.model_accounts_by_id.get(target_id)
        if account is not None:
            return Target.account(account.name)
        live = self.live_accounts.get(target_id)
        return Target.account(f"{live.name} ({target_id})") if live else Target.by_id(target_id)

    def parent_of(self, parent_id: str) -> Target:
        return ROOT if parent_id == self.live.root_id else Target.ou(self.ou_by_id[parent_id].path) \
            if parent_id in self.ou_by_id else Target.by_id(parent_id)

    def add(self, change: Change) -> None:
        self.changes.append(change)

    # --- OUs and accounts ---------------------------------------------------------------
    def plan_ous(self) -> None:
        for ou in sorted(self.model.ous.values(), key=lambda o: (o.depth, o.path)):
            if ou.path in self.ou_by_path:
                continue
            parent = Target.ou(ou.parent) if ou.parent else ROOT
            parent_ou = self.ou_by_path.get(ou.parent) if ou.parent else None
            parent_id = self.live.root_id if not ou.parent else (parent_ou.id if parent_ou else None)
            self.new_ous.add(ou.path)
            self.add(Change("create", "ou", ou.path, parent.label, P_OU, f"create OU {ou.path} in {parent.label}",
                            action=CreateOu(path=ou.path, name=ou.name, parent=parent, parent_id=parent_id,
                                            tags=owned_tags(ou.tags))))
        for path in sorted(set(self.ou_by_path) - set(self.model.ous)):
            self.warnings.append(f"OU {path} is in the organization but not declared under accounts/ (left alone)")

    def plan_accounts(self) -> None:
        by_email = {a.email.lower(): a for a in self.live.accounts if a.email}
        for account in self.model.accounts.values():
            destination = Target.ou(account.ou) if account.ou else ROOT
            live = self.live_accounts.get(account.id)
            if live is None:
                other = by_email.get(account.email.lower()) if account.email else None
                if other is not None:
                    self.errors.append(f"{account.file}: account {account.name} has id {account.id or '(none)'}, but "
                                       f"the organization has {account.email} as account {other.id}; fix the id")
                elif self.create_accounts:
                    self.new_accounts.add(account.name)
                    self.add(Change("create", "account", account.name, destination.label, P_ACCOUNT,
                                    f"create account {account.name} ({account.email}) in {destination.label}",
                                    action=CreateAccount(name=account.name, email=account.email,
                                                         destination=destination, tags=owned_tags(account.tags))))
                else:
                    self.errors.append(f"{account.file}: account {account.name} ({account.id or 'no id'}) is not in "
                                       "the organization; fix its id, or run apply --create-accounts to create it")
                continue
            current = self.parent_of(live.parent_id)
            if current != destination:
                dest_id = self.live.root_id if not account.ou else (
                    self.ou_by_path[account.ou].id if account.ou in self.ou_by_path else None)
                self.add(Change("move", "account", account.name, destination.label, P_ACCOUNT,
                                f"move account {account.name} from {current.label} to {destination.label}",
                                details={"from": current.label, "to": destination.label},
                                action=MoveAccount(account_id=account.id or "", source_parent_id=live.parent_id,
                                                   destination=destination, destination_id=dest_id)))
        declared = {a.id for a in self.model.accounts.values()}
        for live in self.live.accounts:
            if live.id not in declared:
                self.warnings.append(f"account {live.name} ({live.id}) is in the organization but not declared "
                                     "under accounts/ (left alone)")

    # --- SCPs ----------------------------------------------------------------------------
    def plan_scps(self) -> None:
        live_by_name: dict[str, LivePolicy] = {p.name: p for p in self.live.policies}
        declared = {s.name: s for s in self.model.scps.values() if not s.aws_managed}
        attachments: list[_Attachment] = []
        allow_docs: dict[str, bool] = {}
        for scp in declared.values():
            if scp.policy is None:
                continue
            content = minify(scp.policy)
            allow_docs[scp.name] = has_allow(jsonable(scp.policy))
            live = live_by_name.get(scp.name)
            if live is not None and not live.managed:
                what = "an AWS managed SCP" if live.aws_managed else "an SCP without the managed-by tag"
                self.errors.append(f"{scp.file}: name clash: the organization already has {what} named {scp.name} "
                                   f"({live.id}); consolezero never changes unmanaged policies -- rename the SCP, or "
                                   f"tag {live.id} managed-by=consolezero to adopt it")
                continue
            tags = owned_tags(scp.tags)
            if live is None:
                self.add(Change("create", "scp", scp.name, "", P_DEFINE, f"create SCP {scp.name}",
                                details={"document": document_diff(None, jsonable(scp.policy), scp.name)},
                                action=CreateScp(name=scp.name, description=scp.description or scp.name,
                                                 content=content, tags=tags)))
                live_targets: dict[Target, str] = {}
            else:
                live_targets = {self.target_of(t): t for t in live.targets or ()}
                self._update_scp(scp.name, scp.description or scp.name, content, tags, live)
            desired_targets = {_target(t): self.target_id(t) for t in scp.targets}
            for label, tid in desired_targets.items():
                if label not in live_targets:
                    attachments.append((scp.name, live.id if live else None, label, tid, True))
            for label, tid in live_targets.items():
                if label not in desired_targets:
                    attachments.append((scp.name, live.id if live else None, label, tid, False))
        for live in self.live.policies:
            if live.managed and live.name not in declared:
                for tid in live.targets or ():
                    attachments.append((live.name, live.id, self.target_of(tid), tid, False))
                self.add(Change("delete", "scp", live.name, "", P_DELETE_SCP, f"delete SCP {live.name}",
                                details={"document": document_diff(parse_document(live.content), None, live.name)},
                                action=DeleteScp(policy_id=live.id)))
        attachments.extend(self._full_access_attachments(live_by_name))
        self._check_and_emit(attachments, allow_docs)

    def _update_scp(self, name: str, description: str, content: str, tags: Mapping[str, str],
                    live: LivePolicy) -> None:
        live_doc, desired_doc = parse_document(live.content), json.loads(content)
        fields: list[str] = []
        details: dict[str, Any] = {}
        if live_doc != desired_doc:
            fields.append("content")
            details["document"] = document_diff(live_doc, desired_doc, name)
        if (live.description or "") != description:
            fields.append("description")
            details["description"] = [live.description, description]
        add = {k: v for k, v in tags.items() if live.tags.get(k) != v}
        remove = sorted(k for k in live.tags if k not in tags)
        if add or remove:
            fields.append("tags")
            details["tags"] = {"add": add, "remove": remove}
        if fields:
            details["fields"] = fields
            action = UpdateScp(policy_id=live.id, name=name, content=content if "content" in fields else None,
                               description=description if "description" in fields else None,
                               tags_add=add if "tags" in fields else None,
                               tags_remove=tuple(remove) if "tags" in fields else None)
            self.add(Change("update", "scp", name, "", P_DEFINE, f"update SCP {name}: {', '.join(fields)}",
                            details=details, action=action))

    def _full_access_attachments(self, live_by_name: Mapping[str, LivePolicy]) -> list[_Attachment]:
        declared = full_access_scp(self.model)
        if declared is None:
            return []  # default strategy: FullAWSAccess stays wherever AWS put it
        live = live_by_name.get(FULL_AWS_ACCESS)
        pid = live.id if live else FULL_AWS_ACCESS_ID
        live_targets: dict[Target, str | None] = {
            self.target_of(t): t for t in (live.targets if live and live.targets else ())}
        for path in self.new_ous:  # AWS attaches FullAWSAccess to every new OU and account
            live_targets.setdefault(Target.ou(path), None)
        for name in self.new_accounts:
            live_targets.setdefault(Target.account(name), None)
        desired = {_target(t): self.target_id(t) for t in declared.targets}
        found = [(FULL_AWS_ACCESS, pid, label, tid, True) for label, tid in desired.items()
                 if label not in live_targets]
        found += [(FULL_AWS_ACCESS, pid, label, tid, False) for label, tid in live_targets.items()
                  if label not in desired]
        return found

    def _check_and_emit(self, attachments: list[_Attachment], allow_docs: Mapping[str, bool]) -> None:
        """Never plan a target into zero SCPs or no Allow: keep (or re-attach) FullAWSAccess there."""
        def allows(policy: str) -> bool:
            return policy == FULL_AWS_ACCESS or allow_docs.get(policy, False)

        result: dict[Target, dict[str, bool]] = {}  # target -> attached policy -> has an Allow
        for policy in self.live.policies:
            for tid in policy.targets or ():
                known = policy.is_full_access or policy.managed  # unmanaged content is not read: no Allow assumed
                result.setdefault(self.target_of(tid), {})[policy.name] = known and allows(policy.name)
        if not self.live.allow_list:  # FullAWSAccess targets not read: AWS's default, everywhere
            for label in {a[2] for a in attachments}:
                result.setdefault(label, {})[FULL_AWS_ACCESS] = True
        for label in {Target.ou(p) for p in self.new_ous} | {Target.account(n) for n in self.new_accounts}:
            result.setdefault(label, {})[FULL_AWS_ACCESS] = True  # AWS attaches it to new OUs and accounts
        for policy, _pid, label, _tid, attach in attachments:
            if attach:
                result.setdefault(label, {})[policy] = allows(policy)
        for policy, _pid, label, _tid, attach in attachments:
            if not attach:
                result.setdefault(label, {}).pop(policy, None)
        kept: set[str] = set()
        extra: list[_Attachment] = []
        for label in sorted({a[2] for a in attachments if not a[4]}, key=lambda t: t.label):
            policies = result.get(label, {})
            if policies and any(policies.values()):
                continue
            if any(a[0] == FULL_AWS_ACCESS and a[2] == label and not a[4] for a in attachments):
                kept.add(label)
                self.warnings.append(f"FullAWSAccess stays attached to {label}: without it, {label} would have "
                                     "no SCP that allows anything (attach an Allow SCP there first)")
            else:
                tid = next((a[3] for a in attachments if a[2] == label), None)
                extra.append((FULL_AWS_ACCESS, FULL_AWS_ACCESS_ID, label, tid, True))
                self.warnings.append(f"FullAWSAccess will be attached to {label} first: the detaches would "
                                     "leave it with no SCP that allows anything")
        for policy, pid, label, tid, attach in attachments + extra:
            if not attach and policy == FULL_AWS_ACCESS and label in kept:
                continue
            step = (AttachScp if attach else DetachScp)(policy=policy, policy_id=pid, target=label, target_id=tid)
            self.add(Change(step.OP, step.KIND, policy, label.label, P_ATTACH if attach else P_DETACH,
                            f"{step.OP} {policy} {'to' if attach else 'from'} {label.label}", action=step))


def unknown_targets(model: Model) -> list[str]:
    """SCP and assignment targets that name no OU or account of the repository: plan errors, whatever lint's
    configuration says (its unknown-reference may be silenced), so that apply never starts a run it cannot finish."""
    found = [(scp.file, t) for scp in model.scps.values() for t in scp.targets]
    found += [(role.file, t) for role in model.roles.values() for a in role.assignments for t in a.targets]
    return [f"{file}: target {t} names no {'OU' if t.kind == 'ou' else 'account'} of the repository "
            f"(no {'folder' if t.kind == 'ou' else 'account file'} for it under accounts/): nothing is applied"
            for file, t in found if not model.target_exists(t)]


def build_plan(model: Model, live: LiveState, now: datetime | None = None, create_accounts: bool = False,
               grants: Grants | None = None) -> Plan:
    """Compare the declared organization with the live one: the ordered changes, errors and warnings.

    ``grants`` (:func:`consolezero.jit.grants.compute_grants`) brings the just-in-time grants active at
    its ``now`` and the sessions of ended ones to end; without it no JIT grant is desired."""
    builder = _PlanBuilder(model, live, create_accounts, grants)
    builder.errors.extend(unknown_targets(model))
    if grants is not None:
        builder.warnings.extend(grants.warnings)
        builder.errors.extend(grants.errors)
        now = grants.now
    builder.plan_ous()
    builder.plan_accounts()
    builder.plan_scps()
    live_sets = builder.plan_permission_sets()
    builder.plan_assignments(live_sets, now)
    if live.alerts is not None:  # the guardrail alerts: bus, topic, rules, forwarding (alerts/deployment.py)
        from consolezero.alerts.deployment import alert_changes
        from consolezero.policy.catalog import load_catalog

        found, errors, warnings = alert_changes(model, live.alerts, load_catalog())
        builder.changes += found
        builder.errors += errors
        builder.warnings += warnings
    order = {op: i for i, op in enumerate(OPS)}
    changes = sorted(builder.changes, key=lambda c: (c.phase, c.kind != "scp", order.get(c.op, 9),
                                                     c.name.count("/") if c.kind == "ou" else 0, c.name, c.target))
    context = {"root_id": live.root_id, "allow_list": live.allow_list,
               "full_assignment_scan": live.full_assignment_scan,
               "instance_arn": live.sso.instance_arn if live.sso else None,
               "identity_store_id": live.sso.identity_store_id if live.sso else None,
               "ou_ids": {o.path: o.id for o in live.ous},
               "account_ids": {a.name: a.id for a in model.accounts.values() if a.id in builder.live_accounts},
               "policy_ids": {p.name: p.id for p in live.policies},
               "permission_sets": {p.name: p.arn for p in live.permission_sets if p.managed}}
    if grants is not None:  # JIT grants were planned at this moment, from this history (a re-plan needs both)
        context["jit"] = {"now": grants.now.strftime("%Y-%m-%dT%H:%M:%SZ"), "main_ref": grants.history.ref,
                          "main_commit": grants.history.commit}
    if live.alerts is not None:
        from consolezero.alerts.forwarding import bus_arn

        context["alerts"] = {"account_id": live.alerts.account_id, "region": live.alerts.region,
                             "bus_arn": bus_arn(live.alerts.region, live.alerts.account_id)}
    return Plan(fingerprint=live.fingerprint(), changes=tuple(changes), errors=tuple(builder.errors),
                warnings=tuple(dict.fromkeys(builder.warnings)), context=context)

