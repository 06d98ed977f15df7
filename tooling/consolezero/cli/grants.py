"""`consolezero grants`: just-in-time grants, active, upcoming and expired (offline: the repository and git)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

MainRefOpt = Annotated[str | None, typer.Option(
    "--main-ref", envvar="CONSOLEZERO_MAIN_REF",
    help="The branch whose first-parent history says when each request reached main (default: main, else "
         "origin/main, else HEAD).")]


class GrantsFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def register(app: typer.Typer) -> None:
    @app.command("grants")
    def grants_cmd(
        path: Annotated[Path, typer.Argument(help="The repository (default: the current directory).")] = Path("."),
        now: Annotated[str | None, typer.Option("--now", help="Evaluate the grants at this ISO 8601 timestamp "
                                                              "instead of the current time.")] = None,
        format: Annotated[GrantsFormat, typer.Option("--format", "-f", help="Output format.")] = GrantsFormat.text,
        main_ref: MainRefOpt = None,
        output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of "
                                                                           "stdout.")] = None,
    ) -> None:
        """JIT grants: active, upcoming and expired (who, role, account, start, end, ticket, approvers). Exit 0 / 2."""
        from consolezero.cli.app import _aws_now, _grants, _load, emit
        from consolezero.jit.grants_render import render

        repo = _load(path)
        grants = _grants(repo, _aws_now(now), main_ref, 2)
        for warning in grants.warnings:
            sys.stderr.write(f"consolezero: warning: {warning}\n")
        emit(render(format.value, grants), output)
