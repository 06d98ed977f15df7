"""What the plan and apply commands check before anything reaches AWS, composed here (the CLI), not in
the executor: lint's verdict, the safety rules a configuration weakened, a saved plan file read; and
`codeowners`, which also checks that the gate's own paths need two teams."""

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
         "repository names (fast: a pull request's plan; the plan says so, and apply refuses to apply it).")]


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


def register(app: typer.Typer) -> None:
    app.command("codeowners")(codeowners_cmd)


def codeowners_cmd(
    path: Annotated[Path, typer.Argument(help="The repository (default: the current directory).")] = Path("."),
    check: Annotated[bool, typer.Option("--check", help="Exit 1 if the generated section is stale.")] = False,
) -> None:
    """Write (or check) the CODEOWNERS section generated from the roles' JIT approvers. Exit 0, 1 stale (--check),
    2 could not run."""
    from consolezero.cli import app as cli
    from consolezero.jit.codeowners import CODEOWNERS_FILE, CodeownersError, generated_lines, new_file, splice

    fail, emit = cli.fail, cli.emit
    repo = cli._load(path)
    target = repo.root / CODEOWNERS_FILE
    linked = next((p for p in (target, target.parent) if p.is_symlink()), None)
    if linked is not None:  # never read or write through a link: it may point anywhere
        fail(f"{linked.relative_to(repo.root).as_posix()} is a symbolic link: {CODEOWNERS_FILE} is not read or "
             "written through it")
    lines = generated_lines(repo.model)
    try:
        current: str | None = target.read_text(encoding="utf-8") if target.exists() else None
        wanted = splice(current, lines) if current is not None else new_file(lines)
    except OSError as exc:
        fail(f"cannot read {CODEOWNERS_FILE}: {exc.strerror}")
    except CodeownersError as exc:
        fail(str(exc))
    if check:
        from consolezero.jit.codeowners import gate_problems

        if current is None:
            fail(f"{CODEOWNERS_FILE} is missing: run `consolezero codeowners` to create it", code=1)
        if wanted != current:
            fail(f"{CODEOWNERS_FILE} is stale: run `consolezero codeowners`", code=1)
        for problem in gate_problems(current):
            fail(f"{CODEOWNERS_FILE}: {problem}", code=1)
        emit(f"{CODEOWNERS_FILE} is up to date\n")
        return
    if wanted != current:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(wanted, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {CODEOWNERS_FILE}: {exc.strerror}")
        emit(f"{'created' if current is None else 'updated'} {CODEOWNERS_FILE}\n")
    else:
        emit(f"{CODEOWNERS_FILE} is up to date\n")
