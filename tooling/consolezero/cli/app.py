"""The command line: parse -> build -> run -> render -> exit. The only module that prints or exits.

Heavy imports (jsonschema, the catalog, boto3) happen inside the commands that need them, so
`consolezero lint` starts fast and never imports boto3.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from consolezero.cli.gate import ScanOpt, WeakenedOpt
from consolezero.cli.groups import register_groups
from consolezero.cli.jit import JiraUrlOpt, OnlineOpt, PrAuthorOpt, PrBaseOpt

from .common import (  # noqa: F401 - the shared helpers, by the names the commands here (and cli/census) use
    AccessFormat,
    AwsNowOpt,  # noqa: F401 - cli/census takes it from here
    OutputOpt,
    PathArg,
    emit,
    fail,
)
from .common import aws_now as _aws_now
from .common import catalog as _catalog  # noqa: F401
from .common import color as _color
from .common import lint_warning as _lint_warning
from .common import load as _load
from .common import progress as _progress  # noqa: F401
from .common import warn_unparsed as _warn_unparsed  # noqa: F401

# Plain help (click's formatter, no rich panels): no `<bool>` on flags, lines wrapped, never cut, at up to
# HELP_WIDTH columns whether or not a terminal is attached; -h works as --help everywhere.
HELP_WIDTH = 120
HELP_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": HELP_WIDTH,
                 **({} if sys.stdout.isatty() else {"terminal_width": HELP_WIDTH})}
app = typer.Typer(
    name="consolezero",
    help="Sudo for the cloud, kept in git: lint, explain and apply an AWS Organization declared in YAML.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings=HELP_SETTINGS,
)
catalog_app = typer.Typer(help="The IAM action catalog the policy engine uses.", no_args_is_help=True,
                          rich_markup_mode=None, context_settings=HELP_SETTINGS)
app.add_typer(catalog_app, name="catalog")


def _version(value: bool) -> None:
    if value:
        from consolezero import __version__

        sys.stdout.write(f"consolezero {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """Sudo for the cloud, kept in git: lint, explain and apply an AWS Organization declared in YAML."""


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


@app.command()
def lint(
    path: PathArg = Path("."),
    format: Annotated[LintFormat, typer.Option("--format", "-f", help="Output format.")] = LintFormat.text,
    fail_on: Annotated[Level | None, typer.Option(help="Exit 1 on findings at or above this severity "
                                                   "(default: fail_on in .consolezero.yaml, else error).")] = None,
    show_suppressed: Annotated[bool, typer.Option("--show-suppressed",
                                                  help="List suppressed findings too (text format).")] = False,
    output: OutputOpt = None,
    pr_author: PrAuthorOpt = None,
    pr_base: PrBaseOpt = None,
    online: OnlineOpt = False,
    jira_url: JiraUrlOpt = None,
    allow_weakened_safety: WeakenedOpt = False,
) -> None:
    """All offline checks of the repository. Exit 0 clean, 1 findings, 2 could not run."""
    from consolezero.cli.jit import lint_context
    from consolezero.core.findings import Severity
    from consolezero.core.layout import prefixes
    from consolezero.lint.formats import RenderOptions, render_findings
    from consolezero.lint.runner import run_lint

    repo = _load(path)
    pr, tickets = lint_context(repo, pr_author, pr_base, online, jira_url)
    result = run_lint(repo, online=online, pr=pr, tickets=tickets, allow_weakened_safety=allow_weakened_safety)
    text_prefix, repo_prefix = prefixes(repo.root)
    options = RenderOptions(show_suppressed=show_suppressed, color=_color() and output is None, root=str(repo.root),
                            text_prefix=text_prefix, repo_prefix=repo_prefix)
    emit(render_findings(format.value, result.findings, result.rules, options), output)
    threshold = Severity.parse(fail_on.value) if fail_on else repo.config.fail_on
    raise typer.Exit(1 if result.failed(threshold) else 0)


@app.command("rules")
def rules_cmd(
    write_docs: Annotated[Path | None, typer.Option(metavar="DIR", help="Write the rule reference (one page per "
                                                                       "rule) under DIR.")] = None,
    check_docs: Annotated[Path | None, typer.Option(metavar="DIR", help="Exit 1 if the rule reference under DIR is "
                                                                       "stale.")] = None,
) -> None:
    """List every rule with its default severity; generate or check docs/rules/. Exit 0, 1 stale docs
    (--check-docs), 2 could not write them."""
    from consolezero.lint.docs import check_rule_docs, render_rule_list, write_rule_docs
    from consolezero.lint.rules import all_rules

    rules = all_rules()
    if write_docs is not None:
        try:
            written = write_rule_docs(rules, write_docs)
        except OSError as exc:
            fail(f"cannot write the rule docs under {write_docs}: {exc.strerror}")
        emit(f"wrote {len(written)} files under {write_docs}\n")
        return
    if check_docs is not None:
        if not check_docs.is_dir():
            fail(f"no rule docs under {check_docs} (no such directory): run `consolezero rules --write-docs "
                 f"{check_docs}`", code=1)
        stale = check_rule_docs(rules, check_docs)
        if stale:
            fail(f"rule docs are stale (run `consolezero rules --write-docs {check_docs}`, or `make docs` for "
                 "docs/rules): " + ", ".join(stale), code=1)
        emit(f"rule docs under {check_docs} are up to date\n")
        return
    emit(render_rule_list(rules))


from consolezero.cli import access as _access  # noqa: E402 - a command group in its own module

_access.register(app, catalog_app)


# --- plan, apply, demo (AWS-facing; boto3 is imported only inside these commands) ------------------
class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


EndpointOpt = Annotated[str | None, typer.Option(
    "--endpoint-url", envvar="CONSOLEZERO_ENDPOINT_URL", metavar="URL",
    help="Send every AWS call to this endpoint (an emulator). Default: real AWS, normal credential chain.")]
CreateAccountsOpt = Annotated[bool, typer.Option("--create-accounts",
                                                 help="Create declared accounts missing from the organization.")]


def _endpoint(endpoint_url: str | None, code: int) -> str | None:
    """The emulator endpoint, checked: botocore rejects anything but an http(s) URL with an internal error."""
    from urllib.parse import urlparse

    if not endpoint_url:
        return None
    parsed = urlparse(endpoint_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        fail(f"--endpoint-url (or CONSOLEZERO_ENDPOINT_URL): not an http(s) URL: {endpoint_url!r} "
             "(e.g. http://127.0.0.1:5000)", code)
    return endpoint_url


def _aws_port(repo, endpoint_url: str | None):  # returns a BotoPort; imported lazily
    from consolezero.integrations.aws.boto import make_port

    organization = repo.model.organization
    return make_port(endpoint_url, organization.region if organization else "us-east-1")


@app.command("plan")
def plan_cmd(
    path: PathArg = Path("."),
    format: Annotated[PlanFormat, typer.Option("--format", "-f", help="Output format.")] = PlanFormat.text,
    out: Annotated[Path | None, typer.Option("--out", metavar="PLAN.json", help=(
        "Save the plan (with its fingerprint and documents) for `apply --plan PLAN.json`; the printed report "
        "goes to stdout, or to --report FILE."))] = None,
    endpoint_url: EndpointOpt = None,
    create_accounts: CreateAccountsOpt = False,
    detailed_exitcode: Annotated[bool, typer.Option("--detailed-exitcode",
                                                    help="Exit 0 no changes, 1 error, 2 changes.")] = False,
    now: AwsNowOpt = None,
    scan_all_assignments: ScanOpt = True,
    output: OutputOpt = None,
    allow_weakened_safety: WeakenedOpt = False,
) -> None:
    """Desired state vs the live organization. Exit 0, 2 error (--detailed-exitcode: 0 none, 1 error, 2 changes)."""
    from consolezero.apply.service import make_plan
    from consolezero.cli.gate import weakened_safety
    from consolezero.core.repository import MODEL_KINDS
    from consolezero.integrations.aws.port import AwsError
    from consolezero.plan.render import dump_plan, render_json, render_markdown, render_text
    from consolezero.plan.service import PlanOptions

    error_code = 1 if detailed_exitcode else 2  # with --detailed-exitcode, 2 means "changes", never an error
    repo = _load(path, error_code)
    broken = repo.unparsed((*MODEL_KINDS, "request"))
    if broken:  # a plan without what they declare would delete it
        one = len(broken) == 1
        fail(f"cannot plan: {', '.join(broken)} {'does' if one else 'do'} not parse, and the plan would delete what "
             f"{'it declares' if one else 'they declare'} (consolezero lint shows why)", error_code)
    when = _aws_now(now, error_code)
    endpoint_url = _endpoint(endpoint_url, error_code)
    options = PlanOptions(now=when, create_accounts=create_accounts, full_assignment_scan=scan_all_assignments,
                          weakened_safety=weakened_safety(repo, allow_weakened_safety))
    try:
        plan = make_plan(repo, _aws_port(repo, endpoint_url), options)
    except AwsError as exc:
        fail(f"cannot read the live organization: {exc}", error_code)
    if out is not None:
        try:
            out.write_text(dump_plan(plan), encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {out}: {exc.strerror}", error_code)
    warning = _lint_warning(repo, format.value, allow_weakened_safety)
    if format is PlanFormat.json:
        text = render_json(plan)
        if warning:
            sys.stderr.write(warning)
    elif format is PlanFormat.markdown:
        text = warning + render_markdown(plan)
    else:
        text = warning + render_text(plan, color=_color() and output is None)
    emit(text, output)
    if plan.errors:
        raise typer.Exit(error_code)
    raise typer.Exit(2 if detailed_exitcode and (plan.changes or plan.held) else 0)  # held back: changes remain


@app.command("apply")
def apply_cmd(
    path: PathArg = Path("."),
    plan_file: Annotated[Path | None, typer.Option("--plan", metavar="PLAN.json", help=(
        "Apply this plan saved by `plan --out` (refused if the organization changed since)."))] = None,
    auto_approve: Annotated[bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")] = False,
    allow_static_credentials: Annotated[bool, typer.Option("--allow-static-credentials", help=(
        "Accept static credentials (an IAM user as the caller, AKIA... or its ASIA... session): for the "
        "break-glass user only."))] = False,
    create_accounts: CreateAccountsOpt = False,
    endpoint_url: EndpointOpt = None,
    now: AwsNowOpt = None,
    allow_weakened_safety: WeakenedOpt = False,
) -> None:
    """Apply a fresh plan, or a saved one, safely. Exit 0 applied (or nothing to do), 1 refused or failed."""
    from rich.console import Console

    from consolezero.apply.executor import ApplyError, LintFailed, PlanErrors, Progress, StepFailed
    from consolezero.apply.service import run_apply
    from consolezero.cli.gate import lint_errors, read_plan_file, weakened_safety
    from consolezero.integrations.aws.port import AwsError
    from consolezero.plan.planfile import PlanFileError
    from consolezero.plan.render import held_line, render_text
    from consolezero.plan.types import Plan

    repo = _load(path, 1)  # apply: 0 applied or nothing to do, 1 refused or failed
    when = _aws_now(now, 1)
    endpoint_url = _endpoint(endpoint_url, 1)
    saved = None
    if plan_file is not None:
        try:
            saved = read_plan_file(plan_file)
        except OSError as exc:
            fail(f"cannot read {plan_file}: {exc.strerror}", 1)
        except PlanFileError as exc:
            fail(f"{plan_file}: {exc}", 1)
    weakened = weakened_safety(repo, allow_weakened_safety)
    for line in weakened:
        sys.stderr.write(f"consolezero: SAFETY WEAKENED (--allow-weakened-safety): {line}\n")
    console = Console(highlight=False, soft_wrap=True)

    def confirm(plan: Plan) -> bool:
        emit(render_text(plan, color=_color()))
        if auto_approve:
            return True
        if not sys.stdin.isatty():
            fail("apply needs a confirmation: run it in a terminal, or pass --auto-approve", 1)
        return typer.confirm("Apply these changes?", default=False)

    def progress(p: Progress) -> None:
        if p.event == "done":
            console.print(f"[green]done[/green] [{p.index}/{p.total}] {p.message}", markup=True)
        elif p.event == "note":
            console.print(f"  [yellow]note[/yellow] {p.message}", markup=True)

    try:
        errors = lint_errors(repo, allow_weakened_safety)
        if errors:
            raise LintFailed(errors)
        result = run_apply(repo, _aws_port(repo, endpoint_url), saved_plan=saved, confirm=confirm,
                           progress=progress, allow_static_credentials=allow_static_credentials,
                           create_accounts=create_accounts, now=when, weakened_safety=weakened)
    except LintFailed as exc:
        from consolezero.lint.formats import RenderOptions, render_findings
        from consolezero.lint.rules import all_rules

        emit(render_findings("text", exc.findings, {r.name: r for r in all_rules()}, RenderOptions(root=str(path))))
        fail(str(exc), 1)
    except PlanErrors as exc:
        emit(render_text(exc.plan, color=_color()))
        fail("the plan has errors; nothing was changed", 1)
    except StepFailed as exc:
        fail(f"apply failed: {exc} ({len(exc.applied)} change(s) were applied before it; apply is safe to "
             "re-run and converges)", 1)
    except (ApplyError, AwsError) as exc:
        fail(str(exc), 1)
    emit(result.summary() + "\n" if result.plan.changes else render_text(result.plan, color=_color()))  # "No changes"
    if result.plan.held:  # the rest was applied; what waits for the break-glass preflight is not done
        fail(held_line(result.plan), 1)


@app.command("demo")
def demo_cmd(
    example: Annotated[Path | None, typer.Option(help="The example repository (default: the one this "
                                                      "package ships in).")] = None,
) -> None:
    """The whole flow against a local AWS emulator (moto): no AWS account or credentials needed. Exit 0 / 1."""
    from rich.console import Console

    from consolezero.devtools.demo import run_demo

    console = Console(highlight=False, soft_wrap=True)

    def show(kind: str, text: str) -> None:
        if kind == "title":
            console.print(f"\n[bold]== {text}[/bold]", markup=True)
        elif kind == "ok":
            console.print(f"[green]ok[/green] {text}", markup=True)
        elif kind == "error":
            console.print(f"[red]error[/red] {text}", markup=True)
        else:
            console.print(text.rstrip("\n"), markup=False)

    def access(repo_path: Path) -> str | None:
        names = {c.name or (c.callback.__name__.replace("_", "-") if c.callback else "")
                 for c in app.registered_commands}
        if "access" not in names:
            return None
        from typer.testing import CliRunner

        return CliRunner().invoke(app, ["access", str(repo_path)]).output

    raise typer.Exit(0 if run_demo(show, access, example) else 1)


register_groups(app)  # cli/groups.py: request, check-approvals, codeowners, census, grants, alerts, explain-denied

from consolezero.cli import emulator as _emulator  # noqa: E402 - a command group in its own module

_emulator.register(app)


def main() -> None:
    """Entry point: typer, with unexpected errors as one line and exit 2 instead of a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("consolezero: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # the promise: never a traceback for the user
        if os.environ.get("CONSOLEZERO_DEBUG"):
            raise
        sys.stderr.write(f"consolezero: internal error: {type(exc).__name__}: {exc} "
                         "(set CONSOLEZERO_DEBUG=1 for the traceback, and please report it)\n")
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
