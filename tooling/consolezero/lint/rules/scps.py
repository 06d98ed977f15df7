"""SCP rules: what SCPs may contain, alerts for every Deny, DenyUser everywhere, a way out before it.

Size and attachment limits are in :mod:`.scp_limits`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from consolezero.core.findings import Severity, Where
from consolezero.core.model import ROOT, Scp, Target
from consolezero.policy.conditions import evaluate_conditions
from consolezero.policy.document import Statement, parse_policy
from consolezero.policy.scp import (
    break_glass_arn,
    deny_user_statements,
    denying,
    escape_probes,
    is_deny_user,
    principal_context,
)

from ..context import LintContext
from ..rejected import rejected
from .base import Hit, rule
from .policy_docs import PolicyDoc, policy_documents

FAMILY = "scps"


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
        if scp.policy is None:
            continue
        for st in parse_policy(scp.policy).statements:  # the one reading of a statement's Effect and Sid
            if st.effect != "Deny":
                continue
            path, sid = ("policy", *st.path), st.sid
            if not sid:
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
    if org is None or not org.jit_account or org.jit_account not in ctx.model.accounts:
        return  # no JIT account, or one that is not declared (unknown-reference says so)
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


def _condition_where(doc: PolicyDoc, statement: Statement) -> Where:
    """The statement's aws:PrincipalArn condition value (else its Condition, else the statement)."""
    for cond in statement.conditions:
        if cond.key.lower() == "aws:principalarn":
            return Where(doc.file, (*doc.base, *cond.path))
    if statement.conditions:
        return Where(doc.file, (*doc.base, *statement.path, "Condition"), key=True)
    return Where(doc.file, (*doc.base, *statement.path), key=True)


@rule("break-glass-not-exempt", Severity.ERROR,
      "DenyUser exempts each declared break-glass user, and nobody else.", family=FAMILY)
def break_glass_not_exempt(ctx: LintContext) -> Iterator[Hit]:
    """
    The way out only works if DenyUser lets it through. For each SCP that works as DenyUser and
    covers a declared break-glass user's account, the engine evaluates the conditions of every
    statement that denies `iam:CreateUser`, `iam:CreateAccessKey` or `iam:CreateLoginProfile` with
    that user's ARN (`arn:aws:iam::<account id>:user<path><user>`): each must be false, so the user is
    exempt. A typo in the ARN pattern, a different path than the declaration's, or an operator that
    never matches (`StringNotEquals` with a wildcard compares literally) leaves the break-glass user
    denied, and is reported at the condition.

    The exemption must not be wider than the break-glass users: if another user
    (`arn:aws:iam::*:user/*` lets every user escape), a role, or an Identity Center role is exempt
    too, DenyUser stops nobody who matters. That is reported at the same place.

    **Fix:** exempt exactly the declared path, e.g.
    `Condition: {ArnNotLike: {aws:PrincipalArn: "arn:aws:iam::*:user/break-glass/*"}}` with the
    break-glass users declared at `path: /break-glass/`.
    """
    org = ctx.model.organization
    if org is None:
        return
    glasses = [(g, ctx.model.accounts[g.account]) for g in org.break_glass
               if g.user and g.account in ctx.model.accounts]
    arns = [break_glass_arn(a.id or "000000000000", g.path, g.user) for g, a in glasses]
    accounts = [a.id or "000000000000" for _, a in glasses] or ["000000000000"]
    others = [a.id for a in ctx.model.accounts.values() if a.id and a.id not in accounts][:1]
    probes = escape_probes([*accounts, *others], arns)
    scps = {s.file: s for s in ctx.model.scps.values()}
    for doc in policy_documents(ctx):
        scp = scps.get(doc.file)
        if doc.kind != "scp" or doc.policy is None or scp is None or not is_deny_user(doc.policy, ctx.catalog):
            continue
        reported: set[int] = set()
        for (glass, account), arn in zip(glasses, arns, strict=True):
            if not any(t in account.path() for t in scp.targets):
                continue
            for st in denying(doc.policy, arn, ctx.catalog):
                reported.add(st.index)
                if any(c.base_operator is None for c in st.conditions):
                    continue  # an unknown operator decides nothing: unknown-condition-operator reports it
                yield Hit(_condition_where(doc, st),
                          f"{scp.name}: statement {st.name} applies to the break-glass user {glass.user} ({arn}): "
                          "its conditions do not exempt it, so the way out is denied too")
        for st in deny_user_statements(doc.policy, ctx.catalog):
            if st.index in reported:
                continue
            escaping = [p for p in probes if evaluate_conditions(st.conditions, principal_context(p)) is False]
            if escaping:
                yield Hit(_condition_where(doc, st),
                          f"{scp.name}: statement {st.name} exempts more than the break-glass users: "
                          f"{', '.join(escaping[:3])}{' and more' if len(escaping) > 3 else ''} escape it too")


@rule("scp-grammar", Severity.ERROR,
      "An SCP holds nothing SCPs may not: no Principal or NotPrincipal.", family=FAMILY)
