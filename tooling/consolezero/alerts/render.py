"""Renderers for ``consolezero alerts`` and ``consolezero explain-denied``: strings only."""

from __future__ import annotations

from collections.abc import Sequence

from consolezero.alerts.explain import NO_ROLE, Explanation
from consolezero.alerts.rules import Problem, RuleSet
from consolezero.core.contracts import render_versioned


def _where(regions: Sequence[str]) -> str:
    return "every region in use" if "*" in regions else ", ".join(regions)


def render_rules(fmt: str, rules: RuleSet, template: str | None = None) -> str:
    if fmt == "cloudformation":
        return (template or "") + "\n"
    if fmt == "json":
        return render_versioned({"rules": [r.to_json() for r in rules.rules],
                                 "not_alertable": [_problem(p) for p in rules.problems if not p.alertable],
                                 "partly_alertable": [_problem(p) for p in rules.problems if p.alertable]})
    lines: list[str] = []
    md = fmt == "markdown"
    if md:
        lines += ["## Guardrail alerts", "", "| rule | SCP / Sid | matches | events arrive in | accounts |",
                  "|---|---|---|---|---|"]
        for r in rules.rules:
            lines.append(f"| `{r.name}` | {r.scp} / {r.sid} | {', '.join(r.actions) or r.kind} | "
                         f"{_where(r.regions)} | {', '.join(r.accounts) or '-'} |")
        lines.append("")
        for r in rules.rules:
            lines += [f"### {r.scp} / {r.sid}", "", f"> {r.guidance}", ""]
    else:
        lines.append(f"{len(rules.rules)} alert rule(s) on the central event bus")
        for r in rules.rules:
            lines += ["", f"{r.name}  ({r.scp} / {r.sid}, {r.file})",
                      f"  matches:  {', '.join(r.actions) or r.kind}",
                      f"  accounts: {', '.join(r.accounts) or '-'}",
                      f"  events arrive in: {_where(r.regions)}",
                      f"  message:  {r.guidance}"]
    problems = [p for p in rules.problems]
    if problems:
        lines += ["", "Not (fully) alertable:" if not md else "### Not (fully) alertable", ""]
        lines += [f"{'- ' if md else '  '}{p.file} {p.scp}/{p.sid}: {p.reason}" for p in problems]
    return "\n".join(lines).rstrip() + "\n"


def _problem(p: Problem) -> dict[str, str]:
    return {"scp": p.scp, "sid": p.sid, "file": p.file, "reason": p.reason}


def render_explanations(fmt: str, found: list[Explanation]) -> str:
    if fmt == "json":
        first = next((e for e in found if e.denied and e.denied_by), None)
        data = {"denied_by": [{"scp": d.scp, "sid": d.sid, "file": d.file} for d in first.denied_by] if first else [],
                "guidance": "\n\n".join(first.guidance) if first else "",
                "events": [e.to_json() for e in found]}
        return render_versioned(data)
    if fmt == "markdown":
        return _markdown(found)
    out: list[str] = []
    for e in found:
        when = f" at {e.time}" if e.time else ""
        out.append(f"{e.event} by {e.principal or 'unknown principal'} in {e.account} ({e.account_id}){when}")
        if not e.denied or not e.denied_by:
            out += [f"  {e.note}", ""]
            continue
        verb = "denied by" if all(d.certain for d in e.denied_by) else "denied (under its conditions) by"
        out.append(f"  {e.action} {verb}:")
        out += [f"    {d.scp} statement {d.sid} ({d.file})" for d in e.denied_by]
        if e.note:
            out.append(f"  {e.note}")
        out += [f"  guidance: {text}" for text in e.guidance]
        if e.requests:
            out.append("  to get access, request it just in time:")
            out += [f"    {line}" for line in e.requests]
        else:
            out.append(f"  {NO_ROLE}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _markdown(found: list[Explanation]) -> str:
    out: list[str] = []
    for e in found:
        out += [f"### `{e.action}` in {e.account} ({e.account_id})", "",
                f"{e.event} by `{e.principal or 'unknown principal'}`" + (f" at {e.time}" if e.time else ""), ""]
        if not e.denied or not e.denied_by:
            out += [e.note, ""]
            continue
        verb = "Denied by" if all(d.certain for d in e.denied_by) else "Denied (under its conditions) by"
        out += [f"{verb}:", ""] + [f"- {d.scp} statement `{d.sid}` (`{d.file}`)" for d in e.denied_by] + [""]
        if e.note:
            out += [e.note, ""]
        for text in e.guidance:
            out += [f"> {text}", ""]
        if e.requests:
            out += ["To get access, request it just in time:", "", "```sh", *e.requests, "```", ""]
        else:
            out += [f"*{NO_ROLE}*", ""]
    return "\n".join(out).rstrip() + "\n"
