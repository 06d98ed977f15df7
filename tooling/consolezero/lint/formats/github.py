"""GitHub Actions workflow commands: one annotation per unsuppressed finding, nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from consolezero.core.layout import join

if TYPE_CHECKING:
    from consolezero.core.findings import Finding

    from ..rules.base import Rule
    from . import RenderOptions

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message the way @actions/core does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value: as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, prefix: str = "") -> str:
    """``prefix``: the linted root's path from the repository root, where annotations resolve files."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in (
        ("file", join(prefix, finding.file)), ("line", finding.line), ("col", finding.column), ("title", finding.rule)))
    return f"::{COMMANDS[finding.severity.label]} {props}::{escape_data(finding.message)}"


def render(findings: Sequence[Finding], rules: Mapping[str, Rule], options: RenderOptions) -> str:
    return "".join(annotation(f, options.repo_prefix) + "\n" for f in findings if not f.suppressed)
