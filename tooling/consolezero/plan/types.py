"""The plan's types: a Change (op, kind, name, target, phase, details, action) and the Plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OPS = ("create", "update", "delete", "attach", "detach", "assign", "unassign", "move")
KINDS = ("scp", "attachment", "ou", "account", "permission_set", "assignment", "alert_rule")  # alert_rule: later
ADD_OPS = frozenset({"create", "attach", "assign"})
CHANGE_OPS = frozenset({"update", "move"})
DESTROY_OPS = frozenset({"delete", "detach", "unassign"})

# execution order: create/update, OUs, accounts, attach, detach, delete SCPs, assign, unassign, delete sets
P_DEFINE, P_OU, P_ACCOUNT, P_ATTACH, P_DETACH, P_DELETE_SCP, P_ASSIGN, P_UNASSIGN, P_DELETE_PS = (
    10, 20, 30, 40, 50, 60, 70, 80, 90)


@dataclass(frozen=True)
class Change:
    op: str
    kind: str
    name: str
    target: str = ""
    phase: int = P_DEFINE
    summary: str = ""  # one readable line
    details: Mapping[str, Any] = field(default_factory=dict)  # for people: diffs, fields (JSON-safe)
    action: Mapping[str, Any] = field(default_factory=dict)  # for apply: ids, documents (JSON-safe)


@dataclass(frozen=True)
class Plan:
    fingerprint: str
    changes: tuple[Change, ...]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    context: Mapping[str, Any] = field(default_factory=dict)  # root id, instance, identity store, strategy
    # apply's break-glass preflight (one verdict per user, JSON-safe) and the changes it held back
    # ({"change", "account", "account_id", "missing", "fix"}): held changes remain to be done
    preflight: tuple[Mapping[str, Any], ...] = ()
    held: tuple[Mapping[str, Any], ...] = ()

    def counts(self) -> tuple[int, int, int]:
        add = sum(c.op in ADD_OPS for c in self.changes)
        change = sum(c.op in CHANGE_OPS for c in self.changes)
        destroy = sum(c.op in DESTROY_OPS for c in self.changes)
        return add, change, destroy
