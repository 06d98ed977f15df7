"""Plans as text (terraform-like), markdown (a pull request comment) and JSON; saving and loading.

``render_json`` is the versioned contract (schemas/output/plan.schema.json) (``{"version":1,"fingerprint":
...,"changes":[{"op","kind","name","target",...}]}``; fields may be added, never renamed). Saved plans
(``plan --out``, with what apply needs) are written and read, checked, by :mod:`consolezero.plan.planfile`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consolezero.core.contracts import dump_json
from consolezero.plan.planfile import PlanFileError, dump_plan, from_document, load_plan, to_document
from consolezero.plan.types import ADD_OPS, CHANGE_OPS, DESTROY_OPS, Change, Plan

_SIGN = {**{op: "+" for op in ADD_OPS}, **{op: "~" for op in CHANGE_OPS}, **{op: "-" for op in DESTROY_OPS}}
_COLORS = {"+": "\033[32m", "~": "\033[33m", "-": "\033[31m"}
_RESET = "\033[0m"


def summary_line(plan: Plan) -> str:
    add, change, destroy = plan.counts()
    return f"Plan: {add} to add, {change} to change, {destroy} to destroy."


def _headline(change: Change) -> str:
    principal = change.details.get("principal")
    if "end_sessions" in change.details or "stop_ending_sessions" in change.details:
        return change.summary  # its own step: "end sessions of alice@example.com in Admin on prod-app issued before"
    if change.kind == "attachment":
        return f"{change.op} {change.name} {'to' if change.op == 'attach' else 'from'} {change.target}"
    if change.kind == "assignment":
        return f"{change.op} {change.name} {'to' if change.op == 'assign' else 'from'} {principal} on {change.target}"
    kind = change.kind.replace("_", " ")
    if change.op == "move":
        return f"move account {change.name}: {change.details.get('from')} -> {change.details.get('to')}"
    where = f" in {change.target}" if change.target and change.op == "create" else ""
    fields = change.details.get("fields")
    return f"{change.op} {kind} {change.name}{where}" + (f" ({', '.join(fields)})" if fields else "")


def _detail_lines(change: Change) -> list[str]:
    lines: list[str] = []
    d = change.details
    for key in ("description", "session_duration", "permissions_boundary"):
        if isinstance(d.get(key), list) and change.op == "update":
            before, after = d[key]
            lines.append(f"{key}: {before or '(none)'} -> {after or '(none)'}")
    for key in ("managed_policies", "customer_managed_policies", "tags"):
        value = d.get(key)
        if isinstance(value, Mapping):
            add = value.get("add") or {}
            items = [f"+{k}={v}" for k, v in add.items()] if isinstance(add, Mapping) else [f"+{_ref(x)}" for x in add]
            items += [f"-{_ref(x)}" for x in value.get("remove") or []]
            lines.append(f"{key}: {' '.join(items)}")
    if isinstance(d.get("provisioning"), str):
        lines.append(f"provisioning: {d['provisioning']}")
    ends = d.get("end_sessions")
    if isinstance(ends, Mapping):  # what the session-ending step puts in the inline policy, and for how long
        lines.append(f"statement {ends.get('sid')}: Deny * for this user's sessions issued before "
                     f"{ends.get('issued_before')}, kept until {ends.get('until')}")
    return lines


def _ref(value: Any) -> str:
    return "".join(reversed(value)) if isinstance(value, list) and len(value) == 2 else str(value)


def _diffs(change: Change) -> list[tuple[str, str]]:
    """(title, unified diff) of the documents a change touches (SCP documents, inline policies)."""
    found = []
    for key, title in (("document", "policy document"), ("inline_policy", "inline policy")):
        text = change.details.get(key)
        if isinstance(text, str) and text and (change.op == "update" or key == "document"):
            found.append((title, text))
    return found


def no_changes(plan: Plan) -> str:
    """The no-changes line; it claims a match only when no error or warning says otherwise."""
    if plan.errors:
        return "No changes. The errors above must be fixed first."
    if plan.held:
        return "No changes. Nothing more apply can do now: what is held back above waits for the break-glass preflight."
    if plan.warnings:
        return "No changes. Read the warnings above: what this plan could not judge, or what still differs " \
               "from the repository."
    return "No changes. The organization matches the repository."


def banner(plan: Plan) -> list[str]:
    """What the reader must see first: safety rules weakened by configuration, a partial assignment read."""
    lines = []
    weakened = plan.context.get("weakened_safety") or ()
    if weakened:
        lines.append("SAFETY WEAKENED (--allow-weakened-safety): " + "; ".join(map(str, weakened)))
    if plan.context.get("full_assignment_scan") is False:
        lines.append("Note: fast assignment scan: only the assignments of principals the repository names were read; "
                     "an assignment made by hand to anyone else is not shown (apply and reconcile read them all)")
    return lines


def preflight_lines(plan: Plan) -> list[str]:
    """The break-glass preflight as plan steps: one line per user with its verdict, then what it held back."""
    lines = []
    for p in plan.preflight:
        where = f"{p.get('user')} ({p.get('path')}) in {p.get('account')} ({p.get('account_id')})"
        if p.get("verdict") == "pass":
            extra = f" ({'; '.join(p.get('warnings') or ())})" if p.get("warnings") else ""
            lines.append(f"? preflight: break-glass user {where}: pass: exists, MFA device, no active access key"
                         + extra)
        else:
            lines.append(f"? preflight: break-glass user {where}: FAIL: {'; '.join(p.get('missing') or ())}")
    lines += [f"! {_held(h)}" for h in plan.held]
    return lines


def _held(h: Mapping[str, Any]) -> str:
    return (f"held back: {h.get('change')}: the JIT account {h.get('account')} ({h.get('account_id')}): "
            f"{h.get('missing')}; fix: {h.get('fix')}")


def held_line(plan: Plan) -> str:
    """The one line apply ends with when it held something back: the account, what is missing, the fix."""
    more = f" (and {len(plan.held) - 1} more held back)" if len(plan.held) > 1 else ""
    return f"{_held(plan.held[0])}{more}, then re-run apply"


def render_text(plan: Plan, color: bool = False, show_documents: bool = True) -> str:
    out: list[str] = banner(plan)
    for message in plan.errors:
        out.append(f"Error: {message}")
    for message in plan.warnings:
        out.append(f"Warning: {message}")
    if out:
        out.append("")
    if plan.preflight or plan.held:
        out.extend(f"  {line}" for line in preflight_lines(plan))
        out.append("")
    if not plan.changes:
        out.append(no_changes(plan))
    else:
        out.append("consolezero will perform the following actions:")
        out.append("")
        for change in plan.changes:
            sign = _SIGN.get(change.op, "~")
            line = f"  {sign} {_headline(change)}"
            out.append(f"{_COLORS[sign]}{line}{_RESET}" if color else line)
            out.extend(f"      {extra}" for extra in _detail_lines(change))
            if show_documents and change.op == "update":
                for _title, diff in _diffs(change):
                    for diff_line in diff.splitlines():
                        c = _COLORS.get(diff_line[:1]) if color and not diff_line.startswith(("+++", "---")) else None
                        out.append(f"      {c}{diff_line}{_RESET}" if c else f"      {diff_line}")
        out.append("")
    out.append(summary_line(plan))
    return "\n".join(out) + "\n"


def render_markdown(plan: Plan) -> str:
    add, change, destroy = plan.counts()
    out = ["### consolezero plan", ""]
    out += [f"> **{line}**" for line in banner(plan)]
    for message in plan.errors:
        out.append(f"> **Error:** {message}")
    for message in plan.warnings:
        out.append(f"> **Warning:** {message}")
    if plan.errors or plan.warnings:
        out.append("")
    if plan.preflight or plan.held:
        out.extend(f"- {line}" for line in preflight_lines(plan))
        out.append("")
    if not plan.changes:
        out.append(no_changes(plan))
    else:
        out.append(f"**{add}** to add, **{change}** to change, **{destroy}** to destroy.")
        out.append("")
        out.append("| | change | |")
        out.append("|---|---|---|")
        for c in plan.changes:
            sign = _SIGN.get(c.op, "~")
            extras = "; ".join(_detail_lines(c)).replace("|", "\\|")
            out.append(f"| `{sign}` | {_headline(c).replace('|', chr(92) + '|')} | {extras} |")
        for c in plan.changes:
            for title, diff in _diffs(c):
                if c.op == "create" and c.kind == "scp":
                    title = "new policy document"
                out += ["", f"<details><summary>{c.kind.replace('_', ' ')} {c.name}: {title}</summary>", "",
                        "```diff", diff, "```", "", "</details>"]
    counts = f"`{summary_line(plan)}` " if plan.changes else ""  # a clean plan says "No changes" once
    out += ["", f"{counts}Fingerprint `{plan.fingerprint[:12]}`."]
    return "\n".join(out) + "\n"


def render_json(plan: Plan) -> str:
    return dump_json(to_document(plan, full=False))


__all__ = ["PlanFileError", "dump_plan", "from_document", "held_line", "load_plan", "preflight_lines", "render_json",
           "render_markdown", "render_text", "summary_line", "to_document"]
