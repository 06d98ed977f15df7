"""render_findings: dispatch, lazy imports, goldens for every format, purity and edge cases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from consolezero.lint.formats import FORMATS, RenderOptions, render_findings

TOOLING = Path(__file__).resolve().parents[2] / "tooling"
GOLDEN_NAMES = {"text": "lint.txt", "json": "lint.json", "sarif": "lint.sarif.json",
                "github": "lint.github.txt", "markdown": "lint.md"}


def test_formats_are_the_documented_ones():
    assert FORMATS == ("text", "json", "sarif", "github", "markdown")
    assert set(GOLDEN_NAMES) == set(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt, findings, rules, options, golden):
    golden(GOLDEN_NAMES[fmt], render_findings(fmt, findings, rules, options))


@pytest.mark.parametrize("fmt", FORMATS)
def test_pure_and_deterministic(fmt, findings, rules, options, capsys):
    first = render_findings(fmt, findings, rules, options)
    assert render_findings(fmt, list(findings), dict(reversed(list(rules.items()))), options) == first
    assert capsys.readouterr() == ("", "")
    assert isinstance(first, str)


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty(fmt, rules, options):
    out = render_findings(fmt, [], rules, options)
    expected = {"text": "no findings\n", "github": ""}
    if fmt in expected:
        assert out == expected[fmt]
    elif fmt == "markdown":
        assert "No findings." in out and "<details>" not in out
    elif fmt == "json":
        assert json.loads(out) == {"version": 1, "findings": [], "summary": {"error": 0, "warning": 0, "info": 0}}
    else:
        assert json.loads(out)["runs"][0]["results"] == []


def test_default_options(findings, rules):
    assert render_findings("text", findings, rules) == render_findings("text", findings, rules, RenderOptions())


def test_unknown_format(findings, rules):
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render_findings("xml", findings, rules)


def test_only_the_rendered_format_is_imported():
    code = ("import sys; from consolezero.lint.formats import render_findings; render_findings('text', [], {}); "
            "print(sorted(m for m in sys.modules if m.startswith('consolezero.lint.formats.')))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(TOOLING), os.environ.get("PYTHONPATH")])))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "['consolezero.lint.formats.common', 'consolezero.lint.formats.text']"
