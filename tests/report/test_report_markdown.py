"""The markdown PR comment: heading, counts, one table row per finding, suppressed folded away."""

from __future__ import annotations

import re

from consolezero.lint.formats import render_findings

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_layout(findings, rules):
    out = render_findings("markdown", findings, rules)
    lines = out.splitlines()
    assert lines[0] == "### consolezero lint"
    assert lines[2] == "3 errors, 1 warning, 1 info (2 suppressed)"
    assert lines[4] == "| Severity | Rule | Location | Message |"
    main = lines[6:lines.index("<details>") - 1]
    assert len(main) == sum(not f.suppressed for f in findings)
    for row in main:
        assert len(UNESCAPED_PIPE.findall(row)) == 5, row  # pipes in messages never split a cell
    assert out.rstrip().endswith("</details>")
    assert "<summary>2 suppressed</summary>" in out


def test_links_and_escaping(findings, rules):
    out = render_findings("markdown", findings, rules)
    assert "[scp-too-large](https://github.com/consolezero/consolezero/blob/main/docs/rules/scp-too-large.md)" in out
    assert "| yaml-syntax |" in out  # a rule without metadata: no link
    assert "(100% \\| sure)<br>see: the IAM catalog" in out
    assert "| scps/deny user.yaml:9 |" in out


def test_suppressed_rows_carry_the_reason(findings, rules):
    out = render_findings("markdown", findings, rules)
    details = out[out.index("<details>"):]
    assert "| Severity | Rule | Location | Message | Reason |" in details
    assert "alert lives in the SIEM, see OPS-1234" in details
    assert "legacy SCP, removal tracked in OPS-99" in details
    for row in (line for line in details.splitlines() if line.startswith("| ") and "Severity" not in line):
        assert len(UNESCAPED_PIPE.findall(row)) == 6, row


def test_no_findings(rules):
    out = render_findings("markdown", [], rules)
    assert out == "### consolezero lint\n\nNo findings.\n"  # said once
