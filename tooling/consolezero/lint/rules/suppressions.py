"""The gate's own rule: what may be silenced is decided by :mod:`consolezero.lint.suppression`."""

from __future__ import annotations

from collections.abc import Iterator

from consolezero.core.config import CONFIG_FILE
from consolezero.core.findings import Severity, Where

from ..context import LintContext
from ..suppression import RULE, ignore_refusal, is_safety_rule, severity_refusal
from .base import Hit, rule

FAMILY = "inputs"


@rule(RULE, Severity.ERROR,
      "An ignore names an existing rule and gives a reason; safety rules are never lowered or ignored.",
      family=FAMILY)
def invalid_suppression(ctx: LintContext) -> Iterator[Hit]:
    """
    A suppression that is refused: it silences nothing, and this finding says why. It can itself be
    neither ignored nor lowered, and no finding about `.consolezero.yaml` can be suppressed: the file
    that configures the gate cannot switch off the checks of itself.

    - An inline `# consolezero: ignore[RULE] reason` must name an existing rule and give a reason;
      `ignore[all]` is refused. (Config `ignore:` entries with an unknown rule, no reason or `"*"` are
      `schema` findings of `.consolezero.yaml`, and are refused the same way.)
    - The safety rules (`scp-lockout`, `break-glass-*`, `deny-user-missing`, `trifecta-reachable`)
      may be raised (`severity: {trifecta-reachable: error}`), but never lowered, switched off or
      ignored, unless the command is run with `--allow-weakened-safety`; `plan` and `apply` then print
      what was weakened at the top of the plan.

    Fix: remove the suppression, or fix what it hides. For a safety rule, fix the repository: an SCP
    that locks a target out, a missing break-glass exemption, an account without DenyUser or a role
    that reaches the trifecta is what apply must not deploy.
    """
    from . import all_rules

    defaults = {r.name: r.severity for r in all_rules()}
    allow = ctx.allow_weakened_safety
    for name, level in sorted(ctx.config.severity.items()):
        refused = severity_refusal(name, level, defaults[name], allow) if name in defaults else None
        if refused:
            yield Hit(Where(CONFIG_FILE, ("severity", name)), refused)
    for ignore in ctx.config.ignores:  # unknown rules, "*" and missing reasons: schema findings of the file
        if ignore.rule in defaults and (is_safety_rule(ignore.rule) or ignore.rule == RULE):
            refused = ignore_refusal(ignore.rule, ignore.reason or "-", defaults, allow)
            if refused:
                yield Hit(Where(CONFIG_FILE, ("ignore", ignore.index, "rule")), refused)
    for file, doc in ctx.repo.documents.items():
        for line, (names, reason) in sorted(doc.ignores.items()):
            for name in sorted(names):
                refused = ignore_refusal(name, reason, defaults, allow)
                if refused:
                    yield Hit(Where(file, line=line, column=1), f"{refused}; this comment suppresses nothing")


RULES = (invalid_suppression,)
