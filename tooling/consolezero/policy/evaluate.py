"""Effective access of a principal, for every IAM action at once, in three values.

An :class:`Access` is two bit sets: ``certain`` (allowed on every resource, with no condition left
open) and ``possible`` (allowed at least sometimes); ``certain`` is a subset of ``possible``. Per
action the decision is "allowed" (in certain), "fenced" (possible, not certain) or "denied".

A statement is *full* when its conditions hold in the known :class:`Context` (or it has none) and its
Resource is ``*``; *partial* when a condition is unknown or it names resources (NotResource included);
it is dropped when a known condition is false. IAM's logic, per action:

- identity: (full allows -> certain, any allow -> possible) minus denies: a full deny removes the
  action from both sets, a partial deny from ``certain`` only;
- a permissions boundary, if any, is evaluated the same way and intersected;
- SCPs, unless the account is the management account (``scp_levels=None``): for each level from the
  root down to the account, intersect with the union of that level's Allow statements, then subtract
  every SCP Deny on the path (full and partial as above).

:class:`Evaluator` compiles each policy once and memoizes results, so the matrix of all roles x all
accounts costs one evaluation per distinct (role, SCP chain, condition outcomes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .catalog import Catalog, load_catalog
from .compiled import _Chain, _Group, _Identity, _Pair, _Stmt, compile_statement
from .conditions import Context
from .document import Policy

T = TypeVar("T")


@dataclass(frozen=True)
class Labeled(Generic[T]):
    """A policy with where it comes from, e.g. ``Labeled("scps/deny-user.yaml", policy)``."""

    label: str
    policy: T


@dataclass(frozen=True)
class ScpLevel:
    """The SCPs attached at one level of the path, e.g. ``ScpLevel("ou:Workloads", (...))``."""

    label: str
    policies: tuple[Labeled[Policy], ...]


@dataclass(frozen=True)
class Access:
    """Bit sets over the catalog: ``certain`` (allowed outright) within ``possible`` (at least sometimes)."""

    certain: int
    possible: int

    def __init__(self, certain: int, possible: int) -> None:
        self.__dict__.update(certain=certain, possible=possible)  # (frozen: faster than object.__setattr__)

    @property
    def fenced(self) -> int:
        return self.possible ^ (self.possible & self.certain)

    def __repr__(self) -> str:  # the ints have thousands of digits
        return f"Access(certain=<{self.certain.bit_count()} actions>, possible=<{self.possible.bit_count()} actions>)"


@dataclass(frozen=True)
class Decision:
    action: str
    decision: str  # "allowed" | "fenced" | "denied"
    by: tuple[str, ...]
    scps_apply: bool = True


class UnknownActionError(ValueError):
    """``decide`` was asked about an action the catalog does not have."""


@dataclass(frozen=True)
class IdentityHandle:
    """A compiled identity (policies + boundary), from :meth:`Evaluator.identity`."""

    core: _Identity


@dataclass(frozen=True)
class ChainHandle:
    """A compiled SCP path with its level labels, from :meth:`Evaluator.chain`."""

    core: _Chain
    labels: tuple[str, ...]


class Evaluation:
    """The effective access of one principal in one account, and why each action is decided."""

    __slots__ = ("access", "scps_apply", "catalog", "context", "_identity", "_chain")

    def __init__(self, access: Access, catalog: Catalog, identity: IdentityHandle, chain: ChainHandle | None,
                 context: Context) -> None:
        self.access = access
        self.scps_apply = chain is not None
        self.catalog = catalog
        self.context = context
        self._identity, self._chain = identity, chain

    @property
    def _outcomes(self) -> dict[_Stmt, bool | None]:
        dynamic = self._identity.core.dynamic + (self._chain.core.dynamic if self._chain else ())
        return {s: s.outcome(self.context) for s in dynamic}

    def decision_of(self, i: int) -> str:
        bit = 1 << i
        if self.access.certain & bit:
            return "allowed"
        return "fenced" if self.access.possible & bit else "denied"

    def decide(self, action: str) -> Decision:
        """The decision on one action, with the statements (or missing Allow) that decide it."""
        i = self.catalog.lookup(action)
        if i is None:
            raise UnknownActionError(action)
        from .explain import explain

        decision = self.decision_of(i)
        by = explain(self, 1 << i, decision)
        return Decision(self.catalog.actions[i], decision, by, self.scps_apply)


_EMPTY = Context()


class Evaluator:
    """Compiles policies once and memoizes evaluations; one per catalog (and per run).

    Compiled policies are cached by object identity (the cache holds the :class:`Policy`, so its id
    stays valid): parse each document once and pass the same object everywhere it is attached.
    For many evaluations, compile once with :meth:`identity` and :meth:`chain`, then call :meth:`run`.
    """

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or load_catalog()
        self._policies: dict[tuple[int, str], tuple[Policy, tuple[_Stmt, ...]]] = {}
        self._identities: dict[tuple[object, ...], IdentityHandle] = {}
        self._chains: dict[tuple[object, ...], _Chain] = {}
        self._access: dict[tuple[_Pair, _Pair | None], Access] = {}
        self._last_chain: tuple[tuple[ScpLevel, ...], ChainHandle] | None = None

    def compile(self, labeled: Labeled[Policy]) -> tuple[_Stmt, ...]:
        key = (id(labeled.policy), labeled.label)
        hit = self._policies.get(key)
        if hit is not None and hit[0] is labeled.policy:
            return hit[1]
        stmts = [s for st in labeled.policy.statements
                 if st.effect is not None and (st.actions is not None or st.not_actions is not None)
                 for s in compile_statement(self.catalog, f"{labeled.label}#{st.name}", st)]
        compiled = tuple(stmts)
        self._policies[key] = (labeled.policy, compiled)
        return compiled

    def _group(self, policies: Iterable[Labeled[Policy]]) -> _Group:
        if policies.__class__ in (list, tuple) and len(policies) == 1:  # type: ignore[arg-type]
            return _Group(self.compile(policies[0]))  # type: ignore[index]  # (its tuple, not a copy)
        return _Group([s for p in policies for s in self.compile(p)])

    def identity(self, identity: Sequence[Labeled[Policy]], boundary: Labeled[Policy] | None = None
                 ) -> IdentityHandle:
        """Compile (once) the identity policies of a role and its permissions boundary."""
        key = (tuple([(id(p.policy), p.label) for p in identity]),
               (id(boundary.policy), boundary.label) if boundary else None)
        handle = self._identities.get(key)
        if handle is None:
            core = _Identity(self._group(identity), self._group([boundary]) if boundary else None,
                             boundary.label if boundary else None)
            handle = self._identities[key] = IdentityHandle(core)
        return handle

    def chain(self, scp_levels: Sequence[ScpLevel | Sequence[Labeled[Policy]]]) -> ChainHandle:
        """Compile (once per distinct set of policies) the SCP path, root first."""
        last = self._last_chain  # the same ScpLevel objects as last time (a run evaluating many policies
        if last is not None and scp_levels.__class__ in (list, tuple) and len(last[0]) == len(scp_levels):
            for a, b in zip(last[0], scp_levels, strict=True):  # noqa: SIM110 - a hot path: no generator
                if a is not b:
                    break
            else:  # under one path): the handle of last time
                return last[1]
        handle = self._chain(scp_levels)
        # kept for frozen levels holding tuples only: nothing in them can change while they are the same
        if scp_levels.__class__ in (list, tuple) and all(
                level.__class__ is ScpLevel and level.policies.__class__ is tuple for level in scp_levels):
            self._last_chain = (tuple(scp_levels), handle)
        return handle

    def _chain(self, scp_levels: Sequence[ScpLevel | Sequence[Labeled[Policy]]]) -> ChainHandle:
        levels: list[tuple[Labeled[Policy], ...]] = []
        labels: list[str] = []
        for n, level in enumerate(scp_levels):
            if isinstance(level, ScpLevel):
                levels.append(tuple(level.policies))
                labels.append(level.label)
            else:
                levels.append(tuple(level))
                labels.append("root" if n == 0 else f"SCP level {n}")
        key = tuple([tuple([(id(p.policy), p.label) for p in lv]) for lv in levels])
        core = self._chains.get(key)
        if core is None:
            core = self._chains[key] = _Chain([self._group(lv) for lv in levels], self.catalog.all_mask)
        return ChainHandle(core, tuple(labels))

    def run(self, identity: IdentityHandle, chain: ChainHandle | None, context: Context | None = None
            ) -> Evaluation:
        """Evaluate a compiled identity under a compiled SCP path (None: the management account)."""
        context = context or _EMPTY
        core = identity.core
        ident = core.static or core.result(context)
        if chain is None:
            cap = None
        else:
            core = chain.core
            cap = core.static or core.result(context)
        key = (ident, cap)
        access = self._access.get(key)
        if access is None:
            if cap is None:
                access = Access(ident.certain, ident.possible)
            elif ident.certain is ident.possible and cap.certain is cap.possible:  # (one set: see _Group._fold)
                both = ident.certain & cap.certain
                access = Access(both, both)
            else:
                access = Access(ident.certain & cap.certain, ident.possible & cap.possible)
            self._access[key] = access
        return Evaluation(access, self.catalog, identity, chain, context)

    def scp_access(self, scp_levels: Sequence[ScpLevel | Sequence[Labeled[Policy]]],
                   context: Context | None = None) -> Access:
        """The most the SCPs on a path let through, for any principal (``possible == 0``: a lockout)."""
        cap = self.chain(scp_levels).core.result(context or _EMPTY)
        return Access(cap.certain, cap.possible)

    def evaluate(self, identity: Sequence[Labeled[Policy]], boundary: Labeled[Policy] | None,
                 scp_levels: Sequence[ScpLevel | Sequence[Labeled[Policy]]] | None,
                 context: Context | None = None) -> Evaluation:
        """Compile (cached) and :meth:`run`; ``scp_levels=None`` is the management account."""
        chain = self.chain(scp_levels) if scp_levels is not None else None
        return self.run(self.identity(identity, boundary), chain, context)

    @property
    def distinct_evaluations(self) -> int:
        return len(self._access)


_DEFAULT: dict[int, Evaluator] = {}


def evaluate(identity: Sequence[Labeled[Policy]], boundary: Labeled[Policy] | None,
             scp_levels: Sequence[ScpLevel | Sequence[Labeled[Policy]]] | None,
             context: Context | None = None, catalog: Catalog | None = None) -> Evaluation:
    """Effective access of ``identity`` (capped by ``boundary``) under ``scp_levels`` (root first).

    ``scp_levels=None`` means the management account, which SCPs do not restrict. Uses a process-wide
    :class:`Evaluator` per catalog; build your own for a bounded cache.
    """
    cat = catalog or load_catalog()
    ev = _DEFAULT.get(id(cat))
    if ev is None or ev.catalog is not cat:
        ev = _DEFAULT[id(cat)] = Evaluator(cat)
    return ev.evaluate(identity, boundary, scp_levels, context)
