"""Findings: what a rule reports, where, and how sure.

Rules report a *symbolic* location (a file and a path of keys and indexes inside its
document, like zizmor does); :func:`resolve` turns it into line and column in one place,
using the node positions the loader kept. Renderers only ever see resolved findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .loader import Document

Path = tuple[str | int, ...]


class Severity(IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (error, warning, info)") from None


@dataclass(frozen=True)
class Where:
    """A symbolic location: a repository-relative file and a path inside its document.

    ``key=True`` points at the mapping key of the last path element rather than its value
    (useful for "this key should not be here").
    """

    file: str
    path: Path = ()
    key: bool = False
    line: int | None = None  # explicit position, for problems with no node (YAML syntax errors)
    column: int | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    file: str
    line: int
    column: int
    message: str
    suppressed: bool = False
    suppression: str | None = None  # why: "inline: reason" or "config: reason"
    path: Path = field(default=(), compare=False)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.rule, self.message)

    def suppress(self, reason: str) -> Finding:
        return replace(self, suppressed=True, suppression=reason)


@dataclass(frozen=True)
class Report:
    """A symbolic finding, as rules produce it; severity is the rule's (config may change it)."""

    rule: str
    where: Where
    message: str
    severity: Severity | None = None  # None: the rule's default


def resolve(report: Report, severity: Severity, documents: dict[str, Document]) -> Finding:
    """Resolve a symbolic report to a finding with 1-based line and column."""
    where = report.where
    doc = documents.get(where.file)
    if where.line is not None:
        line, column = where.line, where.column or 1
    elif doc is None:
        line, column = 1, 1
    else:
        line, column = doc.position(where.path, key=where.key)
    return Finding(
        rule=report.rule,
        severity=severity,
        file=report.where.file,
        line=line,
        column=column,
        message=report.message,
        path=report.where.path,
    )


def summarize(findings: list[Finding]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        if not f.suppressed:
            counts[f.severity.label] += 1
    return counts
