"""SCP rules that need no policy engine: alerts for every Deny, a way out before DenyUser."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..context import LintContext
from ..findings import Severity, Where
from .base import Hit, rule

FAMILY = "scps"


def _statements(policy: object) -> list[tuple[tuple, Mapping]]:
    """(path, statement) for each statement mapping of a policy document."""
    if not isinstance(policy, Mapping):
        return []
    raw = policy.get("Statement")
    if isinstance(raw, Mapping):
        return [(("policy", "Statement"), raw)]
    if isinstance(raw, list):
        return [(("policy", "Statement", i), s) for i, s in enumerate(raw) if isinstance(s, Mapping)]
    return []


@rule("deny-without-alert", Severity.ERROR,
      "Every SCP Deny statement has a Sid and alert guidance that tells people what to do.", family=FAMILY)
def deny_without_alert(ctx: LintContext) -> Iterator[Hit]:
    """
    A guardrail that stops someone without a word destroys trust in the platform. Each Deny
    statement of an SCP must carry a `Sid`, and the SCP's `alerts` must map that Sid to the
    guidance a person receives when the Deny stops them: what happened and what to do instead
    (use SSO, request Admin through JIT, put service roles under /service/, ...). The alerts
    become EventBridge rules on AccessDenied events.

    **Fix:** add `alerts: {YourSid: "What happened. What to do instead. Link."}`.
    """
    for scp in ctx.model.scps.values():
        data = ctx.repo.documents[scp.file].data
        for path, statement in _statements(data.get("policy") if isinstance(data, Mapping) else None):
            if statement.get("Effect") != "Deny":
                continue
            sid = statement.get("Sid")
            if not isinstance(sid, str) or not sid:
                yield Hit(Where(scp.file, path), f"{scp.name}: a Deny statement has no Sid, so no alert can say "
                                                 "what to do when it denies someone")
            elif not (scp.alerts.get(sid) or "").strip():
                yield Hit(Where(scp.file, (*path, "Sid")),
                          f"{scp.name}: Deny statement {sid} has no alert guidance (alerts.{sid})")


@rule("break-glass-missing", Severity.ERROR,
      "The JIT account declares a break-glass IAM user, the way out before DenyUser.", family=FAMILY)
def break_glass_missing(ctx: LintContext) -> Iterator[Hit]:
    """
    Build the way out first. If Identity Center or the JIT system fails, someone must still
    be able to sign in: a break-glass IAM user with MFA in the account that hosts the JIT
    system (`jit_account`), exempt from DenyUser. `accounts/organization.yaml` must declare it
    under `break_glass` with that account, a user name and a path such as `/break-glass/`.

    **Fix:** add `break_glass: [{account: <jit_account>, user: break-glass-admin, path: /break-glass/}]`
    and create the user with an MFA device (docs/runbooks/break-glass.md).
    """
    org = ctx.model.organization
    if org is None or not org.jit_account:
        return
    if any(g.account == org.jit_account and g.user for g in org.break_glass):
        return
    doc = ctx.repo.documents[org.file]
    has_key = isinstance(doc.data, Mapping) and "break_glass" in doc.data
    path = ("break_glass",) if has_key else ("jit_account",)
    if org.break_glass:
        message = (f"no break_glass user is declared in the JIT account {org.jit_account!r}; the ones declared "
                   f"are in {', '.join(sorted({g.account for g in org.break_glass}))}")
    else:
        message = f"no break_glass user is declared: declare one in the JIT account {org.jit_account!r}"
    yield Hit(Where(org.file, path, key=has_key), message)


RULES = (deny_without_alert, break_glass_missing)
