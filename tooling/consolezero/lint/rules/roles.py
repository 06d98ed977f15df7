"""Role rules (IAM Identity Center permission sets): durations, names, AWS managed policies, the JIT gate."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from consolezero.core.findings import Severity, Where
from consolezero.core.model import Role, format_duration, parse_duration
from consolezero.policy.managed import (
    SERVICE_LINKED_PATH,
    managed_case_match,
    managed_policy_info,
    managed_snapshot,
    similar_managed_names,
)

from ..context import LintContext
from ..rejected import rejected
from .aws_fields import problem as aws_problem
from .base import Hit, rule
from .policy_docs import hints
from .schema_words import show

FAMILY = "roles"

MIN_SESSION = 3600  # IAM Identity Center: PT1H ..
MAX_SESSION = 12 * 3600  # .. PT12H
# what the schema accepts as an AWS managed policy (common.schema.json#/$defs/awsManagedPolicy); the rule `schema`
# reports the rest
_MANAGED_REF = re.compile(r"^(?:[\w+=,.@-]{1,128}|arn:aws(?:-[a-z]+)*:iam::aws:policy/(?:[\w+=,.@-]+/)*[\w+=,.@-]+)$",
                          re.ASCII)


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
            yield Hit(where, f"session_duration {show(raw)} is not an ISO 8601 duration: write hours and minutes "
                             "as PT1H, PT90M or PT1H30M")
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
    ASCII letters, digits and `+=,.@_-` (`Ädmin` is refused: AWS's letters are A-Z and a-z).

    **Fix:** shorten or rename; SCP conditions that match `AWSReservedSSO_<name>_*` must follow.
    """
    for file in ctx.repo.files_of("role"):
        data = ctx.repo.documents[file].data
        if not isinstance(data, Mapping) or "name" not in data:
            continue
        why = aws_problem("permission_set_name", data["name"])
        if why:
            yield Hit(Where(file, ("name",)), why)


@rule("unknown-managed-policy", Severity.ERROR,
      "The AWS managed policies a role attaches, or takes as its boundary, exist in AWS.", family=FAMILY)
def unknown_managed_policy(ctx: LintContext) -> Iterator[Hit]:
    """
    A role attaches AWS managed policies by name or ARN (`managed_policies: [PowerUserAccess]`)
    and may take one as its permissions boundary (`permissions_boundary: {managed: NAME}`). A name
    AWS does not have -- a typo (`PowerUserAcess`), another case (`readonlyaccess`: AWS policy
    names are case-sensitive), an ARN without the policy's path
    (`arn:aws:iam::aws:policy/ViewOnlyAccess`, which is `.../job-function/ViewOnlyAccess`) --
    passes the schema and fails only at apply time, in AWS, half-way through a deploy; until then
    the effective-access report cannot evaluate the role. Also reported: `FullAWSAccess` (a
    service control policy, not an IAM policy), and in `managed_policies` a policy under
    `/aws-service-role/`: the policy of a service-linked role, which IAM attaches to that role
    only.

    Names are checked against the AWS managed policies shipped with consolezero: a snapshot of the
    1,582 that AWS had published as of 2026-09-30 (`consolezero catalog info` names it). A policy
    AWS published after the snapshot is reported too: suppress the finding where the policy is
    named, with a reason, until the data is refreshed:
    `managed_policies: [NewPolicy]  # consolezero: ignore[unknown-managed-policy] published 2026-12`.
    Maintainers refresh the data with `tooling/scripts/refresh_managed_policies.py`, from the AWS
    managed policies that moto carries.

    **Fix:** spell the name as AWS does (the message suggests the closest ones), or give the ARN
    with the policy's path; a policy of your own goes in `customer_managed_policies`.
    """
    for file in ctx.repo.files_of("role"):
        for path, problem in unknown_managed_references(ctx, file):
            yield Hit(Where(file, path), problem)


