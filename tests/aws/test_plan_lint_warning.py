"""`consolezero plan` opens with the lint errors that apply would refuse (golden), in every format."""

from __future__ import annotations

import json

import pytest
from aws_helpers import Org, cli_environment
from typer.testing import CliRunner

from consolezero.cli.app import app


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, example_org: Org, tmp_path) -> Org:
    cli_environment(monkeypatch, tmp_path, example_org.aws.url)
    role = example_org.root / "roles" / "admin.yaml"
    role.write_text(role.read_text().replace("description: Full administrator, just in time.",
                                             "description: Full administrator — just in time."))
    return example_org


WARNING = ("Warning: lint finds 1 error; apply refuses to run until it is fixed (consolezero lint shows every "
           "finding):\n"
           "  roles/admin.yaml:4:14: error aws-field-format: permission set description 'Full administrator — just "
           "in time.' has characters AWS refuses there: '—' (U+2014 EM DASH); it takes printable ASCII and Latin-1 "
           "letters (no emoji, no typographic dashes or quotes)\n\n")


def test_plan_text_opens_with_the_lint_errors(env: Org) -> None:
    result = CliRunner().invoke(app, ["plan", str(env.root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(WARNING)


def test_plan_markdown_and_json_warn_too(env: Org) -> None:
    result = CliRunner().invoke(app, ["plan", str(env.root), "--format", "markdown"])
    assert result.stdout.startswith("> **Warning:** lint finds 1 error; apply refuses")
    assert "> - `roles/admin.yaml:4:14: error aws-field-format:" in result.stdout
    result = CliRunner().invoke(app, ["plan", str(env.root), "--format", "json"])
    assert json.loads(result.stdout)["version"] == 1  # stdout stays the contract
    assert result.stderr.startswith("Warning: lint finds 1 error")


def test_clean_repository_has_no_warning(env: Org) -> None:
    role = env.root / "roles" / "admin.yaml"
    role.write_text(role.read_text().replace("—", "-"))
    result = CliRunner().invoke(app, ["plan", str(env.root)])
    assert "Warning: lint" not in result.stdout


def test_a_clean_plan_in_markdown_says_no_changes_once() -> None:
    from consolezero.plan.render import render_markdown
    from consolezero.plan.types import Plan

    assert render_markdown(Plan("f" * 64, ())) == ("### consolezero plan\n\nNo changes. The organization matches the "
                                                   "repository.\n\nFingerprint `ffffffffffff`.\n")
