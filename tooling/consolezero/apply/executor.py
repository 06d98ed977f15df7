"""Execute a Plan against AWS, safely: the promises in the README's "Plan and apply".

- Everything created carries the ownership tag (``managed-by: consolezero``), given at creation.
- Order: create/update, create OUs, create/move accounts, attach, detach, delete, assign, unassign,
  provision updated permission sets, delete permission sets (the plan's phases).
- Before every detach the target's live SCPs are read again: it must keep at least one SCP and one
  that allows something; otherwise FullAWSAccess is attached first (or, if FullAWSAccess itself is
  the one going, the detach is skipped). AWS enforces the first rule; emulators do not; we do both.
- Idempotent, and safe to re-run after a failure at any step: every step reaches a goal state
  (attaching what is attached, deleting what is gone are successes), and a fresh plan picks up
  whatever a failed run left behind.
- A saved plan is refused when the live state moved (fingerprint) or apply's invariants (``safety``)
  refuse it: that, and re-planning to confirm it, is composed in :mod:`consolezero.apply.service`.
- It knows only the plan: the checks before it (lint, credentials, a saved plan confirmed by re-planning)
  are composed in :mod:`consolezero.apply.service` and the CLI.
- Dispatch is the explicit table :data:`HANDLERS`: a change's typed action (one class per (op, kind)
  pair, :mod:`consolezero.plan.actions`) -> the step that carries it out.

No printing here: progress goes to a callback, confirmation is a callback; the CLI owns the screen.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from consolezero.alerts import steps as alert_steps
from consolezero.apply.errors import (
    ApplyDeclined,
    ApplyError,
    LintFailed,
    PlanErrors,
    SavedPlanRejected,
    StalePlanError,
    StepFailed,
)
from consolezero.integrations.aws.port import FULL_AWS_ACCESS, FULL_AWS_ACCESS_ID, AwsError, AwsPort, PolicySummary
from consolezero.integrations.aws.waiter import wait_for
from consolezero.plan import alert_actions as alerts
from consolezero.plan.actions import (
    Assign,
    AttachScp,
    CreateAccount,
    CreateOu,
    CreatePermissionSet,
    CreateScp,
    DeletePermissionSet,
    DeleteScp,
    DetachScp,
    MoveAccount,
    Target,
    Unassign,
    UpdatePermissionSet,
    UpdateScp,
    UpdateSessionStatements,
)
from consolezero.plan.documents import has_allow
from consolezero.plan.types import P_DELETE_PS, Action, Change, Plan

__all__ = ["HANDLERS", "ApplyDeclined", "ApplyError", "ApplyResult", "LintFailed", "PlanErrors", "Progress",
           "SavedPlanRejected", "StalePlanError", "StepFailed", "Timeouts", "execute", "run_apply"]


@dataclass(frozen=True)
class Progress:
    event: Literal["start", "done", "note"]
    message: str
    change: Change | None = None
    index: int = 0
    total: int = 0


@dataclass(frozen=True)
class Timeouts:
    account: float = 1800.0  # CreateAccount takes minutes
    assignment: float = 300.0
    provisioning: float = 600.0
    poll_interval: float = 2.0


@dataclass
class ApplyResult:
    plan: Plan
    applied: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.plan.changes:
            return "No changes. The organization matches the repository."
        add, change, destroy = Plan(self.plan.fingerprint, tuple(self.applied)).counts()
        return f"Apply complete: {add} added, {change} changed, {destroy} destroyed."


def run_apply(*args: Any, **kwargs: Any) -> ApplyResult:
    """Check, plan (or confirm a saved plan), confirm, execute: composed in :mod:`consolezero.apply.service`
    (kept importable from here)."""
    from consolezero.apply.service import run_apply as composed

    return composed(*args, **kwargs)


def execute(plan: Plan, port: AwsPort, progress: Callable[[Progress], None] | None = None,
            timeouts: Timeouts = Timeouts(), sleep: Callable[[float], None] = time.sleep) -> ApplyResult:
    """Run the plan's changes in order; stop at the first failure (re-running converges)."""
    return _Executor(plan, port, progress or (lambda p: None), timeouts, sleep).run()


