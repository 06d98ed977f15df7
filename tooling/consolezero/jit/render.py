"""check-approvals output: a one-line verdict per request (text), the JSON contract, a PR comment (markdown)."""

from __future__ import annotations

from collections.abc import Sequence

from consolezero.core.contracts import render_versioned
from consolezero.integrations.github import PullRequest

from .approvals import RequestVerdict

MARKER = "<!-- consolezero:check-approvals -->"


def _summary(verdicts: Sequence[RequestVerdict]) -> dict[str, int]:
    return {s: sum(v.status == s for v in verdicts) for s in ("approved", "not_approved", "error")}


def render_verdicts(fmt: str, repo: str, pr: PullRequest, verdicts: Sequence[RequestVerdict]) -> str:
    if fmt == "json":
        return render_versioned({
            "pull_request": {"repo": repo, "number": pr.number, "author": pr.author, "head_sha": pr.head_sha},
            "requests": [{
                "file": v.file, "status": v.status, "user": v.user, "github": v.github, "role": v.role,
                "account": v.account, "duration": v.duration, "ticket": v.ticket, "fallback_used": v.fallback_used,
                "approvals_needed": v.needed, "approvals": v.approvals, "problems": v.problems, "notes": v.notes,
            } for v in verdicts],
            "summary": _summary(verdicts),
        })
    if fmt == "markdown":
        return _markdown(repo, pr, verdicts)
    if not verdicts:
        return f"{repo}#{pr.number}: no request files in this pull request\n"
    s = _summary(verdicts)
    return "".join(v.line() + "\n" for v in verdicts) + (
        f"{s['approved']} approved, {s['not_approved']} not approved, {s['error']} could not be checked "
        f"({repo}#{pr.number} at {pr.head_sha[:7]})\n")


def _markdown(repo: str, pr: PullRequest, verdicts: Sequence[RequestVerdict]) -> str:
    out = [MARKER, "## consolezero: just-in-time requests", ""]
    if not verdicts:
        return "\n".join([*out, "No request files in this pull request.", ""])
    icon = {"approved": "✅ approved", "not_approved": "❌ not approved", "error": "⚠️ could not check"}
    out += ["| request | verdict | who | role | account | for | ticket | approvals |",
            "|---|---|---|---|---|---|---|---|"]
    for v in verdicts:
        ticket = v.ticket + (" (fallback: tracker down)" if v.fallback_used else "")
        approvals = f"{len(v.approvals)} of {v.needed}" + (f": {', '.join(v.approvals)}" if v.approvals else "")
        out.append(f"| `{v.file}` | {icon[v.status]} | {v.user} ({v.github}) | {v.role} | {v.account} | "
                   f"{v.duration} | {ticket} | {approvals} |")
    for v in verdicts:
        if v.problems:
            out += ["", f"**`{v.file}`**", *[f"- {p}" for p in v.problems]]
    out += ["", f"<sub>{repo}#{pr.number} at {pr.head_sha[:7]}</sub>", ""]
    return "\n".join(out)
