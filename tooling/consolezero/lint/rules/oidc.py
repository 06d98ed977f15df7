"""CI rules on bootstrap/: the trust policies and permissions of the roles the pipeline assumes.

Templates are read by :mod:`consolezero.lint.rules.cfn_reader` (``Fn::If`` checked on both
branches, ``${Param}`` a fixed value). A bare policy document (a file whose top level holds ``Statement``)
is read as a trust policy when its statements name a principal, otherwise as a permission policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

from consolezero.core.findings import Path, Severity, Where
from consolezero.policy.catalog import Catalog
from consolezero.policy.conditions import has_wildcard, literal_wildcard
from consolezero.policy.document import OperatorInfo, parse_operator
from consolezero.policy.levels import write_mask
from consolezero.policy.patterns import compile_action

from ..context import LintContext
from .base import Hit, rule
from .cfn_reader import (
    GITHUB_OIDC,
    Template,
    TemplatePolicy,
    allows,
    expand,
    is_github_principal,
    leaves,
    mentions_github_keys,
    pattern,
    statements,
    template_policies,
    templates,
)

FAMILY = "workflows"

SUB = f"{GITHUB_OIDC}:sub"
WORKFLOW_REF = f"{GITHUB_OIDC}:job_workflow_ref"
AUD = f"{GITHUB_OIDC}:aud"
AUDIENCE = "sts.amazonaws.com"
PINNING_OPERATORS = ("stringequals", "stringequalsignorecase", "stringlike")
_ADMIN_POLICY = re.compile(r":policy/(AdministratorAccess|IAMFullAccess)$")
_SERVICE_WIDE = ("organizations:*", "sso:*")
_QUIET_STS = ("sts:assumerole", "sts:tagsession", "sts:getcalleridentity")


def _actions(statement: Mapping, spath: Path) -> Iterator[tuple[str, Path]]:
    for leaf, lpath in leaves(statement.get("Action"), (*spath, "Action")):
        text = pattern(leaf)
        if text is not None:
            yield text, lpath


def _writes(catalog: Catalog, action: str) -> bool:
    """A write, by the catalog's access levels (an unknown pattern counts; the STS calls every role makes don't)."""
    lowered = action.strip().lower()
    if lowered.startswith(_QUIET_STS):
        return False
    bits = compile_action(catalog, lowered) if lowered.isascii() else 0
    return not bits or bool(bits & write_mask(catalog))


def _apply_roles(tpl: Template, docs: list[TemplatePolicy], catalog: Catalog) -> set[str]:
    """Roles named for apply, or granted any write action: the ones that must be pinned hardest."""
    found = set()
    for logical, _res, props in tpl.of_type("AWS::IAM::Role"):
        name = pattern(props.get("RoleName")) or ""
        if "apply" in logical.lower() or "apply" in name.lower():
            found.add(logical)
    for doc in docs:
        for statement, spath in statements(doc.document, doc.path):
            if not allows(statement):
                continue
            if "NotAction" in statement or any(_writes(catalog, a) for a, _path in _actions(statement, spath)):
                found |= doc.roles
    return found


# --- trust policies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Trust:
    """One Allow statement that trusts GitHub's OIDC provider."""

    file: str
    role: str  # how messages name it: "role PlanRole", or the file of a bare trust policy
    apply: bool
    statement: Mapping
    path: Path

    def missing_where(self) -> Where:
        if "Condition" in self.statement:
            return Where(self.file, (*self.path, "Condition"), key=True)
        return Where(self.file, self.path)


def _trusts(ctx: LintContext) -> Iterator[Trust]:
    for tpl in templates(ctx):
        docs = template_policies(tpl)
        applying = _apply_roles(tpl, docs, ctx.catalog)
        documents = [(f"role {logical}", logical in applying, props.get("AssumeRolePolicyDocument"),
                      ("Resources", logical, "Properties", "AssumeRolePolicyDocument"))
                     for logical, _res, props in tpl.of_type("AWS::IAM::Role")]
        if "Statement" in tpl.data:
            documents.append((f"trust policy {tpl.file}", "apply" in tpl.file.rsplit("/", 1)[-1].lower(), tpl.data, ()))
        for role, apply, document, path in documents:
            for statement, spath in statements(document, path):
                principal = statement.get("Principal")
                if not allows(statement) or not isinstance(principal, Mapping) or "Federated" not in principal:
                    continue
                if is_github_principal(tpl, principal["Federated"]) or mentions_github_keys(
                        statement.get("Condition")):
                    yield Trust(tpl.file, role, apply, statement, spath)


