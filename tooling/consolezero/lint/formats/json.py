"""The versioned JSON contract (schemas/output/lint.schema.json): never a dump of internal objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from consolezero.core.contracts import render_versioned
from consolezero.core.findings import summarize

if TYPE_CHECKING:
    from consolezero.core.findings import Finding

    from ..rules.base import Rule
    from . import RenderOptions



def finding_dict(finding: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "suppressed": finding.suppressed,
    }
    if finding.suppressed:
        entry["suppression"] = finding.suppression or "no reason given"
    return entry


def render(findings: Sequence[Finding], rules: Mapping[str, Rule], options: RenderOptions) -> str:
    return render_versioned({"findings": [finding_dict(f) for f in findings], "summary": summarize(list(findings))})
