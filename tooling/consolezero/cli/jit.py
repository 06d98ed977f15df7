"""Just-in-time commands: ``request`` (write a request file, open its pull request) and ``check-approvals``
(the pull request's status check). Printing and exiting go through :mod:`consolezero.cli.app`'s helpers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from consolezero.core.repository import Repository
    from consolezero.lint.context import PullContext


PrAuthorOpt = Annotated[str | None, typer.Option(
    metavar="LOGIN",
    help="The pull request's author: request files it adds must be theirs (request-author-mismatch); needs --pr-base.")]
PrBaseOpt = Annotated[str | None, typer.Option(
    metavar="REV",
    help="The pull request's base revision (e.g. origin/main): the request files that differ from it are the pull "
         "request's.")]
OnlineOpt = Annotated[bool, typer.Option(
    "--online", help="Also ask the ticket tracker (request-ticket-not-done; credentials from JIRA_* variables).")]
JiraUrlOpt = Annotated[str | None, typer.Option(
    metavar="URL", envvar="CONSOLEZERO_JIRA_URL",
    help="The tracker's base URL (default: tickets.url in accounts/organization.yaml).")]


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def _app() -> Any:  # the app module's helpers (fail, emit, _load), imported late: app imports this module
    from consolezero.cli import app

    return app


def register(app: typer.Typer) -> None:
    app.command("request")(request_cmd)
    app.command("check-approvals")(check_approvals_cmd)


def request_cmd(
    role: Annotated[str, typer.Option(help="The just-in-time role, e.g. Admin.")],
    account: Annotated[str, typer.Option(help="The account, by name, e.g. prod-app.")],
    for_: Annotated[str, typer.Option("--for", help="How long: 1h, 90m, 1h30m or PT1H (at most the role's "
                                                    "jit.max_duration).")],
    ticket: Annotated[str, typer.Option(help="The ticket that explains the work, e.g. OPS-1234.")],
    reason: Annotated[str, typer.Option(help="Why, in a sentence (approvers and auditors read it).")],
    path: Annotated[Path, typer.Argument(help="The repository (default: the current directory).")] = Path("."),
    user: Annotated[str | None, typer.Option(help="Your Identity Center user name (default: git config "
                                                  "user.email).")] = None,
    github: Annotated[str | None, typer.Option(help="Your GitHub login, the pull request's author (default: "
                                                    "git config github.user).")] = None,
    ticket_fallback: Annotated[bool, typer.Option("--ticket-fallback", help=(
        "The ticket tracker is down: use the role's declared fallback (more approvals); recorded in the "
        "file."))] = False,
    now: Annotated[str | None, typer.Option(help="The time the request is written (its month names the "
                                                 "folder), ISO 8601; default: now.")] = None,
    open_pr: Annotated[bool, typer.Option("--open", help="Create the branch, commit, push and run `gh pr create` "
                                                         "(needs gh).")] = False,
) -> None:
    """Write a just-in-time request file, check it, and print (or run) the pull request commands. Exit 0 / 1 / 2."""
    from datetime import UTC, datetime

    from consolezero.jit.requests import Draft, git_config, parse_for, pr_commands, render, request_path, shell_line

    a = _app()
    repo = a._load(path)
    when = a._aws_now(now) or datetime.now(UTC)
    seconds = parse_for(for_)
    if seconds is None or seconds <= 0:
        a.fail(f"--for: not a duration: {for_!r} (e.g. 1h, 90m, 1h30m or PT1H)")
    user = user or git_config(repo.root, "user.email")
    github = github or git_config(repo.root, "github.user")
    if not user:
        a.fail("no requester: pass --user (your Identity Center user name) or set `git config user.email`")
    if not github:
        a.fail("no GitHub login: pass --github LOGIN or set `git config github.user LOGIN` (it must be the pull "
               "request's author)")
    declared = {r.lower(): r for r in repo.model.roles}
    role = declared.get(role.lower(), role)  # `--role admin` means the declared Admin
    draft = Draft(user=user, github=github, role=role, account=account, duration=seconds, ticket=ticket.strip(),
                  reason=reason.strip(), ticket_fallback=ticket_fallback)
    rel = request_path(role, when, user, account, draft.ticket)
    target = repo.root / rel
    if target.exists():
        a.fail(f"{rel} exists: requests are never rewritten (a request on main is immutable; to extend one, add "
               "a new request, e.g. with another --ticket)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:
            handle.write(render(draft, rel))
    except OSError as exc:
        a.fail(f"cannot write {rel}: {exc.strerror}")
    findings = _lint_one(target, rel, repo.root, a)
    if findings is not None:
        a.emit(findings)
        target.unlink(missing_ok=True)
        for folder in (target.parent, target.parent.parent):  # the folders it made, if now empty
            if folder != repo.root / "requests" and not any(folder.iterdir()):
                folder.rmdir()
        a.fail(f"{rel} not written: the request would not pass review as it is (see above)", 1)
    commands = pr_commands(rel, draft)
    a.emit(f"wrote {rel} (lints clean)\n"
           f"  {draft.user} asks for {draft.role} in {draft.account} for {for_.strip()}, ticket {draft.ticket}"
           + (" (tracker down: fallback used)" if ticket_fallback else "") + "\n"
           "The grant starts when the pull request is merged; once on main the file is immutable (to extend, "
           "add a new request).\n")
    if open_pr:
        _open_pr(repo.root, commands, a)
        return
    a.emit("\nOpen the pull request:\n" + "".join(f"  {shell_line(c)}\n" for c in commands))


def _lint_one(target: Path, rel: str, root: Path, a: Any) -> str | None:
    """The findings of the written file, rendered, or None when it lints clean of errors."""
    from consolezero.core.findings import Severity
    from consolezero.lint.formats import RenderOptions, render_findings
    from consolezero.lint.runner import run_lint

    repo = a._load(root)
    result = run_lint(repo)
    mine = [f for f in result.findings if f.file == rel and not f.suppressed]
    if not any(f.severity >= Severity.ERROR for f in mine):
        return None
    return render_findings("text", mine, result.rules, RenderOptions(root=str(root)))


def _open_pr(root: Path, commands: list[list[str]], a: Any) -> None:
    from consolezero.jit.requests import shell_line

    if shutil.which("gh") is None or shutil.which("git") is None:
        a.emit("\n`gh` is not installed: open the pull request with these commands:\n"
               + "".join(f"  {shell_line(c)}\n" for c in commands))
        return
    for command in commands:
        a.emit(f"$ {shell_line(command)}\n")
        try:
            done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            a.fail(f"{command[0]} {command[1]} failed: {exc}", 1)
        if done.stdout.strip():
            a.emit(done.stdout if done.stdout.endswith("\n") else done.stdout + "\n")
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            a.fail(f"`{shell_line(command[:3])}` failed (exit {done.returncode}): {last}", 1)


def check_approvals_cmd(
    path: Annotated[Path, typer.Argument(help="The checked-out pull request (default: the current directory).")]
    = Path("."),
    repo_name: Annotated[str | None, typer.Option("--repo", help="owner/name (default: from GITHUB_EVENT_PATH).")]
    = None,
    pr_number: Annotated[int | None, typer.Option("--pr", help="The pull request number (default: from "
                                                              "GITHUB_EVENT_PATH).")] = None,
    api_url: Annotated[str | None, typer.Option(envvar="GITHUB_API_URL", help="The GitHub REST API "
                                                "(default https://api.github.com).")] = None,
    jira_url: Annotated[str | None, typer.Option(envvar="CONSOLEZERO_JIRA_URL", help="The tracker's base URL "
                                                 "(default: tickets.url of accounts/organization.yaml).")] = None,
    endpoint_url: Annotated[str | None, typer.Option(envvar="CONSOLEZERO_ENDPOINT_URL", help="AWS endpoint (an "
                                                     "emulator) for the Identity Store check.")] = None,
    no_identity_check: Annotated[bool, typer.Option("--no-identity-check", help=(
        "Skip the Identity Store check (no AWS credentials here); the verdict says so."))] = False,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = CheckFormat.text,
) -> None:
    """In a pull request: each request file it adds has its ticket, approvals and eligibility.
    Exit 0 all approved, 1 some not, 2 could not run."""
    from consolezero.integrations.github import GitHubError, make_client, pull_from_event
    from consolezero.jit.check import Sources, check_pull
    from consolezero.jit.render import render_verdicts

    a = _app()
    repo = a._load(path)
    event_head = None
    if repo_name is None or pr_number is None:
        event = os.environ.get("GITHUB_EVENT_PATH")
        found = pull_from_event(event) if event else None
        if found is None:
            a.fail("which pull request? pass --repo OWNER/NAME and --pr N (or run in a pull_request or "
                   "pull_request_review workflow, where GITHUB_EVENT_PATH names it)")
        repo_name = repo_name or found[0]
        pr_number = pr_number or found[1]
        event_head = found[2]
    client = make_client(api_url)
    try:
        pr = client.pull_request(repo_name, pr_number)
        files = client.pull_files(repo_name, pr_number)
        reviews = client.reviews(repo_name, pr_number)
    except GitHubError as exc:
        a.fail(str(exc))
    if event_head and event_head != pr.head_sha:  # the checkout is older than the reviews being counted
        a.fail(f"{repo_name}#{pr_number} moved: this run checked out {event_head[:7]}, its head is now "
               f"{pr.head_sha[:7]}; the run for the newer push decides")
    sources = Sources(members=client.team_members, ticket=_ticket_source(repo, jira_url),
                      identity=None if no_identity_check else _identity_source(repo, endpoint_url, a))
    verdicts = check_pull(repo, pr, files, reviews, sources)
    a.emit(render_verdicts(format.value, repo_name, pr, verdicts))
    if any(v.status == "error" for v in verdicts):
        raise typer.Exit(2)
    raise typer.Exit(1 if any(v.status != "approved" for v in verdicts) else 0)


def _ticket_source(repo: Repository, jira_url: str | None) -> Any:
    from consolezero.integrations.jira import make_client
    from consolezero.jit.tickets import classify

    org = repo.model.organization
    if org is None or org.tickets is None:
        return None
    tickets = org.tickets
    client = make_client(tickets.url, tickets.timeout_seconds, jira_url)
    return lambda key: classify(client.issue_status(key), tickets)


def _identity_source(repo: Repository, endpoint_url: str | None, a: Any) -> Any:
    from consolezero.jit.check import identity_problem

    port = a._aws_port(repo, a._endpoint(endpoint_url, 2))
    org = repo.model.organization
    instance_arn = org.instance_arn if org else None
    return lambda request, role: identity_problem(port, instance_arn, request, role, repo.model)


def lint_context(repo: Repository, pr_author: str | None, pr_base: str | None, online: bool,
                 jira_url: str | None) -> tuple[PullContext | None, dict | None]:
    """What `lint --pr-author/--pr-base/--online` adds: the pull request, and the tracker's answers."""
    from consolezero.core.gitrev import GitError, changed_files
    from consolezero.lint.context import PullContext

    a = _app()
    files = None
    if pr_base is not None:
        try:
            files = frozenset(changed_files(repo.root, pr_base, "requests"))
        except GitError as exc:
            a.fail(f"--pr-base: {exc}")
    elif pr_author is not None:
        a.fail("--pr-author needs --pr-base REV (the pull request's base, e.g. origin/main): only the request files "
               "the pull request adds are its author's")
    pr = PullContext(pr_author, files) if pr_author else None
    if not online:
        return pr, None
    return pr, _ticket_states(repo, pr, jira_url, a)


def _ticket_states(repo: Repository, pr: PullContext | None, jira_url: str | None, a: Any) -> dict:
    from consolezero.jit.requests import eligibility_problem
    from consolezero.jit.tickets import ticket_checked

    source = _ticket_source(repo, jira_url)
    states: dict = {}
    for request in repo.model.requests:
        if pr is not None and pr.files is not None and request.file not in pr.files:
            continue
        if eligibility_problem(repo.model, request.role, request.account, request.user) is not None:
            continue
        if not ticket_checked(repo.model.roles[request.role]) or request.ticket in states:
            continue
        if source is None:
            a.fail("lint --online: accounts/organization.yaml declares no tickets tracker")
        state = source(request.ticket)
        if state.kind == "config":
            a.fail(f"ticket {request.ticket} cannot be checked, a configuration error: {state.detail}")
        states[request.ticket] = state
    return states
