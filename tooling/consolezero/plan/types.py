"""The plan's types: a Change (op, kind, name, target, phase, details, action) and the Plan.

``Op`` and ``Kind`` are string enums: their values are the JSON contract (``"op": "create"``), and a
Change built with plain strings is coerced to them (an unknown one is a ValueError, never a silent
no-op). A change's ``action`` is a typed :class:`Action`, one frozen dataclass per (op, kind) pair
(:mod:`consolezero.plan.actions`, :mod:`consolezero.plan.alert_actions`); the change refuses an
action of another pair. Apply dispatches on the action's class through its explicit table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar


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
    ALERT_BUS = "alert_bus"  # the guardrail alerts' other resources (alerts/deployment.py)
    ALERT_TOPIC = "alert_topic"
    ALERT_SUBSCRIPTION = "alert_subscription"
    ALERT_STACKSET = "alert_stackset"
    ALERT_FORWARDER = "alert_forwarder"


OPS = tuple(op.value for op in Op)
KINDS = tuple(kind.value for kind in Kind)
ADD_OPS = frozenset({Op.CREATE, Op.ATTACH, Op.ASSIGN})
CHANGE_OPS = frozenset({Op.UPDATE, Op.MOVE})
DESTROY_OPS = frozenset({Op.DELETE, Op.DETACH, Op.UNASSIGN})

# execution order: create/update, OUs, accounts, attach, detach, delete SCPs, assign, unassign, delete sets
P_DEFINE, P_OU, P_ACCOUNT, P_ATTACH, P_DETACH, P_DELETE_SCP, P_ASSIGN, P_UNASSIGN, P_DELETE_PS = (
    10, 20, 30, 40, 50, 60, 70, 80, 90)


@dataclass(frozen=True, kw_only=True)
class Action:
    """What apply needs to carry out one change (ids, documents): the base of every action type.

    Each subclass names its (op, kind) pair; its fields, in order, are the keys of the saved plan's
    ``action`` object (:mod:`consolezero.plan.action_codec` writes and reads them)."""

    OP: ClassVar[Op]
    KIND: ClassVar[Kind]
    # the pair's other action types differ by this key, present only in this one's JSON ("" : the default)
    FORM: ClassVar[str] = ""
    OMITTED: ClassVar[frozenset[str]] = frozenset()  # fields left out of the JSON when None (absent: unchanged)


@dataclass(frozen=True)
class Change:
    op: Op
    kind: Kind
    name: str
    target: str = ""
    phase: int = P_DEFINE
    summary: str = ""  # one readable line
    details: Mapping[str, Any] = field(default_factory=dict)  # for people: diffs, fields (JSON-safe)
    action: Action | None = None  # for apply: ids, documents (None only in a stub that apply never runs)

    def __post_init__(self) -> None:
        object.__setattr__(self, "op", Op(self.op))
        object.__setattr__(self, "kind", Kind(self.kind))
        action = self.action
        if action is not None and (not isinstance(action, Action) or (self.op, self.kind) != (action.OP, action.KIND)):
            what = f"a {action.OP} {action.KIND} action" if isinstance(action, Action) else type(action).__name__
            raise TypeError(f"a {self.op} {self.kind} change cannot carry {what} ({self.name})")


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
