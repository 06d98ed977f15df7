"""benchmarks/lint_vs_tools.py: the generated roles, the same documents for parliament, and a small run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml
from lint_vs_tools import _run, generate, main

from support import lint


def test_roles_and_parliaments_documents_are_the_same(tmp_path: Path) -> None:
    org = generate(tmp_path / "org", 12)
    texts = json.loads((org / "policies.json").read_text(encoding="utf-8"))
    roles = sorted((org / "roles").glob("*.yaml"))
    assert len(roles) == len(texts) == 12
    for role, text in zip(roles, texts, strict=True):
        policy = yaml.safe_load(role.read_text(encoding="utf-8"))["inline_policy"]
        assert policy == json.loads(text)
        assert 3 <= len(policy["Statement"]) <= 6
    findings = lint(org).findings
    assert {f.rule for f in findings} <= {"unknown-action", "admin-must-be-jit", "trifecta-reachable",
                                          "standing-escalation", "malformed-arn", "readonly-not-readonly"}


def test_a_childs_cpu_time_and_peak_memory_are_its_own(tmp_path: Path) -> None:
    cpu, peak, code, out = _run(["python3", "-c", "print(sum(range(3_000_000)))"])
    assert code == 0 and out.strip() == str(sum(range(3_000_000))).encode()
    assert 0 < cpu < 30 and peak > 1000  # KiB


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("parliament") is None, reason="the bench extra is not installed")
def test_a_small_run_prints_both_medians_and_the_ratio(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--roles", "5", "--pairs", "1", "--scale", "5,10", "--scale-runs", "1"]) == 0
    out = capsys.readouterr().out
    assert "consolezero lint --format json" in out and "parliament analyze_policy_string" in out
    assert "ratio parliament / consolezero : x" in out
    assert "ms per role" in out and "peak" in out
