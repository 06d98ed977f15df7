"""Why one action got its decision: the statements (or the missing Allow) that decide it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .compiled import _Group, _status

if TYPE_CHECKING:
    from .evaluate import Evaluation


def explain(ev: Evaluation, bit: int, decision: str) -> tuple[str, ...]:
    """Labels of the deciding statements for the action ``bit`` (see :meth:`Evaluation.decide`).

    - allowed: the identity Allow statements that grant it in full;
    - denied: the full Deny statements that cover it, else the first missing Allow:
      ``implicit deny: no identity Allow``, ``implicit deny: no Allow in permissions boundary X``,
      or ``no Allow in LEVEL`` for each SCP level without one;
    - fenced: the conditional or resource-scoped statements that keep it from being certain.
    """
    outcomes = ev._outcomes
    ident = ev._identity.core
    chain = ev._chain

    def covering(group: _Group, allow: bool, status: str) -> list[str]:
        return [s.label for s in group.stmts
                if s.allow is allow and _status(s, outcomes, bit) == status]

    def allows(group: _Group) -> bool:
        return bool(covering(group, True, "full") or covering(group, True, "partial"))

    groups = [ident.identity] + ([ident.boundary] if ident.boundary else [])
    levels = list(zip(chain.core.levels, chain.labels, strict=True)) if chain else []
    if decision == "allowed":
        return _unique(covering(ident.identity, True, "full"))
    if decision == "denied":
        denies = [label for g in groups + [g for g, _ in levels] for label in covering(g, False, "full")]
        if denies:
            return _unique(denies)
        if not allows(ident.identity):
            return ("implicit deny: no identity Allow",)
        if ident.boundary is not None and not allows(ident.boundary):
            return (f"implicit deny: no Allow in permissions boundary {ident.boundary_label}",)
        missing = [f"no Allow in {label}" for g, label in levels if not allows(g)]
        return _unique(missing) or ("denied",)
    by: list[str] = []
    for g in groups + [g for g, _ in levels]:
        if not covering(g, True, "full"):
            by += covering(g, True, "partial")
        by += covering(g, False, "partial")
    return _unique(by)


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
