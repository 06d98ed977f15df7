"""EventBridge rules from the SCPs' Deny statements, and the rules that always alert. Pure: model and
catalog in, rules out; nothing printed, nothing fetched.

Each Deny statement with an ``alerts`` entry becomes one rule on CloudTrail's "AWS API Call via
CloudTrail" events (and "AWS Console Sign In via CloudTrail" where a sign-in action is denied) that
failed with a denial error code, for the event sources and names of the statement's actions, in the
accounts the SCP covers (the management account never: SCPs do not restrict it). An input
transformer turns the event into the message: who was denied what, where and when, and the guidance.

Actions -> events (see :mod:`.cloudtrail`): ``svc:*`` matches the service's event source; an exact
action its event name; ``svc:Prefix*`` a prefix match; any other wildcard the matching actions of the
catalog; ``NotAction`` everything but the excluded actions, through the catalog (``anything-but``), or
it is reported as not alertable when the pattern would be too large.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from consolezero.alerts import cloudtrail as ct
from consolezero.core.model import Model, Scp
from consolezero.policy.catalog import Catalog
from consolezero.policy.document import parse_policy
from consolezero.policy.patterns import action_names, compile_action, compile_actions

RULE_PREFIX = "consolezero-"  # bootstrap/ grants the apply role EventBridge rules with this prefix only
APPLY_ROLE = "consolezero-apply"  # bootstrap/bootstrap.yaml's apply role: SCP changes by anyone else alert
MAX_PATTERN = 2048  # characters; larger patterns are reported as not alertable
FALLBACK_SOURCE = "consolezero"
FALLBACK_DETAIL_TYPE = "JIT grant via ticket fallback"
ORG_POLICY_WRITES = ("CreatePolicy", "UpdatePolicy", "DeletePolicy", "AttachPolicy", "DetachPolicy",
                     "EnablePolicyType", "DisablePolicyType")

INPUT_PATHS = {"principal": "$.detail.userIdentity.arn", "action": "$.detail.eventName",
               "source": "$.detail.eventSource", "error": "$.detail.errorCode", "account": "$.account",
               "region": "$.region", "time": "$.time"}


@dataclass(frozen=True)
class AlertRule:
    """One EventBridge rule on the central bus: its pattern and the message its input transformer builds."""

    scp: str  # the SCP's name; "consolezero" for the rules that always alert
    sid: str
    file: str
    name: str  # the EventBridge rule name
    event_pattern: Mapping[str, Any]
    guidance: str
    template: str  # the input transformer's InputTemplate (a JSON string literal)
    paths: Mapping[str, str] = field(default_factory=lambda: dict(INPUT_PATHS))
    regions: tuple[str, ...] = ("*",)  # where the events arrive ("*": every region in use)
    actions: tuple[str, ...] = ()  # the statement's actions as written (a summary for people)
    accounts: tuple[str, ...] = ()  # account names the rule covers
    kind: str = "deny"  # deny | break-glass | scp-change | ticket-fallback

    def message(self, values: Mapping[str, str] | None = None) -> str:
        """The text the target receives, with placeholders filled from ``values`` (or left as <name>)."""
        text = json.loads(self.template)
        for key, value in (values or {}).items():
            text = text.replace(f"<{key}>", value)
        return text

    def input_transformer(self) -> dict[str, Any]:
        return {"InputPathsMap": dict(self.paths), "InputTemplate": self.template}

    def to_json(self) -> dict[str, Any]:
        return {"scp": self.scp, "sid": self.sid, "file": self.file, "name": self.name, "kind": self.kind,
                "event_pattern": self.event_pattern, "message": self.guidance, "regions": list(self.regions),
                "accounts": list(self.accounts), "actions": list(self.actions),
                "input_transformer": self.input_transformer()}


@dataclass(frozen=True)
class Problem:
    """A Deny statement whose alert cannot fire (or not for every action), and why."""

    scp: str
    sid: str
    file: str
    path: tuple[str | int, ...]  # the statement (or its action) in the SCP file
    reason: str
    alertable: bool  # False: no rule at all; True: a rule exists but some actions never reach it


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[AlertRule, ...]
    problems: tuple[Problem, ...]


def rule_name(*parts: str) -> str:
    """``consolezero-DenyUser-DenyIamUsers``: EventBridge's alphabet, at most 64 characters."""
    base = RULE_PREFIX + "-".join(re.sub(r"[^A-Za-z0-9._-]", "-", p) for p in parts if p)
    if len(base) <= 64:
        return base
    digest = hashlib.sha256(base.encode()).hexdigest()[:8]
    return base[:55] + "-" + digest


