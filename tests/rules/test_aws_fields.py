"""What AWS refuses, refused at lint time: the exact messages (golden), and the one decision's edges."""

from __future__ import annotations

from pathlib import Path

import pytest

from consolezero.jit.codeowners import generated_lines
from consolezero.lint.formats.text import format_finding
from consolezero.lint.rules.aws_fields import problem
from support import FIXTURES, apply_overlay, copy_example, lint

GOLDEN = {
    "aws-field-format/bad/account-name": [
        "accounts/Sandbox/bäckup.yaml:1:1: error aws-field-format: account name 'bäckup' (the file name) has "
        "characters AWS refuses there: 'ä' (U+00E4 LATIN SMALL LETTER A WITH DIAERESIS); it takes printable ASCII "
        "characters"],
    "aws-field-format/bad/description": [
        "roles/admin.yaml:2:14: error aws-field-format: permission set description 'Full administrator — just in "
        "time 🚀' has characters AWS refuses there: '—' (U+2014 EM DASH), '🚀' (U+1F680 ROCKET); it takes printable "
        "ASCII and Latin-1 letters (no emoji, no typographic dashes or quotes)"],
    "aws-field-format/bad/email": [
        "accounts/Workloads/Prod/prod-app.yaml:2:8: error aws-field-format: account e-mail address "
        "'ops&payments@example.com' is one AWS refuses: the part before @ cannot hold '&' "
        "(e.g. aws+prod-app@example.com)"],
    "aws-field-format/bad/ou-name": [
        "accounts/Wörkloads/batch-app.yaml:2:1: error aws-field-format: OU name 'Wörkloads' (the folder "
        "accounts/Wörkloads/) has characters AWS refuses there: 'ö' (U+00F6 LATIN SMALL LETTER O WITH DIAERESIS); "
        "it takes ASCII characters"],
    "aws-field-format/bad/tags": [
        "accounts/Workloads/Prod/prod-app.yaml:4:10: error aws-field-format: tag value 'payments (team)' of owner "
        "has characters AWS refuses there: '(', ')'; it takes letters, digits, spaces and _ . : / = + - @"],
    "permission-set-name/bad/non-ascii": [
        "roles/developer.yaml:1:7: error permission-set-name: permission set name 'Dëveloper' has characters AWS "
        "refuses there: 'ë' (U+00EB LATIN SMALL LETTER E WITH DIAERESIS); it takes ASCII letters, digits and "
        "+ = , . @ _ -"],
}


@pytest.mark.parametrize("case", sorted(GOLDEN))
def test_messages_golden(case: str, tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "repo")
    apply_overlay(repo, FIXTURES / "rules" / case)
    shown = [format_finding(f) for f in lint(repo).findings if not f.suppressed and f.rule != "schema"]
    assert shown == GOLDEN[case]


@pytest.mark.parametrize(("kind", "value"), [
    ("permission_set_name", "Ädmin"), ("permission_set_name", "x" * 33), ("permission_set_name", ""),
    ("permission_set_description", "a – b"), ("permission_set_description", "“quoted”"),
    ("permission_set_description", "x" * 701), ("ou_name", "Prod™"), ("ou_name", "x" * 129),
    ("account_name", "a" * 51), ("account_name", "tab\there"), ("email", "a@b.c"), ("email", "x" * 60 + "@example.com"),
    ("email", "a b@example.com"), ("email", ".a@example.com"), ("email", "a@example"), ("email", "a@-example.com"),
    ("email", "a@exa_mple.com"), ("email", "é@example.com"), ("tag_key", ""), ("tag_key", "k" * 129),
    ("tag_value", "v" * 257), ("tag_value", "a,b"),
])
def test_refused(kind: str, value: str) -> None:
    assert problem(kind, value) is not None


@pytest.mark.parametrize(("kind", "value"), [
    ("permission_set_name", "Dev.Power_User+1@x=y,z-2"), ("permission_set_name", "x" * 32),
    ("permission_set_description", "Café, naïve; tabs\tand\nlines ±"), ("permission_set_description", ""),
    ("ou_name", "Workloads Prod (EU)"), ("account_name", "prod app (eu)"), ("email", "aws+prod.app@example.co.uk"),
    ("tag_key", "team/name:x=1+2@y"), ("tag_value", ""), ("tag_value", "Zoë Müller 2"),
])
def test_accepted(kind: str, value: str) -> None:
    assert problem(kind, value) is None


def test_codeowners_patterns_stay_ascii(tmp_path: Path) -> None:
    from consolezero.core.repository import load_repository

    repo = copy_example(tmp_path / "repo")
    text = (repo / "roles" / "admin.yaml").read_text(encoding="utf-8")
    (repo / "roles" / "admin.yaml").unlink()
    (repo / "roles" / "ädmin-ü.yaml").write_text(text.replace("name: Admin", "name: Ädmin"), encoding="utf-8")
    lines = generated_lines(load_repository(repo).model)
    patterns = [line for line in lines if not line.startswith("#")]
    assert patterns and all(line.isascii() for line in patterns), patterns


def test_scp_name_outside_ascii_is_refused_once(tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "repo")
    scp = repo / "scps" / "deny-leave-org.yaml"
    text = scp.read_text(encoding="utf-8")
    name = next(line for line in text.splitlines() if line.startswith("name:"))
    scp.write_text(text.replace(name, "name: DényLeave"), encoding="utf-8")
    found = [(f.rule, f.file) for f in lint(repo).findings if not f.suppressed]
    assert found == [("schema", "scps/deny-leave-org.yaml")]
