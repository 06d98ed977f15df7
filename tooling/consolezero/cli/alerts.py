"""``consolezero alerts`` and ``consolezero explain-denied``: the guardrail alerts, offline."""


import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer


class AlertsFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    cloudformation = "cloudformation"


class ExplainFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def register(app: typer.Typer) -> None:
    from consolezero.cli.common import OutputOpt, PathArg, emit, fail
    from consolezero.cli.common import catalog as _catalog
    from consolezero.cli.common import load as _load
    from consolezero.cli.common import warn_unparsed as _warn_unparsed

    @app.command("alerts")
    def alerts_cmd(
        path: PathArg = Path("."),
        format: Annotated[AlertsFormat, typer.Option("--format", "-f", help="Output format; cloudformation: the "
                                                                            "StackSet template that forwards events "
                                                                            "to the central bus.")] = AlertsFormat.text,
        output: OutputOpt = None,
    ) -> None:
        """The EventBridge rules and messages derived from the SCPs' Deny statements. Exit 0 / 2."""
        from consolezero.alerts.always import alert_rules
        from consolezero.alerts.forwarding import bus_arn, template_body
        from consolezero.alerts.render import render_rules

        repo = _load(path)
        _warn_unparsed(repo)
        model = repo.model
        rules = alert_rules(model, _catalog())
        template = None
        if format is AlertsFormat.cloudformation:
            org = model.organization
            alerts = org.alerts if org else None
            account = model.accounts.get(alerts.account) if alerts else None
            if alerts is None or account is None or not account.id:
                fail("no alerts account: declare alerts: {account: ..., region: ...} in accounts/organization.yaml "
                     "with an account that has an id")
            template = template_body(model, bus_arn(alerts.region, account.id))
        emit(render_rules(format.value, rules, template), output)

    @app.command("explain-denied")
    def explain_denied_cmd(
        event: Annotated[str, typer.Argument(help="A CloudTrail record, a CloudTrail log file ({\"Records\": "
                                                  "[...]}) or an EventBridge event, as JSON; - for stdin.")],
        repo_path: Annotated[Path, typer.Option("--repo", help="The repository.")] = Path("."),
        format: Annotated[ExplainFormat, typer.Option("--format", "-f", help="Output format.")] = ExplainFormat.text,
        output: OutputOpt = None,
    ) -> None:
        """Which guardrail denied a CloudTrail event, what it says to do, and how to get access. Exit 0 / 2."""
        from consolezero.alerts.explain import EventError, explain_text
        from consolezero.alerts.render import render_explanations

        if event == "-":
            text, source = sys.stdin.read(), "stdin"
        else:
            try:
                text, source = Path(event).read_text(encoding="utf-8"), event
            except (OSError, UnicodeDecodeError) as exc:
                fail(f"cannot read {event}: {getattr(exc, 'strerror', None) or exc}")
        repo = _load(repo_path)
        _warn_unparsed(repo)
        try:
            found = explain_text(text, source, repo.model, _catalog())
        except EventError as exc:
            fail(str(exc))
        emit(render_explanations(format.value, found), output)
