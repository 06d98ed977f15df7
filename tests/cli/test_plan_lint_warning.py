"""`consolezero plan` opens with the lint errors that apply would refuse (golden), in every format. The CLI
talks to the in-memory AWS port; the first test runs on the emulator too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from fake_aws import FakeOrg

if TYPE_CHECKING:
    from aws_helpers import Org


def em_dash_in_a_description(root: Path) -> None:
    role = root / "roles" / "admin.yaml"
    role.write_text(role.read_text().replace("description: Full administrator, just in time.",
                                             "description: Full administrator — just in time."))


@pytest.fixture
def env(cli_org: FakeOrg) -> FakeOrg:
    em_dash_in_a_description(cli_org.root)
    return cli_org


WARNING = ("Warning: lint finds 1 error; apply refuses to run until it is fixed (consolezero lint shows every "
           "finding):\n"
           "  roles/admin.yaml:4:14: error aws-field-format: permission set description 'Full administrator — just "
           "in time.' has characters AWS refuses there: '—' (U+2014 EM DASH); it takes printable ASCII and Latin-1 "
           "letters (no emoji, no typographic dashes or quotes)\n\n")


def test_plan_text_opens_with_the_lint_errors(cli_org: FakeOrg | Org) -> None:
    env = cli_org
    em_dash_in_a_description(env.root)
    result = CliRunner().invoke(app, ["plan", str(env.root)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(WARNING)


def test_plan_markdown_and_json_warn_too(env: FakeOrg) -> None:
    result = CliRunner().invoke(app, ["plan", str(env.root), "--format", "markdown"])
    assert result.stdout.startswith("> **Warning:** lint finds 1 error; apply refuses")
    assert "> - `roles/admin.yaml:4:14: error aws-field-format:" in result.stdout
    result = CliRunner().invoke(app, ["plan", str(env.root), "--format", "json"])
    assert json.loads(result.stdout)["version"] == 1  # stdout stays the contract
    assert result.stderr.startswith("Warning: lint finds 1 error")


def test_clean_repository_has_no_warning(env: FakeOrg) -> None:
    role = env.root / "roles" / "admin.yaml"
    role.write_text(role.read_text().replace("—", "-"))
    result = CliRunner().invoke(app, ["plan", str(env.root)])
    assert result.exit_code == 0, result.output
    assert "Warning: lint" not in result.stdout


def test_a_clean_plan_in_markdown_says_no_changes_once() -> None:
    from consolezero.plan.render import render_markdown
    from consolezero.plan.types import Plan

    assert render_markdown(Plan("f" * 64, ())) == ("### consolezero plan\n\nNo changes. The organization matches the "
                                                   "repository.\n\nFingerprint `ffffffffffff`.\n")
