"""The rules, gathered explicitly (no import-time registration). Each family is one module."""

from __future__ import annotations

from functools import cache

from .base import Hit, Rule, rule

__all__ = ["Hit", "Rule", "all_rules", "rule"]


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, in documentation order. Imports the families on first call."""
    from . import (
        access,
        alerts,
        aws_fields,
        iam,
        inputs,
        oidc,
        request_history,
        requests,
        roles,
        scp_limits,
        scps,
        suppressions,
        workflows,
    )

    return (inputs.RULES + aws_fields.RULES + iam.RULES + scps.RULES + scp_limits.RULES + roles.RULES + access.RULES
            + workflows.RULES + oidc.RULES + requests.RULES + request_history.RULES + suppressions.RULES
            + alerts.RULES)
