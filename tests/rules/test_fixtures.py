"""Every rule: bad fixtures report exactly the marked (rule, file, line); good ones report nothing.

A fixture is an overlay on a copy of the example organization, under
tests/fixtures/rules/<rule>/{bad,good}/<case>/. Bad files mark each expected finding with a
`# expect: <rule>` comment on the line the finding must point at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support import FIXTURES, apply_overlay, copy_example, expected_markers, lint, on_main

CASES = sorted(p for p in (FIXTURES / "rules").glob("*/*/*") if p.is_dir() and p.name != "_main")


def _id(path: Path) -> str:
    return "/".join(path.parts[-3:])


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_rule_fixture(case: Path, tmp_path: Path) -> None:
    rule, kind = case.parts[-3], case.parts[-2]
    repo = copy_example(tmp_path / "repo")
    on_main(repo, case)  # a `_main` folder: git history (what main held) under the overlay
    changed = apply_overlay(repo, case)
    findings = lint(repo).findings
    actual = {(f.rule, f.file, f.line) for f in findings if not f.suppressed}
    if kind == "bad":
        expected = expected_markers(repo, changed)
        assert expected, f"{case}: a bad fixture must mark its findings with # expect: {rule}"
        assert any(r == rule for r, _, _ in expected), f"{case}: marks no finding of {rule}"
        assert actual == expected, "\n".join(f"{f.file}:{f.line}: {f.rule}: {f.message}" for f in findings)
    else:
        assert actual == set(), "\n".join(f"{f.file}:{f.line}: {f.rule}: {f.message}" for f in findings)


def test_every_rule_of_the_foundation_has_fixtures() -> None:
    from consolezero.lint.rules import all_rules

    names = {r.name for r in all_rules()}
    have = {p.parts[-3] for p in CASES}
    for name in names & {
        "yaml-syntax", "duplicate-key", "schema", "account-id-format", "unknown-reference", "duplicate-name",
        "session-duration-range", "permission-set-name", "jit-duration-too-long", "jit-without-approval",
        "jit-without-ticket", "deny-without-alert", "break-glass-missing", "ou-too-deep",
    }:
        assert {(name, "bad"), (name, "good")} <= {(p.parts[-3], p.parts[-2]) for p in CASES}, name
    assert have <= names, f"fixtures for unknown rules: {have - names}"


def test_example_lints_clean(example: Path) -> None:
    findings = [f for f in lint(example).findings if not f.suppressed]
    assert findings == []
