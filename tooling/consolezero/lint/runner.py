"""Run the rules over a repository: reports -> findings with severity and suppression."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from consolezero.core.config import Config
from consolezero.core.findings import Finding, Report, Severity, resolve
from consolezero.core.loader import Document, paused_gc
from consolezero.core.repository import Repository

from .context import LintContext, PullContext
from .rules import all_rules
from .rules.base import Rule

if TYPE_CHECKING:
    from consolezero.jit.tickets import TicketState


@dataclass(frozen=True)
class LintResult:
    findings: list[Finding]
    rules: dict[str, Rule]

    def failed(self, fail_on: Severity) -> bool:
        return any(f.severity >= fail_on and not f.suppressed for f in self.findings)


def _inline_reason(finding: Finding, doc: Document | None) -> str | None:
    """`# consolezero: ignore[rule] reason` on the finding's line, or alone on the line above."""
    if doc is None or not doc.ignores:
        return None
    for number in (finding.line, finding.line - 1):
        entry = doc.ignores.get(number)
        if entry is None:
            continue
        if number == finding.line - 1:
            lines = doc.text.splitlines()
            if number > len(lines) or not lines[number - 1].lstrip().startswith("#"):
                continue
        rules, reason = entry
        if finding.rule in rules or "all" in rules:
            return reason or "no reason given"
    return None


def finalize(reports: Iterable[Report], rules: dict[str, Rule], config: Config,
             documents: dict[str, Document]) -> list[Finding]:
    """Resolve locations, apply severity overrides and suppressions, sort, de-duplicate."""
    findings: dict[tuple, Finding] = {}
    # by file: positions are looked up in each file's node graph, composed again on demand
    for report in sorted(reports, key=lambda r: r.where.file):
        rule = rules.get(report.rule)
        severity = report.severity if report.severity is not None else (rule.severity if rule else Severity.ERROR)
        if report.rule in config.severity:
            override = config.severity[report.rule]
            if override is None:
                continue  # the rule is off
            severity = override
        finding = resolve(report, severity, documents)
        reason = _inline_reason(finding, documents.get(finding.file))
        if reason is not None:
            finding = finding.suppress(f"inline: {reason}")
        else:
            for ignore in config.ignores:
                if ignore.matches(finding):
                    finding = finding.suppress(f"config: {ignore.reason or 'no reason given'}")
                    break
        findings.setdefault((finding.rule, finding.file, finding.line, finding.column, finding.message), finding)
    return sorted(findings.values(), key=Finding.sort_key)


def run_lint(repo: Repository, rules: Sequence[Rule] | None = None, online: bool = False,
             pr: PullContext | None = None, tickets: Mapping[str, TicketState] | None = None) -> LintResult:
    chosen = tuple(rules) if rules is not None else all_rules()
    ctx = LintContext(repo=repo, online=online, pr=pr, tickets=tickets)
    reports: list[Report] = []
    with paused_gc():  # the rules build what they keep to the end (the access matrix): no collector walks
        for rule in chosen:
            if rule.online and not online:
                continue
            reports.extend(rule.run(ctx))
    table = {r.name: r for r in all_rules()}
    table.update({r.name: r for r in chosen})
    return LintResult(findings=finalize(reports, table, repo.config, repo.documents), rules=table)
