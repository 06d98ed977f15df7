"""Role rules (IAM Identity Center permission sets): durations, names, the JIT gate."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from ..context import LintContext
from ..findings import Severity, Where
from ..model import Role, format_duration, parse_duration
from .base import Hit, rule

FAMILY = "roles"

MIN_SESSION = 3600  # IAM Identity Center: PT1H ..
MAX_SESSION = 12 * 3600  # .. PT12H
_NAME = re.compile(r"^[\w+=,.@-]{1,32}$")


def _data(ctx: LintContext, role: Role) -> Mapping:
    data = ctx.repo.documents[role.file].data
    return data if isinstance(data, Mapping) else {}


@rule("session-duration-range", Severity.ERROR,
      "A permission set's session duration is an ISO 8601 duration from PT1H to PT12H.", family=FAMILY)
def session_duration_range(ctx: LintContext) -> Iterator[Hit]:
    """
    IAM Identity Center accepts session durations from 1 hour (`PT1H`) to 12 hours (`PT12H`),
    written as ISO 8601 durations. Emulators accept anything; AWS rejects the rest at apply
    time, half-way through a deploy. Absent, AWS uses PT1H.

    **Fix:** use a duration such as `PT1H`, `PT90M` or `PT8H`; keep admin roles short.
    """
    for role in ctx.model.roles.values():
        raw = _data(ctx, role).get("session_duration")
        if raw is None:
            continue
        where = Where(role.file, ("session_duration",))
        seconds = parse_duration(raw)
        if seconds is None:
            yield Hit(where, f"session_duration {raw!r} is not an ISO 8601 duration like PT1H or PT90M")
        elif not MIN_SESSION <= seconds <= MAX_SESSION:
            same = format_duration(seconds) == str(raw)  # PT90S reads better as (PT1M30S); PT13H needs no echo
            shown = str(raw) if same else f"{raw} ({format_duration(seconds)})"
            yield Hit(where, f"session_duration {shown} is outside what IAM Identity Center accepts: PT1H to PT12H")


@rule("permission-set-name", Severity.ERROR,
      "A role's name is a valid permission set name (1-32 of letters, digits and +=,.@_-).", family=FAMILY)
def permission_set_name(ctx: LintContext) -> Iterator[Hit]:
    """
    The role's `name` becomes the permission set name and, in every account, the IAM role
    `AWSReservedSSO_<name>_<hash>`. IAM Identity Center allows 1 to 32 characters from
    letters, digits and `+=,.@_-`.

    **Fix:** shorten or rename; SCP conditions that match `AWSReservedSSO_<name>_*` must follow.
    """
    for file in ctx.repo.files_of("role"):
        data = ctx.repo.documents[file].data
        if not isinstance(data, Mapping) or "name" not in data:
            continue
        name = data["name"]
        where = Where(file, ("name",))
        if not isinstance(name, str):
            yield Hit(where, f"name must be a string, not {name!r}")
        elif len(name) > 32:
            yield Hit(where, f"name {name!r} is {len(name)} characters; permission set names have at most 32")
        elif not _NAME.match(name):
            bad = sorted({c for c in name if not re.match(r"[\w+=,.@-]", c)})
            yield Hit(where, f"name {name!r} has characters a permission set name cannot: {' '.join(map(repr, bad))}")


def _jit_roles(ctx: LintContext) -> Iterator[tuple[Role, Mapping]]:
    for role in ctx.model.roles.values():
        if role.access == "jit" and role.jit is not None:
            jit = _data(ctx, role).get("jit")
            yield role, jit if isinstance(jit, Mapping) else {}


@rule("jit-duration-too-long", Severity.ERROR,
      "A just-in-time role's grants and sessions end within the configured maximum (PT2H).", family=FAMILY)
def jit_duration_too_long(ctx: LintContext) -> Iterator[Hit]:
    """
    Elevation is sudo: it should expire by itself within an hour or two. `jit.max_duration`
    must be set and at most `limits.jit_max_duration` (PT2H by default), and the role's
    `session_duration` must not be longer than `jit.max_duration`: a session would otherwise
    outlive the grant that allowed it.

    **Fix:** lower `jit.max_duration` / `session_duration`; raise the limit in
    `.consolezero.yaml` only with a reason.
    """
    limit = ctx.limits.jit_max_duration
    for role, jit in _jit_roles(ctx):
        assert role.jit is not None
        if "max_duration" not in jit:
            yield Hit(Where(role.file, ("jit",), key=True), "jit has no max_duration: grants must expire")
            continue
        max_d = role.jit.max_duration
        where = Where(role.file, ("jit", "max_duration"))
        if max_d is None:
            yield Hit(where, f"jit.max_duration {jit.get('max_duration')!r} is not an ISO 8601 duration like PT2H")
            continue
        if max_d > limit:
            yield Hit(where, f"jit.max_duration {format_duration(max_d)} is longer than the limit "
                             f"{format_duration(limit)} (limits.jit_max_duration)")
        session = role.session_duration if role.session_duration is not None else MIN_SESSION
        if session > max_d:
            yield Hit(Where(role.file, ("session_duration",)),
                      f"session_duration {format_duration(session)} is longer than jit.max_duration "
                      f"{format_duration(max_d)}: a session would outlive its grant")


@rule("jit-without-approval", Severity.ERROR,
      "A just-in-time role needs at least one approval from someone other than the requester.", family=FAMILY)
def jit_without_approval(ctx: LintContext) -> Iterator[Hit]:
    """
    Admin through JIT is only safe when somebody else agrees: `jit.approvals` must be at least
    1 and `jit.approvers` must name who may approve (GitHub teams like
    `@example/platform-leads` or users). The fallback for when the ticket system is down
    (`when_ticket_system_down.approvals`) replaces the ticket with people, so it must ask for
    more approvals than the normal path, not fewer.

    **Fix:** set `approvals: 1` (or more) and list `approvers`.
    """
    for role, jit in _jit_roles(ctx):
        assert role.jit is not None
        if role.jit.approvals < 1:
            path = ("jit", "approvals") if "approvals" in jit else ("jit",)
            yield Hit(Where(role.file, path, key="approvals" not in jit),
                      f"role {role.name} is just-in-time with no approval: set jit.approvals to 1 or more")
        if not role.jit.approvers:
            path = ("jit", "approvers") if "approvers" in jit else ("jit",)
            yield Hit(Where(role.file, path, key="approvers" not in jit),
                      f"role {role.name} names no approvers: list the GitHub teams or users who may approve")
        fallback = role.jit.fallback_approvals
        if fallback is not None and fallback <= role.jit.approvals and role.jit.ticket == "required":
            yield Hit(Where(role.file, ("jit", "when_ticket_system_down", "approvals")),
                      f"the fallback when the ticket system is down asks for {fallback} approval(s), not more than "
                      f"the {role.jit.approvals} of the normal path: without a ticket, ask for more people")


@rule("jit-without-ticket", Severity.WARNING,
      "A just-in-time role requires a ticket, and says what happens when the tracker is down.", family=FAMILY)
def jit_without_ticket(ctx: LintContext) -> Iterator[Hit]:
    """
    Every elevation should be tied to a ticket that explains it (`jit.ticket: required`); the
    tracker then checks the ticket exists and is done. If the tracker does not answer, a
    request fails closed unless the role declares `when_ticket_system_down` (for example two
    approvals instead of one): that fallback must be a decision written down, not an accident.

    **Fix:** set `ticket: required`; add `when_ticket_system_down: {approvals: 2}` if requests
    must still be possible during a tracker outage.
    """
    for role, jit in _jit_roles(ctx):
        assert role.jit is not None
        if role.jit.ticket != "required":
            path = ("jit", "ticket") if "ticket" in jit else ("jit",)
            yield Hit(Where(role.file, path, key="ticket" not in jit),
                      f"role {role.name} does not require a ticket (ticket: {role.jit.ticket}); "
                      "elevation should be tied to one")
        elif role.jit.fallback_approvals is None:
            yield Hit(Where(role.file, ("jit", "ticket")),
                      f"role {role.name} requires a ticket but declares no when_ticket_system_down fallback: "
                      "requests fail closed while the tracker is down", Severity.INFO)


RULES = (session_duration_range, permission_set_name, jit_duration_too_long, jit_without_approval,
         jit_without_ticket)
