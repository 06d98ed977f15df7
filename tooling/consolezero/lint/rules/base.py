"""The shape of a rule: one unit, a stable name, a default severity, a summary and a docs page.

A rule is a plain function from a :class:`~consolezero.lint.context.LintContext` to symbolic
:class:`~consolezero.core.findings.Report` s, wrapped by :func:`rule` with its metadata. Nothing is
registered at import time: each family module lists its rules in ``RULES`` and
:func:`consolezero.lint.rules.all_rules` gathers them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from consolezero.core.findings import Report, Severity, Where

if TYPE_CHECKING:
    from ..context import LintContext



@dataclass(frozen=True)
class Hit:
    """What a check yields: where and what; the runner adds the rule's name and severity."""

    where: Where
    message: str
    severity: Severity | None = None  # None: the rule's (or the config's) severity


Check = Callable[["LintContext"], Iterable[Hit]]

DOCS_URL = "https://github.com/consolezero/consolezero/blob/main/docs/rules/{name}.md"


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    summary: str  # one line, shown in lists and SARIF shortDescription
    family: str  # inputs, iam, scps, roles, requests, workflows
    doc: str  # markdown: why it matters and how to fix it
    check: Check
    online: bool = False  # needs the network (ticket tracker); skipped by plain lint

    @property
    def help_uri(self) -> str:
        return DOCS_URL.format(name=self.name)

    def run(self, ctx: LintContext) -> list[Report]:
        return [Report(self.name, hit.where, hit.message, hit.severity) for hit in self.check(ctx)]


def rule(name: str, severity: Severity, summary: str, *, family: str, online: bool = False) -> Callable[[Check], Rule]:
    """Wrap a check function as a :class:`Rule`; its docstring is the rule's documentation."""

    def wrap(func: Check) -> Rule:
        doc = inspect.cleandoc(func.__doc__ or "")
        return Rule(name=name, severity=severity, summary=summary, family=family, doc=doc,
                    check=func, online=online)

    return wrap
