"""The plan's types: a Change (op, kind, name, target, phase, details, action) and the Plan.

``Op`` and ``Kind`` are string enums: their values are the JSON contract (``"op": "create"``), and a
Change built with plain strings is coerced to them (an unknown one is a ValueError, never a silent
no-op). Apply dispatches on the pair (op, kind) through its explicit table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Op(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    ATTACH = "attach"
    DETACH = "detach"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    MOVE = "move"


class Kind(StrEnum):
    SCP = "scp"
    ATTACHMENT = "attachment"
    OU = "ou"
    ACCOUNT = "account"
    PERMISSION_SET = "permission_set"
    ASSIGNMENT = "assignment"
    ALERT_RULE = "alert_rule"


OPS = tuple(op.value for op in Op)
KINDS = tuple(kind.value for kind in Kind)
ADD_OPS = frozenset({Op.CREATE, Op.ATTACH, Op.ASSIGN})
CHANGE_OPS = frozenset({Op.UPDATE, Op.MOVE})
DESTROY_OPS = frozenset({Op.DELETE, Op.DETACH, Op.UNASSIGN})

# execution order: create/update, OUs, accounts, attach, detach, delete SCPs, assign, unassign, delete sets
P_DEFINE, P_OU, P_ACCOUNT, P_ATTACH, P_DETACH, P_DELETE_SCP, P_ASSIGN, P_UNASSIGN, P_DELETE_PS = (
    10, 20, 30, 40, 50, 60, 70, 80, 90)


@dataclass(frozen=True)
class Change:
    op: Op
    kind: Kind
    name: str
    target: str = ""
    phase: int = P_DEFINE
    summary: str = ""  # one readable line
    details: Mapping[str, Any] = field(default_factory=dict)  # for people: diffs, fields (JSON-safe)
    action: Mapping[str, Any] = field(default_factory=dict)  # for apply: ids, documents (JSON-safe)

    def __post_init__(self) -> None:
        object.__setattr__(self, "op", Op(self.op))
        object.__setattr__(self, "kind", Kind(self.kind))


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