def _template(text: str) -> str:
    """A JSON string literal (EventBridge sends it as plain text); < and > would read as placeholders."""
    return json.dumps(text.replace("<", "\u2039").replace(">", "\u203a"), ensure_ascii=False) \
        .replace("\u2039PLACEHOLDER:", "<").replace(":PLACEHOLDER\u203a", ">")


def _slot(name: str) -> str:
    return f"<PLACEHOLDER:{name}:PLACEHOLDER>"


MAX_TEMPLATE = 8192  # EventBridge's limit on an InputTemplate


def deny_template(scp: str, sid: str, guidance: str) -> str:
    head = (f"Guardrail {scp} ({sid}) denied {_slot('principal')}: {_slot('source')} {_slot('action')} "
            f"({_slot('error')}) in account {_slot('account')}, {_slot('region')}, at {_slot('time')}.\n\n"
            "What to do: ")
    text = guidance.strip()
    template = _template(head + text)
    while len(template) > MAX_TEMPLATE:  # very long guidance: cut, and say where the rest is
        cut = len(text) - (len(template) - MAX_TEMPLATE) - 80
        text = text[:cut] + f" ... (the rest: alerts.{sid} in the SCP file)"
        template = _template(head + text)
    return template


# --- actions -> event sources and names ------------------------------------------------------------
class _Spec:
    """Per event source: None (every event name) or the names and name prefixes to match."""

    def __init__(self) -> None:
        self.everything = False
        self.sources: dict[str, tuple[set[str], set[str]] | None] = {}
        self.prefixes: set[str] = set()  # service prefixes involved
        self.messages: set[str] = set()  # permission-only actions: matched in the errorMessage of any call

    def whole(self, prefix: str) -> None:
        self.prefixes.add(prefix)
        self.sources[ct.event_source(prefix)] = None

    def name(self, action: str) -> None:
        prefix = action.split(":", 1)[0].lower()
        if ct.permission_only(action):
            self.messages.add(action)
            return
        self.prefixes.add(prefix)
        src = ct.event_source(prefix)
        if src in self.sources and self.sources[src] is None:
            return
        names, starts = self.sources.setdefault(src, (set(), set()))  # type: ignore[misc]
        for event in ct.event_names(action):
            (starts if ct.prefix_match(prefix) else names).add(event)

    def start(self, prefix: str, lead: str) -> None:
        self.prefixes.add(prefix)
        src = ct.event_source(prefix)
        if src in self.sources and self.sources[src] is None:
            return
        self.sources.setdefault(src, (set(), set()))[1].add(lead)  # type: ignore[index]

    def detail(self) -> dict[str, Any]:
        if self.everything:
            return {}
        by_message = {"errorMessage": [{"wildcard": f"*{a}*"} for a in sorted(self.messages)]}
        if not self.sources:
            return by_message
        found = self._by_source()
        if not self.messages:
            return found
        return {"$or": [*found.get("$or", [found]), by_message]}

    def _by_source(self) -> dict[str, Any]:
        def names(entry: tuple[set[str], set[str]]) -> list[Any]:
            return sorted(entry[0]) + [{"prefix": p} for p in sorted(entry[1])]
        whole = sorted(s for s, e in self.sources.items() if e is None)
        some = {s: e for s, e in sorted(self.sources.items()) if e is not None}
        if not some:
            return {"eventSource": whole}
        entries = list(some.values())
        if not whole and all(e == entries[0] for e in entries):
            return {"eventSource": list(some), "eventName": names(entries[0])}
        # per source its own names: iam:CreatePolicy must not match organizations' CreatePolicy
        ors: list[dict[str, Any]] = [{"eventSource": whole}] if whole else []
        ors += [{"eventSource": [s], "eventName": names(e)} for s, e in some.items()]
        return {"$or": ors}


