"""The demo's lint step prints findings exactly as `consolezero lint` does."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.core.repository import load_repository
from consolezero.devtools import demo


def test_demo_lint_lines_are_the_lint_command_lines(example: Path) -> None:
    role = example / "roles" / "admin.yaml"
    role.write_text(role.read_text().replace("ticket: required", "ticket: none"))  # a warning, not an error
    lines: list[tuple[str, str]] = []
    demo._lint(lambda kind, text: lines.append((kind, text)), load_repository(example))
    shown = [text for kind, text in lines if kind == "text"]
    cli = CliRunner().invoke(app, ["lint", str(example)]).stdout.splitlines()[:-1]
    assert shown == cli and len(shown) == 1
    assert shown[0].startswith("roles/admin.yaml:") and " warning jit-without-ticket: " in shown[0]
