"""Compiled policies: statements as bit sets, grouped and memoized by what of the context matters.

Internal to the engine (:mod:`.evaluate` and :mod:`.explain` use it). A statement is *full*, *partial*
or *off* (see :mod:`.evaluate`); a group folds its statements into four bit sets (allow full/partial,
deny full/partial); an identity or an SCP path folds its groups into a (certain, possible) pair,
memoized by the *signature* of the context (only the keys, and ARN parts, its conditions look at).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .conditions import PRINCIPAL_KEYS, Context, evaluate_conditions
from .document import Condition, Statement

_UNIVERSAL = frozenset({"*", "arn:*:*:*:*:*"})
_ARN_OPS = frozenset({"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"})
_STRING_OPS = frozenset({"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
                         "StringLike", "StringNotLike"})
_WILDCARD_OPS = _ARN_OPS | {"StringLike", "StringNotLike"}
_MEMO_LIMIT = 200_000


def _arn_parts_used(cond: Condition) -> tuple[tuple[int, ...], bool] | None:
    """For a condition on ARNs, the ARN parts its values constrain, and whether the comparison is a
    plain string one; None when the whole value matters.

    Arn* operators compare the six colon-separated parts one by one. A String* pattern with exactly five
    colons, against a value with exactly five colons, does the same (its literal colons can only meet
    the value's colons, in order), so it qualifies too, for such values. A part that is only ``*`` under
    a wildcard operator matches anything: the value's part there cannot change the outcome.
    """
    base = cond.base_operator
    if base not in _ARN_OPS and base not in _STRING_OPS:
        return None
    if any("${" in v for v in cond.values):
        return None
    arn = base in _ARN_OPS
    wild = base in _WILDCARD_OPS
    used: set[int] = set()
    for value in cond.values:
        parts = value.split(":", 5) if arn else value.split(":")
        if len(parts) != 6:
            return None
        used.update(i for i, part in enumerate(parts) if not (wild and part and not part.strip("*")))
    return tuple(sorted(used)), not arn


class _Stmt:
    """One statement compiled: its label, effect, action bits, resource scope and conditions."""

    __slots__ = ("label", "allow", "bits", "scoped", "conditions", "specs", "memo")

    def __init__(self, label: str, st: Statement, bits: int) -> None:
        self.label = label
        self.allow = st.effect == "Allow"
        self.bits = bits
        if st.not_resources is not None:
            self.scoped = True
        else:
            self.scoped = st.resources is not None and not _UNIVERSAL.intersection(st.resources)
        self.conditions = st.conditions
        # what of the context decides the outcome: the key, and for Arn* operators only the ARN parts
        # the patterns constrain (so every account shares one outcome for "arn:aws:iam::*:user/x")
        self.specs = tuple(dict.fromkeys([(c.key.lower(), _arn_parts_used(c)) for c in st.conditions])
                           ) if st.conditions else ()
        self.memo: dict[object, bool | None] = {}

    def outcome(self, context: Context) -> bool | None:
        specs = self.specs
        signature = context.signature(specs[0]) if len(specs) == 1 else tuple(
            [context.signature(spec) for spec in specs])
        try:
            return self.memo[signature]
        except KeyError:
            if len(self.memo) > _MEMO_LIMIT:
                self.memo.clear()
            value = self.memo[signature] = evaluate_conditions(self.conditions, context)
            return value


def _status(stmt: _Stmt, outcomes: dict[_Stmt, bool | None]) -> str:
    """ "full" | "partial" | "off" for a statement, given the outcomes of conditional statements."""
    cond = outcomes[stmt] if stmt.conditions else True
    if cond is False:
        return "off"
    return "full" if cond is True and not stmt.scoped else "partial"


class _Group:
    """Statements whose allows and denies combine as one (identity, a boundary, or one SCP level)."""

    __slots__ = ("stmts", "static", "dynamic")

    def __init__(self, stmts: Sequence[_Stmt]) -> None:
        self.stmts = tuple(stmts)
        self.dynamic = tuple([s for s in stmts if s.conditions])
        self.static = self._fold([s for s in stmts if not s.conditions] if self.dynamic else self.stmts)

    @staticmethod
    def _fold(items: Iterable[_Stmt], outcomes: dict[_Stmt, bool | None] | None = None) -> list[int]:
        af = ap = df = dp = 0  # allow full/partial, deny full/partial
        for s in items:
            status = _status(s, outcomes) if outcomes is not None else ("partial" if s.scoped else "full")
            if status == "off":
                continue
            if s.allow:
                if status == "full":
                    af |= s.bits
                else:
                    ap |= s.bits
            elif status == "full":
                df |= s.bits
            else:
                dp |= s.bits
        return [af, ap, df, dp]

    def resolve(self, outcomes: dict[_Stmt, bool | None]) -> list[int]:
        if not self.dynamic:
            return self.static
        extra = self._fold(self.dynamic, outcomes)
        return [a | b for a, b in zip(self.static, extra, strict=True)]


def _but(a: int, b: int) -> int:
    """``a & ~b`` for non-negative ints, without ``~`` (a negative big int: several times slower)."""
    return a ^ (a & b) if b else a


def _allow_deny(af: int, ap: int, df: int, dp: int) -> tuple[int, int]:
    return _but(af, df | dp), _but(af | ap, df)


class _Pair:
    """(certain, possible) as an object: memo keys use its identity, never hash the big ints."""

    __slots__ = ("certain", "possible")

    def __init__(self, certain: int, possible: int) -> None:
        self.certain, self.possible = certain, possible


class _Dynamic:
    """Memo of a compiled part by what of the context matters: signature -> outcomes -> result.

    A context without ``extra`` knows only the principal keys, so its signature skips the other specs
    (their value is always unknown); such signatures live in their own table.
    """

    __slots__ = ("dynamic", "specs", "principal_specs", "by_signature", "by_principal", "by_outcomes", "static")

    def __init__(self, dynamic: tuple[_Stmt, ...]) -> None:
        self.dynamic = dynamic
        self.specs = tuple(dict.fromkeys([spec for s in dynamic for spec in s.specs])) if dynamic else ()
        self.principal_specs = tuple([spec for spec in self.specs if spec[0] in PRINCIPAL_KEYS])
        self.by_signature: dict[object, _Pair] = {}
        self.by_principal: dict[object, _Pair] = {}
        self.by_outcomes: dict[tuple[bool | None, ...], _Pair] = {}
        self.static: _Pair | None = None if dynamic else self.compute({})  # the answer, when no condition

    def result(self, context: Context) -> _Pair:
        if self.static is not None:
            return self.static
        if context.extra:
            table, specs = self.by_signature, self.specs
        else:
            table, specs = self.by_principal, self.principal_specs
        signature = tuple([context.signature(spec) for spec in specs])
        pair = table.get(signature)
        if pair is None:
            outcomes = tuple([s.outcome(context) for s in self.dynamic])
            pair = self.by_outcomes.get(outcomes)
            if pair is None:
                pair = self.by_outcomes[outcomes] = self.compute(dict(zip(self.dynamic, outcomes, strict=True)))
            if len(table) > _MEMO_LIMIT:
                table.clear()
            table[signature] = pair
        return pair

    def compute(self, outcomes: dict[_Stmt, bool | None]) -> _Pair:
        raise NotImplementedError


class _Identity(_Dynamic):
    __slots__ = ("identity", "boundary", "boundary_label")

    def __init__(self, identity: _Group, boundary: _Group | None, boundary_label: str | None) -> None:
        self.identity, self.boundary, self.boundary_label = identity, boundary, boundary_label
        super().__init__(identity.dynamic + (boundary.dynamic if boundary else ()))

    def compute(self, outcomes: dict[_Stmt, bool | None]) -> _Pair:
        certain, possible = _allow_deny(*self.identity.resolve(outcomes))
        if self.boundary is not None:
            bc, bp = _allow_deny(*self.boundary.resolve(outcomes))
            certain, possible = certain & bc, possible & bp
        return _Pair(certain, possible)


class _Chain(_Dynamic):
    __slots__ = ("levels", "all_mask")

    def __init__(self, levels: Sequence[_Group], all_mask: int) -> None:
        self.levels = tuple(levels)
        self.all_mask = all_mask
        super().__init__(tuple(s for g in self.levels for s in g.dynamic))

    def compute(self, outcomes: dict[_Stmt, bool | None]) -> _Pair:
        certain = possible = self.all_mask
        deny_full = deny_part = 0
        for group in self.levels:
            af, ap, df, dp = group.resolve(outcomes)
            certain &= af
            possible &= af | ap
            deny_full |= df
            deny_part |= dp
        return _Pair(_but(certain, deny_full | deny_part), _but(possible, deny_full))