def _canonical_lead(catalog: Catalog, prefix: str, lead: str) -> str | None:
    """``iam:create*`` -> ``Create`` (the case CloudTrail records), if any action starts so."""
    info = catalog.services.get(prefix)
    if info is None:
        return None
    for name in catalog.actions[info.start:info.end]:
        short = name.split(":", 1)[1]
        if short.lower().startswith(lead.lower()):
            return short[: len(lead)]
    return None


def _undeliverable(actions: Iterable[str]) -> list[str]:
    return [a for a in actions if ct.data_event(a) or ct.not_logged(a)]


def _why(actions: list[str]) -> str:
    data = [a for a in actions if ct.data_event(a)]
    never = [a for a in actions if ct.not_logged(a)]
    parts = []
    if data:
        one = len(data) == 1
        parts.append(f"{', '.join(data[:6])}{' ...' if len(data) > 6 else ''} "
                     f"{'is a data event' if one else 'are data events'}, which CloudTrail logs only when the trail "
                     f"selects data events for {'it' if one else 'them'}")
    if never:
        parts.append(f"{', '.join(never[:6])}: {ct.not_logged(never[0])}")
    return "; ".join(parts)


def _expand(catalog: Catalog, patterns: list[str], spec: _Spec,
            problems: list[tuple[int, str]]) -> None:
    for n, raw in enumerate(patterns):
        pattern = raw.strip()
        if pattern == "*":
            spec.everything = True
            continue
        svc, sep, name = pattern.partition(":")
        if not sep:
            continue
        prefix = svc.lower()
        wild_service = any(c in svc for c in "*?")
        if not wild_service and prefix not in catalog.services:
            continue  # unknown-service says so
        if not wild_service and name == "*":
            spec.whole(prefix)
            continue
        matched = action_names(catalog, compile_action(catalog, pattern))
        if not matched:
            continue  # unknown-action says so
        bad = _undeliverable(matched)
        if len(bad) == len(matched):
            same = len(matched) == 1 and matched[0].lower() == pattern.lower()
            problems.append((n, _why(bad) if same else f"{pattern}: {_why(bad)}"))
            continue
        plain = name[:-1]
        if not wild_service and name.endswith("*") and not any(c in plain for c in "*?") and plain \
                and not bad and not ct.prefix_match(prefix):
            lead = _canonical_lead(catalog, prefix, plain)
            if lead:
                spec.start(prefix, lead)
                continue
        for action in matched:
            if action not in bad:
                spec.name(action)


def _not_action_detail(catalog: Catalog, patterns: list[str]) -> tuple[dict[str, Any] | None, str]:
    excluded = compile_actions(catalog, patterns)
    gone_sources: set[str] = set()
    partial: dict[str, list[str]] = {}
    for prefix, info in catalog.services.items():
        out = excluded & info.mask
        if not out:
            continue
        src = ct.event_source(prefix)
        if out == info.mask:
            gone_sources.add(src)
            continue
        names = [e for a in action_names(catalog, out) for e in ct.event_names(a)]
        partial.setdefault(src, []).extend(names)
    if not gone_sources and not partial:
        return {}, ""
    ors: list[dict[str, Any]] = [{"eventSource": [{"anything-but": sorted(gone_sources | set(partial))}]}]
    ors += [{"eventSource": [src], "eventName": [{"anything-but": sorted(set(names))}]}
            for src, names in sorted(partial.items())]
    detail: dict[str, Any] = ors[0] if len(ors) == 1 else {"$or": ors}
    size = len(json.dumps(detail, separators=(",", ":")))
    if size > MAX_PATTERN:
        count = excluded.bit_count()
        return None, (f"NotAction excludes {count} action(s) in {len(gone_sources) + len(partial)} service(s): the "
                      f"EventBridge pattern of everything else would be {size:,} characters (at most {MAX_PATTERN:,} "
                      "here); list the denied actions with Action instead")
    return detail, ""


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def covered_accounts(model: Model, scp: Scp) -> list[tuple[str, str]]:
    """(name, id) of each account the SCP restricts: its targets' accounts but the management account."""
    management = model.organization.management_account if model.organization else ""
    if any(t.kind == "root" for t in scp.targets):
        return [(a.name, a.id) for a in model.accounts.values() if a.name != management and a.id]
    seen: dict[str, str] = {}
    for target in scp.targets:
        for account in model.accounts_under(target):
            if account.name != management and account.id:
                seen[account.name] = account.id
    return list(seen.items())


