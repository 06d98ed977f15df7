"""Suppression (inline and .consolezero.yaml), severity overrides and fail-on."""

from __future__ import annotations

from pathlib import Path

from consolezero.core.findings import Severity
from support import lint

ADMIN = "roles/admin.yaml"


def _set_ticket(repo: Path, value: str) -> None:
    path = repo / ADMIN
    path.write_text(path.read_text().replace("ticket: required ", value))


def _ticket_findings(repo: Path):
    return [f for f in lint(repo).findings if f.rule == "jit-without-ticket"]


def test_unsuppressed_baseline(example: Path) -> None:
    _set_ticket(example, "ticket: optional ")
    [finding] = _ticket_findings(example)
    assert (finding.file, finding.severity, finding.suppressed) == (ADMIN, Severity.WARNING, False)


def test_inline_ignore_on_the_line_keeps_the_finding_marked(example: Path) -> None:
    _set_ticket(example, "ticket: optional  # consolezero: ignore[jit-without-ticket] tracker migration until Q1 ")
    [finding] = _ticket_findings(example)
    assert finding.suppressed
    assert finding.suppression == "inline: tracker migration until Q1"


def test_inline_ignore_on_the_line_above(example: Path) -> None:
    path = example / ADMIN
    text = path.read_text().replace("  ticket: required ", "  # consolezero: ignore[jit-without-ticket] migration\n"
                                    "  ticket: optional ")
    path.write_text(text)
    [finding] = _ticket_findings(example)
    assert finding.suppressed


def test_inline_ignore_for_another_rule_does_not_suppress(example: Path) -> None:
    _set_ticket(example, "ticket: optional  # consolezero: ignore[schema] wrong rule ")
    [finding] = _ticket_findings(example)
    assert not finding.suppressed


def test_config_ignore_with_file_glob(example: Path) -> None:
    _set_ticket(example, "ticket: optional ")
    (example / ".consolezero.yaml").write_text(
        "ignore:\n  - {rule: jit-without-ticket, file: 'roles/*.yaml', reason: accepted by SEC-9}\n")
    [finding] = _ticket_findings(example)
    assert finding.suppressed and finding.suppression == "config: accepted by SEC-9"


def test_config_ignore_for_another_file_does_not_suppress(example: Path) -> None:
    _set_ticket(example, "ticket: optional ")
    (example / ".consolezero.yaml").write_text(
        "ignore:\n  - {rule: jit-without-ticket, file: 'scps/*.yaml', reason: elsewhere}\n")
    [finding] = _ticket_findings(example)
    assert not finding.suppressed


def test_severity_override_and_off(example: Path) -> None:
    _set_ticket(example, "ticket: optional ")
    (example / ".consolezero.yaml").write_text("severity: {jit-without-ticket: error}\n")
    [finding] = _ticket_findings(example)
    assert finding.severity is Severity.ERROR
    assert lint(example).failed(Severity.ERROR)
    (example / ".consolezero.yaml").write_text("severity: {jit-without-ticket: 'off'}\n")
    assert _ticket_findings(example) == []


def test_fail_on_threshold(example: Path) -> None:
    _set_ticket(example, "ticket: optional ")
    result = lint(example)
    assert not result.failed(Severity.ERROR)
    assert result.failed(Severity.WARNING)
