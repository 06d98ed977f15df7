"""Every rule: bad fixtures report exactly the marked (rule, file, line); good ones report nothing.

A fixture is an overlay on a copy of the example organization, under
tests/fixtures/rules/<rule>/{bad,good}/<case>/. Bad files mark each expected finding with a
`# expect: <rule>` comment on the line the finding must point at. A case's lint-context.json (not
copied) gives what lint is told from outside: the pull request's author and files, the tracker's
answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support import CONTEXT_FILE, FIXTURES, apply_overlay, copy_example, expected_markers, lint, on_main

CASES = sorted(p for p in (FIXTURES / "rules").glob("*/*/*") if p.is_dir() and p.name != "_main")


def _id(path: Path) -> str:
    return "/".join(path.parts[-3:])


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_rule_fixture(case: Path, tmp_path: Path) -> None:
    rule, kind = case.parts[-3], case.parts[-2]
    repo = copy_example(tmp_path / "repo")
    on_main(repo, case)  # a `_main` folder: git history (what main held) under the overlay
    changed = apply_overlay(repo, case)
    findings = lint(repo, case / CONTEXT_FILE).findings
    actual = {(f.rule, f.file, f.line) for f in findings if not f.suppressed}
    if kind == "bad":
        expected = expected_markers(repo, changed)
        assert expected, f"{case}: a bad fixture must mark its findings with # expect: {rule}"
        assert any(r == rule for r, _, _ in expected), f"{case}: marks no finding of {rule}"
        assert actual == expected, "\n".join(f"{f.file}:{f.line}: {f.rule}: {f.message}" for f in findings)
    else:
        assert actual == set(), "\n".join(f"{f.file}:{f.line}: {f.rule}: {f.message}" for f in findings)


# Rules that cannot be shown by an offline overlay of files, each with its reason.
NO_OFFLINE_FIXTURES: dict[str, str] = {
    "request-ticket-not-done": "online: asks the ticket tracker (tested against a local Jira server)",
    "request-author-mismatch": "needs the pull request's author (tested with the pull-request context)",
    "request-modified-after-merge": "needs git history (tested in a git repository built by the test)",
}


def test_every_rule_has_bad_and_good_fixtures() -> None:
    from consolezero.lint.rules import all_rules

    names = {r.name for r in all_rules()}
    have = {(p.parts[-3], p.parts[-2]) for p in CASES}
    missing = sorted(f"{name}/{kind}" for name in names - set(NO_OFFLINE_FIXTURES)
                     for kind in ("bad", "good") if (name, kind) not in have)
    assert missing == [], f"rules without fixtures under tests/fixtures/rules/: {missing}"
    unknown = {name for name, _ in have} - names
    assert unknown == set(), f"fixtures for unknown rules: {unknown}"


def test_example_lints_clean(example: Path) -> None:
    findings = [f for f in lint(example).findings if not f.suppressed]
    assert findings == []