def unknown_managed_references(ctx: LintContext, file: str) -> Iterator[tuple[tuple, str]]:
    """The AWS managed policies a role file names that AWS does not have: (path, message)."""
    data = ctx.repo.documents[file].data
    if not isinstance(data, Mapping):
        return
    names = data.get("managed_policies")
    for i, ref in enumerate(names if isinstance(names, list) else ()):
        problem = _managed_problem(ref, boundary=False)
        if problem:
            yield ("managed_policies", i), problem
    boundary = data.get("permissions_boundary")
    if isinstance(boundary, Mapping) and "managed" in boundary:
        problem = _managed_problem(boundary["managed"], boundary=True)
        if problem:
            yield ("permissions_boundary", "managed"), f"permissions boundary: {problem}"


def _managed_problem(ref: object, boundary: bool) -> str | None:
    """What is wrong with an AWS managed policy reference, or None (also for what the schema rejects)."""
    if not isinstance(ref, str) or not _MANAGED_REF.match(ref):
        return None
    info = managed_policy_info(ref)
    if info is not None:
        if info["kind"] != "iam":
            use = "a permissions boundary" if boundary else "attached to a permission set"
            return f"{ref} is a service control policy, not an IAM policy: it cannot be {use}"
        if not boundary and info["path"] == SERVICE_LINKED_PATH:
            return (f"{ref} ({info['arn']}) is the policy of a service-linked role: IAM attaches it to that role "
                    "only, never to a permission set")
        return None
    snapshot = managed_snapshot()
    if not snapshot["count"]:
        return None  # no data shipped: nothing to judge by
    name = ref.rpartition("/")[2]
    found = managed_policy_info(name)
    if found is not None and name != ref:
        return f"{ref} is not an AWS managed policy: {name} is {found['arn']} (the path is part of the ARN)"
    same = managed_case_match(ref)
    same_info = managed_policy_info(same) if same is not None else None
    if same_info is not None and same_info["kind"] == "iam":
        shown = same_info["arn"] if name != ref else same
        return f"{ref} is not an AWS managed policy: AWS policy names are case-sensitive; did you mean {shown}?"
    close = [n for n in similar_managed_names(ref) if (managed_policy_info(n) or {}).get("kind") == "iam"]
    known = (f"{ref} is not an AWS managed policy (none of the {snapshot['count']:,} in consolezero's snapshot of "
             f"{snapshot['snapshot']})")
    if close:
        return known + hints(close)
    return (f"{known}; check its name in the IAM console, or, if AWS published it after the snapshot, suppress "
            "this finding with a reason")


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
            yield Hit(where, f"jit.max_duration {show(jit.get('max_duration'))} is not an ISO 8601 duration: "
                             "write hours and minutes as PT2H or PT90M")
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
        if role.jit.approvals < 1 and not rejected(ctx, role.file, "jit", "approvals"):
            path = ("jit", "approvals") if "approvals" in jit else ("jit",)
            yield Hit(Where(role.file, path, key="approvals" not in jit),
                      f"role {role.name} is just-in-time with no approval: set jit.approvals to 1 or more")
        if not role.jit.approvers and not rejected(ctx, role.file, "jit", "approvers"):
            path = ("jit", "approvers") if "approvers" in jit else ("jit",)
            yield Hit(Where(role.file, path, key="approvers" not in jit),
                      f"role {role.name} names no approvers: list the GitHub teams or users who may approve")
        fallback = role.jit.fallback_approvals
        if fallback is not None and fallback <= role.jit.approvals and role.jit.ticket == "required" \
                and not rejected(ctx, role.file, "jit", "approvals") \
                and not rejected(ctx, role.file, "jit", "when_ticket_system_down"):
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
        if rejected(ctx, role.file, "jit", "ticket"):
            continue  # the schema says what ticket may be
        if role.jit.ticket != "required":
            path = ("jit", "ticket") if "ticket" in jit else ("jit",)
            yield Hit(Where(role.file, path, key="ticket" not in jit),
                      f"role {role.name} does not require a ticket (ticket: {role.jit.ticket}); "
                      "elevation should be tied to one")
        elif role.jit.fallback_approvals is None:
            yield Hit(Where(role.file, ("jit", "ticket")),
                      f"role {role.name} requires a ticket but declares no when_ticket_system_down fallback: "
                      "requests fail closed while the tracker is down", Severity.INFO)


RULES = (session_duration_range, permission_set_name, unknown_managed_policy, jit_duration_too_long,
         jit_without_approval, jit_without_ticket)