@dataclass(frozen=True)
class Entry:
    """One condition key under one operator: ``StringLike: {key: value}``."""

    operator: str
    key: str
    value: Any
    path: Path  # of the key (and of its value)

    @property
    def info(self) -> OperatorInfo | None:  # read by the policy document parser; None: unknown to IAM
        return parse_operator(self.operator)

    @property
    def qualifier(self) -> str:
        info = self.info
        if info is None:
            return self.operator.partition(":")[0].lower() if ":" in self.operator else ""
        return (info.set_qualifier or "").lower()

    @property
    def base(self) -> str:
        info = self.info
        return info.base.lower() if info is not None else self.operator.rpartition(":")[2].lower()

    @property
    def name(self) -> str:
        return self.key.lower()


def _condition_variants(trust: Trust) -> list[list[Entry]]:
    """Each concrete form of the statement's Condition (Fn::If at any level), as its entries."""
    variants: list[list[Entry]] = []
    for condition, cpath in expand(trust.statement.get("Condition"), (*trust.path, "Condition")):
        if not isinstance(condition, Mapping):
            variants.append([])
            continue
        per_operator = []
        for operator, block in condition.items():
            options = [[Entry(str(operator), str(key), value, (*bpath, key)) for key, value in b.items()]
                       for b, bpath in expand(block, (*cpath, operator)) if isinstance(b, Mapping)]
            per_operator.append(options or [[]])
        variants += [[e for group in combo for e in group] for combo in product(*per_operator)]
    return variants or [[]]


def _show(text: str | None) -> str:
    """A resolved value as the template wrote it: parameters back as ${Param}."""
    return repr(re.sub("\u00ab([^\u00bb]*)\u00bb", r"${\1}", text or ""))


def _loose_subject(value: str, entry: Entry, apply: bool) -> str | None:
    """Why a StringLike pattern on sub (or job_workflow_ref) admits more than this repository."""
    info = entry.info
    if not has_wildcard(value) or literal_wildcard(info.base if info else None, entry.key, value):
        return None  # StringEquals compares literally: a * there matches only a * (never a loose subject)
    shown = _show(value)
    if entry.name == WORKFLOW_REF:
        repository, _at, ref = value.partition("@")
        if has_wildcard("/".join(repository.split("/")[:2])):
            return f"{shown} matches workflows of other repositories"
        if apply and has_wildcard(ref or "*"):
            return f"{shown} matches any ref; a role that can change the organization must pin the ref exactly"
        return None
    if not value.startswith("repo:"):
        return f"{shown} matches any subject, of any repository"
    owner, slash, rest = value[len("repo:"):].partition("/")
    if not slash or has_wildcard(owner):
        return f"{shown} matches repositories of any owner: anyone's workflow can assume this role"
    repository, _colon, context = rest.partition(":")
    if has_wildcard(repository):
        return f"{shown} matches every repository of {_show(owner)[1:-1]}, not only this one"
    if apply and (has_wildcard(context) or not context):
        exact = _show(f"repo:{owner}/{repository}:environment:production")
        return (f"{shown} matches every branch, pull request and environment of that repository; a role that can "
                f"change the organization (apply) must pin the environment: {exact}")
    return None


