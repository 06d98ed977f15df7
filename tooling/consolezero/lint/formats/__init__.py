"""Lint output formats: one small module per format, each a pure ``render`` returning a string.

:func:`render_findings` imports the chosen format's module lazily, so ``lint`` only loads what it
renders. Findings arrive already sorted (file, line, column, rule); renderers keep that order.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from consolezero import __version__

if TYPE_CHECKING:
    from consolezero.core.findings import Finding

    from ..rules.base import Rule

FORMATS = ("text", "json", "sarif", "github", "markdown")


@dataclass(frozen=True)
class RenderOptions:
    show_suppressed: bool = False  # text: list suppressed findings too (other formats always carry them)
    color: bool = False  # text: ANSI color on the severity word
    tool_version: str = __version__
    root: str = "."  # the linted repository path as given, for messages only
    # what goes in front of a finding's file (relative to the linted root) when the organization lives in a
    # subfolder: for text, the path from the working directory; for SARIF, annotations and markdown (and
    # JSON's repository_file), the path from the git repository root (consolezero.core.layout.prefixes)
    text_prefix: str = ""
    repo_prefix: str = ""


def render_findings(fmt: str, findings: Sequence[Finding], rules: Mapping[str, Rule],
                    options: RenderOptions = RenderOptions()) -> str:
    """Render ``findings`` in ``fmt`` (one of :data:`FORMATS`); never prints."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} ({', '.join(FORMATS)})")
    module = importlib.import_module(f"{__name__}.{fmt}")
    return module.render(findings, rules, options)
