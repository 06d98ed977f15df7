"""GitHub workflow commands: one annotation per unsuppressed finding, escaped like @actions/core."""

from __future__ import annotations

import re

from consolezero.lint.formats import render_findings
from consolezero.lint.formats.github import escape_data, escape_property

COMMAND = re.compile(r"^::(?P<cmd>error|warning|notice) file=(?P<file>[^,:\r\n]+),line=(?P<line>\d+),"
                     r"col=(?P<col>\d+),title=(?P<title>[^,:\r\n]+)::(?P<message>[^\r\n]*)$")


def unescape(text: str) -> str:
    for code, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(code, char)
    return text


def test_escape_data():
    assert escape_data("100% sure\r\nnext") == "100%25 sure%0D%0Anext"
    assert escape_data("a:b,c") == "a:b,c"
    assert escape_data("%0A") == "%250A"  # % first, so an escape is never doubled or undone


def test_escape_property():
    assert escape_property("scps/a,b:c.yaml") == "scps/a%2Cb%3Ac.yaml"
    assert escape_property("50%\n") == "50%25%0A"


def test_one_annotation_per_unsuppressed_finding(findings, rules):
    out = render_findings("github", findings, rules)
    lines = out.splitlines()
    shown = [f for f in findings if not f.suppressed]
    assert out.endswith("\n") and len(lines) == len(shown)
    commands = {"error": "error", "warning": "warning", "info": "notice"}
    for line, finding in zip(lines, shown, strict=True):
        m = COMMAND.match(line)
        assert m, line
        assert m["cmd"] == commands[finding.severity.label]
        assert (unescape(m["file"]), int(m["line"]), int(m["col"]), m["title"]) == (
            finding.file, finding.line, finding.column, finding.rule)
        assert unescape(m["message"]) == finding.message


def test_tricky_message_is_escaped(findings, rules):
    out = render_findings("github", findings, rules)
    line = next(line for line in out.splitlines() if "title=unknown-action" in line)
    assert "::Action 's3:GetObjekt' is unknown, did you mean 's3:GetObject'? (100%25 | sure)%0Asee: the IAM" in line
    assert "file=scps/deny user.yaml," in line


def test_nothing_but_annotations(findings, rules):
    suppressed_only = [f for f in findings if f.suppressed]
    assert render_findings("github", suppressed_only, rules) == ""
