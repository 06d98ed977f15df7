"""`consolezero diff`: the first pull request (no organization at the base), the base read in memory,
and an organization that lives in a subfolder of its git repository."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.core.gitrev import load_at_revision
from consolezero.core.repository import load_repository


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "-c", "commit.gpgsign=false", *args], check=True, capture_output=True)


def _commit(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def nested(example: Path, tmp_path: Path) -> Path:
    """A git repository whose organization lives in org/; the first commit has no organization at all."""
    top = tmp_path / "monorepo"
    top.mkdir()
    _git(top, "init", "-q")
    (top / "README.md").write_text("infrastructure\n")
    _commit(top, "before the organization")
    shutil.copytree(example, top / "org")
    return top


def test_first_pull_request_shows_everything_as_added(nested: Path) -> None:
    result = CliRunner().invoke(app, ["diff", str(nested / "org"), "--base", "HEAD", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    kinds = {g["kind"] for g in data["groups"]}
    assert kinds == {"assigned"}
    roles = {g["role"] for g in data["groups"]}
    assert roles == {"Admin", "Developer", "ReadOnly"}
    assert "has no organization at" in result.stderr and "everything shows as added" in result.stderr


def test_first_pull_request_text(nested: Path) -> None:
    result = CliRunner().invoke(app, ["diff", str(nested / "org"), "--base", "HEAD"])
    assert result.exit_code == 0, result.output
    assert "now assigned in" in result.stdout and "now eligible (jit) in" in result.stdout


def test_base_is_read_in_memory_and_unchanged_files_are_parsed_once(nested: Path, monkeypatch) -> None:
    _commit(nested, "the organization")
    role = nested / "org" / "roles" / "developer.yaml"
    role.write_text(role.read_text() + "# edited\n")

    def no_temp(*args, **kwargs):
        raise AssertionError("diff must not write the base revision to a temporary folder")

    monkeypatch.setattr(tempfile, "mkdtemp", no_temp)
    work = load_repository(nested / "org")
    base, _, warnings = load_at_revision(work.root, "HEAD", work_tree=work)
    assert warnings == []
    assert set(base.kinds) == set(work.kinds) - {f for f in work.kinds if work.kinds[f] in ("workflow", "bootstrap")}
    assert base.documents["roles/admin.yaml"] is work.documents["roles/admin.yaml"]
    assert base.documents["roles/developer.yaml"] is not work.documents["roles/developer.yaml"]
    assert base.model.roles.keys() == work.model.roles.keys()


def test_diff_from_a_subfolder_finds_the_organization(nested: Path) -> None:
    _commit(nested, "the organization")
    result = CliRunner().invoke(app, ["diff", str(nested / "org" / "roles"), "--base", "HEAD"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("No change in effective access between HEAD")


def test_progress_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    from consolezero.cli import app as cli

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown = "\r\033[Kconsolezero: reading HEAD from git...\r\033[K"
    for stream, expected in ((Terminal(), shown), (io.StringIO(), "")):
        monkeypatch.setattr(sys, "stderr", stream)
        show = cli._progress()
        show("reading HEAD from git")
        show(None)
        assert stream.getvalue() == expected
