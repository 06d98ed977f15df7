"""`consolezero census`: every IAM user and access key in every account, online and read only."""


from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from consolezero.cli.app import (
        AccessFormat,
        AwsNowOpt,
        EndpointOpt,
        OutputOpt,
        PathArg,
        _aws_now,
        _endpoint,
        _load,
        emit,
        fail,
    )

    @app.command("census")
    def census_cmd(
        path: PathArg = Path("."),
        format: Annotated[AccessFormat, typer.Option("--format", "-f", help="Output format.")] = AccessFormat.text,
        endpoint_url: EndpointOpt = None,
        now: AwsNowOpt = None,
        fail_on_users: Annotated[bool, typer.Option("--fail-on-users", help=(
            "Exit 1 while any IAM user other than a declared break-glass user remains (or an account cannot be "
            "read)."))] = False,
        parallel: Annotated[int, typer.Option(min=1, max=64, metavar="N", help="Accounts read at the same time.")] = 8,
        output: OutputOpt = None,
    ) -> None:
        """Every IAM user and access key in every account (credential reports, read only), the break-glass
        users marked, each account ready for DenyUser or not and why. Exit 0, 1 users remain (with
        --fail-on-users), 2 error."""
        from consolezero.breakglass.census import take_census
        from consolezero.breakglass.render import render_json, render_markdown, render_text
        from consolezero.cli import app as cli_app  # its _aws_port looked up per call (tests point it elsewhere)
        from consolezero.integrations.aws.port import AwsError

        repo = _load(path)
        when = _aws_now(now)
        endpoint = _endpoint(endpoint_url, 2)
        try:
            census = take_census(cli_app._aws_port(repo, endpoint), repo.model, now=when, workers=parallel)
        except AwsError as exc:
            fail(f"cannot read the organization: {exc}")
        render = {"json": render_json, "markdown": render_markdown}.get(format.value, render_text)
        emit(render(census), output)
        if fail_on_users:
            remaining = census.remaining_users()
            unreadable = [a.name for a in census.accounts if a.error]
            if remaining or unreadable:
                what = [f"{remaining} IAM user(s) other than break-glass remain"] if remaining else []
                what += [f"unreadable: {', '.join(unreadable)}"] if unreadable else []
                fail("; ".join(what), 1)
