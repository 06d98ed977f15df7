"""Compiler-style text: ``file:line:col: severity rule: message``, then a summary line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from consolezero.core.layout import join

from .common import summary_line, suppression_reason

if TYPE_CHECKING:
    from consolezero.core.findings import Finding

    from ..rules.base import Rule
    from . import RenderOptions

COLORS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}
RESET = "\033[0m"


def one_line(message: str) -> str:
    """A message on one line: line breaks become spaces."""
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


def format_finding(finding: Finding, color: bool = False, prefix: str = "") -> str:
    label = finding.severity.label
    word = f"{COLORS[label]}{label}{RESET}" if color else label
    where = f"{join(prefix, finding.file)}:{finding.line}:{finding.column}"
    line = f"{where}: {word} {finding.rule}: {one_line(finding.message)}"
    if finding.suppressed:
        line += f" [suppressed: {one_line(suppression_reason(finding))}]"
    return line


def render(findings: Sequence[Finding], rules: Mapping[str, Rule], options: RenderOptions) -> str:
    lines = [format_finding(f, options.color, options.text_prefix)
             for f in findings if options.show_suppressed or not f.suppressed]
    lines.append(summary_line(findings))
    return "\n".join(lines) + "\n"
