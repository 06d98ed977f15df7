"""`consolezero grants` as text, JSON (the versioned contract: schemas/output/grants.schema.json) and markdown."""

from __future__ import annotations

from typing import Any

from consolezero.core.contracts import render_versioned
from consolezero.jit.grants import Grant, Grants, iso

_ORDER = {"active": 0, "upcoming": 1, "expired": 2}
_HEAD = ("STATE", "USER", "ROLE", "ACCOUNT", "START", "END", "TICKET", "APPROVERS", "FALLBACK", "FILE")


def ordered(grants: Grants) -> list[Grant]:
    """Active first, then upcoming, then expired (the latest first); by start within each."""
    def key(g: Grant) -> tuple[int, float, str]:
        stamp = g.start.timestamp()
        return (_ORDER[g.state], -stamp if g.state == "expired" else stamp, g.request.file)

    return sorted(grants.grants, key=key)


def grant_json(grant: Grant) -> dict[str, Any]:
    r = grant.request
    return {"user": r.user, "role": r.role, "account": r.account, "start": iso(grant.start), "end": iso(grant.end),
            "state": grant.state, "ticket": r.ticket or None, "file": r.file,
            "requested_end": iso(grant.requested_end), "extended": grant.end > grant.requested_end,
            "approvers": list(grant.approvers), "fallback_used": r.ticket_fallback, "github": r.github or None,
            "reason": r.reason or None, "commit": grant.commit}


def render_json(grants: Grants) -> str:
    history = grants.history
    data = {"now": iso(grants.now),
            "main": {"ref": history.ref, "commit": history.commit},
            "grants": [grant_json(g) for g in ordered(grants)],
            "pending": list(grants.pending), "summary": grants.counts(), "warnings": list(grants.warnings)}
    return render_versioned(data)


def _row(grant: Grant) -> tuple[str, ...]:
    r = grant.request
    return (grant.state, r.user, r.role, r.account, iso(grant.start), iso(grant.end) + ("*" if grant.end >
            grant.requested_end else ""), r.ticket or "-", ", ".join(grant.approvers) or "-",
            "yes" if r.ticket_fallback else "no", r.file)


def _title(grants: Grants) -> str:
    history = grants.history
    source = f", from {history.ref} ({(history.commit or '')[:12]})" if history.available else ""
    return f"JIT grants at {iso(grants.now)}{source}"


def _summary(grants: Grants) -> str:
    counts = grants.counts()
    text = f"{counts['active']} active, {counts['upcoming']} upcoming, {counts['expired']} expired"
    if grants.pending:
        text += f"; {len(grants.pending)} request(s) not on main yet (granted when merged)"
    return text


def render_text(grants: Grants) -> str:
    out = [_title(grants), ""]
    rows = [_row(g) for g in ordered(grants)]
    if rows:
        widths = [max(len(x) for x in column) for column in zip(_HEAD, *rows, strict=True)]
        for row in (_HEAD, *rows):
            out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        out.append("")
        if any(g.end > g.requested_end for g in grants.grants):
            out.append("* extended: an overlapping request for the same user, role and account runs the grant "
                       "until then")
    else:
        out += ["No grants.", ""]
    for file in grants.pending:
        out.append(f"not on main yet: {file}")
    out.append(_summary(grants))
    return "\n".join(out) + "\n"


def render_markdown(grants: Grants) -> str:
    out = [f"### {_title(grants)}", ""]
    rows = [_row(g) for g in ordered(grants)]
    if rows:
        out.append("| " + " | ".join(h.lower() for h in _HEAD) + " |")
        out.append("|" + "---|" * len(_HEAD))
        for row in rows:
            cells = [c.replace("|", "\\|") for c in row]
            cells[-1] = f"`{cells[-1]}`"
            out.append("| " + " | ".join(cells) + " |")
        if any(g.end > g.requested_end for g in grants.grants):
            out += ["", "\\* extended: an overlapping request for the same user, role and account runs the grant "
                        "until then"]
    else:
        out.append("No grants.")
    out.append("")
    for warning in grants.warnings:
        out.append(f"> **Warning:** {warning}")
    out.append(_summary(grants) + ".")
    return "\n".join(out) + "\n"


def render(format: str, grants: Grants) -> str:
    return {"json": render_json, "markdown": render_markdown}.get(format, render_text)(grants)
