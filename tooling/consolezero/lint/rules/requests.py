"""Request rules: a just-in-time request asks for what its role allows, where review routes it.

The role of a request is always read from the file's content, never from its path or name.
``request-author-mismatch`` needs the pull request's context and ``request-ticket-not-done`` the
tracker's answers; both are given by the caller (``lint --pr-author``/``--online``,
``check-approvals``): rules never touch the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from consolezero.core.findings import Severity, Where
from consolezero.core.model import Request, format_duration
from consolezero.jit.requests import TICKET_KEY, eligibility_problem, path_problem
from consolezero.jit.tickets import ticket_checked, verdict

from ..context import LintContext
from ..rejected import rejected
from .base import Hit, rule

FAMILY = "requests"
_ISO = re.compile(r"^PT(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?$")  # as the schema's duration: hours and minutes


def _eligible(ctx: LintContext) -> Iterator[Request]:
    """Requests whose role is a just-in-time role and whose account it may be requested in."""
    for request in ctx.model.requests:
        if request.role and request.account and eligibility_problem(ctx.model, request.role, request.account,
                                                                      request.user) is None:
            yield request


def _in_pr(ctx: LintContext, request: Request) -> bool:
    return ctx.pr is None or ctx.pr.files is None or request.file in ctx.pr.files


@rule("request-not-eligible", Severity.ERROR,
      "A request asks for a just-in-time role in an account the role's jit assignments cover.", family=FAMILY)
def request_not_eligible(ctx: LintContext) -> Iterator[Hit]:
    """
    A request names a role (`role: Admin`) and an account (`account: prod-app`). The role must be
    declared with `access: jit`, and one of its `assignments` (who may request it, where) must cover
    the account: `{group: engineers, targets: ["ou:Workloads"]}` lets engineers request it in every
    account under the Workloads OU, not in `security`. A user assignment counts only for that user.
    Whether the requester belongs to the group is checked online, in the Identity Store, by
    `consolezero check-approvals`.

    **Fix:** request a just-in-time role (the message lists them) in an account its assignments
    cover, or change the role's assignments in a pull request of their own.
    """
    for request in ctx.model.requests:
        if not request.role or not request.account:
            continue  # the schema reports a missing field
        problem = eligibility_problem(ctx.model, request.role, request.account, request.user)
        role = ctx.model.roles.get(request.role)
        if problem is not None and not (role is not None and rejected(ctx, role.file, "access")):
            field, message = problem  # (a role whose access mode the schema rejected: that finding says it)
            yield Hit(Where(request.file, (field,)), message)


@rule("request-duration-too-long", Severity.ERROR,
      "A request's duration is an ISO 8601 duration of at most its role's jit.max_duration.", family=FAMILY)
def request_duration_too_long(ctx: LintContext) -> Iterator[Hit]:
    """
    The grant lasts `duration` from the moment the request reaches main, and the role caps it with
    `jit.max_duration` (Admin: PT2H). The duration is written as IAM Identity Center writes
    durations, in ISO 8601 hours and minutes (`PT1H`, `PT90M`, `PT1H30M`); anything else (`1h`,
    `P1D`) is reported here, once.

    **Fix:** ask for less (`duration: PT1H`); for more time, add a new request when this one ends.
    """
    for file in ctx.repo.files_of("request"):
        data = ctx.repo.documents[file].data
        if isinstance(data, Mapping) and "duration" in data and not _ISO.match(str(data["duration"])):
            yield Hit(Where(file, ("duration",)), f"duration {data['duration']!r} is not an ISO 8601 duration "
                                                  "in hours and minutes, like PT1H or PT90M")
    for request in _eligible(ctx):
        role = ctx.model.roles[request.role]
        assert role.jit is not None
        limit = role.jit.max_duration
        if request.duration is None or limit is None:
            continue  # reported above (the request's) or by jit-duration-too-long (the role's)
        if request.duration > limit:
            yield Hit(Where(request.file, ("duration",)),
                      f"duration {format_duration(request.duration)} is longer than role {role.name}'s "
                      f"jit.max_duration {format_duration(limit)}")


@rule("request-ticket-format", Severity.ERROR,
      "A request's ticket is an issue key of a configured project, when its role requires a ticket.", family=FAMILY)
def request_ticket_format(ctx: LintContext) -> Iterator[Hit]:
    """
    When the role requires a ticket (`jit.ticket: required`), the request's `ticket` must be a Jira
    issue key (`OPS-1234`: the project key, a dash, the issue number; no spaces) and, when
    `accounts/organization.yaml` lists `tickets.project_keys`, belong to one of those projects:
    a ticket from an unrelated project (or a made-up key) would otherwise pass as justification.

    **Fix:** give the key of the ticket that explains the work, e.g. `ticket: OPS-1234`.
    """
    org = ctx.model.organization
    keys = org.tickets.project_keys if org and org.tickets else ()
    for request in _eligible(ctx):
        if not ticket_checked(ctx.model.roles[request.role]):
            continue
        where = Where(request.file, ("ticket",))
        ticket = ctx.repo.documents[request.file].get(("ticket",))
        if not isinstance(ticket, str) or not ticket:
            continue  # absent, empty or not a string: `schema` reports it
        m = TICKET_KEY.match(ticket)
        if not m:
            yield Hit(where, f"ticket {ticket!r} is not an issue key like OPS-1234 (the project key in capitals, "
                             "a dash, the issue number; no spaces)")
        elif keys and m.group(1) not in keys:
            yield Hit(where, f"ticket {ticket} is not in a project of tickets.project_keys "
                             f"({', '.join(keys)})")


@rule("request-path-mismatch", Severity.ERROR,
      "A request file sits under requests/<its role in lower case>/<YYYY-MM>/.", family=FAMILY)
def request_path_mismatch(ctx: LintContext) -> Iterator[Hit]:
    """
    Review is routed by path: CODEOWNERS sends `requests/admin/` to Admin's approvers. A request
    for Admin filed as `requests/readonly/2026-11/docs-typo.yaml` would reach the wrong reviewers,
    so the folder must name the role the file asks for (`role:`, in lower case), followed by the
    month (`YYYY-MM`). The file name is free. `consolezero check-approvals` reads the role from
    the content as well, so a misplaced file never gets in with the wrong approvals.

    **Fix:** move the file to `requests/<role in lower case>/<YYYY-MM>/`; `consolezero request`
    writes it there.
    """
    for file in ctx.repo.files_of("request"):
        data = ctx.repo.documents[file].data
        role = data.get("role") if isinstance(data, Mapping) else None
        if not isinstance(role, str) or role not in ctx.model.roles:
            continue  # no such role: request-not-eligible says so
        problem = path_problem(file, role)
        if problem:
            yield Hit(Where(file, ("role",)), problem)


@rule("request-author-mismatch", Severity.ERROR,
      "The pull request that adds a request is opened by the request's `github` user.", family=FAMILY)
def request_author_mismatch(ctx: LintContext) -> Iterator[Hit]:
    """
    The requester never approves their own request, and `github` says who the requester is: a
    request opened by someone else in alice's name would let alice approve it. So the author of the
    pull request must be the request's `github` user. Checked when the pull request is known:
    `consolezero check-approvals` (always), and `consolezero lint --pr-author LOGIN --pr-base REV`
    (the request files that differ from REV).

    **Fix:** the person who needs the access opens the pull request, with their own login in `github`.
    """
    pr = ctx.pr
    if pr is None:
        return
    for request in ctx.model.requests:
        if not _in_pr(ctx, request) or not request.github:
            continue
        if request.github.lower() != pr.author.lower():
            yield Hit(Where(request.file, ("github",)),
                      f"the pull request is opened by {pr.author}, but the request is {request.github}'s: the "
                      "requester opens their own request")


@rule("request-ticket-not-done", Severity.ERROR,
      "A request's ticket exists and is done in the tracker (online), or the declared fallback is used.",
      family=FAMILY, online=True)
def request_ticket_not_done(ctx: LintContext) -> Iterator[Hit]:
    """
    Online: the ticket tracker (Jira: `GET /rest/api/2/issue/{key}?fields=status`) must know the
    ticket, and its status category must be one of `tickets.done_categories`. When the tracker
    does not answer (unreachable, a 5xx, a timeout, after one retry) the request fails closed,
    unless the role declares `when_ticket_system_down`: then the request must say
    `ticket_fallback: true` (recorded in git, so every use is audited and alerted on) and needs the
    fallback's approvals. `ticket_fallback: true` while the tracker answers is refused. A 401 or
    403 is a configuration error of the credentials, reported as such by the command.

    Run by `consolezero check-approvals` and `consolezero lint --online`.

    **Fix:** finish the ticket (or name the right one); while the tracker is down, add
    `ticket_fallback: true` if the role allows it and ask for the extra approvals.
    """
    if ctx.tickets is None:
        return
    for request in _eligible(ctx):
        role = ctx.model.roles[request.role]
        if not _in_pr(ctx, request) or not ticket_checked(role):
            continue
        state = ctx.tickets.get(request.ticket)
        if state is None:
            continue
        result = verdict(request, role, state)
        if not result.ok and not result.config_error:
            field = "ticket_fallback" if request.ticket_fallback else "ticket"
            yield Hit(Where(request.file, (field,)), result.message)


RULES = (request_not_eligible, request_duration_too_long, request_ticket_format, request_path_mismatch,
         request_author_mismatch, request_ticket_not_done)
