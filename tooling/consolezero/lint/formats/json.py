"""The versioned JSON contract (schemas/output/lint.schema.json): never a dump of internal objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from consolezero.core.contracts import render_versioned
from consolezero.core.findings import summarize
from consolezero.core.layout import join

if TYPE_CHECKING:
    from consolezero.core.findings import Finding

    from ..rules.base import Rule
    from . import RenderOptions



def finding_dict(finding: Finding, prefix: str = "") -> dict[str, Any]:
    """``prefix``: the linted root's path from the git repository root; when there is one, the entry adds
    ``repository_file`` (``file`` stays relative to the linted root, as the contract says)."""
    entry: dict[str, Any] = {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "suppressed": finding.suppressed,
    }
    if prefix:
        entry["repository_file"] = join(prefix, finding.file)
    if finding.suppressed:
        entry["suppression"] = finding.suppression or "no reason given"
    return entry


def render(findings: Sequence[Finding], rules: Mapping[str, Rule], options: RenderOptions) -> str:
    entries = [finding_dict(f, options.repo_prefix) for f in findings]
    return render_versioned({"findings": entries, "summary": summarize(list(findings))})
