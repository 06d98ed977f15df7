"""``consolezero access``, ``diff`` and ``catalog info``: effective access, offline (the policy engine)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import (
    AccessFormat,
    AwsNowOpt,
    FormatOpt,
    OutputOpt,
    PathArg,
    aws_now,
    catalog,
    emit,
    fail,
    load,
    progress,
    warn_unparsed,
)


def register(app: typer.Typer, catalog_app: typer.Typer) -> None:
    """Add the effective-access commands to ``app`` (and ``info`` to the ``catalog`` group)."""

    @app.command("access")
    def access_cmd(
        path: PathArg = Path("."),
        role: Annotated[str | None, typer.Option(metavar="ROLE", help="Only this role.")] = None,
        account: Annotated[str | None, typer.Option(metavar="ACCOUNT", help=(
            "Only this account (with --role: that pair, even where the role is not assigned)."))] = None,
        action: Annotated[list[str] | None, typer.Option(metavar="SERVICE:ACTION", help=(
            "Decide this action, with the statements that decide it (repeatable)."))] = None,
        format: FormatOpt = AccessFormat.text,
        wide: Annotated[bool, typer.Option("--wide", help=(
            "List every account and escalation path in full (a terminal wide enough for the table gets them in "
            "full anyway)."))] = False,
        output: OutputOpt = None,
        now: AwsNowOpt = None,  # the sessions' aws:CurrentTime
    ) -> None:
        """Effective access: each role x account after every SCP, with escalation paths. Exit 0 / 2."""
        from consolezero.access.matrix import AccessMatrix
        from consolezero.access.query import (
            QueryError,
            catalog_summary,
            check_actions,
            decisions,
            idle_roles,
            matrix_entries,
            select,
        )
        from consolezero.access.render import render_decisions, render_matrix

        repo = load(path)
        warn_unparsed(repo)
        matrix = AccessMatrix(repo.model, catalog(), now=aws_now(now))
        try:
            actions = check_actions(matrix.catalog, action or [])
            cells = select(matrix, role, account)
            idle = idle_roles(matrix, role, account)
        except QueryError as exc:
            fail(str(exc))
        if actions:
            emit(render_decisions(format.value, decisions(cells, actions), idle), output)
        else:
            import shutil

            width = shutil.get_terminal_size().columns if sys.stdout.isatty() and output is None else None
            emit(render_matrix(format.value, matrix_entries(matrix, cells), catalog_summary(matrix.catalog), idle,
                               wide=wide, width=width), output)


    @app.command("diff")
    def diff_cmd(
        base: Annotated[str, typer.Option(metavar="REV", help="The git revision to compare with (e.g. origin/main).")],
        path: PathArg = Path("."),
        format: FormatOpt = AccessFormat.text,
        output: OutputOpt = None,
    ) -> None:
        """The change of effective access between REV and the work tree: who gains or loses what. Exit 0 / 2."""
        from consolezero.access.diff import diff_matrices
        from consolezero.access.matrix import AccessMatrix
        from consolezero.access.render import render_diff
        from consolezero.core.gitrev import GitError, load_at_revision

        show = progress()
        show("reading the work tree")
        repo = load(path)
        show(f"reading {base} from git")
        try:
            before, commit, warnings = load_at_revision(repo.root, base, work_tree=repo)
        except GitError as exc:
            show(None)
            fail(str(exc))
        show("computing effective access on both sides")
        iam = catalog()
        diff = diff_matrices(AccessMatrix(before.model, iam), AccessMatrix(repo.model, iam), base, commit)
        show(None)
        for warning in warnings:
            sys.stderr.write(f"consolezero: warning: {warning}\n")
        diff.unparsed = {"base": before.unparsed(), "work_tree": repo.unparsed()}
        emit(render_diff(format.value, diff), output)

    @catalog_app.command("info")
    def catalog_info(format: FormatOpt = AccessFormat.text) -> None:
        """The IAM action catalog in use: package version, date, counts (text or json). Exit 0 / 2."""
        from consolezero.access.query import catalog_info as info
        from consolezero.access.render import render_catalog

        emit(render_catalog(format.value, info(catalog())))
