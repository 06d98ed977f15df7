"""A change's action as the saved plan's JSON ``action`` object, and back, checked field by field.

Writing: the fields in their declared order; a field in the class's ``OMITTED`` is left out when None;
a :class:`~consolezero.plan.actions.Target` is its label, a tuple a list, a boundary or a ticket an
object. Reading never trusts the file: the entry's (op, kind) picks the class (where two share a pair,
the one whose ``FORM`` key is present); every field must be there (unless it may be left out) and of
its type; a key that is no field is refused too (a misspelt field, or one only another version of
consolezero knows: apply would silently ignore it, so the file is refused instead). Each refusal is
one line naming the field: ``action.tags is a list, expected an object``.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any

from consolezero.plan.actions import ACTIONS, Target
from consolezero.plan.alert_actions import ALERT_ACTIONS
from consolezero.plan.types import Action, Kind, Op


class ActionError(ValueError):
    """A saved action that cannot be read: one line, naming the field."""


def _by_pair() -> dict[tuple[Op, Kind], tuple[type[Action], ...]]:
    found: dict[tuple[Op, Kind], tuple[type[Action], ...]] = {}
    for cls in (*ACTIONS, *ALERT_ACTIONS):
        found[(cls.OP, cls.KIND)] = (*found.get((cls.OP, cls.KIND), ()), cls)
    for pair, classes in found.items():  # one default form per pair, the others told apart by their key
        assert sum(not c.FORM for c in classes) == 1 and len({c.FORM for c in classes}) == len(classes), pair
    return found


# (op, kind) -> the action types a change of that pair carries
ACTION_TYPES: dict[tuple[Op, Kind], tuple[type[Action], ...]] = _by_pair()


def action_json(action: Action) -> dict[str, Any]:
    """The action as the saved plan writes it."""
    return {f.name: _dump(getattr(action, f.name)) for f in dataclasses.fields(action)
            if not (f.name in action.OMITTED and getattr(action, f.name) is None)}


def _dump(value: Any) -> Any:
    if isinstance(value, Target):
        return value.label
    if isinstance(value, tuple | list):
        return [_dump(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {k: _dump(v) for k, v in value.items()}
    return value


def read_action(op: Op, kind: Kind, raw: Any) -> Action:
    """The typed action of a saved ``op kind`` entry; ActionError (one line) if it is not one."""
    classes = ACTION_TYPES.get((op, kind))
    if not classes:
        raise ActionError(f"{op} {kind} is not a change consolezero makes")
    if not isinstance(raw, Mapping):
        raise ActionError(f"action is {type_name(raw)}, expected an object")
    cls = next((c for c in classes if c.FORM and c.FORM in raw), None) or next(c for c in classes if not c.FORM)
    return typing.cast(Action, _read_fields(cls, raw, "action", cls.OMITTED, f"{op} {kind}"))


def _read_fields(cls: type, raw: Mapping[str, Any], path: str, omitted: frozenset[str], what: str) -> Any:
    names = [f.name for f in dataclasses.fields(cls)]
    extra = [key for key in raw if key not in names]
    if extra:
        raise ActionError(f"{path}.{extra[0]} is not a field of {what} (its fields: {', '.join(names)})")
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for name in names:
        if name not in raw:
            if name in omitted:
                continue
            raise ActionError(f"{path}.{name} is missing")
        values[name] = _read(hints[name], raw[name], f"{path}.{name}", allow_null=name not in omitted)
    return cls(**values)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _read(tp: Any, value: Any, path: str, allow_null: bool = True) -> Any:
    nullable = False
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        tp, nullable = inner[0], allow_null
        if value is None and nullable:
            return None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if not _shape_fits(origin or tp, value):
        raise ActionError(f"{path} is {type_name(value)}, expected {_expected(origin or tp)}"
                          + (" or null" if nullable else ""))
    if tp is Target:
        target = Target.parse(value)
        if target is None:
            raise ActionError(f"{path} {value!r} is not a target (root, ou:PATH, account:NAME or an AWS id)")
        return target
    if origin is tuple:
        if args[-1] is not Ellipsis and len(value) != len(args):
            raise ActionError(f"{path} has {len(value)} item(s), expected {len(args)}")
        kinds = [args[0]] * len(value) if args[-1] is Ellipsis else list(args)
        return tuple(_read(k, v, f"{path}[{i}]") for i, (k, v) in enumerate(zip(kinds, value, strict=True)))
    if origin is Mapping:
        key_type, value_type = args
        return {k: _read(value_type, v, f"{path}.{k}") for k, v in value.items()} if value_type is not Any \
            else dict(value)
    if dataclasses.is_dataclass(tp):
        return _read_fields(typing.cast(type, tp), value, path, frozenset(), path)
    return value


def _shape_fits(tp: Any, value: Any) -> bool:
    if tp is Any:
        return True
    if tp is bool:
        return isinstance(value, bool)
    if tp in (str, Target):
        return isinstance(value, str)
    if tp is tuple:
        return isinstance(value, list)
    if tp is Mapping or dataclasses.is_dataclass(tp):
        return isinstance(value, Mapping)
    raise TypeError(f"an action field of type {tp} cannot be read")  # pragma: no cover - a new field's type


def _expected(tp: Any) -> str:
    return {bool: "a boolean", str: "a string", Target: "a string", tuple: "a list"}.get(tp, "an object")


def type_name(value: Any) -> str:
    """A JSON value's type, in words (``a list``, ``null``)."""
    return {bool: "a boolean", type(None): "null", str: "a string", int: "an integer", float: "a number",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
