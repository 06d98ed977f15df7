"""The command line: parse -> build -> run -> render -> exit. The only module that prints or exits.

Heavy imports (jsonschema, the catalog, boto3) happen inside the commands that need them, so
`consolezero lint` starts fast and never imports boto3.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

app = typer.Typer(
    name="consolezero",
    help="Sudo for the cloud, kept in git: lint, explain and apply an AWS Organization declared in YAML.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
catalog_app = typer.Typer(help="The IAM action catalog the policy engine uses.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")


class LintFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    markdown = "markdown"


class Level(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr, then exit."""
    sys.stderr.write(f"consolezero: {message}\n")
    raise typer.Exit(code)


def emit(text: str, output: Path | None = None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")


def _load(path: Path):  # noqa: ANN202 - returns a Repository; imported lazily
    from .repository import RepositoryError, load_repository

    try:
        return load_repository(path)
    except RepositoryError as exc:
        fail(str(exc))


def _color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


PathArg = Annotated[Path, typer.Argument(help="The repository (default: the current directory).")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")]


@app.command()
def lint(
    path: PathArg = Path("."),
    format: Annotated[LintFormat, typer.Option("--format", "-f", help="Output format.")] = LintFormat.text,
    fail_on: Annotated[Level | None, typer.Option(help="Exit 1 on findings at or above this severity "
                                                   "(default: fail_on in .consolezero.yaml, else error).")] = None,
    show_suppressed: Annotated[bool, typer.Option(help="List suppressed findings too (text format).")] = False,
    output: OutputOpt = None,
) -> None:
    """All offline checks of the repository. Exit 0 clean, 1 findings, 2 could not run."""
    from .findings import Severity
    from .lint import run_lint
    from .report import RenderOptions, render_findings

    repo = _load(path)
    result = run_lint(repo)
    options = RenderOptions(show_suppressed=show_suppressed, color=_color() and output is None, root=str(path))
    emit(render_findings(format.value, result.findings, result.rules, options), output)
    threshold = Severity.parse(fail_on.value) if fail_on else repo.config.fail_on
    raise typer.Exit(1 if result.failed(threshold) else 0)


@app.command("rules")
def rules_cmd(
    write_docs: Annotated[Path | None, typer.Option(help="Write the rule reference (one page per rule) here.")]
    = None,
    check_docs: Annotated[Path | None, typer.Option(help="Exit 1 if the rule reference here is stale.")] = None,
) -> None:
    """List every rule with its default severity; generate or check docs/rules/."""
    from .docs import check_rule_docs, render_rule_list, write_rule_docs
    from .rules import all_rules

    rules = all_rules()
    if write_docs is not None:
        written = write_rule_docs(rules, write_docs)
        emit(f"wrote {len(written)} files under {write_docs}\n")
        return
    if check_docs is not None:
        stale = check_rule_docs(rules, check_docs)
        if stale:
            fail("rule docs are stale (run `make docs`): " + ", ".join(stale), code=1)
        emit(f"rule docs under {check_docs} are up to date\n")
        return
    emit(render_rule_list(rules))


def main() -> None:
    """Entry point: typer, with unexpected errors as one line and exit 2 instead of a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("consolezero: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the promise: never a traceback for the user
        if os.environ.get("CONSOLEZERO_DEBUG"):
            raise
        sys.stderr.write(f"consolezero: internal error: {type(exc).__name__}: {exc} "
                         "(set CONSOLEZERO_DEBUG=1 for the traceback, and please report it)\n")
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
