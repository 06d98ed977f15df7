"""The command groups that live in their own modules, registered on the app in one place."""

from __future__ import annotations

import typer

from consolezero.cli.alerts import register as register_alerts
from consolezero.cli.census import register as register_census
from consolezero.cli.gate import register as register_gate
from consolezero.cli.grants import register_grants
from consolezero.cli.jit import register as register_jit


def register_groups(app: typer.Typer) -> None:
    register_jit(app)  # request, check-approvals
    register_gate(app)  # codeowners
    register_census(app)  # census
    register_grants(app)  # grants
    register_alerts(app)  # alerts, explain-denied
