"""``explain-denied``: which guardrail denied a CloudTrail event, its guidance, and the way to access.

Offline, through the policy engine: the event's account is found in the repository by id; the SCPs on
its path from the root are evaluated for the event's principal (its IAM role or user ARN, so conditions
such as the break-glass exemption decide) with an identity that allows everything, so what is left
denied is denied by the SCPs alone. The just-in-time roles that may be requested in that account and
would allow the action there give the ``consolezero request`` command line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from consolezero.alerts import cloudtrail as ct
from consolezero.core.model import Account, Model
from consolezero.policy.conditions import Context
from consolezero.policy.document import parse_policy
from consolezero.policy.evaluate import Labeled

_ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
NO_ROLE = "no role allows this in this account"


class EventError(ValueError):
    """A record that cannot be explained (one line)."""


@dataclass(frozen=True)
class Denial:
    scp: str
    sid: str
    file: str
    certain: bool  # False: the statement denies only under a condition or for some resources


@dataclass
class Explanation:
    index: int
    event: str  # "iam.amazonaws.com CreateUser"
    action: str
    account: str
    account_id: str
    principal: str
    error: str
    time: str
    denied: bool
    denied_by: list[Denial] = field(default_factory=list)
    guidance: list[str] = field(default_factory=list)
    note: str = ""
    requests: list[str] = field(default_factory=list)  # consolezero request command lines

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "action": self.action, "account": self.account, "account_id": self.account_id,
                "principal": self.principal, "error_code": self.error, "time": self.time, "denied": self.denied,
                "denied_by": [{"scp": d.scp, "sid": d.sid, "file": d.file, "certain": d.certain}
                              for d in self.denied_by],
                "guidance": "\n\n".join(self.guidance), "note": self.note,
                "access": self.requests or [NO_ROLE] if self.denied else []}


def parse_records(text: str, source: str) -> list[Mapping[str, Any]]:
    """One CloudTrail record, a log file ``{"Records": [...]}``, or an EventBridge event (``detail``)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise EventError(f"{source}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    if isinstance(data, Mapping) and isinstance(data.get("Records"), list):
        records = data["Records"]
    elif isinstance(data, Mapping) and isinstance(data.get("detail"), Mapping):
        records = [data["detail"]]
    else:
        records = [data]
    for n, record in enumerate(records):
        where = f"{source}: record {n + 1}" if len(records) > 1 else source
        if not isinstance(record, Mapping):
            raise EventError(f"{where}: not a CloudTrail record (a JSON object)")
        missing = [k for k in ("eventSource", "eventName") if not isinstance(record.get(k), str)]
        if not _account_id(record):
            missing.append("recipientAccountId")
        if missing:
            raise EventError(f"{where}: not a CloudTrail record: missing {', '.join(missing)}")
    if not records:
        raise EventError(f"{source}: no records")
    return records


def _account_id(record: Mapping[str, Any]) -> str:
    found = record.get("recipientAccountId")
    identity = record.get("userIdentity") if isinstance(record.get("userIdentity"), Mapping) else {}
    return str(found or identity.get("accountId") or "")


def principal_of(record: Mapping[str, Any]) -> tuple[str, str]:
    """(the ARN conditions see as aws:PrincipalArn, principal type): the role for an assumed-role session."""
    identity = record.get("userIdentity") if isinstance(record.get("userIdentity"), Mapping) else {}
    kind = str(identity.get("type") or "")
    session = identity.get("sessionContext") if isinstance(identity.get("sessionContext"), Mapping) else {}
    issuer = session.get("sessionIssuer") if isinstance(session.get("sessionIssuer"), Mapping) else {}
    if kind == "AssumedRole" and issuer.get("arn"):
        return str(issuer["arn"]), "AssumedRole"
    return str(identity.get("arn") or ""), kind or "Unknown"


class Explainer:
    def __init__(self, model: Model, catalog: Any) -> None:
        from consolezero.access.matrix import AccessMatrix

        self.model = model
        self.matrix = AccessMatrix(model, catalog)
        self.catalog = self.matrix.catalog
        self.by_id = {a.id: a for a in model.accounts.values() if a.id}
        self.scp_by_file = {s.file: s for s in model.scps.values()}
        self.identity = self.matrix.evaluator.identity([Labeled("allow-all", parse_policy(_ALLOW_ALL))])

    def explain(self, record: Mapping[str, Any], index: int, source: str = "event") -> Explanation:
        account_id = _account_id(record)
        account = self.by_id.get(account_id)
        if account is None:
            raise EventError(f"{source}: record {index + 1}: account {account_id} is not in the repository "
                             "(no account file under accounts/ has this id)")
        event_source, name = str(record["eventSource"]), str(record["eventName"])
        # the message names the permission that failed (iam:PassRole inside lambda:CreateFunction, ...)
        action = ct.action_in_message(record.get("errorMessage")) or ct.action_of(event_source, name)
        principal, kind = principal_of(record)
        error = str(record.get("errorCode") or "")
        identity = record.get("userIdentity") if isinstance(record.get("userIdentity"), Mapping) else {}
        out = Explanation(index=index, event=f"{event_source} {name}", action=action, account=account.name,
                          account_id=account_id, principal=str(identity.get("arn") or principal),
                          error=error, time=str(record.get("eventTime") or ""), denied=error in ct.DENIAL_CODES)
        if not out.denied:
            out.note = f"not denied ({'error ' + error if error else 'the call succeeded'}): nothing to explain"
            return out
        if self.catalog.lookup(action) is None:
            out.note = f"{action} is not an IAM action the catalog knows: cannot evaluate it"
            return out
        action = out.action = self.catalog.actions[self.catalog.lookup(action)]
        chain = self.matrix.chain(account)
        if chain is None:
            out.note = ("this is the management account, which SCPs never restrict: an identity policy, permissions "
                        "boundary or resource policy denied it")
            return out
        context = Context(principal or None, account_id, kind if kind in ("AssumedRole", "IAMUser", "Root") else None)
        decision = self.matrix.evaluator.run(self.identity, chain, context).decide(action)
        for label in decision.by:
            file, _, sid = label.partition("#")
            scp = self.scp_by_file.get(file)
            if scp is None or not sid:
                continue
            out.denied_by.append(Denial(scp.name, sid, file, decision.decision == "denied"))
            text = (scp.alerts.get(sid) or "").strip()
            if text and " ".join(text.split()) not in out.guidance:
                out.guidance.append(" ".join(text.split()))
        if decision.decision == "allowed" or not out.denied_by:
            out.note = ("no SCP statement denies this here: an identity policy, permissions boundary, resource "
                        "policy or session policy did")
            if decision.decision == "denied" and decision.by:
                out.note = f"denied by the SCPs: {'; '.join(decision.by)}"
        elif decision.decision == "fenced":
            out.note = ("these statements deny it only when their conditions hold or for some resources, which the "
                        "CloudTrail record does not fully show: the likely cause, since the call was denied")
        out.requests = self._requests(account, action, out)
        return out

    def _requests(self, account: Account, action: str, out: Explanation) -> list[str]:
        lines = []
        for role in self.model.roles.values():
            if role.access != "jit" or account.name not in self.matrix.assigned(role):
                continue
            decision = self.matrix.cell(role, account).evaluation.decide(action)
            if decision.decision != "allowed":
                continue
            duration = min(role.session_duration or 3600, role.jit.max_duration if role.jit and
                           role.jit.max_duration else 3600)
            reason = f"{out.event.split()[-1]} in {account.name}, denied by {out.denied_by[0].scp}" \
                if out.denied_by else f"{action} in {account.name}"
            keys = self.model.organization.tickets.project_keys if self.model.organization and \
                self.model.organization.tickets else ()
            ticket = f"{keys[0]}-NUMBER" if keys else "TICKET-KEY"
            lines.append(f'consolezero request --role {role.name} --account {account.name} '
                         f'--for {_short(duration)} --ticket {ticket} --reason "{reason}: WHY"')
        return lines


def _short(seconds: int) -> str:
    """``1h``, ``90m``, ``1h30m``: as ``consolezero request --for`` takes it."""
    hours, minutes = divmod(seconds // 60, 60)
    if hours and minutes:
        return f"{hours}h{minutes}m"
    return f"{hours}h" if hours else f"{minutes}m"


def explain_text(text: str, source: str, model: Model, catalog: Any) -> list[Explanation]:
    records = parse_records(text, source)
    explainer = Explainer(model, catalog)
    return [explainer.explain(r, i, source) for i, r in enumerate(records)]
