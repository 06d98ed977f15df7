"""The rules that always alert, whatever the SCPs say, and the hook for ticket-fallback grants.

- Any use of a break-glass user: its console sign-in and every API call it makes (the events carry
  ``userIdentity.arn`` = the user's ARN in its declared account and path).
- A change to the organization's policies (Create/Update/Delete/Attach/DetachPolicy, Enable/Disable
  PolicyType) made by anyone but the pipeline's apply role (``consolezero-apply``): these events
  arrive in the management account, in us-east-1.
- A just-in-time grant that used the ticket-system fallback (``ticket_fallback: true`` in the request):
  whoever grants it puts :func:`fallback_grant_event` on the central bus (``PutEvents``), and the rule
  ``consolezero-always-ticket-fallback`` turns it into a message on the alerts topic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from consolezero.alerts import cloudtrail as ct
from consolezero.alerts.rules import (
    APPLY_ROLE,
    FALLBACK_DETAIL_TYPE,
    FALLBACK_SOURCE,
    ORG_POLICY_WRITES,
    AlertRule,
    RuleSet,
    _slot,
    _template,
    deny_rules,
    rule_name,
)
from consolezero.core.model import Model, Request

if TYPE_CHECKING:
    from consolezero.plan.actions import Assign

RUNBOOK = "docs/runbooks/break-glass.md"


def break_glass_arns(model: Model) -> list[str]:
    org = model.organization
    if org is None:
        return []
    arns = []
    for glass in org.break_glass:
        account = model.accounts.get(glass.account)
        if account is not None and account.id and glass.user:
            path = glass.path if glass.path.endswith("/") else glass.path + "/"
            arns.append(f"arn:aws:iam::{account.id}:user{path}{glass.user}")
    return arns


def always_rules(model: Model) -> list[AlertRule]:
    org = model.organization
    if org is None:
        return []
    rules: list[AlertRule] = []
    arns = break_glass_arns(model)
    if arns:
        guidance = ("A break-glass user signs in only in an emergency. If this is not a declared incident, treat it "
                    f"as a compromise: disable the user's password and MFA, and follow {RUNBOOK}. Afterwards, rotate "
                    "its password and check what it did in CloudTrail.")
        text = (f"Break-glass use: {_slot('principal')} called {_slot('source')} {_slot('action')} in account "
                f"{_slot('account')}, {_slot('region')}, at {_slot('time')}.\n\n{guidance}")
        rules.append(AlertRule(
            scp="consolezero", sid="BreakGlassUse", file=org.file, name=rule_name("always", "break-glass"),
            event_pattern={"detail-type": [ct.API_CALL, ct.SIGN_IN], "detail": {"userIdentity": {"arn": arns}}},
            guidance=guidance, template=_template(text), regions=("*",), kind="break-glass",
            actions=tuple(f"every API call and console sign-in of {a.rsplit('/', 1)[-1]}" for a in arns),
            accounts=tuple(sorted({g.account for g in org.break_glass}))))
    management = model.accounts.get(org.management_account)
    if management is not None and management.id:
        guidance = ("Service control policies change only through the consolezero pipeline (a pull request, then "
                    "apply). Someone changed them by hand: find out who and why, then run consolezero plan; the "
                    "next apply puts the repository's state back.")
        text = (f"Organization policy changed outside the pipeline: {_slot('principal')} called {_slot('action')} "
                f"in the management account {_slot('account')} at {_slot('time')}.\n\n{guidance}")
        apply_prefix = f"arn:aws:sts::{management.id}:assumed-role/{APPLY_ROLE}/"
        rules.append(AlertRule(
            scp="consolezero", sid="ScpChangeOutsidePipeline", file=org.file, name=rule_name("always", "scp-change"),
            event_pattern={"detail-type": [ct.API_CALL], "account": [management.id], "detail": {
                "eventSource": ["organizations.amazonaws.com"], "eventName": list(ORG_POLICY_WRITES),
                "errorCode": [{"exists": False}],
                "userIdentity": {"arn": [{"anything-but": {"prefix": apply_prefix}}]}}},
            guidance=guidance, template=_template(text), regions=("us-east-1",), kind="scp-change",
            actions=(f"organization policy changes by anyone but {APPLY_ROLE}",),
            accounts=(management.name,)))
    guidance = ("A just-in-time grant was approved under the ticket-system fallback (the tracker did not answer), "
                "with the role's fallback approvals. Check the request and file the ticket after the fact.")
    text = (f"Ticket fallback used: {_slot('user')} was granted {_slot('role')} in {_slot('account')} from "
            f"{_slot('file')} (ticket {_slot('ticket')}) at {_slot('time')}.\n\n{guidance}")
    rules.append(AlertRule(
        scp="consolezero", sid="TicketFallbackGrant", file=org.file, name=rule_name("always", "ticket-fallback"),
        event_pattern={"source": [FALLBACK_SOURCE], "detail-type": [FALLBACK_DETAIL_TYPE]},
        guidance=guidance, template=_template(text), kind="ticket-fallback",
        actions=("just-in-time grants under the ticket-system fallback",),
        paths={"user": "$.detail.user", "role": "$.detail.role", "account": "$.detail.account",
               "file": "$.detail.file", "ticket": "$.detail.ticket", "time": "$.time"},
        regions=(org.alerts.region if org.alerts else "us-east-1",)))
    return rules


def fallback_grant_event(request: Request, bus_arn: str, when: datetime | None = None) -> dict[str, Any]:
    """The hook for grants: one PutEvents entry saying that ``request`` was granted under the ticket fallback.

    The grant code calls the port's ``put_events`` with it (the central bus's ARN from the plan's
    context ``alerts.bus_arn``); the always-on rule turns it into the alert."""
    return fallback_grant_entry({"user": request.user, "role": request.role, "account": request.account,
                                 "ticket": request.ticket or "(none)", "file": request.file,
                                 "github": request.github}, bus_arn, when)


def fallback_grant_entry(detail: Mapping[str, Any], bus_arn: str, when: datetime | None = None) -> dict[str, Any]:
    """The PutEvents entry of a ticket-fallback grant from its details (user, role, account, ticket, file)."""
    detail = {**detail, "ticket_fallback": True}
    entry: dict[str, Any] = {"Source": FALLBACK_SOURCE, "DetailType": FALLBACK_DETAIL_TYPE,
                             "Detail": json.dumps(detail), "EventBusName": bus_arn}
    if when is not None:
        entry["Time"] = when
    return entry


def fallback_grant_entries(assignment: Assign, bus_arn: str) -> list[dict[str, Any]]:
    """The entries for a planned assignment whose grant used the ticket fallback (its ``ticket_fallback``:
    the requests' files and tickets); apply puts them on the bus before it creates the assignment."""
    user = assignment.principal.removeprefix("user:")
    return [fallback_grant_entry({"user": user, "role": assignment.permission_set, "account": assignment.account,
                                  "ticket": r.ticket or "(none)", "file": r.file}, bus_arn)
            for r in assignment.ticket_fallback or ()]


def alert_rules(model: Model, catalog: Any) -> RuleSet:
    """Every rule: one per SCP Deny with guidance, then those that always alert."""
    found = deny_rules(model, catalog)
    return RuleSet(found.rules + tuple(always_rules(model)), found.problems)
