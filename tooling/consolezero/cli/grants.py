"""`consolezero grants`: just-in-time grants, active, upcoming and expired (offline: the repository and git)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .common import OutputOpt, PathArg

MainRefOpt = Annotated[str | None, typer.Option(
    "--main-ref", envvar="CONSOLEZERO_MAIN_REF", metavar="REF",
    help="The branch whose first-parent history says when each request reached main (default: main, else "
         "origin/main, else HEAD).")]


class GrantsFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def grants_for(repo, when, main_ref: str | None, code: int):  # noqa: ANN001, ANN201 - Repository, datetime -> Grants
    """The grants at ``when`` (``main_ref`` or CONSOLEZERO_MAIN_REF names main's branch); a named ref
    that does not exist is one line and exit ``code``: a typo must not silently remove every grant."""
    from consolezero.cli.app import fail
    from consolezero.jit.grants import repository_grants

    grants = repository_grants(repo, when, main_ref)
    if grants.errors:
        fail("; ".join(grants.errors), code)
    return grants


def register_grants(app: typer.Typer) -> None:
    @app.command("grants")
    def grants_cmd(
        path: PathArg = Path("."),
        now: Annotated[str | None, typer.Option("--now", metavar="TIMESTAMP", help=(
            "Evaluate the grants at this ISO 8601 timestamp instead of the current time."))] = None,
        format: Annotated[GrantsFormat, typer.Option("--format", "-f", help="Output format.")] = GrantsFormat.text,
        main_ref: MainRefOpt = None,
        output: OutputOpt = None,
    ) -> None:
        """JIT grants: active, upcoming and expired (who, role, account, start, end, ticket, approvers). Exit 0 / 2."""
        from consolezero.cli.app import _aws_now, _load, emit
        from consolezero.jit.grants_render import render

        repo = _load(path)
        grants = grants_for(repo, _aws_now(now), main_ref, 2)
        for warning in grants.warnings:
            sys.stderr.write(f"consolezero: warning: {warning}\n")
        emit(render(format.value, grants), output)