class _Executor:
    def __init__(self, plan: Plan, port: AwsPort, progress: Callable[[Progress], None], timeouts: Timeouts,
                 sleep: Callable[[float], None]) -> None:
        ctx = plan.context
        self.plan = plan
        self.port = port
        self.report = progress
        self.timeouts = timeouts
        self.sleep = sleep
        self.root = str(ctx.get("root_id", ""))
        self.instance = str(ctx.get("instance_arn") or "")
        self.ou_ids: dict[str, str] = {"": self.root, **dict(ctx.get("ou_ids") or {})}
        self.account_ids: dict[str, str] = dict(ctx.get("account_ids") or {})
        self.policy_ids: dict[str, str] = dict(ctx.get("policy_ids") or {})
        self.ps_arns: dict[str, str] = dict(ctx.get("permission_sets") or {})
        self.docs: dict[str, str] = {}
        self.allow_cache: dict[str, bool] = {}
        self.to_provision: dict[str, str] = {}
        self.result = ApplyResult(plan=plan)

    def note(self, message: str, change: Change | None = None) -> None:
        self.result.notes.append(message)
        self.report(Progress("note", message, change))

    def run(self) -> ApplyResult:
        total = len(self.plan.changes)
        provisioned = False
        for index, change in enumerate(self.plan.changes, 1):
            if change.phase >= P_DELETE_PS and not provisioned:
                self.provision_all(change)
                provisioned = True
            self.report(Progress("start", change.summary, change, index, total))
            try:
                handler = HANDLERS.get(type(change.action))
                if handler is None:
                    raise ApplyError(f"apply has no step for {change.op} {change.kind} ({change.name})")
                handler(self, change, change.action)  # type: ignore[arg-type]
            except AwsError as exc:
                raise StepFailed(change, _explain(change, exc), list(self.result.applied)) from exc
            except ApplyError as exc:
                raise StepFailed(change, exc, list(self.result.applied)) from exc
            self.result.applied.append(change)
            self.report(Progress("done", change.summary, change, index, total))
        if not provisioned:
            self.provision_all(None)
        return self.result

    # --- resolution ----------------------------------------------------------------------
    def resolve(self, target: Target, known: str | None) -> str:
        """A target's id: ``known`` (planned), else made earlier in this apply."""
        if known:
            return known
        if target.kind in ("root", "id"):
            return self.root if target.kind == "root" else target.name
        found = (self.ou_ids if target.kind == "ou" else self.account_ids).get(target.name)
        if not found:
            raise ApplyError(f"{target} does not exist (it should have been created earlier in this apply)")
        return found

    def policy_id(self, name: str, known: str | None) -> str:
        found = known or self.policy_ids.get(name) or (FULL_AWS_ACCESS_ID if name == FULL_AWS_ACCESS else None)
        if not found:
            raise ApplyError(f"SCP {name} does not exist (it should have been created earlier in this apply)")
        return found

    def wait(self, start: Any, poll: Callable[[str], Any], what: str, timeout: float) -> Any:
        return wait_for(start, poll, what, timeout=timeout, interval=self.timeouts.poll_interval, sleep=self.sleep)

    # --- SCPs ----------------------------------------------------------------------------
    def do_create_scp(self, change: Change, a: CreateScp) -> None:
        self.policy_ids[a.name] = self.port.create_scp(a.name, a.description, a.content, a.tags)
        self.docs[a.name] = a.content

    def do_update_scp(self, change: Change, a: UpdateScp) -> None:
        if a.content is not None or a.description is not None:
            self.port.update_scp(a.policy_id, a.description, a.content)
        if a.tags_add:
            self.port.tag_policy(a.policy_id, a.tags_add)
        if a.tags_remove:
            self.port.untag_policy(a.policy_id, list(a.tags_remove))
        if a.content is not None:
            self.docs[a.name] = a.content
            self.allow_cache.pop(a.policy_id, None)

    def do_delete_scp(self, change: Change, a: DeleteScp) -> None:
        self.port.delete_scp(a.policy_id)

    def do_attach_scp(self, change: Change, a: AttachScp) -> None:
        if not self.port.attach_scp(self.policy_id(a.policy, a.policy_id), self.resolve(a.target, a.target_id)):
            self.note(f"{a.policy} was already attached to {a.target}", change)

    def allows(self, policy: PolicySummary) -> bool:
        if policy.aws_managed and policy.name == FULL_AWS_ACCESS:
            return True
        if policy.id not in self.allow_cache:
            text = self.docs.get(policy.name) if not policy.aws_managed else None
            if text is None:
                text = self.port.policy_content(policy.id)
            try:
                self.allow_cache[policy.id] = has_allow(json.loads(text))
            except ValueError:
                self.allow_cache[policy.id] = False
        return self.allow_cache[policy.id]

    def do_detach_scp(self, change: Change, a: DetachScp) -> None:
        policy_id = self.policy_id(a.policy, a.policy_id)
        target_id = self.resolve(a.target, a.target_id)
        current = self.port.policies_for_target(target_id)
        if not any(p.id == policy_id for p in current):
            self.note(f"{a.policy} was not attached to {a.target}", change)
            return
        remaining = [p for p in current if p.id != policy_id]
        if not any(self.allows(p) for p in remaining):
            full_access = self.policy_ids.get(FULL_AWS_ACCESS, FULL_AWS_ACCESS_ID)
            if policy_id == full_access:
                self.note(f"kept FullAWSAccess on {a.target}: no other SCP there allows anything", change)
                return
            self.port.attach_scp(full_access, target_id)
            self.note(f"safety: attached FullAWSAccess to {a.target} before detaching {a.policy} "
                      "(it would have had no SCP that allows anything)", change)
        self.port.detach_scp(policy_id, target_id)

    # --- OUs and accounts ----------------------------------------------------------------
    def do_create_ou(self, change: Change, a: CreateOu) -> None:
        self.ou_ids[a.path] = self.port.create_ou(self.resolve(a.parent, a.parent_id), a.name, a.tags)

    def do_move_account(self, change: Change, a: MoveAccount) -> None:
        self.port.move_account(a.account_id, a.source_parent_id, self.resolve(a.destination, a.destination_id))

    def do_create_account(self, change: Change, a: CreateAccount) -> None:
        start = self.port.start_create_account(a.name, a.email, a.tags)
        status = self.wait(start, self.port.create_account_status, f"creating account {a.name}",
                           self.timeouts.account)
        account_id = status.result_id or ""
        if not account_id:
            raise ApplyError(f"account {a.name} was created but AWS did not return its id")
        self.account_ids[a.name] = account_id
        self.note(f"account {a.name} created with id {account_id}: write this id into its account file", change)
        if a.destination.kind != "root":
            self.port.move_account(account_id, self.root, self.resolve(a.destination, None))

    # --- permission sets -----------------------------------------------------------------
    def do_create_permission_set(self, change: Change, a: CreatePermissionSet) -> None:
        arn = self.port.create_permission_set(self.instance, a.name, a.description, a.session_duration, a.tags)
        self.ps_arns[a.name] = arn
        for policy_arn in a.managed_policies:
            self.port.attach_managed_policy(self.instance, arn, policy_arn)
        for name, path in a.customer_policies:
            self.port.attach_customer_policy(self.instance, arn, name, path)
        if a.inline_policy:
            self.port.put_inline_policy(self.instance, arn, a.inline_policy)
        if a.boundary:
            self.port.put_boundary(self.instance, arn, a.boundary)

    def do_update_permission_set(self, change: Change, a: UpdatePermissionSet) -> None:
        arn = a.arn
        if a.update_settings:
            self.port.update_permission_set(self.instance, arn, a.description, a.session_duration)
        if a.tags_add:
            self.port.tag_permission_set(self.instance, arn, a.tags_add)
        if a.tags_remove:
            self.port.untag_permission_set(self.instance, arn, list(a.tags_remove))
        for policy_arn in a.managed_remove:
            self.port.detach_managed_policy(self.instance, arn, policy_arn)
        for policy_arn in a.managed_add:
            self.port.attach_managed_policy(self.instance, arn, policy_arn)
        for name, path in a.customer_remove:
            self.port.detach_customer_policy(self.instance, arn, name, path)
        for name, path in a.customer_add:
            self.port.attach_customer_policy(self.instance, arn, name, path)
        if a.inline_changed:
            self.put_inline(arn, a.inline_policy)
        if a.boundary_changed:
            if a.boundary:
                self.port.put_boundary(self.instance, arn, a.boundary)
            else:
                self.port.delete_boundary(self.instance, arn)
        if a.provision:
            self.to_provision[arn] = a.name

    def do_update_session_statements(self, change: Change, a: UpdateSessionStatements) -> None:
        if a.inline_changed:
            self.put_inline(a.arn, a.inline_policy)
        if a.provision:
            self.to_provision[a.arn] = a.name
        if a.provision_now:  # sessions end: the Deny reaches the accounts before the assignment goes
            self.provision_all(change)

    def put_inline(self, arn: str, policy: str | None) -> None:
        if policy:
            self.port.put_inline_policy(self.instance, arn, policy)
        else:
            self.port.delete_inline_policy(self.instance, arn)

    def provision_all(self, before: Change | None) -> None:
        for arn, name in sorted(self.to_provision.items(), key=lambda item: item[1]):
            self.report(Progress("note", f"provisioning permission set {name} to its accounts", before))
            try:
                start = self.port.start_provision(self.instance, arn)
                self.wait(start, lambda rid: self.port.provision_status(self.instance, rid),
                          f"provisioning permission set {name}", self.timeouts.provisioning)
            except AwsError as exc:
                stub = Change("update", "permission_set", name, summary=f"provision permission set {name}")
                raise StepFailed(stub, exc, list(self.result.applied)) from exc
        self.to_provision.clear()

    def do_delete_permission_set(self, change: Change, a: DeletePermissionSet) -> None:
        self.port.delete_permission_set(self.instance, a.arn)

    # --- assignments ---------------------------------------------------------------------
    def do_assign(self, change: Change, a: Assign) -> None:
        arn = a.arn or self.ps_arns.get(a.permission_set)
        if not arn:
            raise ApplyError(f"permission set {a.permission_set} does not exist")
        account_id = self.resolve(Target.account(a.account), a.account_id)
        if a.ticket_fallback:
            self.alert_fallback_grant(change, a)
        start = self.port.start_create_assignment(self.instance, account_id, arn, a.principal_type, a.principal_id)
        self.wait(start, lambda rid: self.port.assignment_creation_status(self.instance, rid),
                  f"assigning {a.permission_set} to {a.principal} on account:{a.account}", self.timeouts.assignment)

    def alert_fallback_grant(self, change: Change, a: Assign) -> None:
        """A ticket-fallback grant alerts before the access exists (a failed alert fails the step)."""
        from consolezero.alerts.always import fallback_grant_entries

        alerts = self.plan.context.get("alerts")
        if not alerts:
            self.note(f"{change.summary}: granted under the ticket-system fallback, but no alerts are deployed "
                      "(organization.yaml alerts) to say so", change)
            return
        self.port.put_events(alerts["account_id"], alerts["region"], fallback_grant_entries(a, alerts["bus_arn"]))

    def do_unassign(self, change: Change, a: Unassign) -> None:
        start = self.port.start_delete_assignment(self.instance, a.account_id, a.arn, a.principal_type,
                                                  a.principal_id)
        self.wait(start, lambda rid: self.port.assignment_deletion_status(self.instance, rid),
                  f"removing {a.permission_set} from {a.principal} on {a.account}", self.timeouts.assignment)


