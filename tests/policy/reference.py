"""A reference evaluator: deliberately simple, written from AWS's documented evaluation logic.

One action at a time, one statement at a time: no bit sets, no caches, no shared code with the engine
but the catalog's data (action names, the ARN formats of their resource types, which actions are
"permission only"). It judges documents as raw mappings, in three values like the engine:

- a statement *applies* to the action ``always`` (its Action matches, every resource of the action's
  types matches, its conditions hold), ``never`` (its Action does not match, no resource matches, or a
  condition is false) or ``sometimes``;
- resources are judged by trying concrete ARNs: each ARN format of the action filled in with sample
  values (:data:`FILLERS`), ``*`` for an action without resource types; a pattern matches an ARN as
  IAM documents (case-sensitive, ``?`` one character, ``*`` within a segment, across colons when last
  in its segment);
- a condition is true, false or unknown from what the request context holds (a key known to be
  absent: :data:`ABSENT`); a Condition block is the AND of its entries;
- per AWS: an explicit Deny in any policy wins; the identity policies must allow; a permissions
  boundary, if any, must allow too; every SCP level from the root down must allow.

Where the engine is deliberately conservative the reference says the same (documented in
docs/engine.md): two statements that each apply "sometimes" are not combined into "always".
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
import itertools
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

ABSENT = None  # a key known to be absent from the request
FILLERS = ("x", "", "service/app-1", "app-1", "bucket-1", "123456789012")
ALWAYS, SOMETIMES, NEVER = "always", "sometimes", "never"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# -- actions ------------------------------------------------------------------------------------------
def action_matches(pattern: str, action: str) -> bool:
    """IAM's action matching: ``*`` alone is everything; else service:action, case-insensitive globs."""
    if pattern == "*":
        return True
    if pattern.count(":") != 1:
        return False
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


# -- resources ----------------------------------------------------------------------------------------
# The helpers below depend on their string argument alone: memoized, so that a property run translates each
# pattern and samples each ARN format once (the reference stays the same plain code).
@functools.cache
def _resource_regex(pattern: str) -> re.Pattern[str]:
    """``*`` matches within one ``:``-separated part, or anything when it ends the pattern or a part; ``?`` one
    character. Built from the literal runs between wildcards (one escape per run, not per character)."""
    parts = re.split(r"([*?])", pattern)  # literal, wildcard, literal, ... (literals may be empty)
    out = []
    for k, part in enumerate(parts):
        if part == "*" and k % 2:
            after = "".join(parts[k + 1:k + 3])[:1]  # the next character: the literal's, or the next wildcard
            out.append(".*" if after in ("", ":") else "[^:]*")
        elif part == "?" and k % 2:
            out.append(".")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out), re.S)


def resource_matches(pattern: str, arn: str) -> bool:
    return _resource_regex(pattern).fullmatch(arn) is not None


@functools.cache
def sample_arns(arn_format: str) -> tuple[str, ...]:
    """Concrete ARNs of one format: every combination of fillers for up to two placeholders; for more,
    every placeholder with the same filler, then each one alone varied."""
    names = re.findall(r"\$\{([^}]*)\}", arn_format)
    free = [n for n in dict.fromkeys(names) if n != "Partition"]

    def fill(values: Mapping[str, str]) -> str:
        text = arn_format.replace("${Partition}", "aws")
        for name, value in values.items():
            text = text.replace(f"${{{name}}}", value)
        return text

    if len(free) <= 2:  # every combination
        combos = [dict(zip(free, values, strict=True)) for values in itertools.product(FILLERS, repeat=len(free))]
        return tuple(dict.fromkeys(fill(c) for c in combos))
    out = [fill(dict.fromkeys(free, f)) for f in FILLERS]
    for name in free:
        for f in FILLERS:
            out.append(fill({n: (f if n == name else "x") for n in free}))
    return tuple(dict.fromkeys(out))


def _only_stars(pattern: str) -> bool:
    return bool(pattern) and set(pattern) == {"*"}


@functools.cache
def _format_regex(arn_format: str) -> re.Pattern[str]:
    """Every ARN of a format: ${Partition} is aws, any other placeholder any text without a colon."""
    parts = re.split(r"(\$\{[^}]*\})", arn_format)
    return re.compile("".join("aws" if p == "${Partition}" else "[^:]*" if p.startswith("${") else re.escape(p)
                              for p in parts))


def _instances(pattern: str) -> list[str]:
    """A few strings the pattern matches: each wildcard as nothing, as x, as x/x."""
    return [pattern.replace("*", w).replace("?", "x") for w in ("", "x", "x/x")]


def resource_scope(statement: Mapping[str, Any], service: str, arn_formats: Sequence[str]) -> str:
    """always / sometimes / never: how much of the action's resources the statement's Resource (or
    NotResource) covers. A format is *covered* when every sample ARN of it matches a pattern, *touched*
    when some ARN of it may match (a sample does, or a pattern matches an ARN of that shape). An action
    without resource types is covered only by ``*``, touched by a pattern naming an ARN of its service."""
    if "Resource" in statement:
        patterns, negate = tuple(str(p) for p in _as_list(statement["Resource"])), False
    elif "NotResource" in statement:
        patterns, negate = tuple(str(p) for p in _as_list(statement["NotResource"])), True
    else:
        return ALWAYS
    return _scope(patterns, negate, service, tuple(arn_formats))


