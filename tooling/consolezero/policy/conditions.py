"""What is known about a request (:class:`Context`) and three-valued evaluation of conditions.

Only keys the context knows are evaluated: ``aws:PrincipalArn``, ``aws:PrincipalAccount``,
``aws:PrincipalType`` and whatever ``Context.extra`` supplies. Anything else (``aws:SourceIp``,
``aws:userid``, tags, policy variables such as ``${aws:username}``) is *unknown*: the statement then
holds only sometimes, which the engine reports as "fenced".

Values: ``True`` (the condition holds), ``False`` (it does not; the statement does not apply),
``None`` (unknown).
"""

from __future__ import annotations

import functools
import ipaddress
import operator
from collections.abc import Callable, Mapping, Sequence

from .action_index import glob_match
from .document import Condition

# A fixed, representative suffix for the role IAM Identity Center creates per permission set. The real
# suffix is a per-account random hash that cannot be known offline; conditions in our repository match
# it with wildcards (``AWSReservedSSO_Admin_*``), so any fixed value gives the same answers.
SSO_ROLE_SUFFIX = "0123456789abcdef"

# the keys a Context knows without ``extra``
PRINCIPAL_KEYS = frozenset({"aws:principalarn", "aws:principalaccount", "aws:principaltype"})

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
    def for_permission_set(cls, account_id: str, permission_set: str, region: str | None = None) -> Context:
        """The context of a person using ``permission_set`` in ``account_id`` (an assumed SSO role)."""
        return cls(permission_set_role_arn(account_id, permission_set, region), account_id, "AssumedRole")

    def known(self) -> dict[str, tuple[str, ...]]:
        """Every known key (lower-case) with its values."""
        known = self._known
        if known is None:
            known = {}
            for key, value in self.extra.items():
                known[key.lower()] = (value,) if isinstance(value, str) else tuple(value)
            if self.principal_arn:
                known["aws:principalarn"] = (self.principal_arn,)
                parts = self.principal_arn.split(":", 5)
                if self.account_id is None and len(parts) == 6 and parts[4]:
                    known["aws:principalaccount"] = (parts[4],)
            if self.account_id:
                known["aws:principalaccount"] = (self.account_id,)
            if self.principal_type:
                known["aws:principaltype"] = (self.principal_type,)
            self._known = known
        return known

    def lookup(self, key: str) -> tuple[str, ...] | None:
        """The values of a condition key in this context, or None when unknown."""
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
    """Forget the compiled condition-value helpers."""
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
    return all(glob_match(p, v) for v, p in zip(vp, pp, strict=True))


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
    if base.startswith("Numeric"):
        a, b = _number(value), _number(pattern)
        if a is None or b is None:
            return None
        op = base[len("Numeric"):]
        return {"Equals": a == b, "LessThan": a < b, "LessThanEquals": a <= b,
                "GreaterThan": a > b, "GreaterThanEquals": a >= b}.get(op)
    return None  # Date*, Binary*: not evaluated offline


def evaluate_condition(cond: Condition, context: Context) -> bool | None:
    """One ``operator: {key: values}`` entry: True, False, or None when it cannot be decided."""
    base = cond.base_operator
    if base is None:
        return None
    actual = context.lookup(cond.key)
    if actual is None:
        return None
    if base == "Null":  # the key is present in the context
        flags = {v.lower() for v in cond.values}
        return "false" in flags if flags <= {"true", "false"} else None
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


def evaluate_conditions(conditions: Sequence[Condition], context: Context) -> bool | None:
    """A whole Condition block (AND across entries): False wins, then unknown, else True."""
    result: bool | None = True
    for cond in conditions:
        value = evaluate_condition(cond, context)
        if value is False:
            return False
        if value is None:
            result = None
    return result
