"""What the plan and apply commands check before anything reaches AWS, composed here (the CLI), not in
the executor: lint's verdict, the safety rules a configuration weakened, a saved plan file read."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from consolezero.core.findings import Finding
    from consolezero.core.repository import Repository
    from consolezero.plan.types import Plan

WeakenedOpt = Annotated[bool, typer.Option(
    "--allow-weakened-safety",
    help="Let .consolezero.yaml or inline comments lower or ignore the safety rules (scp-lockout, break-glass-*, "
         "deny-user-missing, trifecta-reachable); plan and apply print what was weakened at the top.")]
ScanOpt = Annotated[bool, typer.Option(
    "--scan-all-assignments/--fast-assignment-scan",
    help="Read every assignment of every managed permission set (default), or only those of the principals the "
         "repository names (fast: a pull request's plan; the plan says so).")]


def lint_errors(repo: Repository, allow_weakened_safety: bool) -> list[Finding]:
    """Errors that make apply refuse: lint as the repository's configuration allows, and no further."""
    from consolezero.core.findings import Severity
    from consolezero.lint.runner import run_lint

    result = run_lint(repo, allow_weakened_safety=allow_weakened_safety)
    return [f for f in result.findings if f.severity >= Severity.ERROR and not f.suppressed]


def weakened_safety(repo: Repository, allow_weakened_safety: bool) -> tuple[str, ...]:
    """The safety-rule weakenings the flag lets through (nothing without the flag: they are refused)."""
    if not allow_weakened_safety:
        return ()
    from consolezero.lint.rules import all_rules
    from consolezero.lint.suppression import weakenings

    return tuple(weakenings(repo.config, repo.documents, {r.name: r for r in all_rules()}))


def read_plan_file(path: Path) -> Plan:
    """The saved plan, checked; PlanFileError / OSError for the caller to turn into one line."""
    from consolezero.plan.planfile import load_plan

    return load_plan(path.read_text(encoding="utf-8", errors="replace"))
