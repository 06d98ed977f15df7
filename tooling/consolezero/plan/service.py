"""What a plan is made with and where it comes from, and the checks that make a saved plan only a
confirmation: ``apply --plan`` re-plans from the repository and the live state and refuses unless the
result is exactly the saved changes. (The composition, read live + build plan + apply's invariants,
is :func:`consolezero.apply.service.make_plan`: apply's judgements live in apply/, and plan/ stays pure.)

A saved plan records where it came from: the repository's content digest (and the git commit when the
repository is in git) and the live state's fingerprint. Apply refuses it when either moved, and then
when any change differs from a fresh plan, action payloads included (an edited ``action.content`` is
caught even though the displayed line did not change), naming the first difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consolezero.plan.planfile import first_difference

if TYPE_CHECKING:
    from consolezero.core.repository import Repository
    from consolezero.plan.types import Plan


class SavedPlanError(Exception):
    """A saved plan that is not what apply would do now; one line."""


class StalePlan(SavedPlanError):
    """The live state moved since the plan was saved."""


@dataclass(frozen=True)
class PlanOptions:
    now: datetime | None = None
    create_accounts: bool = False
    # every assignment of every managed permission set (apply and reconcile); False: the fast path of a
    # pull request's plan, which reads only the principals the repository names (and says so)
    full_assignment_scan: bool = True
    weakened_safety: tuple[str, ...] = ()  # safety rules a configuration weakened, shown at the top


def source_of(repo: Repository) -> dict[str, Any]:
    """Where a plan comes from: the repository's content digest, and its git commit when in git."""
    from consolezero.core.gitrev import head_commit

    return {"digest": repo.content_digest(), "commit": head_commit(repo.root)}


def with_source(plan: Plan, repo: Repository, options: PlanOptions) -> Plan:
    """The plan with where it comes from (and what it was made with) recorded in its context."""
    context = {**plan.context, "create_accounts": options.create_accounts, "repository": source_of(repo)}
    if options.weakened_safety:
        context["weakened_safety"] = list(options.weakened_safety)
    return replace(plan, context=context)


def _revision(source: Mapping[str, Any]) -> str:
    commit = source.get("commit")
    digest = str(source.get("digest") or "")
    return f"commit {str(commit)[:12]}, content {digest[:12]}" if commit else f"content {digest[:12]}"


def check_saved(saved: Plan, repo: Repository, options: PlanOptions) -> PlanOptions:
    """Refuse a saved plan made from another revision of the repository, or on the fast path; -> the
    options to re-plan with (those the plan was made with)."""
    source = saved.context.get("repository")
    if not isinstance(source, Mapping) or not isinstance(source.get("digest"), str):
        raise SavedPlanError("the saved plan records no repository digest (an older consolezero made it?): "
                             "re-run plan --out")
    current = source_of(repo)
    if source["digest"] != current["digest"]:
        raise SavedPlanError(f"the saved plan was made from another revision of the repository ({_revision(source)}; "
                             f"now {_revision(current)}): re-run plan --out")
    if saved.context.get("full_assignment_scan") is False and options.full_assignment_scan:
        raise SavedPlanError("the saved plan was made with --fast-assignment-scan (a pull request's plan: assignments "
                             "made by hand to principals the repository never names are not in it); apply reads them "
                             "all: re-run plan --out without --fast-assignment-scan")
    return replace(options, create_accounts=saved.context.get("create_accounts") is True,
                   full_assignment_scan=saved.context.get("full_assignment_scan") is not False)


def check_same(saved: Plan, fresh: Plan) -> None:
    """Refuse unless re-planning gave exactly the saved plan: the same live state, the same changes."""
    if fresh.fingerprint != saved.fingerprint:
        raise StalePlan("plan is stale: re-run plan (the live organization changed since it was saved)")
    difference = first_difference(saved, fresh)
    if difference is not None:
        raise SavedPlanError(f"the saved plan is not what apply would do now: {difference}; re-run plan --out")