Handler = Callable[[_Executor, Change, Any], None]


def _alert(step: Callable[[AwsPort, Any], None]) -> Handler:
    return lambda executor, change, action: step(executor.port, action)


# an action's class -> the step that carries it out: the only way a change reaches AWS (a saved plan's
# entry is read back as one of these classes, or refused; each class names its (op, kind) pair)
HANDLERS: dict[type[Action], Handler] = {
    CreateScp: _Executor.do_create_scp,
    UpdateScp: _Executor.do_update_scp,
    DeleteScp: _Executor.do_delete_scp,
    AttachScp: _Executor.do_attach_scp,
    DetachScp: _Executor.do_detach_scp,
    CreateOu: _Executor.do_create_ou,
    MoveAccount: _Executor.do_move_account,
    CreateAccount: _Executor.do_create_account,
    CreatePermissionSet: _Executor.do_create_permission_set,
    UpdatePermissionSet: _Executor.do_update_permission_set,
    UpdateSessionStatements: _Executor.do_update_session_statements,
    DeletePermissionSet: _Executor.do_delete_permission_set,
    Assign: _Executor.do_assign,
    Unassign: _Executor.do_unassign,
    alerts.CreateAlertBus: _alert(alert_steps.create_bus),
    alerts.UpdateAlertBus: _alert(alert_steps.update_bus),
    alerts.CreateAlertTopic: _alert(alert_steps.create_topic),
    alerts.UpdateAlertTopic: _alert(alert_steps.update_topic),
    alerts.CreateAlertSubscription: _alert(alert_steps.subscribe),
    alerts.DeleteAlertSubscription: _alert(alert_steps.unsubscribe),
    alerts.CreateAlertRule: _alert(alert_steps.put_rule),
    alerts.UpdateAlertRule: _alert(alert_steps.put_rule),
    alerts.DeleteAlertRule: _alert(alert_steps.delete_rule),
    alerts.CreateAlertStackSet: _alert(alert_steps.create_stack_set),
    alerts.UpdateAlertStackSet: _alert(alert_steps.update_stack_set),
    alerts.CreateAlertForwarder: _alert(alert_steps.put_forwarder),
    alerts.UpdateAlertForwarder: _alert(alert_steps.put_forwarder),
}


def _explain(change: Change, exc: AwsError) -> Exception:
    """AWS errors as one clear line naming what was refused and where."""
    if exc.code == "ConstraintViolationException":
        where = f" on {change.target}" if change.target else ""
        reason = f" ({exc.reason})" if exc.reason else ""
        return ApplyError(f"AWS refused to {change.op} {change.name}{where}: ConstraintViolationException{reason}: "
                          f"{exc.message}")
    if exc.code == "PolicyInUseException":
        return ApplyError(f"SCP {change.name} is still attached somewhere (attached out of band?); re-run plan")
    return exc
