"""A pull-request comment: heading, counts, a findings table; suppressed ones folded away."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from consolezero.core.layout import join

from .common import summary_line, suppression_reason

if TYPE_CHECKING:
    from consolezero.core.findings import Finding

    from ..rules.base import Rule
    from . import RenderOptions

HEADING = "### consolezero lint"


def cell(text: str) -> str:
    """Text safe inside a table cell: no HTML, no column breaks, line breaks as ``<br>``."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return "<br>".join(text.splitlines()) if text else text


def rule_link(name: str, rules: Mapping[str, Rule]) -> str:
    rule = rules.get(name)
    return f"[{cell(name)}]({rule.help_uri})" if rule is not None else cell(name)


def table(findings: Sequence[Finding], rules: Mapping[str, Rule], reason: bool = False, prefix: str = "") -> list[str]:
    head = "| Severity | Rule | Location | Message |" + (" Reason |" if reason else "")
    rows = [head, "|---" * (5 if reason else 4) + "|"]
    for f in findings:
        where = cell(f"{join(prefix, f.file)}:{f.line}")
        row = f"| {f.severity.label} | {rule_link(f.rule, rules)} | {where} | {cell(f.message)} |"
        rows.append(row + (f" {cell(suppression_reason(f))} |" if reason else ""))
    return rows


def render(findings: Sequence[Finding], rules: Mapping[str, Rule], options: RenderOptions) -> str:
    shown = [f for f in findings if not f.suppressed]
    hidden = [f for f in findings if f.suppressed]
    summary = summary_line(findings)
    if shown:
        lines = [HEADING, "", summary, "", *table(shown, rules, prefix=options.repo_prefix)]
    else:  # said once: "No findings." (with how many are suppressed)
        lines = [HEADING, "", summary[0].upper() + summary[1:] + "."]
    if hidden:
        lines += ["", "<details>", f"<summary>{len(hidden)} suppressed</summary>", ""]
        lines += table(hidden, rules, reason=True, prefix=options.repo_prefix)
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
