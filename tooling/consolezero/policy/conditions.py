"""What is known about a request (:class:`Context`) and three-valued evaluation of conditions.

Only keys the context knows are evaluated. Without more, a context knows ``aws:PrincipalArn``,
``aws:PrincipalAccount``, ``aws:PrincipalType`` and whatever ``Context.extra`` supplies. The context of
a person in an IAM Identity Center session (:meth:`Context.for_permission_set`) also knows the keys of
:data:`SESSION_KEYS` (their values are the same in every such session), the time (``aws:CurrentTime``,
``aws:EpochTime``, at ``now``), ``aws:SecureTransport`` for an action that is an API call (see
:mod:`.compiled`), and that the keys of :data:`ABSENT_KEYS` are never present. Anything else
(``aws:SourceIp``, ``aws:userid``, tags, ``aws:TokenIssueTime``, policy variables such as
``${aws:username}``) is *unknown*: the statement then holds only sometimes, which the engine reports as
"fenced".

Values: ``True`` (the condition holds), ``False`` (it does not; the statement does not apply),
``None`` (unknown). A key known to be absent decides as AWS does: ``...IfExists`` and negated
operators (``StringNotEquals``, ``ArnNotLike``, ...) hold, ``ForAllValues:`` holds and ``ForAnyValue:``
does not (an empty set), ``Null: true`` holds; every other operator does not.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType

from .document import NEGATED, Condition
from .globs import glob_match

# A fixed, representative suffix for the role IAM Identity Center creates per permission set. The real
# suffix is a per-account random hash that cannot be known offline; conditions in our repository match
# it with wildcards (``AWSReservedSSO_Admin_*``), so any fixed value gives the same answers.
SSO_ROLE_SUFFIX = "0123456789abcdef"

# the keys a Context knows without ``extra``
PRINCIPAL_KEYS = frozenset({"aws:principalarn", "aws:principalaccount", "aws:principaltype"})

# Keys whose value is the same in every request a person makes directly in an Identity Center session
# (the documented table is docs/engine.md; a test keeps the two in step).
SESSION_KEYS: dict[str, str] = {
    "aws:PrincipalType": "AssumedRole",  # an Identity Center session is an assumed role
    "aws:PrincipalIsAWSService": "false",  # a person, not a service principal
    "aws:ViaAWSService": "false",  # a direct call (a service calling on the person's behalf sets true)
}
# Keys a person's direct call never carries: only service principals and calls made by a service on
# someone's behalf have them.
ABSENT_KEYS: tuple[str, ...] = (
    "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:SourceArn", "aws:SourceAccount",
    "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast",
)
# Of ABSENT_KEYS, those no request of a person or role ever carries (only service principals' requests
# do), so identity policies, boundaries and SCPs, which govern persons and roles, never see them.
SERVICE_PRINCIPAL_KEYS: tuple[str, ...] = (
    "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:SourceArn", "aws:SourceAccount",
    "aws:SourceOrgID", "aws:SourceOrgPaths",
)
# String operators that compare literally: a ``*`` or ``?`` in their values is that character.
LITERAL_OPERATORS = frozenset({"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
                               "StringNotEqualsIgnoreCase"})
# Keys whose values may be the text ``*`` itself (a bare ``*`` under a literal operator means it):
# lambda:Principal "*" is a function's public permission; S3 prefixes and delimiters are free text.
STAR_VALUED_KEYS = frozenset({"lambda:principal", "s3:prefix", "s3:delimiter"})


def has_wildcard(text: str) -> bool:
    """Does ``text`` hold a ``*`` or ``?`` (a wildcard under StringLike/ArnLike, a character elsewhere)?"""
    return "*" in text or "?" in text


def literal_wildcard(base: str | None, key: str, value: str) -> bool:
    """Is ``value`` a wildcard pattern that ``base`` (a base operator) will compare literally, so that it
    cannot mean what it says? ``*``/``?`` inside a longer value always; a bare ``*`` unless the key's
    values may be ``*`` (:data:`STAR_VALUED_KEYS`). The one reader of this question (lint's
    condition-literal-wildcard and the OIDC trust rules)."""
    if base not in LITERAL_OPERATORS or not has_wildcard(value):
        return False
    return value != "*" or key.lower() not in STAR_VALUED_KEYS


# Known for actions that are API calls (every request of a person goes over TLS); a key whose value
# depends on the action, so the engine decides it per action (see compiled.py).
SECURE_TRANSPORT = "aws:securetransport"
# the global keys whose values are dates (Date operators are evaluated on these only)
DATE_KEYS = frozenset({"aws:currenttime", "aws:epochtime", "aws:tokenissuetime"})

_POSITIVE = {
    "StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike", "NumericNotEquals": "NumericEquals", "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike",
}


def permission_set_role_arn(account_id: str, permission_set: str, region: str | None = None) -> str:
    """The ARN of the role Identity Center makes for ``permission_set`` in ``account_id``.

    ``arn:aws:iam::ACCOUNT:role/aws-reserved/sso.amazonaws.com/REGION/AWSReservedSSO_NAME_<hash>``; the
    region segment is present when Identity Center runs outside us-east-1 (pass ``region=None`` to leave
    it out). The hash is :data:`SSO_ROLE_SUFFIX`, a fixed representative value: the real one is random.
    """
    segment = f"{region}/" if region else ""
    return (f"arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/{segment}"
            f"AWSReservedSSO_{permission_set}_{SSO_ROLE_SUFFIX}")


def time_keys(now: datetime) -> dict[str, str]:
    """``aws:CurrentTime`` and ``aws:EpochTime`` at ``now`` (naive = UTC)."""
    current, epoch = _time_strings(now)
    return {"aws:CurrentTime": current, "aws:EpochTime": epoch}


def _time_strings(now: datetime) -> tuple[str, str]:
    stamp = (now if now.tzinfo else now.replace(tzinfo=UTC)).timestamp()
    return _second(math.floor(stamp), int(stamp))


@functools.lru_cache(maxsize=8)
def _second(floor: int, whole: int) -> tuple[str, str]:
    """The two time keys of one second (a matrix asks for the same second thousands of times)."""
    return datetime.fromtimestamp(floor, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), str(whole)


def session_keys(now: datetime | None = None) -> dict[str, str | tuple[str, ...]]:
    """Every key known in a person's Identity Center session at ``now`` (default: the present moment),
    absent keys as ``()``: what :meth:`Context.for_permission_set` adds to ``extra``."""
    return dict(_session_at(_time_strings(now or datetime.now(UTC)))[0])


@functools.lru_cache(maxsize=8)
def _session_at(time: tuple[str, str]) -> tuple[Mapping[str, str | tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The session keys at one second: as ``extra`` holds them (read-only, shared by the contexts of that
    second), and as :meth:`Context.known` holds them (lower-case keys, tuples of values: copied per context)."""
    keys: dict[str, str | tuple[str, ...]] = dict(SESSION_KEYS)
    keys["aws:CurrentTime"], keys["aws:EpochTime"] = time
    keys.update({k: () for k in ABSENT_KEYS})
    table = {key.lower(): (value,) if isinstance(value, str) else tuple(value) for key, value in keys.items()}
    return MappingProxyType(keys), table


