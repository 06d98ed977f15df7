"""CI rules on bootstrap/: the trust policies and permissions of the roles the pipeline assumes.

The templates are CloudFormation in plain YAML or JSON, so intrinsics come in their long form:
``{"Fn::Sub": ...}`` is read with each ``${Param}`` as a fixed value (what a parameter may be set
to is the deployer's business), ``{"Ref": ...}`` likewise, and ``{"Fn::If": [c, a, b]}`` is
checked on both branches. A bare policy document (a file whose top level holds ``Statement``)
is read as a trust policy when its statements name a principal, otherwise as a permission policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
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

FAMILY = "workflows"

GITHUB_OIDC = "token.actions.githubusercontent.com"
SUB = f"{GITHUB_OIDC}:sub"
WORKFLOW_REF = f"{GITHUB_OIDC}:job_workflow_ref"
AUD = f"{GITHUB_OIDC}:aud"
AUDIENCE = "sts.amazonaws.com"
PINNING_OPERATORS = ("stringequals", "stringequalsignorecase", "stringlike")
_PARAM = "\u00ab{}\u00bb"  # stands for the value of ${Param}: fixed, no wildcard
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ADMIN_POLICY = re.compile(r":policy/(AdministratorAccess|IAMFullAccess)$")
_SERVICE_WIDE = ("organizations:*", "sso:*")
_QUIET_STS = ("sts:assumerole", "sts:tagsession", "sts:getcalleridentity")


# --- reading CloudFormation --------------------------------------------------------------------


def _is_no_value(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get("Ref") == "AWS::NoValue" and len(node) == 1


def _expand(node: Any, path: Path) -> Iterator[tuple[Any, Path]]:
    """The concrete alternatives of a node: both branches of each Fn::If, AWS::NoValue dropped."""
    if isinstance(node, Mapping) and len(node) == 1 and "Fn::If" in node:
        args = node["Fn::If"]
        if isinstance(args, list) and len(args) == 3:
            for i in (1, 2):
                yield from _expand(args[i], (*path, "Fn::If", i))
            return
    if not _is_no_value(node):
        yield node, path


def _leaves(node: Any, path: Path) -> Iterator[tuple[Any, Path]]:
    """Each value of a string-or-list field, through Fn::If and lists."""
    for value, vpath in _expand(node, path):
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _leaves(item, (*vpath, i))
        elif value is not None:
            yield value, vpath


def _pattern(node: Any) -> str | None:
    """A string value with intrinsics resolved; parameters and attributes stand as fixed values."""
    if isinstance(node, str):
        return node
    if isinstance(node, bool | int | float):
        return str(node)
    if not isinstance(node, Mapping) or len(node) != 1:
        return None
    (function, arg), = node.items()
    if function == "Ref" and isinstance(arg, str):
        return _PARAM.format(arg)
    if function == "Fn::Sub":
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1]) if (
            isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], Mapping)
        ) else (None, {})
        if text is None:
            return None

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            known = _pattern(variables[name]) if name in variables else None
            return known if known is not None else _PARAM.format(name)

        return _SUB_VARIABLE.sub(value, text)
    if function == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        parts = [_pattern(p) for p in arg[1]]
        return None if any(p is None for p in parts) or not isinstance(arg[0], str) else arg[0].join(parts)
    if function.startswith("Fn::"):
        return _PARAM.format(function)
    return None


def _statements(document: Any, path: Path) -> Iterator[tuple[Mapping, Path]]:
    for doc, dpath in _expand(document, path):
        if not isinstance(doc, Mapping):
            continue
        for statements, spath in _expand(doc.get("Statement"), (*dpath, "Statement")):
            items = [(statements, spath)] if isinstance(statements, Mapping) else (
                [(s, (*spath, i)) for i, s in enumerate(statements)] if isinstance(statements, list) else [])
            for item, ipath in items:
                for statement, stpath in _expand(item, ipath):
                    if isinstance(statement, Mapping):
                        yield statement, stpath


def _allows(statement: Mapping) -> bool:
    return statement.get("Effect") == "Allow"


@dataclass
class Template:
    file: str
    data: Mapping
    resources: dict[str, Mapping] = field(default_factory=dict)
    parameters: Mapping = field(default_factory=dict)

    def of_type(self, *types: str) -> Iterator[tuple[str, Mapping, Mapping]]:
        for name, resource in self.resources.items():
            if resource.get("Type") in types:
                props = resource.get("Properties")
                yield name, resource, props if isinstance(props, Mapping) else {}


def _templates(ctx: LintContext) -> Iterator[Template]:
    for file in ctx.repo.files_of("bootstrap"):
        doc = ctx.repo.documents[file]
        if not doc.ok or not isinstance(doc.data, Mapping):
            continue
        resources = doc.data.get("Resources")
        parameters = doc.data.get("Parameters")
        yield Template(
            file, doc.data,
            {str(k): v for k, v in resources.items() if isinstance(v, Mapping)} if isinstance(resources, Mapping)
            else {},
            parameters if isinstance(parameters, Mapping) else {},
        )


def _target(node: Any) -> str | None:
    """The logical ID a Ref or Fn::GetAtt points at."""
    if isinstance(node, Mapping) and len(node) == 1:
        (function, arg), = node.items()
        if function == "Ref" and isinstance(arg, str):
            return arg
        if function == "Fn::GetAtt":
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                return arg[0]
            if isinstance(arg, str):
                return arg.split(".")[0]
    return None


def _is_github_principal(tpl: Template, federated: Any) -> bool:
    for leaf, _path in _leaves(federated, ()):
        target = _target(leaf)
        if target is not None:
            resource = tpl.resources.get(target)
            if resource is not None and resource.get("Type") == "AWS::IAM::OIDCProvider":
                props = resource.get("Properties")
                url = _pattern(props.get("Url")) if isinstance(props, Mapping) else None
                if url and GITHUB_OIDC in url:
                    return True
            parameter = tpl.parameters.get(target)
            if isinstance(parameter, Mapping):
                text = " ".join(str(parameter.get(k, "")) for k in ("Default", "AllowedPattern", "Description"))
                if GITHUB_OIDC in text.replace("\\", ""):
                    return True
            if "github" in target.lower():
                return True
        text = _pattern(leaf)
        if text and GITHUB_OIDC in text:
            return True
    return False


def _mentions_github_keys(condition: Any) -> bool:
    if isinstance(condition, Mapping):
        return any((isinstance(k, str) and k.lower().startswith(GITHUB_OIDC + ":")) or _mentions_github_keys(v)
                   for k, v in condition.items())
    if isinstance(condition, list):
        return any(_mentions_github_keys(v) for v in condition)
    return False


# --- roles, their policies, and which are "apply" ----------------------------------------------


@dataclass
class PolicyDoc:
    label: str  # how the message names it
    document: Any
    path: Path
    roles: set[str] = field(default_factory=set)  # logical IDs of the roles it grants to


def _role_names(tpl: Template) -> dict[str, str]:
    """RoleName (resolved) -> logical ID, to follow policies that name roles literally."""
    names = {}
    for logical, _res, props in tpl.of_type("AWS::IAM::Role"):
        name = _pattern(props.get("RoleName"))
        if name:
            names[name] = logical
    return names


def _policy_docs(tpl: Template) -> list[PolicyDoc]:
    """Every permission policy of the template with the roles it is attached to."""
    docs: list[PolicyDoc] = []
    names = _role_names(tpl)
    attached: dict[str, set[str]] = {}
    for logical, _res, props in tpl.of_type("AWS::IAM::Role"):
        for arn, _path in _leaves(props.get("ManagedPolicyArns"), ()):
            target = _target(arn)
            if target:
                attached.setdefault(target, set()).add(logical)
        for policies, ppath in _expand(props.get("Policies"), ("Resources", logical, "Properties", "Policies")):
            for i, policy in enumerate(policies if isinstance(policies, list) else []):
                for item, ipath in _expand(policy, (*ppath, i)):
                    if isinstance(item, Mapping):
                        name = item.get("PolicyName") if isinstance(item.get("PolicyName"), str) else f"#{i + 1}"
                        docs.append(PolicyDoc(f"role {logical} inline policy {name}", item.get("PolicyDocument"),
                                              (*ipath, "PolicyDocument"), {logical}))
    for logical, res, props in tpl.of_type("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::RolePolicy"):
        roles = set(attached.get(logical, ()))
        for item, _path in _leaves(props.get("Roles"), ()):
            target = _target(item) or names.get(_pattern(item) or "")
            if target:
                roles.add(target)
        target = _target(props.get("RoleName")) or names.get(_pattern(props.get("RoleName")) or "")
        if target:
            roles.add(target)
        kind = str(res.get("Type")).rsplit("::", 1)[-1]
        docs.append(PolicyDoc(f"{kind} {logical}", props.get("PolicyDocument"),
                              ("Resources", logical, "Properties", "PolicyDocument"), roles))
    if "Statement" in tpl.data and not any("Principal" in s for s, _p in _statements(tpl.data, ())):
        docs.append(PolicyDoc(f"policy {tpl.file}", tpl.data, ()))
    return docs


def _actions(statement: Mapping, spath: Path) -> Iterator[tuple[str, Path]]:
    for leaf, lpath in _leaves(statement.get("Action"), (*spath, "Action")):
        text = _pattern(leaf)
        if text is not None:
            yield text, lpath


def _writes(catalog: Catalog, action: str) -> bool:
    """A write, by the catalog's access levels (an unknown pattern counts; the STS calls every role makes don't)."""
    lowered = action.strip().lower()
    if lowered.startswith(_QUIET_STS):
        return False
    bits = compile_action(catalog, lowered) if lowered.isascii() else 0
    return not bits or bool(bits & write_mask(catalog))


def _apply_roles(tpl: Template, docs: list[PolicyDoc], catalog: Catalog) -> set[str]:
    """Roles named for apply, or granted any write action: the ones that must be pinned hardest."""
    found = set()
    for logical, _res, props in tpl.of_type("AWS::IAM::Role"):
        name = _pattern(props.get("RoleName")) or ""
        if "apply" in logical.lower() or "apply" in name.lower():
            found.add(logical)
    for doc in docs:
        for statement, spath in _statements(doc.document, doc.path):
            if not _allows(statement):
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
    for tpl in _templates(ctx):
        docs = _policy_docs(tpl)
        applying = _apply_roles(tpl, docs, ctx.catalog)
        documents = [(f"role {logical}", logical in applying, props.get("AssumeRolePolicyDocument"),
                      ("Resources", logical, "Properties", "AssumeRolePolicyDocument"))
                     for logical, _res, props in tpl.of_type("AWS::IAM::Role")]
        if "Statement" in tpl.data:
            documents.append((f"trust policy {tpl.file}", "apply" in tpl.file.rsplit("/", 1)[-1].lower(), tpl.data, ()))
        for role, apply, document, path in documents:
            for statement, spath in _statements(document, path):
                principal = statement.get("Principal")
                if not _allows(statement) or not isinstance(principal, Mapping) or "Federated" not in principal:
                    continue
                if _is_github_principal(tpl, principal["Federated"]) or _mentions_github_keys(
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
    for condition, cpath in _expand(trust.statement.get("Condition"), (*trust.path, "Condition")):
        if not isinstance(condition, Mapping):
            variants.append([])
            continue
        per_operator = []
        for operator, block in condition.items():
            options = [[Entry(str(operator), str(key), value, (*bpath, key)) for key, value in b.items()]
                       for b, bpath in _expand(block, (*cpath, operator)) if isinstance(b, Mapping)]
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
            loose = [(Where(trust.file, lpath), why) for leaf, lpath in _leaves(entry.value, entry.path)
                     if (text := _pattern(leaf)) is not None and (why := _loose_subject(text, entry, trust.apply))]
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
            (text := _pattern(leaf)) is not None and (text == AUDIENCE or text.startswith("\u00ab"))
            for leaf, _p in _leaves(e.value, e.path))]
        if good:
            continue
        if not audiences:
            yield trust.missing_where(), (f"{trust.role}: no StringEquals condition on {AUD} = {AUDIENCE}: "
                                          "tokens minted for other audiences would be accepted")
        for entry in audiences:
            if entry.qualifier or entry.base != "stringequals":
                values = ", ".join(_show(_pattern(v)) for v, _p in _leaves(entry.value, entry.path))
                yield (Where(trust.file, entry.path, key=True),
                       f"{trust.role}: {entry.operator} on {entry.key} ({values}); use StringEquals "
                       f"{AUDIENCE}")
                continue
            for leaf, lpath in _leaves(entry.value, entry.path):
                text = _pattern(leaf)
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
    for tpl in _templates(ctx):
        for doc in _policy_docs(tpl):
            owner = doc.label
            if doc.roles and not owner.startswith("role "):
                owner += f" (attached to {', '.join(sorted(doc.roles))})"
            for statement, spath in _statements(doc.document, doc.path):
                if not _allows(statement):
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
            for arn, apath in _leaves(props.get("ManagedPolicyArns"),
                                      ("Resources", logical, "Properties", "ManagedPolicyArns")):
                text = _pattern(arn)
                match = _ADMIN_POLICY.search(text or "")
                if match:
                    yield Hit(Where(tpl.file, apath), f"role {logical}: the AWS managed policy {match.group(1)} "
                                                      "gives the CI role (and whoever runs its workflow) full control")


RULES = (oidc_sub_unpinned, oidc_aud_missing, bootstrap_role_too_broad)
