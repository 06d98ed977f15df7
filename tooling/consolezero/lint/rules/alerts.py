"""Alert rules: every Deny's guidance can actually reach someone."""

from __future__ import annotations

from collections.abc import Iterator

from consolezero.core.findings import Severity, Where

from ..context import LintContext
from .base import Hit, rule

FAMILY = "scps"


@rule("alert-not-deliverable", Severity.WARNING,
      "A Deny with guidance can be matched to the CloudTrail events EventBridge receives.", family=FAMILY)
def alert_not_deliverable(ctx: LintContext) -> Iterator[Hit]:
    """
    Each SCP Deny statement with an `alerts` entry becomes an EventBridge rule on CloudTrail's
    "AWS API Call via CloudTrail" events. Some denials never produce such an event, so the
    person is stopped without a word:

    - data events (S3 object operations such as `s3:GetObject`, `lambda:InvokeFunction`,
      DynamoDB item operations, `sqs:SendMessage`, `sns:Publish`, ...) are logged only when the
      organization trail selects data events for them;
    - some actions are never recorded by CloudTrail (`execute-api:Invoke`);
    - a `NotAction` Deny matches everything but the listed actions; when that pattern would be
      too large for an EventBridge rule, no rule is made.

    The finding names the actions and the reason.

    **Fix:** enable data events for those resources in the organization trail (then suppress
    this finding with a reason), or deny them in a statement whose guidance is delivered some
    other way; for `NotAction`, list the denied actions under `Action` instead.
    """
    from consolezero.alerts.rules import deny_rules

    for problem in deny_rules(ctx.model, ctx.catalog, problems_only=True).problems:
        yield Hit(Where(problem.file, problem.path), f"{problem.scp} {problem.sid}: {problem.reason}"
                  + ("" if problem.alertable else " (no alert rule is made for it)"))


RULES = (alert_not_deliverable,)
