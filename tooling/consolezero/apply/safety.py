"""Apply's own invariants, judged on the organization as it will be after each step of a plan.

Whatever lint's configuration says (these are not rules a config can switch off), a plan is refused,
with the targets named, when a step would leave

- a root, OU or account that had an SCP allowing something with none (an attach, a detach, a content
  update or a change of strategy can do it);
- an SCP at the root that denies every action without exempting the break-glass user;
- the break-glass user unable to do anything at all in the JIT account (evaluated by the engine).

And a step that would make an SCP deny the break-glass user, in the JIT account, anything it needs to
repair access (IAM, STS, Identity Center: :func:`consolezero.policy.scp.way_out_mask`), or bring
DenyUser to it (an attach, a content update, an account move), waits for the preflight: the user
exists at its path, has an MFA device and no active access key (:mod:`consolezero.breakglass.preflight`),
and DenyUser's conditions exempt it. Without that, the step is *held back*: the rest of the plan goes
ahead, and apply exits 1 naming the account, what is missing and the fix.

Pure: the live state was read before (plan.live), nothing here calls AWS. :func:`guarded_plan` is how
every command makes a plan (plan, apply, the demo): the diff of :func:`consolezero.plan.build.build_plan`,
then these judgements folded into it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from consolezero.breakglass.preflight import BreakGlassState, Preflight, judge
from consolezero.core.model import Model
from consolezero.plan.actions import CreateScp, UpdateScp
from consolezero.plan.build import build_plan
from consolezero.plan.types import Change, Plan
from consolezero.policy.document import Policy, parse_policy
from consolezero.policy.evaluate import Evaluator, Labeled, ScpLevel
from consolezero.policy.scp import (
    FULL_AWS_ACCESS,
    break_glass_arn,
    denies_everything,
    exempts,
    has_allow,
    is_deny_user,
    principal_context,
    way_out_mask,
)

_FULL = parse_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@dataclass
class Verdict:
    """What the invariants say about a plan: the changes that may run, those held back, refusals."""

    changes: list[Change]
    held: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    preflight: list[Preflight] = field(default_factory=list)


class _Org:
    """The organization as it will be: attachments by target label, documents by policy name, parents."""

    def __init__(self, model: Model, live: Any) -> None:
        self.model = model
        self.implicit_full = not live.allow_list  # default strategy: FullAWSAccess on every target
        ou_paths = {o.id: o.path for o in live.ous}
        names = {a.id: a.name for a in model.accounts.values() if a.id}

        def label(tid: str) -> str:
            if tid == live.root_id:
                return "root"
            if tid in ou_paths:
                return f"ou:{ou_paths[tid]}"
            return f"account:{names.get(tid, tid)}"

        def parent(pid: str) -> str:
            return "root" if pid == live.root_id else f"ou:{ou_paths.get(pid, pid)}"

        self.targets: set[str] = {"root", *(f"ou:{p}" for p in ou_paths.values())}
        self.parents: dict[str, str] = {}
        for account in live.accounts:
            name = names.get(account.id, account.id)
            self.targets.add(f"account:{name}")
            self.parents[name] = parent(account.parent_id)
        self.attached: dict[str, set[str]] = {}
        self.docs: dict[str, Policy | None] = {FULL_AWS_ACCESS: _FULL}
        self._parsed: dict[str, Policy | None] = {}
        for policy in live.policies:
            if policy.is_full_access:
                pass
            elif policy.managed:
                self.docs[policy.name] = self.parse(policy.content)
            else:
                self.docs[policy.name] = None  # unmanaged: content not read
            for tid in policy.targets or ():
                self.attached.setdefault(label(tid), set()).add(policy.name)

    def parse(self, content: str | None) -> Policy | None:
        if (content or "") not in self._parsed:
            try:
                data = json.loads(content) if content else None
            except ValueError:
                data = None
            self._parsed[content or ""] = parse_policy(data) if isinstance(data, Mapping) else None
        return self._parsed[content or ""]

    def snapshot(self) -> tuple:
        return ({k: set(v) for k, v in self.attached.items()}, dict(self.docs), dict(self.parents), set(self.targets))

    def restore(self, snap: tuple) -> None:
        attached, docs, parents, targets = snap
        self.attached, self.docs, self.parents, self.targets = ({k: set(v) for k, v in attached.items()},
                                                                dict(docs), dict(parents), set(targets))

    def step(self, change: Change) -> None:
        a = change.action
        if isinstance(a, CreateScp | UpdateScp) and a.content is not None:
            self.docs[change.name] = self.parse(a.content)
        elif change.kind == "scp" and change.op == "delete":
            self.docs.pop(change.name, None)
        elif change.kind == "attachment":
            at = self.attached.setdefault(change.target, set())
            (at.add if change.op == "attach" else at.discard)(change.name)
        elif change.kind == "ou" and change.op == "create":
            self.targets.add(f"ou:{change.name}")
            self.attached.setdefault(f"ou:{change.name}", set()).add(FULL_AWS_ACCESS)
        elif change.kind == "account" and change.op == "create":
            self.targets.add(f"account:{change.name}")
            self.attached.setdefault(f"account:{change.name}", set()).add(FULL_AWS_ACCESS)
            self.parents[change.name] = change.target
        elif change.kind == "account" and change.op == "move":
            self.parents[change.name] = change.target

    def policies_at(self, target: str) -> list[str]:
        names = sorted(self.attached.get(target, ()))
        if self.implicit_full and FULL_AWS_ACCESS not in names:
            names.insert(0, FULL_AWS_ACCESS)
        return names

    def allows(self, target: str) -> bool:
        return any(name == FULL_AWS_ACCESS or has_allow(self.docs.get(name)) for name in self.policies_at(target))

    def path(self, account: str) -> list[str]:
        parent = self.parents.get(account, "root")
        levels = ["root"]
        if parent.startswith("ou:"):
            parts = parent[3:].split("/")
            levels += [f"ou:{'/'.join(parts[:i + 1])}" for i in range(len(parts))]
        return [*levels, f"account:{account}"]

    def chain(self, account: str) -> list[ScpLevel]:
        levels = []
        for level in self.path(account):
            policies = []
            for name in self.policies_at(level):
                doc = self.docs.get(name)
                policies.append(Labeled(name, doc if doc is not None else _FULL))  # unknown: assumed to allow
            levels.append(ScpLevel(level, tuple(policies)))
        return levels

    def deny_users(self, account: str) -> list[tuple[str, Policy]]:
        found = []
        for level in self.path(account):
            for name in self.policies_at(level):
                doc = self.docs.get(name)
                if doc is not None and name != FULL_AWS_ACCESS and is_deny_user(doc):
                    found.append((name, doc))
        return found


def _without_content(change: Change) -> Change | None:
    """An SCP update minus its content (the description and tags may still go); None if nothing is left."""
    fields = [f for f in change.details.get("fields", ()) if f != "content"]
    if not fields:
        return None
    details = {k: v for k, v in change.details.items() if k != "document"}
    details["fields"] = fields
    action = replace(change.action, content=None) if isinstance(change.action, UpdateScp) else change.action
    return replace(change, summary=f"update SCP {change.name}: {', '.join(fields)}", details=details, action=action)


def judge_plan(model: Model, live: Any, changes: Sequence[Change], evaluator: Evaluator | None = None) -> Verdict:
    """Walk the plan step by step on the organization as it will be; see the module docstring."""
    org = _Org(model, live)
    verdict = Verdict(changes=[])
    organization = model.organization
    jit = organization.jit_account if organization else ""
    jit_account = model.accounts.get(jit) if jit else None
    guarded = bool(jit_account and jit_account.id and organization and jit != organization.management_account
                   and any(a.id == jit_account.id for a in live.accounts))
    glasses = [g for g in organization.break_glass if g.account == jit and g.user] if organization else []
    arns = [break_glass_arn(jit_account.id, g.path, g.user) for g in glasses] if guarded and jit_account else []
    all_glass = [break_glass_arn(model.accounts[g.account].id, g.path, g.user)
                 for g in (organization.break_glass if organization else ())
                 if g.user and g.account in model.accounts and model.accounts[g.account].id]
    states = {s.user: s for s in live.break_glass}
    preflight = [judge(g, jit_account.id if jit_account else "", states.get(g.user) or BreakGlassState(
        jit_account.id if jit_account else "", g.user, g.path or "/",
        error="not read (no SCP of the repository covers the JIT account)")) for g in glasses] if guarded else []
    ready = any(p.passed for p in preflight)
    ev = evaluator
    if guarded and arns and ev is None:
        ev = Evaluator()
    way_out = way_out_mask(ev.catalog) if ev is not None else 0

    def caps() -> list[Any]:
        assert ev is not None
        return [ev.scp_access(org.chain(jit), principal_context(arn)) for arn in arns]

    initially_allowed = {t for t in org.targets if org.allows(t)}
    root_deny_all = _root_deny_all(org, all_glass)
    before = caps() if arns else []
    deny_user_before = bool(org.deny_users(jit)) if guarded else False
    gate_seen = False
    for change in changes:
        if change.kind not in ("scp", "attachment", "ou", "account"):
            verdict.changes.append(change)  # Identity Center: no SCP state changes
            continue
        snap = org.snapshot()
        previous = before
        deny_user_prev = bool(org.deny_users(jit)) if guarded else False
        org.step(change)
        what = change.summary or change.name
        refusals = []
        lost_allow = sorted(t for t in initially_allowed & org.targets if not org.allows(t))
        if lost_allow:
            refusals.append(f"refused: {what} would leave {', '.join(lost_allow)} with no SCP that allows anything "
                            "(attach an Allow SCP or FullAWSAccess there first)")
        new_deny_all = sorted(set(_root_deny_all(org, all_glass)) - set(root_deny_all))
        if new_deny_all:
            refusals.append(f"refused: {what} would put {', '.join(new_deny_all)} at the root, denying every action "
                            "without exempting the break-glass user")
        after = caps() if guarded and arns else []
        if any(c.possible == 0 for c in after):
            refusals.append(f"refused: {what} would deny the break-glass user {', '.join(arns)} every action in the "
                            f"JIT account {jit}; the way out must stay open")
        if refusals:  # the whole plan is refused; later steps are judged without this one
            verdict.errors.extend(refusals)
            org.restore(snap)
            continue
        if not guarded:
            verdict.changes.append(change)
            continue
        deny_users = org.deny_users(jit)
        lost = any(((p.possible & ~a.possible) | (p.certain & ~a.certain)) & way_out
                   for p, a in zip(previous, after, strict=True))
        gated = lost or (bool(deny_users) and not deny_user_prev)
        if not gated:
            verdict.changes.append(change)
            before = after
            continue
        gate_seen = True
        missing = _missing(glasses, preflight, arns, deny_users)
        if not missing:
            verdict.changes.append(change)
            before = after
            continue
        org.restore(snap)
        reduced = _without_content(change) if change.kind == "scp" and change.op == "update" else None
        if reduced is not None:
            org.step(reduced)
            verdict.changes.append(reduced)
        fix = "; ".join(dict.fromkeys(f for _, f in missing if f))
        lacking = "; ".join(m for m, _ in missing)
        verdict.held.append({"change": what, "account": jit, "account_id": jit_account.id, "missing": lacking,
                             "fix": fix})
    if guarded and deny_user_before and not ready and not gate_seen:
        verdict.warnings.append(f"DenyUser already covers the JIT account {jit}, and its break-glass user is not "
                                "verified: " + "; ".join(m for p in preflight for m in p.missing)
                                + ": fix it before anyone needs it")
    if guarded and (gate_seen or deny_user_before):
        verdict.preflight = preflight
    return verdict


def _root_deny_all(org: _Org, arns: Sequence[str]) -> list[str]:
    """SCPs attached at the root that deny every action and do not spare every break-glass user."""
    found = []
    for name in org.policies_at("root"):
        doc = org.docs.get(name)
        if doc is None or name == FULL_AWS_ACCESS:
            continue
        probes = arns or ["arn:aws:iam::000000000000:user/break-glass/none-declared"]
        if any(not d.spares for arn in probes for d in denies_everything(doc, arn)):
            found.append(name)
    return found


def _missing(glasses: Sequence[Any], preflight: Sequence[Preflight], arns: Sequence[str],
             deny_users: Sequence[tuple[str, Policy]]) -> list[tuple[str, str]]:
    """(what is missing, its fix) before the way out may be narrowed; empty when one user is ready."""
    if not glasses:
        return [("no break-glass user is declared there",
                 "declare one under break_glass in accounts/organization.yaml (docs/runbooks/break-glass.md)")]
    problems: list[tuple[str, str]] = []
    for glass, check, arn in zip(glasses, preflight, arns, strict=True):
        escaping = [name for name, doc in deny_users if not exempts(doc, arn)]
        if check.passed and not escaping:
            return []
        if not check.passed:
            problems.append((f"its break-glass user {glass.user} is not ready: {', '.join(check.missing)}", check.fix))
        for name in escaping:
            problems.append((f"{name}'s conditions do not exempt the break-glass user {arn}",
                             f"exempt {arn} in {name}'s condition on aws:PrincipalArn"))
    return problems


def guard(plan: Plan, model: Model, live: Any) -> Plan:
    """The plan with apply's judgements folded in: held-back changes out (listed in ``held``), refusals
    as errors, the preflight's verdicts."""
    verdict = judge_plan(model, live, plan.changes)
    return replace(plan, changes=tuple(verdict.changes), errors=(*plan.errors, *verdict.errors),
                   warnings=tuple(dict.fromkeys((*plan.warnings, *verdict.warnings))),
                   preflight=tuple(p.to_json() for p in verdict.preflight), held=tuple(verdict.held))


def guarded_plan(model: Model, live: Any, now: datetime | None = None, create_accounts: bool = False,
                 grants: Any = None) -> Plan:
    """Desired vs live, judged: what plan shows and apply runs (``grants``: the JIT grants at ``now``)."""
    return guard(build_plan(model, live, now=now, create_accounts=create_accounts, grants=grants), model, live)


def violations(model: Model, live: Any, changes: Sequence[Change]) -> list[str]:
    """Why these changes may not run as they are (a saved plan, judged again at apply time)."""
    verdict = judge_plan(model, live, changes)
    return verdict.errors + [f"{h['change']} would be held back now: {h['missing']}" for h in verdict.held]
