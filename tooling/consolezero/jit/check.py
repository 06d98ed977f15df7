"""``check-approvals``: every request file a pull request adds, judged whole.

For each: the offline request rules (with the pull request's author), the ticket gate (the
tracker's answer), the approvals (reviews and approver teams), and the Identity Store (the user
exists and is in a group of the role's jit assignments that covers the account). Suppressions and
severity overrides do not apply here: a pull request cannot silence its own gate, nor change the
roles, tickets configuration or CODEOWNERS its requests are judged by (``GATE_FILES``).

The network is reached only through the callables the caller passes in (GitHub, Jira, AWS).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from consolezero.core.findings import Severity, resolve
from consolezero.core.model import Model, Request, Role, format_duration
from consolezero.core.repository import Repository
from consolezero.integrations.aws.port import AwsError, AwsPort
from consolezero.integrations.github import GitHubError, PullFile, PullRequest, Review

from .approvals import RequestVerdict, count_approvals, teams
from .requests import REQUESTS_DIR, covering, eligibility_problem
from .tickets import TicketState, ticket_checked, verdict

# What a request is judged by: a pull request that adds a request must not change these too.
GATE_FILES = ("roles/", "accounts/organization.yaml", ".consolezero.yaml", ".github/CODEOWNERS")
OFFLINE_RULES = ("yaml-syntax", "duplicate-key", "schema", "request-not-eligible", "request-duration-too-long",
                 "request-ticket-format", "request-path-mismatch", "request-author-mismatch")


@dataclass(frozen=True)
class Sources:
    """Where the online facts come from (a client's error makes the request "could not check")."""

    members: Callable[[str, str], set[str]]  # (org, team slug) -> logins; raises GitHubError
    ticket: Callable[[str], TicketState] | None  # key -> state; None: no tracker configured
    identity: Callable[[Request, Role], str | None] | None  # -> why not eligible (raises AwsError); None: skipped


def request_files(files: Sequence[PullFile]) -> list[str]:
    """The request files the pull request adds or changes (removed files are not requests to grant)."""
    return sorted(f.filename for f in files
                  if f.status != "removed" and f.filename.startswith(REQUESTS_DIR + "/")
                  and f.filename.endswith((".yaml", ".yml")))


def _offline_findings(repo: Repository, pr: PullRequest, files: list[str]) -> dict[str, list[str]]:
    from consolezero.lint.context import LintContext, PullContext
    from consolezero.lint.rules import all_rules

    ctx = LintContext(repo=repo, pr=PullContext(pr.author, frozenset(files)))
    found: dict[str, list[str]] = {f: [] for f in files}
    for rule in all_rules():
        if rule.name not in OFFLINE_RULES:
            continue
        for report in rule.run(ctx):
            if report.where.file in found:
                finding = resolve(report, report.severity or rule.severity, repo.documents)
                if finding.severity >= Severity.ERROR:
                    found[finding.file].append(f"{finding.rule} (line {finding.line}): {finding.message}")
    return found


def check_pull(repo: Repository, pr: PullRequest, files: Sequence[PullFile], reviews: Sequence[Review],
               sources: Sources) -> list[RequestVerdict]:
    wanted = request_files(files)
    offline = _offline_findings(repo, pr, wanted)
    gate = sorted(f.filename for f in files if f.filename.startswith(GATE_FILES))
    by_file = {r.file: r for r in repo.model.requests}
    tickets: dict[str, TicketState] = {}
    members: dict[str, set[str]] = {}
    verdicts = []
    for file in wanted:
        v = RequestVerdict(file)
        verdicts.append(v)
        request = by_file.get(file)
        for problem in offline[file]:
            v.refuse(problem)
        if gate:
            v.refuse(f"this pull request also changes {', '.join(gate)}, which the request is judged by: file the "
                     "request in a pull request of its own")
        if request is None:
            if file not in repo.kinds:
                v.error("not in the checked-out tree (check out the pull request's head or merge commit)")
            elif not offline[file]:
                v.refuse("the file does not read as a request")
            continue
        v.user, v.github, v.role, v.account, v.ticket = (request.user, request.github, request.role,
                                                          request.account, request.ticket)
        v.duration = format_duration(request.duration) if request.duration is not None else ""
        if eligibility_problem(repo.model, request.role, request.account, request.user) is not None:
            continue  # request-not-eligible said why; nothing more to check
        role = repo.model.roles[request.role]
        assert role.jit is not None
        needed = _ticket(v, request, role, sources, tickets)
        _approvals(v, request, role, needed, pr, reviews, sources, members)
        _identity(v, request, role, sources)
    return verdicts


def _ticket(v: RequestVerdict, request: Request, role: Role, sources: Sources,
            cache: dict[str, TicketState]) -> int:
    """Applies the ticket gate; returns the approvals the request needs."""
    assert role.jit is not None
    if not ticket_checked(role):
        result = verdict(request, role, None)
    elif sources.ticket is None:
        v.error("the role requires a ticket but accounts/organization.yaml declares no tickets tracker")
        return role.jit.approvals
    else:
        if request.ticket not in cache:
            cache[request.ticket] = sources.ticket(request.ticket)
        result = verdict(request, role, cache[request.ticket])
    if result.config_error:
        v.error(result.message)
    elif not result.ok:
        v.refuse(f"request-ticket-not-done: {result.message}")
    else:
        v.notes.append(result.message)
    v.fallback_used = result.fallback_used
    return result.approvals


def _approvals(v: RequestVerdict, request: Request, role: Role, needed: int, pr: PullRequest,
               reviews: Sequence[Review], sources: Sources, cache: dict[str, set[str]]) -> None:
    assert role.jit is not None
    for team in teams(role.jit):
        if team.text not in cache:
            try:
                cache[team.text] = sources.members(team.org or "", team.name)
            except GitHubError as exc:
                v.error(f"cannot read the members of {team.text}: {exc}")
                return
    result = count_approvals(role.jit, needed, request.github, pr.author, pr.head_sha, reviews, cache)
    v.needed = needed
    v.approvals = list(result.counted)
    if result.ok:
        v.notes.insert(0, result.summary)
    else:
        v.refuse(f"approvals: {result.summary}")


def _identity(v: RequestVerdict, request: Request, role: Role, sources: Sources) -> None:
    if sources.identity is None:
        v.notes.append("Identity Store not checked (--no-identity-check)")
        return
    try:
        problem = sources.identity(request, role)
    except AwsError as exc:
        v.error(f"the Identity Store could not be read: {exc}")
        return
    if problem:
        v.refuse(f"identity: {problem}")
    else:
        v.notes.append(f"{request.user} is eligible in the Identity Store")


def identity_problem(port: AwsPort, instance_arn: str | None, request: Request, role: Role,
                     model: Model) -> str | None:
    """Why the user may not have the role in that account per the Identity Store, or None.

    Read-only calls: the plan role suffices.
    """
    instance = port.sso_instance(instance_arn)
    if instance is None:
        return "no IAM Identity Center instance found"
    store = instance.identity_store_id
    user_id = port.user_id(store, request.user)
    if user_id is None:
        return f"no user {request.user} in the Identity Store"
    assignments = covering(model, role, request.account, request.user)
    if any(a.principal_type == "USER" for a in assignments):
        return None
    groups = sorted({a.principal for a in assignments})
    mine = set(port.user_group_ids(store, user_id))
    for name in groups:
        group_id = port.group_id(store, name)
        if group_id is not None and group_id in mine:
            return None
    return (f"{request.user} is in none of the groups that may request {role.name} in {request.account}: "
            f"{', '.join(groups) or 'none'}")
