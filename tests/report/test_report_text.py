"""The text format: one compiler-style line per finding, then the summary."""

from __future__ import annotations

import re

from consolezero.core.findings import Finding, Severity
from consolezero.lint.formats import RenderOptions, render_findings

LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>[1-9]\d*):(?P<col>[1-9]\d*): (?P<severity>error|warning|info) "
                  r"(?P<rule>[a-z0-9-]+): (?P<message>[^\n]+?)(?: \[suppressed: (?P<reason>[^\]\n]+)\])?$")
SUMMARY = re.compile(r"^(?:no findings|\d+ errors?, \d+ warnings?, \d+ info)(?: \(\d+ suppressed\))?$")


def lines_of(text: str) -> list[str]:
    assert text.endswith("\n") and not text.endswith("\n\n")
    return text[:-1].split("\n")


def test_every_line_matches(findings, rules):
    lines = lines_of(render_findings("text", findings, rules))
    *body, summary = lines
    assert len(body) == sum(not f.suppressed for f in findings)
    for line, finding in zip(body, [f for f in findings if not f.suppressed], strict=True):
        m = LINE.match(line)
        assert m, line
        assert (m["file"], int(m["line"]), int(m["col"]), m["severity"], m["rule"]) == (
            finding.file, finding.line, finding.column, finding.severity.label, finding.rule)
        assert m["reason"] is None
    assert SUMMARY.match(summary)
    assert summary == "3 errors, 1 warning, 1 info (2 suppressed)"


def test_multiline_message_stays_on_one_line(findings, rules):
    text = render_findings("text", findings, rules)
    assert "(100% | sure) see: the IAM catalog" in text


def test_show_suppressed(findings, rules):
    lines = lines_of(render_findings("text", findings, rules, RenderOptions(show_suppressed=True)))
    assert len(lines) == len(findings) + 1
    reasons = [LINE.match(line)["reason"] for line in lines[:-1]]
    assert reasons.count(None) == 5
    assert "alert lives in the SIEM, see OPS-1234" in reasons
    assert "legacy SCP, removal tracked in OPS-99" in reasons
    assert lines[-1] == "3 errors, 1 warning, 1 info (2 suppressed)"


def test_summary_plurals_and_no_findings():
    one = [Finding("r", Severity.ERROR, "f.yaml", 1, 1, "m"), Finding("r", Severity.WARNING, "f.yaml", 2, 1, "m")]
    assert render_findings("text", one, {}).splitlines()[-1] == "1 error, 1 warning, 0 info"
    only_suppressed = [one[0].suppress("config: because")]
    assert render_findings("text", only_suppressed, {}) == "no findings (1 suppressed)\n"
    assert render_findings("text", [], {}) == "no findings\n"


def test_color_only_when_asked(findings, rules):
    plain = render_findings("text", findings, rules)
    assert "\033[" not in plain
    colored = render_findings("text", findings, rules, RenderOptions(color=True))
    assert "\033[1;31merror\033[0m scp-too-large" in colored
    assert "\033[1;33mwarning\033[0m" in colored and "\033[1;36minfo\033[0m" in colored
    assert re.sub(r"\033\[[0-9;]*m", "", colored) == plain