@functools.cache
def _scope(patterns: tuple[str, ...], negate: bool, service: str, arn_formats: tuple[str, ...]) -> str:
    """resource_scope of the patterns (memoized: a statement is asked about many actions of a service)."""
    if any(_only_stars(p) for p in patterns):
        covered = touched = [True]
    else:
        shapes = list(arn_formats) or [f"arn:${{Partition}}:{service}:${{R}}:${{A}}:${{X}}"]
        regexes = [_resource_regex(p) for p in patterns]  # resource_matches, each pattern translated once here
        covered, touched = [], []
        for fmt in shapes:
            samples = sample_arns(fmt)
            hit = [any(r.fullmatch(arn) for r in regexes) for arn in samples]
            shape = _format_regex(fmt)
            covered.append(bool(arn_formats) and all(hit))
            touched.append(any(hit) or any(shape.fullmatch(x) and r.fullmatch(x)
                                           for p, r in zip(patterns, regexes, strict=True) for x in _instances(p)))
    full, some = all(covered), any(touched)
    if negate:
        return ALWAYS if not some else NEVER if full else SOMETIMES
    return ALWAYS if full else NEVER if not some else SOMETIMES


# -- conditions ---------------------------------------------------------------------------------------
_NEGATED = {"StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike", "NotIpAddress", "DateNotEquals",
            "NumericNotEquals", "StringNotEqualsIgnoreCase"}


def _date(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _one(base: str, actual: str, wanted: str) -> bool:
    if base in ("StringEquals", "StringNotEquals"):
        return actual == wanted
    if base in ("StringLike", "StringNotLike"):
        return fnmatch.fnmatchcase(actual, wanted)
    if base in ("ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"):
        a, w = actual.split(":", 5), wanted.split(":", 5)
        return len(a) == len(w) == 6 and all(fnmatch.fnmatchcase(x, y) for x, y in zip(a, w, strict=True))
    if base == "Bool":
        return actual.lower() == wanted.lower()
    if base in ("IpAddress", "NotIpAddress"):
        return ipaddress.ip_address(actual) in ipaddress.ip_network(wanted, strict=False)
    if base.startswith("Date"):
        a, w = _date(actual), _date(wanted)
        return {"DateGreaterThan": a > w, "DateLessThan": a < w, "DateEquals": a == w,
                "DateNotEquals": a == w, "DateGreaterThanEquals": a >= w, "DateLessThanEquals": a <= w}[base]
    raise AssertionError(f"reference: operator {base} not covered")


def condition(operator: str, key: str, wanted: Any, known: Mapping[str, Any]) -> bool | None:
    """One entry. ``known``: lower-case key -> list of values, or ABSENT; a key not in it is unknown."""
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base[: -len("IfExists")] if if_exists else base
    wanted = [str(w).lower() if isinstance(w, bool) else str(w) for w in _as_list(wanted)]
    low = key.lower()
    if low not in known:
        return None
    values = known[low]
    if values is ABSENT:
        if base == "Null":
            return wanted == ["true"]
        if if_exists or qualifier == "ForAllValues":
            return True  # IfExists: no key, no test; ForAllValues: every value of an empty set
        if qualifier == "ForAnyValue":
            return False  # no value at all, so none that matches
        return base in _NEGATED  # a missing value is "not equal" to anything
    if base == "Null":
        return wanted == ["false"]
    matched = [any(_one(base, v, w) for w in wanted) for v in values]
    if base in _NEGATED:
        matched = [not m for m in matched]
        if qualifier == "ForAnyValue":
            return any(matched)
        return all(matched)
    if qualifier == "ForAllValues":
        return all(matched)
    return any(matched)


def conditions(block: Mapping[str, Any] | None, known: Mapping[str, Any]) -> bool | None:
    result: bool | None = True
    for operator, entries in (block or {}).items():
        for key, wanted in entries.items():
            value = condition(operator, key, wanted, known)
            if value is False:
                return False
            if value is None:
                result = None
    return result


# -- statements and policies ------------------------------------------------------------------------
def statement_applies(statement: Mapping[str, Any], action: str, arn_formats: Sequence[str],
                      known: Mapping[str, Any]) -> str:
    if "Action" in statement:
        matched = any(action_matches(str(p), action) for p in _as_list(statement["Action"]))
    else:
        matched = not any(action_matches(str(p), action) for p in _as_list(statement["NotAction"]))
    if not matched:
        return NEVER
    scope = resource_scope(statement, action.split(":")[0].lower(), arn_formats)
    cond = conditions(statement.get("Condition"), known)
    if scope == NEVER or cond is False:
        return NEVER
    return ALWAYS if scope == ALWAYS and cond is True else SOMETIMES


def _statements(documents: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [s for d in documents for s in _as_list(d["Statement"])]


def _allows(statements: list[Mapping[str, Any]], applies: dict[int, str]) -> tuple[bool, bool]:
    """(certain, possible) of the Allow statements of one policy set."""
    allow = [applies[id(s)] for s in statements if s["Effect"] == "Allow"]
    return ALWAYS in allow, any(a != NEVER for a in allow)


def decide(action: str, arn_formats: Sequence[str], known: Mapping[str, Any],
           identity: Sequence[Mapping[str, Any]], boundary: Mapping[str, Any] | None = None,
           scp_levels: Sequence[Sequence[Mapping[str, Any]]] | None = None) -> str:
    """allowed / fenced / denied for one action (``scp_levels=None``: SCPs do not apply)."""
    groups = [_statements(identity)] + ([_statements([boundary])] if boundary is not None else [])
    levels = [_statements(level) for level in (scp_levels or [])]
    every = [s for g in groups + levels for s in g]
    applies = {id(s): statement_applies(s, action, arn_formats, known) for s in every}
    denies = [applies[id(s)] for s in every if s["Effect"] == "Deny"]
    if ALWAYS in denies:
        return "denied"
    certain = possible = True
    for g in groups + levels:
        c, p = _allows(g, applies)
        certain, possible = certain and c, possible and p
    if not possible:
        return "denied"
    return "allowed" if certain and SOMETIMES not in denies else "fenced"
