"""Apply, composed: who is calling, the plan (read live + build plan + apply's invariants, composed once
here for plan, apply and the demo; or a saved plan confirmed by re-planning), the confirmation, then
the executor, which knows only the plan.

Lint's verdict is not consulted here: the command that composes apply (the CLI) refuses a repository
with lint errors before it gets this far.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from consolezero.apply.executor import (
    ApplyDeclined,
    ApplyError,
    ApplyResult,
    PlanErrors,
    Progress,
    SavedPlanRejected,
    StalePlanError,
    Timeouts,
    execute,
)
from consolezero.apply.safety import guarded_plan
from consolezero.core.repository import MODEL_KINDS
from consolezero.plan.live import read_live
from consolezero.plan.service import PlanOptions, SavedPlanError, StalePlan, check_same, check_saved, with_source

if TYPE_CHECKING:
    from consolezero.core.repository import Repository
    from consolezero.integrations.aws.port import AwsPort
    from consolezero.plan.types import Plan

STATIC_HINT = ("use SSO or OIDC role credentials; the break-glass user, and only it, passes "
               "--allow-static-credentials")


def static_key(access_key_id: str | None) -> bool:
    return bool(access_key_id) and str(access_key_id).startswith("AKIA")


def static_caller(arn: str | None) -> str | None:
    """What kind of long-term identity the caller ARN names, or None for a role session.

    An IAM user (``arn:aws:iam::123456789012:user/...``), whatever its key looks like: session
    credentials from a user's key (GetSessionToken) start with ASIA and still name the user; the root
    user; a federated user (GetFederationToken, minted from a user's long-term key)."""
    if not arn:
        return None
    resource = arn.split(":", 5)[-1]
    if resource.startswith("user/"):
        return f"an IAM user ({arn})"
    if resource == "root":
        return f"the root user ({arn})"
    if resource.startswith("federated-user/"):
        return f"a federated user minted from an IAM user's key ({arn})"
    return None


def check_credentials(port: AwsPort, allow_static_credentials: bool = False) -> None:
    """Refuse static credentials, by who the caller is: people use SSO, CI uses OIDC. Practise what we preach."""
    if allow_static_credentials:
        return
    if static_key(port.access_key_id()):
        raise ApplyError(f"refusing to apply with a long-term access key (AKIA...): {STATIC_HINT}")
    who = static_caller(port.caller_arn())
    if who is not None:
        raise ApplyError(f"refusing to apply as {who}: static credentials, even as a session token (ASIA...); "
                         f"{STATIC_HINT}")


def make_plan(repo: Repository, port: AwsPort, options: PlanOptions = PlanOptions()) -> Plan:
    """Read live + build plan, composed once (for ``plan``, ``apply`` and the demo): the live state read once,
    the diff, apply's invariants folded in (:mod:`consolezero.apply.safety`), and where it comes from."""
    from consolezero.jit.grants import repository_grants  # the requests' windows, from main's git history

    grants = repository_grants(repo, options.now)
    live = read_live(port, repo.model, full_assignment_scan=options.full_assignment_scan)
    plan = guarded_plan(repo.model, live, now=options.now, create_accounts=options.create_accounts, grants=grants)
    broken = repo.unparsed((*MODEL_KINDS, "request"))
    if broken:  # whatever lint's configuration says: the model lacks what they declare, so the plan would delete it
        plan = replace(plan, errors=(*plan.errors, *(
            f"{file} does not parse (or was refused), and the plan would delete what it declares: fix it first "
            "(consolezero lint shows why)" for file in broken)))
    return with_source(plan, repo, options)


def confirm_saved(repo: Repository, port: AwsPort, saved: Plan, options: PlanOptions = PlanOptions()) -> Plan:
    """The fresh plan, when it is exactly the saved one; SavedPlanError (StalePlan) naming why not."""
    fresh = make_plan(repo, port, check_saved(saved, repo, options))
    check_same(saved, fresh)
    return fresh


def run_apply(repo: Repository, port: AwsPort, *, saved_plan: Plan | None = None,
              confirm: Callable[[Plan], bool] = lambda plan: True, progress: Callable[[Progress], None] | None = None,
              allow_static_credentials: bool = False, create_accounts: bool = False, now: datetime | None = None,
              weakened_safety: tuple[str, ...] = (),
              timeouts: Timeouts = Timeouts(), sleep: Callable[[float], None] = time.sleep) -> ApplyResult:
    """Check the caller, plan (or confirm the saved plan), confirm, execute."""
    check_credentials(port, allow_static_credentials)
    # always the complete assignment scan: nothing granted outside git survives an apply
    options = PlanOptions(now=now, create_accounts=create_accounts, full_assignment_scan=True,
                          weakened_safety=weakened_safety)
    try:
        plan = confirm_saved(repo, port, saved_plan, options) if saved_plan is not None else \
            make_plan(repo, port, options)
    except StalePlan as exc:
        raise StalePlanError(str(exc)) from None
    except SavedPlanError as exc:
        raise SavedPlanRejected(str(exc)) from None
    if plan.errors:
        raise PlanErrors(plan)
    if not plan.changes:
        return ApplyResult(plan=plan)
    if not confirm(plan):
        raise ApplyDeclined("apply cancelled; nothing was changed")
    return execute(plan, port, progress, timeouts=timeouts, sleep=sleep)