def _sub_problems(trust: Trust) -> Iterator[tuple[Where, str]]:
    for entries in _condition_variants(trust):
        subjects = [e for e in entries if e.name in (SUB, WORKFLOW_REF) and e.base in PINNING_OPERATORS]
        problems: list[tuple[Where, str]] = []
        pinned = False
        for entry in subjects:
            if entry.qualifier == "forallvalues":
                problems.append((Where(trust.file, entry.path, key=True),
                                 f"{entry.operator} on {entry.key} is true when the token has no such claim at all "
                                 "(an empty set); use plain StringEquals"))
                continue
            loose = [(Where(trust.file, lpath), why) for leaf, lpath in leaves(entry.value, entry.path)
                     if (text := pattern(leaf)) is not None and (why := _loose_subject(text, entry, trust.apply))]
            problems += loose
            pinned = pinned or not loose
        if pinned:
            continue
        if not subjects:
            problems.append((trust.missing_where(), f"trusts GitHub's OIDC provider with no condition on {SUB}: "
                                                    "any repository's workflow can assume it"))
        for where, message in problems:
            yield where, f"{trust.role}: {message}"


def _aud_problems(trust: Trust) -> Iterator[tuple[Where, str]]:
    for entries in _condition_variants(trust):
        audiences = [e for e in entries if e.name == AUD]
        good = [e for e in audiences if not e.qualifier and e.base == "stringequals" and all(
            (text := pattern(leaf)) is not None and (text == AUDIENCE or text.startswith("\u00ab"))
            for leaf, _p in leaves(e.value, e.path))]
        if good:
            continue
        if not audiences:
            yield trust.missing_where(), (f"{trust.role}: no StringEquals condition on {AUD} = {AUDIENCE}: "
                                          "tokens minted for other audiences would be accepted")
        for entry in audiences:
            if entry.qualifier or entry.base != "stringequals":
                values = ", ".join(_show(pattern(v)) for v, _p in leaves(entry.value, entry.path))
                yield (Where(trust.file, entry.path, key=True),
                       f"{trust.role}: {entry.operator} on {entry.key} ({values}); use StringEquals "
                       f"{AUDIENCE}")
                continue
            for leaf, lpath in leaves(entry.value, entry.path):
                text = pattern(leaf)
                if text != AUDIENCE and not (text or "").startswith("\u00ab"):
                    yield Where(trust.file, lpath), f"{trust.role}: audience {_show(text)} is not {AUDIENCE}"


def _once(found: Iterator[tuple[Where, str]]) -> Iterator[Hit]:
    seen = set()
    for where, message in found:
        if (where, message) not in seen:
            seen.add((where, message))
            yield Hit(where, message)


@rule("oidc-sub-unpinned", Severity.ERROR,
      "bootstrap/ trust policies pin token.actions.githubusercontent.com:sub to this repository exactly.",
      family=FAMILY)
def oidc_sub_unpinned(ctx: LintContext) -> Iterator[Hit]:
    """
    GitHub's OIDC provider issues tokens to **every** workflow on github.com. What makes a role
    assumable by this repository only is the trust policy's condition on the token's `sub`
    claim (`repo:OWNER/REPO:environment:production`, or the immutable
    `repo:OWNER@ID/REPO@ID:...` form). Reported, on the condition key or the offending value:

    - no condition on `token.actions.githubusercontent.com:sub` (or `job_workflow_ref`) at all;
    - `StringLike` patterns that admit other repositories: `*`, `repo:*`, `repo:OWNER/*`;
    - on the apply role (named for apply, or granted any write action), `repo:OWNER/REPO:*`:
      any branch or pull request could then apply; it must name the environment;
    - `ForAllValues:` operators on these keys, which are true when the claim is absent;
    - one loose value in a list of values (the values are alternatives: the loosest wins).

    `Fn::Sub` strings are read with each `${Param}` as a fixed value; both branches of `Fn::If`
    are checked.

    **Fix:** `StringEquals: {token.actions.githubusercontent.com:sub: repo:OWNER/REPO:environment:production}`
    for apply, `...:pull_request` for plan (see bootstrap/bootstrap.yaml and docs/setup.md).
    """
    for trust in _trusts(ctx):
        yield from _once(_sub_problems(trust))


@rule("oidc-aud-missing", Severity.ERROR,
      "bootstrap/ trust policies require token.actions.githubusercontent.com:aud = sts.amazonaws.com.",
      family=FAMILY)