def _deny_statements(scp: Scp) -> list[tuple[int, str, Mapping[str, Any]]]:
    """(index, Sid, raw statement) of each Deny statement with a Sid, as the policy parser reads them (the
    same reading as lint's deny-without-alert)."""
    raw = scp.policy.get("Statement") if isinstance(scp.policy, Mapping) else None
    items = raw if isinstance(raw, list) else [raw]
    return [(st.index, st.sid, items[st.index]) for st in parse_policy(scp.policy).statements
            if st.effect == "Deny" and st.sid]


def deny_rules(model: Model, catalog: Catalog, problems_only: bool = False) -> RuleSet:
    """One rule per SCP Deny statement with guidance; problems for those whose alert cannot (fully) fire.

    ``problems_only`` (lint): the problems alone, without the accounts and patterns of the rules."""
    rules: list[AlertRule] = []
    problems: list[Problem] = []
    for scp in model.scps.values():
        if scp.policy is None:
            continue
        accounts: list[tuple[str, str]] | None = None
        for index, sid, statement in _deny_statements(scp):
            if not (scp.alerts.get(sid) or "").strip():
                continue
            base = ("policy", "Statement", index)
            spec = _Spec()
            found: list[tuple[int, str]] = []
            if "NotAction" in statement:
                actions = _as_list(statement["NotAction"])
                detail, why = _not_action_detail(catalog, actions)
                if detail is None:
                    problems.append(Problem(scp.name, sid, scp.file, (*base, "NotAction"), why, False))
                    continue
                written = tuple(f"not {a}" for a in actions)
            else:
                actions = _as_list(statement.get("Action"))
                _expand(catalog, actions, spec, found)
                action_key = (*base, "Action")
                listed = isinstance(statement.get("Action"), list)
                if not spec.everything and not spec.sources and not spec.messages:
                    if found:
                        where = (*action_key, found[0][0]) if listed and len(found) == 1 else action_key
                        problems.append(Problem(scp.name, sid, scp.file, where, "; ".join(w for _, w in found)
                                                + ": the alert never fires", False))
                    continue
                for n, why in found:
                    problems.append(Problem(scp.name, sid, scp.file, (*action_key, n) if listed else action_key,
                                            why, True))
                detail = spec.detail()
                written = tuple(actions)
            if problems_only:
                continue
            if accounts is None:
                accounts = covered_accounts(model, scp)
            if not accounts:
                continue  # attached nowhere SCPs apply: nothing to alert on
            detail = {**detail, "errorCode": list(ct.DENIAL_CODES), **_principal_filter(statement)}
            types = [ct.API_CALL] + ([ct.SIGN_IN] if "signin" in spec.prefixes else [])
            pattern = {"detail-type": types, "account": sorted(i for _, i in accounts), "detail": detail}
            regions = _regions(spec) if "NotAction" not in statement else ("*",)
            guidance = " ".join(scp.alerts[sid].split())
            rules.append(AlertRule(scp=scp.name, sid=sid, file=scp.file, name=rule_name(scp.name, sid),
                                   event_pattern=pattern, guidance=guidance,
                                   template=deny_template(scp.name, sid, guidance), regions=regions,
                                   actions=written, accounts=tuple(n for n, _ in accounts)))
    return RuleSet(tuple(rules), tuple(problems))


def _regions(spec: _Spec) -> tuple[str, ...]:
    if spec.everything or spec.messages or not spec.prefixes:
        return ("*",)
    arrivals = {ct.arrival_region(p) for p in spec.prefixes}
    if None in arrivals:
        return ("*",)
    return tuple(sorted(a for a in arrivals if a))


def _principal_filter(statement: Mapping[str, Any]) -> dict[str, Any]:
    """A Deny that applies only to root users (``aws:PrincipalArn`` like ``arn:aws:iam::*:root``): match
    ``userIdentity.type`` Root, so that other principals' denials do not reach this rule."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return {}
    for operator, block in condition.items():
        base = str(operator).removesuffix("IfExists")
        if base not in ("StringLike", "ArnLike", "StringEquals", "ArnEquals") or not isinstance(block, Mapping):
            continue
        for key, values in block.items():
            found = _as_list(values)
            if str(key).lower() == "aws:principalarn" and found and all(v.endswith(":root") for v in found):
                return {"userIdentity": {"type": ["Root"]}}
    return {}