class Context:
    """What is known about the principal making requests (None = unknown).

    ``extra`` maps further condition keys (any case) to a value or a list of values, e.g.
    ``{"aws:MultiFactorAuthPresent": "true"}``.
    """

    __slots__ = ("principal_arn", "account_id", "principal_type", "extra", "_known", "_signatures")

    def __init__(self, principal_arn: str | None = None, account_id: str | None = None,
                 principal_type: str | None = None, extra: Mapping[str, str | Sequence[str]] | None = None
                 ) -> None:
        self.principal_arn = principal_arn
        self.account_id = account_id
        self.principal_type = principal_type
        self.extra: Mapping[str, str | Sequence[str]] = extra or {}
        self._known: dict[str, tuple[str, ...]] | None = None
        self._signatures: dict[tuple[str, tuple[tuple[int, ...], bool] | None], object] | None = None

    def __repr__(self) -> str:
        return (f"Context(principal_arn={self.principal_arn!r}, account_id={self.account_id!r}, "
                f"principal_type={self.principal_type!r}, extra={dict(self.extra)!r})")

    @classmethod
    def for_permission_set(cls, account_id: str, permission_set: str, region: str | None = None,
                           now: datetime | None = None, extra: Mapping[str, str | Sequence[str]] | None = None
                           ) -> Context:
        """The context of a person using ``permission_set`` in ``account_id`` (an assumed SSO role), at
        ``now`` (default: the present moment): the principal, and every key of :func:`session_keys`."""
        keys, table = _session_at(_time_strings(now or datetime.now(UTC)))
        arn = permission_set_role_arn(account_id, permission_set, region)
        if extra:
            return cls(arn, account_id, "AssumedRole", {**keys, **extra})
        context = cls(arn, account_id, "AssumedRole", keys)
        context._known = context._principal(dict(table))  # what known() would make (one per matrix pair)
        return context

    def known(self) -> dict[str, tuple[str, ...]]:
        """Every known key (lower-case) with its values."""
        known = self._known
        if known is None:
            known = {}
            for key, value in self.extra.items():
                known[key.lower()] = (value,) if isinstance(value, str) else tuple(value)
            self._known = known = self._principal(known)
        return known

    def _principal(self, known: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        """``known`` (the keys of ``extra``, lowered) with the principal's keys, which take precedence."""
        if self.principal_arn:
            known["aws:principalarn"] = (self.principal_arn,)
            parts = self.principal_arn.split(":", 5)
            if self.account_id is None and len(parts) == 6 and parts[4]:
                known["aws:principalaccount"] = (parts[4],)
        if self.account_id:
            known["aws:principalaccount"] = (self.account_id,)
        if self.principal_type:
            known["aws:principaltype"] = (self.principal_type,)
        return known

    def lookup(self, key: str) -> tuple[str, ...] | None:
        """The values of a condition key in this context (``()``: known to be absent), or None when unknown."""
        return self.known().get(key.lower())

    def _values(self, key: str) -> tuple[str, ...] | None:
        """``lookup`` for a lower-case key, without building the whole table in the common cases."""
        if not self.extra:
            if key == "aws:principalarn":
                return (self.principal_arn,) if self.principal_arn else None
            if key == "aws:principaltype":
                return (self.principal_type,) if self.principal_type else None
            if key != "aws:principalaccount":
                return None
        return self.known().get(key)

    def signature(self, spec: tuple[str, tuple[tuple[int, ...], bool] | None]) -> object:
        """What of a condition key can matter, for ``spec = (key in lower case, parts)``: the key's
        values, or, when ``parts = (indexes, strict)`` is given, only those parts of each value seen as
        an ARN (``strict``: only for values with exactly five colons; others are kept whole)."""
        cache = self._signatures
        if cache is None:
            cache = self._signatures = {}
        else:
            hit = cache.get(spec, _MISSING)
            if hit is not _MISSING:
                return hit
        key, parts = spec
        values: object = self._values(key)
        if values is not None and parts is not None:
            values = tuple([_pick(v, *parts) for v in values])  # type: ignore[union-attr]
        cache[spec] = values
        return values


_MISSING = object()


@functools.lru_cache(maxsize=256)
def _getter(parts: tuple[int, ...]) -> Callable[[list[str]], tuple[str, ...]]:
    """Picks ``parts`` out of a split ARN, always as a tuple (never confused with a whole value)."""
    if len(parts) > 1:
        return operator.itemgetter(*parts)  # type: ignore[return-value]
    return lambda split: tuple(split[i] for i in parts)


def _pick(value: str, parts: tuple[int, ...], strict: bool) -> object:
    split = value.split(":") if strict else value.split(":", 5)
    return _getter(parts)(split) if len(split) == 6 else value


def clear_caches() -> None:
    """Forget the compiled condition-value helpers and the session keys of recent seconds."""
    _second.cache_clear()
    _session_at.cache_clear()
    _getter.cache_clear()
    _arn_match.cache_clear()
    _like.cache_clear()


@functools.lru_cache(maxsize=8192)
def _like(pattern: str, value: str) -> bool:
    """StringLike, memoized: the same SCP conditions meet the same principals in every account."""
    return glob_match(pattern, value)


@functools.lru_cache(maxsize=8192)
def _arn_match(value: str, pattern: str) -> bool:
    """ArnEquals/ArnLike: each of the six colon-separated parts is matched on its own (wildcards allowed)."""
    vp, pp = value.split(":", 5), pattern.split(":", 5)
    if len(vp) != 6 or len(pp) != 6:
        return value == pattern if "*" not in pattern and "?" not in pattern else False
    for v, p in zip(vp, pp, strict=True):  # noqa: SIM110 - an equal part or a lone star matches at once
        if p != v and p != "*" and not glob_match(p, v):
            return False
    return True


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _match_one(base: str, value: str, pattern: str) -> bool | None:
    """Does a context value match one policy value under a positive operator? None if undecidable."""
    if base == "StringEquals":
        return value == pattern
    if base == "StringEqualsIgnoreCase":
        return value.lower() == pattern.lower()
    if base == "StringLike":
        return _like(pattern, value)  # linear: a crafted pattern cannot make it backtrack
    if base in ("ArnEquals", "ArnLike"):
        return _arn_match(value, pattern)
    if base == "Bool":
        return value.lower() == pattern.lower()
    if base == "IpAddress":
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return None
    for family, read in (("Numeric", _number), ("Date", parse_date)):
        if base.startswith(family):
            a, b = read(value), read(pattern)
            if a is None or b is None:
                return None
            compare = _ORDER.get(base[len(family):])
            return compare(a, b) if compare else None
    return None  # Binary*: not evaluated offline


# the comparison of a Numeric or Date operator (without its family and IfExists): value vs the policy's pattern
_ORDER = {"Equals": operator.eq, "LessThan": operator.lt, "LessThanEquals": operator.le,
          "GreaterThan": operator.gt, "GreaterThanEquals": operator.ge}


def parse_date(text: str) -> float | None:
    """A condition date as seconds since the epoch: ISO 8601 (``2020-01-01``, ``2020-01-01T00:00:00Z``,
    with an offset) or epoch seconds; None when it is neither. A date without a zone is UTC."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def absent_outcome(cond: Condition) -> bool | None:
    """How a condition on a key absent from the request decides (AWS's rules): ``Null`` by its value;
    ``...IfExists`` and ``ForAllValues:`` hold; ``ForAnyValue:`` does not; then negated operators hold
    and every other operator does not."""
    base = cond.base_operator
    if base is None:
        return None
    if base == "Null":
        flags = {v.lower() for v in cond.values}
        return "true" in flags if flags <= {"true", "false"} and len(flags) == 1 else None
    if cond.if_exists or cond.set_qualifier == "ForAllValues":
        return True  # no key, no test; every value of an empty set
    if cond.set_qualifier == "ForAnyValue":
        return False  # no value at all, so none that matches
    return base in NEGATED


def evaluate_condition(cond: Condition, context: Context,
                       overrides: Mapping[str, tuple[str, ...]] | None = None) -> bool | None:
    """One ``operator: {key: values}`` entry: True, False, or None when it cannot be decided.
    ``overrides`` (lower-case key -> values) take precedence over the context (per-action keys)."""
    base = cond.base_operator
    if base is None:
        return None
    actual = overrides.get(cond.key.lower()) if overrides else None
    if actual is None:
        actual = context.lookup(cond.key)
    if actual is None:
        return None
    if not actual:
        return absent_outcome(cond)
    if base.startswith("Date") and cond.key.lower() not in DATE_KEYS:
        return None  # a Date operator on a key that holds no date (lint: condition-date-operator)
    if base == "Null":  # the key is present in the context
        flags = {v.lower() for v in cond.values}
        return "false" in flags if flags <= {"true", "false"} and len(flags) == 1 else None
    if any("${" in v for v in cond.values):
        return None  # policy variables are not resolved offline
    positive = _POSITIVE.get(base, base)
    negated = positive != base
    matches: list[bool] = []
    for value in actual:
        hits = [_match_one(positive, value, p) for p in cond.values]
        if True in hits:
            matches.append(True)
        elif None in hits:
            return None
        else:
            matches.append(False)
    if cond.set_qualifier == "ForAllValues":
        return all(not m for m in matches) if negated else all(matches)
    if cond.set_qualifier == "ForAnyValue":
        return any(not m for m in matches) if negated else any(matches)
    return not any(matches) if negated else any(matches)


def evaluate_conditions(conditions: Sequence[Condition], context: Context,
                        overrides: Mapping[str, tuple[str, ...]] | None = None) -> bool | None:
    """A whole Condition block (AND across entries): False wins, then unknown, else True."""
    result: bool | None = True
    for cond in conditions:
        value = evaluate_condition(cond, context, overrides)
        if value is False:
            return False
        if value is None:
            result = None
    return result
