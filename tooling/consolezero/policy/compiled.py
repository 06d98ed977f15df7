"""Compiled policies: statements as bit sets, grouped and memoized by what of the context matters.

Internal to the engine (:mod:`.evaluate` and :mod:`.explain` use it). A statement is *full*, *partial*
or *off* (see :mod:`.evaluate`); a group folds its statements into four bit sets (allow full/partial,
deny full/partial); an identity or an SCP path folds its groups into a (certain, possible) pair,
memoized by the *signature* of the context (only the keys, and ARN parts, its conditions look at).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .conditions import PRINCIPAL_KEYS, SECURE_TRANSPORT, Context, evaluate_conditions
from .document import Condition, Statement
from .patterns import statement_bits
from .resources import statement_scope

if TYPE_CHECKING:
    from .catalog import Catalog

_ARN_OPS = frozenset({"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"})
_STRING_OPS = frozenset({"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
                         "StringLike", "StringNotLike"})
_WILDCARD_OPS = _ARN_OPS | {"StringLike", "StringNotLike"}
_MEMO_LIMIT = 200_000
_UNSEEN = object()
_NO_MEMO: dict = {}  # (shared by every compiled part without conditions: never written, as never asked)


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
    used = [False] * 6
    for value in cond.values:
        parts = value.split(":", 5) if arn else value.split(":")
        if len(parts) != 6:
            return None
        for i, part in enumerate(parts):
            if not (wild and part and not part.strip("*")):
                used[i] = True
    return tuple([i for i in range(6) if used[i]]), not arn


class _Stmt:
    """One statement compiled: its label, effect, actions and conditions.

    ``bits`` are the actions it applies to on some resource, ``full`` (a subset) those it applies to on
    every resource (see :func:`~consolezero.policy.resources.statement_scope`). ``overrides`` fix the
    values of per-action keys for every action of ``bits`` (a statement whose conditions read such a
    key is compiled as several, one per set of actions with the same values).
    """

    __slots__ = ("label", "allow", "bits", "full", "conditions", "specs", "memo", "overrides")

    def __init__(self, label: str, st: Statement, bits: int, full: int,
                 overrides: dict[str, tuple[str, ...]] | None = None) -> None:
        self.label = label
        self.allow = st.effect == "Allow"
        self.bits = bits
        self.full = full
        self.conditions = st.conditions
        self.overrides = overrides or None
        # what of the context decides the outcome: the key, and for Arn* operators only the ARN parts
        # the patterns constrain (so every account shares one outcome for "arn:aws:iam::*:user/x")
        if st.conditions:
            fixed = overrides or {}
            specs = {}
            for c in st.conditions:
                key = c.key.lower()
                if key not in fixed:
                    specs[(key, _arn_parts_used(c))] = None
            self.specs: tuple[tuple[str, tuple[tuple[int, ...], bool] | None], ...] = tuple(specs)
        else:
            self.specs = ()
        self.memo: dict[object, bool | None] | None = None  # made on first use: by conditional ones only

    @property
    def scoped(self) -> bool:
        """Some of its actions apply on some resources only."""
        return self.full != self.bits

    def outcome(self, context: Context) -> bool | None:
        specs = self.specs
        signature = context.signature(specs[0]) if len(specs) == 1 else tuple(
            [context.signature(spec) for spec in specs])
        memo = self.memo
        if memo is None:
            memo = self.memo = {}
        value = memo.get(signature, _UNSEEN)  # (not try/except: a statement compiled afresh always misses)
        if value is _UNSEEN:
            if len(memo) > _MEMO_LIMIT:
                memo.clear()
            value = memo[signature] = evaluate_conditions(self.conditions, context, self.overrides)
        return value  # type: ignore[return-value]


def compile_statement(catalog: Catalog, label: str, st: Statement) -> list[_Stmt]:
    """A parsed statement as compiled statements: its actions judged by resource type, split by the
    value of ``aws:SecureTransport`` when its conditions read it (true for API calls, unknown for the
    actions the catalog marks "permission only")."""
    bits = statement_bits(catalog, st)
    full, partial = statement_scope(catalog, bits, st.resources, st.not_resources)
    if partial:
        bits = full | partial
    elif full is not bits:
        bits = full
    if not st.conditions or all(c.key.lower() != SECURE_TRANSPORT for c in st.conditions):
        return [_Stmt(label, st, bits, full)]
    other = catalog.permission_only_mask
    api = bits ^ (bits & other)
    out = [_Stmt(label, st, api, full & api, {SECURE_TRANSPORT: ("true",)})]
    if bits & other:
        out.append(_Stmt(label, st, bits & other, full & other))
    return out


def _status(stmt: _Stmt, outcomes: dict[_Stmt, bool | None], bit: int | None = None) -> str:
    """ "full" | "partial" | "off" for a statement (for the action ``bit``, or its widest part), given
    the outcomes of conditional statements."""
    cond = outcomes[stmt] if stmt.conditions else True
    if cond is False or (bit is not None and not stmt.bits & bit):
        return "off"
    if cond is True and (stmt.full & bit if bit is not None else stmt.full == stmt.bits):
        return "full"
    return "partial"


class _Group:
    """Statements whose allows and denies combine as one (identity, a boundary, or one SCP level)."""

    __slots__ = ("stmts", "static", "dynamic")

    def __init__(self, stmts: Sequence[_Stmt]) -> None:
        self.stmts = tuple(stmts)
        self.dynamic = tuple([s for s in stmts if s.conditions])
        self.static = self._fold([s for s in stmts if not s.conditions] if self.dynamic else self.stmts)

    @staticmethod
    def _fold(items: Iterable[_Stmt], outcomes: dict[_Stmt, bool | None] | None = None) -> list[int]:
        """[allow full, allow partial, deny full, deny partial]. A statement's ``full`` lies within its
        ``bits``, so each full set lies within its partial one; while they are equal (statements on
        every resource, no condition left open: the common case) they are one object, made once."""
        sets = [0, 0, 0, 0]  # allow full, allow partial, deny full, deny partial
        for s in items:
            cond = outcomes[s] if outcomes is not None and s.conditions else True
            if cond is False:
                continue
            full = s.full if cond is True else 0
            bits = s.bits
            i = 0 if s.allow else 2
            f, p = sets[i], sets[i + 1]  # (``x | y`` only when both are set: no copy of a big int when one is 0)
            if full is bits and f is p:
                sets[i] = sets[i + 1] = f | bits if f else bits
                continue
            if full:
                sets[i] = f | full if f else full
            if bits:
                sets[i + 1] = p | bits if p else bits
        return sets

    def resolve(self, outcomes: dict[_Stmt, bool | None]) -> list[int]:
        if not self.dynamic:
            return self.static
        (af, ap, df, dp), (xf, xp, yf, yp) = self.static, self._fold(self.dynamic, outcomes)
        allow = _or(af, xf)
        deny = _or(df, yf)
        return [allow, allow if af is ap and xf is xp else _or(ap, xp), deny,
                deny if df is dp and yf is yp else _or(dp, yp)]


def _or(a: int, b: int) -> int:
    """``a | b``, without copying a big int when the other is 0."""
    return a | b if a and b else a or b


def _but(a: int, b: int) -> int:
    """``a & ~b`` for non-negative ints, without ``~`` (a negative big int: several times slower)."""
    return a ^ (a & b) if b else a


def _allow_deny(af: int, ap: int, df: int, dp: int) -> tuple[int, int]:
    """(certain, possible): allowed in full and denied nowhere; allowed somewhere and not denied in full.
    (``af`` lies within ``ap`` and ``df`` within ``dp``: see :meth:`_Group._fold`.)"""
    certain = _but(af, dp)
    return certain, certain if af is ap and df is dp else _but(ap, df)


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
        if dynamic:
            self.specs = tuple(dict.fromkeys([spec for s in dynamic for spec in s.specs]))
            self.principal_specs = tuple([spec for spec in self.specs if spec[0] in PRINCIPAL_KEYS])
            self.by_signature: dict[object, _Pair] = {}
            self.by_principal: dict[object, _Pair] = {}
            self.by_outcomes: dict[tuple[bool | None, ...], _Pair] = {}
            self.static: _Pair | None = None
        else:  # the answer, when no condition (and no memo: nothing else is ever asked)
            self.specs = self.principal_specs = ()
            self.by_signature = self.by_principal = self.by_outcomes = _NO_MEMO
            self.static = self.compute(_NO_MEMO)

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
        for group in self.levels:  # (af within ap, df within dp: see _Group._fold)
            af, ap, df, dp = group.resolve(outcomes)
            certain &= af
            possible &= ap
            deny_full |= df
            deny_part |= dp
        return _Pair(_but(certain, deny_part), _but(possible, deny_full))