def scp_grammar(ctx: LintContext) -> Iterator[Hit]:
    """
    Since 2025-09-19 SCPs take the full IAM policy language (Condition, NotAction, NotResource,
    specific ARNs, in Allow and Deny statements alike), with one exception: an SCP applies to
    every principal of the accounts below its targets, so `Principal` and `NotPrincipal` are not
    allowed, and AWS rejects the policy. To exempt someone, use a condition on
    `aws:PrincipalArn` instead. An SCP that declares `aws_managed: FullAWSAccess` uses AWS's own
    document and takes no `policy`.

    **Fix:** replace `Principal` / `NotPrincipal` with
    `Condition: {ArnNotLike: {aws:PrincipalArn: [...]}}` (or `ArnLike` for the opposite).
    """
    for doc in policy_documents(ctx):
        if doc.kind != "scp" or doc.policy is None:
            continue
        for st in doc.policy.statements:
            if not st.principal_present:
                continue
            raw = doc.node(st.path)
            for key in ("Principal", "NotPrincipal"):
                if isinstance(raw, Mapping) and key in raw:
                    yield Hit(Where(doc.file, (*doc.base, *st.path, key), key=True),
                              f"{st.name}: SCPs may not contain {key}; an SCP applies to every principal below its "
                              "targets (exempt principals with a condition on aws:PrincipalArn)")
    for scp in ctx.model.scps.values():
        data = ctx.repo.documents[scp.file].data
        if scp.aws_managed and isinstance(data, Mapping) and "policy" in data:
            yield Hit(Where(scp.file, ("policy",), key=True),
                      f"{scp.name} declares aws_managed: {scp.aws_managed}, AWS's own document: remove policy")


def deny_user_scps(ctx: LintContext) -> list[Scp]:
    """The SCPs that work as DenyUser (:func:`consolezero.policy.scp.is_deny_user`)."""
    files = {doc.file for doc in policy_documents(ctx)
             if doc.kind == "scp" and doc.policy is not None and is_deny_user(doc.policy, ctx.catalog)}
    return [scp for scp in ctx.model.scps.values() if scp.file in files]


def _unjudged_scp_targets(ctx: LintContext) -> set[Target]:
    """Where an SCP that an input rule rejected is attached (its file is empty or does not parse, its
    document or targets break the schema): it may be the DenyUser, so deny-user-missing says nothing
    there; the first finding is about the SCP itself. Every target when its targets are unknown."""
    found: set[Target] = set()
    for file in ctx.repo.files_of("scp"):
        if not rejected(ctx, file, "policy") and not rejected(ctx, file, "targets"):
            continue
        scp = next((s for s in ctx.model.scps.values() if s.file == file), None)
        if scp is None or rejected(ctx, file, "targets"):
            return {ROOT}
        found.update(scp.targets)
    return found


@rule("deny-user-missing", Severity.ERROR,
      "Every member account is covered by a DenyUser SCP (no IAM users or access keys).", family=FAMILY)
def deny_user_missing(ctx: LintContext) -> Iterator[Hit]:
    """
    Leaked static credentials are how most cloud breaches start, so no account may create IAM
    users: people sign in through SSO, automation uses roles. A DenyUser SCP is any SCP with a
    Deny statement whose actions cover `iam:CreateUser` (`iam:CreateUser`, `iam:Create*`,
    `iam:*User`, `*`, ...) on any user, and that applies to ordinary principals: a statement
    limited to the root user by a condition does not count, one that exempts only the break-glass
    user does. Each account must have such an SCP attached somewhere on its path: the root, one
    of its OUs, or the account itself.

    The management account is not checked: SCPs never restrict it. Protect it with few people,
    MFA and no access keys instead.

    **Fix:** attach DenyUser at the root (`targets: [root]`), or at an OU above the account. Build
    the way out first: the break-glass user in the JIT account must be exempt (`break-glass-missing`).
    """
    org = ctx.model.organization
    management = org.management_account if org else None
    accounts = [a for a in ctx.model.accounts.values() if a.name != management]
    if not accounts:
        return
    covered = {target for scp in deny_user_scps(ctx) for target in scp.targets}
    unknown = _unjudged_scp_targets(ctx)
    for account in accounts:
        levels = account.path()
        if any(level in covered or level in unknown for level in levels):
            continue
        names = [str(level) for level in levels]
        yield Hit(Where(account.file, ()),
                  f"account {account.name} is not covered by DenyUser: no SCP attached at {', '.join(names[:-1])} "
                  f"or {names[-1]} denies iam:CreateUser to ordinary principals, so IAM users and access keys can "
                  "be created there")


@rule("scp-on-management-account", Severity.WARNING,
      "No SCP targets the management account directly: SCPs do not restrict it.", family=FAMILY)
def scp_on_management_account(ctx: LintContext) -> Iterator[Hit]:
    """
    Service control policies never restrict the management account (nor service-linked roles): an
    SCP attached to it directly is accepted by AWS and does nothing. A team that writes
    `targets: [account:management]` believes the account is fenced; it is not. Protect the
    management account by keeping people out of it instead: no standing roles beyond read-only there,
    Admin only just in time, no workloads, and MFA on its root user.

    An SCP declared with `aws_managed: FullAWSAccess` (the allow-list strategy) is not reported: AWS
    requires every target, the management account included, to keep at least one SCP attached.

    **Fix:** remove the target; move what it was meant to stop into the roles assigned in the
    management account (their policies or permissions boundaries).
    """
    org = ctx.model.organization
    if org is None or not org.management_account:
        return
    management = f"account:{org.management_account}"
    for scp in ctx.model.scps.values():
        if scp.aws_managed:  # FullAWSAccess must stay attached everywhere (every target keeps one SCP)
            continue
        data = ctx.repo.documents[scp.file].data
        raw = data.get("targets") if isinstance(data, Mapping) else None
        items = raw if isinstance(raw, list) else [raw]
        for i, item in enumerate(items):
            if isinstance(item, str) and str(Target.parse(item)) == management:
                path = ("targets", i) if isinstance(raw, list) else ("targets",)
                yield Hit(Where(scp.file, path), f"{scp.name} targets the management account "
                          f"{org.management_account!r}, which SCPs do not restrict: it has no effect there")


RULES = (scp_grammar, deny_without_alert, deny_user_missing, break_glass_missing, break_glass_not_exempt,
         scp_on_management_account)
