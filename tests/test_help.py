"""Help that reads well, and the README's command table checked against the CLI's own help.

Generic on purpose: every command of the app (including ones added later, and groups such as `catalog`) is
walked through click's command tree; each must have a README row naming every flag its `--help` shows and
an exit column, and its help must state its exit codes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from consolezero import __version__
from consolezero.cli.app import app

README = Path(__file__).resolve().parent.parent / "README.md"
runner = CliRunner()


def _commands() -> dict[str, object]:
    """Every leaf command by its path ("lint", "catalog info")."""
    found: dict[str, object] = {}

    def walk(command, path: tuple[str, ...]) -> None:  # typer's own click: duck-typed
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, (*path, name))
        elif path:
            found[" ".join(path)] = command

    walk(typer.main.get_command(app), ())
    return found


def _flags(command) -> list[str]:
    """The long flags its help shows (hidden ones and --help aside)."""
    flags = []
    for param in command.params:
        if param.param_type_name == "option" and not getattr(param, "hidden", False):
            flags += [o for o in param.opts if o.startswith("--") and o != "--help"]
    return flags


def _readme_rows() -> dict[str, list[str]]:
    """README command table: command path -> its cells (command, does, exit)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Command line"):]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if not line.startswith("| `consolezero "):
            if rows and not line.startswith("|"):
                break
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        words = cells[0].strip("`").split()[1:]
        name = []
        for word in words:
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            name.append(word)
        rows[" ".join(name)] = cells
    return rows


COMMANDS = _commands()


def test_every_command_has_a_readme_row_and_every_row_a_command() -> None:
    rows = _readme_rows()
    assert sorted(set(COMMANDS) - set(rows)) == [], "commands without a row in README.md's command table"
    assert sorted(set(rows) - set(COMMANDS)) == [], "README.md rows for commands the CLI does not have"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_readme_row_lists_every_flag_and_the_exit_codes(name: str) -> None:
    row = _readme_rows().get(name)
    if row is None:
        pytest.skip("no row (reported by the test above)")
    text = " ".join(row[:2])
    missing = [flag for flag in _flags(COMMANDS[name]) if not re.search(re.escape(flag) + r"(?![a-z-])", text)]
    assert missing == [], f"README.md's row for `consolezero {name}` lacks {missing}"
    assert len(row) == 3 and re.search(r"\d", row[2]), f"README.md's row for `consolezero {name}` has no exit codes"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_states_the_exit_codes_and_shows_no_bool_metavar(name: str) -> None:
    result = runner.invoke(app, [*name.split(), "-h"])
    assert result.exit_code == 0, result.output
    assert re.search(r"\bExit 0\b", " ".join(result.output.split())), f"`consolezero {name} -h` names no exit codes"
    assert "<bool>" not in result.output and " / --no-" not in result.output  # no --x / --no-x twins


def test_version_and_short_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"consolezero {__version__}\n")
    assert runner.invoke(app, ["-h"]).output == runner.invoke(app, ["--help"]).output


def test_help_is_not_cut_when_piped() -> None:
    """Through a pipe (no terminal): lines are wrapped at 120 columns, never cut with an ellipsis."""
    done = subprocess.run([sys.executable, "-m", "consolezero", "plan", "--help"], capture_output=True, text=True,
                          check=True, env={"PATH": "/usr/bin:/bin", "COLUMNS": "80"})
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert "…" not in done.stdout and "--scan-all-assignments" in done.stdout
    assert any(len(line) > 80 for line in lines)  # not squeezed into 80 columns
    words = " ".join(done.stdout.split())
    assert "Read every assignment of every managed permission set (default), or only those of the principals" in words