def oidc_aud_missing(ctx: LintContext) -> Iterator[Hit]:
    """
    The `aud` claim says who a token was minted for. `configure-aws-credentials` asks GitHub
    for tokens with the audience `sts.amazonaws.com`; a trust policy that does not require it
    accepts tokens minted for any other service the workflow talks to, which may log or forward
    them. AWS's own guidance for GitHub trust policies requires this condition.

    Reported when a statement trusting GitHub's OIDC provider has no
    `StringEquals: {token.actions.githubusercontent.com:aud: sts.amazonaws.com}`, on the
    `Condition` key; and on an `aud` condition with another operator (`StringLike "*"`,
    `ForAnyValue:...`) or another value.

    **Fix:** add `token.actions.githubusercontent.com:aud: sts.amazonaws.com` under `StringEquals`.
    """
    for trust in _trusts(ctx):
        yield from _once(_aud_problems(trust))


@rule("bootstrap-role-too-broad", Severity.ERROR,
      "bootstrap/ roles get no *, iam:*, service-wide organizations:*/sso:*, NotAction or admin policies.",
      family=FAMILY)
def bootstrap_role_too_broad(ctx: LintContext) -> Iterator[Hit]:
    """
    The CI roles are the keys to the organization: the apply role can rewrite every SCP and
    permission set, so whoever can run a workflow as it (or steal its token) inherits what it
    may do. Kept to what consolezero calls, a compromised pipeline can change guardrails (which
    git history and alerts show) but cannot grant itself anything else.

    Reported on the offending node of any policy in bootstrap/ (a role's inline `Policies`, an
    `AWS::IAM::ManagedPolicy`, `AWS::IAM::Policy` or `AWS::IAM::RolePolicy`):

    - `Action: "*"`, `*:*` or `iam:*` (IAM without limit is a way to every other permission);
    - service-wide `organizations:*` or `sso:*` (the apply role needs a few dozen named actions);
    - `NotAction` in an `Allow`: everything except a list, including every action AWS adds later;
    - the AWS managed policies `AdministratorAccess` and `IAMFullAccess` in `ManagedPolicyArns`.

    **Fix:** list the actions (bootstrap/bootstrap.yaml shows what plan and apply need), scoped
    to resources and conditions where the service supports it.
    """
    for tpl in templates(ctx):
        for doc in template_policies(tpl):
            owner = doc.label
            if doc.roles and not owner.startswith("role "):
                owner += f" (attached to {', '.join(sorted(doc.roles))})"
            for statement, spath in statements(doc.document, doc.path):
                if not allows(statement):
                    continue
                if "NotAction" in statement:
                    yield Hit(Where(tpl.file, (*spath, "NotAction"), key=True),
                              f"{owner}: Allow with NotAction grants every action except those listed, including "
                              "any AWS adds later; list the actions")
                for action, apath in _actions(statement, spath):
                    lowered = action.strip().lower()
                    if lowered in ("*", "*:*"):
                        why = "grants every action"
                    elif lowered == "iam:*":
                        why = "grants all of IAM, a way to any other permission"
                    elif lowered in _SERVICE_WIDE:
                        why = f"grants all of {lowered.split(':')[0]}, far beyond what consolezero calls"
                    else:
                        continue
                    yield Hit(Where(tpl.file, apath), f"{owner}: Action {action!r} {why}; list the actions needed")
        for logical, _res, props in tpl.of_type("AWS::IAM::Role"):
            for arn, apath in leaves(props.get("ManagedPolicyArns"),
                                      ("Resources", logical, "Properties", "ManagedPolicyArns")):
                text = pattern(arn)
                match = _ADMIN_POLICY.search(text or "")
                if match:
                    yield Hit(Where(tpl.file, apath), f"role {logical}: the AWS managed policy {match.group(1)} "
                                                      "gives the CI role (and whoever runs its workflow) full control")


RULES = (oidc_sub_unpinned, oidc_aud_missing, bootstrap_role_too_broad)
