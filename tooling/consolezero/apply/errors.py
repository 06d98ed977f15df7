"""Why apply stopped or refused, each one clear line (raised by :mod:`consolezero.apply.executor` and
:mod:`consolezero.apply.service`, shown by the CLI). Importable from the executor as before."""

from __future__ import annotations

from typing import TYPE_CHECKING

from consolezero.plan.types import Change, Plan

if TYPE_CHECKING:
    from consolezero.core.findings import Finding


class ApplyError(Exception):
    """Apply could not run or stopped; the message is one clear line."""


class SavedPlanRejected(ApplyError):
    """A saved plan that is not what apply would do now (another revision, a doctored entry)."""


class StalePlanError(SavedPlanRejected):
    """A saved plan made from live state that has moved since."""


class LintFailed(ApplyError):
    """Raised where the command is composed (the CLI): the executor itself knows only the plan."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(f"lint found {len(findings)} error(s); apply refuses to run until they are fixed")
        self.findings = findings


class PlanErrors(ApplyError):
    def __init__(self, plan: Plan) -> None:
        super().__init__("the plan has errors: " + "; ".join(plan.errors))
        self.plan = plan


class ApplyDeclined(ApplyError):
    pass


class StepFailed(ApplyError):
    def __init__(self, change: Change, cause: Exception, applied: list[Change]) -> None:
        super().__init__(f"{change.summary or change.name}: {cause}")
        self.change = change
        self.cause = cause
        self.applied = applied
