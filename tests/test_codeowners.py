"""The CODEOWNERS section generated from the JIT roles' approvers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.core.repository import load_repository
from consolezero.jit.codeowners import CodeownersError, generated_lines, splice

runner = CliRunner()


def test_lines_route_each_jit_role_to_its_approvers(example: Path) -> None:
    lines = generated_lines(load_repository(example).model)
    assert "/requests/admin/ @example/platform-leads" in lines
    assert "/roles/admin.yaml @example/platform-leads" in lines
    assert not any("readonly" in line for line in lines)  # standing roles have no requests


def test_splice_replaces_only_between_the_markers() -> None:
    text = "* @a\n# BEGIN consolezero generated\nold\n# END consolezero generated\n/x @b\n"
    assert splice(text, ["new"]) == "* @a\n# BEGIN consolezero generated\nnew\n# END consolezero generated\n/x @b\n"
    with pytest.raises(CodeownersError):
        splice("* @a\n", ["new"])


def test_check_fails_when_an_approver_changes(example: Path) -> None:
    shutil.copytree(Path(__file__).resolve().parent.parent / ".github", example / ".github", dirs_exist_ok=True)
    assert runner.invoke(app, ["codeowners", str(example), "--check"]).exit_code == 0
    admin = example / "roles/admin.yaml"
    admin.write_text(admin.read_text().replace('approvers: ["@example/platform-leads"]',
                                               'approvers: ["@example/platform-leads", "@example/sre"]'))
    result = runner.invoke(app, ["codeowners", str(example), "--check"])
    assert result.exit_code == 1 and "stale" in result.output
    assert runner.invoke(app, ["codeowners", str(example)]).exit_code == 0
    assert "/requests/admin/ @example/platform-leads @example/sre" in (example / ".github/CODEOWNERS").read_text()
    assert runner.invoke(app, ["codeowners", str(example), "--check"]).exit_code == 0


def test_a_repository_without_codeowners_gets_one(example: Path) -> None:
    target = example / ".github" / "CODEOWNERS"
    target.unlink()
    result = runner.invoke(app, ["codeowners", str(example), "--check"])
    assert (result.exit_code, result.output) == (
        1, "consolezero: .github/CODEOWNERS is missing: run `consolezero codeowners` to create it\n")
    result = runner.invoke(app, ["codeowners", str(example)])
    assert (result.exit_code, result.output) == (0, "created .github/CODEOWNERS\n")
    assert target.read_text().splitlines()[1:] == [
        "# BEGIN consolezero generated",
        "# Admin: requests and the role itself are reviewed by its approvers",
        "/requests/admin/ @example/platform-leads",
        "/roles/admin.yaml @example/platform-leads",
        "# END consolezero generated"]
    assert runner.invoke(app, ["codeowners", str(example), "--check"]).exit_code == 0


def test_codeowners_without_markers_says_where_they_go(example: Path) -> None:
    (example / ".github" / "CODEOWNERS").write_text("* @example/platform-leads\n")
    result = runner.invoke(app, ["codeowners", str(example)])
    assert result.exit_code == 2
    assert result.output == (
        "consolezero: .github/CODEOWNERS has no '# BEGIN consolezero generated' line: add the two lines "
        "'# BEGIN consolezero generated' and '# END consolezero generated' where the generated section belongs "
        "(the last matching pattern wins, so lines below the section override it)\n")


def test_the_gate_is_owned_by_both_teams(example: Path) -> None:
    from consolezero.jit.codeowners import GATE_PATHS, gate_problems, owners_of

    text = (example / ".github" / "CODEOWNERS").read_text()
    for path in GATE_PATHS:
        assert set(owners_of(text, path)) == {"@example/cloud-security", "@example/platform-leads"}, path
    assert gate_problems(text) == []
    weakened = text + "/tooling/ @example/platform-leads\n"
    assert gate_problems(weakened) == ["tooling/consolezero/cli/app.py is owned by @example/platform-leads: the gate "
                                       "needs two teams (security and platform)"]
    (example / ".github" / "CODEOWNERS").write_text(weakened)
    result = runner.invoke(app, ["codeowners", str(example), "--check"])
    assert result.exit_code == 1 and "the gate needs two teams" in result.stderr
