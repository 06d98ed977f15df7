"""Helpers shared by the renderers: counts and the one-line summary."""

from __future__ import annotations

from collections.abc import Sequence

from consolezero.core.findings import Finding, summarize


def suppressed_count(findings: Sequence[Finding]) -> int:
    return sum(1 for f in findings if f.suppressed)


def summary_line(findings: Sequence[Finding]) -> str:
    """``3 errors, 1 warning, 0 info (2 suppressed)``, or ``no findings``; counts exclude suppressed."""
    counts = summarize(list(findings))
    hidden = suppressed_count(findings)
    tail = f" ({hidden} suppressed)" if hidden else ""
    if not any(counts.values()):
        return "no findings" + tail
    errors, warnings = counts["error"], counts["warning"]
    return (f"{errors} error{'' if errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'}, "
            f"{counts['info']} info{tail}")


def suppression_reason(finding: Finding) -> str:
    """The reason without its ``inline:`` / ``config:`` prefix."""
    text = finding.suppression or ""
    kind, sep, rest = text.partition(":")
    if sep and kind.strip() in ("inline", "config"):
        return rest.strip() or "no reason given"
    return text.strip() or "no reason given"


def is_inline(finding: Finding) -> bool:
    return (finding.suppression or "").startswith("inline:")
