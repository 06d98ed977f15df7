"""The ticket gate: what the tracker's answer means for a request, and which approvals it then needs.

A ticket is *done* (its status category is one of ``tickets.done_categories``), *not done*, *missing*
(404: no such issue, or one the credentials may not see), a *configuration error* (401/403: the
credentials are wrong or lack access; said as such, never as "ticket not done"), or the tracker is
*down* (no answer, a timeout or a 5xx, after one retry). Down fails closed unless the role declares
``when_ticket_system_down``; the request must then say ``ticket_fallback: true`` (so the use of the
fallback is recorded in git, audited and alerted on) and the fallback's approvals are required. A
request that claims the fallback while the tracker answers is refused: the fallback is no way around
a ticket.

Pure: no network here (:mod:`consolezero.integrations.jira` asks the tracker).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from consolezero.core.model import Request, Role, TicketsConfig

if TYPE_CHECKING:
    from consolezero.integrations.jira import JiraAnswer

TicketKind = Literal["done", "not_done", "missing", "config", "down"]


@dataclass(frozen=True)
class TicketState:
    key: str
    kind: TicketKind
    detail: str  # the status name, or why there is no answer


def classify(answer: JiraAnswer, tickets: TicketsConfig) -> TicketState:
    from consolezero.integrations.jira import credentials_hint

    status = answer.http_status
    if status in (401, 403):
        return TicketState(answer.key, "config", f"the tracker refused the credentials (HTTP {status}): "
                                                 f"{credentials_hint()}, with access to the project")
    if status == 404:
        return TicketState(answer.key, "missing", "no such ticket (or the credentials may not see it)")
    if status == 0 or status >= 500:
        tries = f" ({answer.attempts} attempts)" if answer.attempts > 1 else ""
        return TicketState(answer.key, "down", f"{answer.error or f'HTTP {status}'}{tries}")
    if not 200 <= status < 300:
        return TicketState(answer.key, "config", f"unexpected answer HTTP {status}: {answer.error}")
    done = {c.lower() for c in tickets.done_categories}
    if answer.category_key.lower() in done or answer.category_name.lower() in done:
        return TicketState(answer.key, "done", answer.status_name or answer.category_name)
    return TicketState(answer.key, "not_done", answer.status_name or answer.category_name or "unknown status")


def ticket_checked(role: Role) -> bool:
    """Whether the gate applies: the role requires a ticket."""
    return role.jit is not None and role.jit.ticket == "required"


@dataclass(frozen=True)
class TicketVerdict:
    ok: bool
    message: str
    approvals: int  # the approvals the request needs given the ticket's state
    fallback_used: bool = False
    config_error: bool = False  # the check could not run (credentials): exit 2, not a finding about the request


def verdict(request: Request, role: Role, state: TicketState | None) -> TicketVerdict:
    """The gate's decision for one request (``state`` None: the role needs no ticket check)."""
    assert role.jit is not None
    normal = role.jit.approvals
    fallback = role.jit.fallback_approvals
    if state is None:
        if request.ticket_fallback:
            return TicketVerdict(False, f"ticket_fallback: true, but role {role.name} requires no ticket check: "
                                        "remove ticket_fallback", normal)
        return TicketVerdict(True, f"role {role.name} requires no ticket check", normal)
    key = state.key
    if state.kind == "config":
        return TicketVerdict(False, f"ticket {key} cannot be checked, a configuration error: {state.detail}",
                             normal, config_error=True)
    if state.kind == "down":
        if fallback is None:
            return TicketVerdict(False, f"the ticket tracker is down ({state.detail}): ticket {key} cannot be "
                                        f"checked, and role {role.name} declares no when_ticket_system_down "
                                        "fallback, so the request fails closed; try again when the tracker is back",
                                 normal)
        if not request.ticket_fallback:
            return TicketVerdict(False, f"the ticket tracker is down ({state.detail}): the request fails closed; "
                                        f"role {role.name}'s fallback applies only if the request says "
                                        f"`ticket_fallback: true` (then {fallback} approvals are needed; the file "
                                        "records the fallback's use for audit)", fallback)
        return TicketVerdict(True, f"ticket {key} not checked, the tracker is down ({state.detail}): fallback "
                                   f"used, {fallback} approvals instead of a done ticket", fallback, fallback_used=True)
    if request.ticket_fallback:
        return TicketVerdict(False, f"ticket_fallback: true, but the tracker answers (ticket {key}: "
                                    f"{state.detail}): remove ticket_fallback; the fallback is only for when the "
                                    "tracker is down", normal)
    if state.kind == "missing":
        return TicketVerdict(False, f"ticket {key}: {state.detail}", normal)
    if state.kind == "not_done":
        return TicketVerdict(False, f"ticket {key} is {state.detail!r}, not done: a grant needs a done ticket (its "
                                    "status category in tickets.done_categories)", normal)
    return TicketVerdict(True, f"ticket {key} is done ({state.detail})", normal)
