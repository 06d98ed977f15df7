"""Run the rules over a repository: reports -> findings with severity and suppression."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from consolezero.core.config import Config
from consolezero.core.files import paused_gc
from consolezero.core.findings import Finding, Report, Severity, resolve
from consolezero.core.loader import Document
from consolezero.core.repository import Repository

from .context import LintContext, PullContext
from .rules import all_rules
from .rules.base import Rule
from .suppression import ignore_refusal, severity_refusal, unsuppressible

if TYPE_CHECKING:
    from consolezero.jit.tickets import TicketState


@dataclass(frozen=True)
class LintResult:
    findings: list[Finding]
    rules: dict[str, Rule]

    def failed(self, fail_on: Severity) -> bool:
        return any(f.severity >= fail_on and not f.suppressed for f in self.findings)


def _inline_reason(finding: Finding, doc: Document | None, known: Collection[str],
                   allow_weakened: bool) -> str | None:
    """`# consolezero: ignore[rule] reason` on the finding's line, or alone on the line above; only an
    ignore that :func:`ignore_refusal` accepts (the rule named, a reason given) suppresses."""
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
        if finding.rule in rules and ignore_refusal(finding.rule, reason, known, allow_weakened) is None:
            return reason
    return None


def finalize(reports: Iterable[Report], rules: dict[str, Rule], config: Config,
             documents: dict[str, Document], allow_weakened_safety: bool = False) -> list[Finding]:
    """Resolve locations, apply severity overrides and suppressions (as lint.suppression allows), sort,
    de-duplicate."""
    findings: dict[tuple, Finding] = {}
    ignores = [i for i in config.ignores if ignore_refusal(i.rule, i.reason, rules, allow_weakened_safety) is None]
    # by file: positions are looked up in each file's node graph, composed again on demand
    for report in sorted(reports, key=lambda r: r.where.file):
        rule = rules.get(report.rule)
        default = rule.severity if rule else Severity.ERROR
        severity = report.severity if report.severity is not None else default
        locked = unsuppressible(report.rule, report.where.file)
        if report.rule in config.severity:
            override = config.severity[report.rule]
            refused = severity_refusal(report.rule, override, default, allow_weakened_safety)
            if refused is None and not (locked and (override is None or override < severity)):
                if override is None:
                    continue  # the rule is off
                severity = override
        finding = resolve(report, severity, documents)
        if locked:
            findings.setdefault((finding.rule, finding.file, finding.line, finding.column, finding.message), finding)
            continue
        reason = _inline_reason(finding, documents.get(finding.file), rules, allow_weakened_safety)
        if reason is not None:
            finding = finding.suppress(f"inline: {reason}")
        else:
            for ignore in ignores:
                if ignore.matches(finding):
                    finding = finding.suppress(f"config: {ignore.reason}")
                    break
        findings.setdefault((finding.rule, finding.file, finding.line, finding.column, finding.message), finding)
    return sorted(findings.values(), key=Finding.sort_key)


def run_lint(repo: Repository, rules: Sequence[Rule] | None = None, online: bool = False,
             pr: PullContext | None = None, tickets: Mapping[str, TicketState] | None = None,
             allow_weakened_safety: bool = False) -> LintResult:
    chosen = tuple(rules) if rules is not None else all_rules()
    ctx = LintContext(repo=repo, online=online, pr=pr, tickets=tickets, allow_weakened_safety=allow_weakened_safety)
    reports: list[Report] = []
    with paused_gc():  # the rules build what they keep to the end (the access matrix): no collector walks
        for rule in chosen:
            if rule.online and not online:
                continue
            reports.extend(rule.run(ctx))
    table = {r.name: r for r in all_rules()}
    table.update({r.name: r for r in chosen})
    findings = finalize(reports, table, repo.config, repo.documents, allow_weakened_safety)
    return LintResult(findings=findings, rules=table)
