"""A saved plan (``plan --out plan.json``): written in full, read back checked.

Reading never trusts the file: every entry must be an object with a known ``op`` and ``kind`` and
fields of the right types, and its ``action`` the fields of its typed action
(:mod:`consolezero.plan.action_codec`: none missing, none unknown, each of its type), or the file is
refused with one line naming the entry and the field. Even a valid file
is only a confirmation: ``apply --plan`` re-plans and refuses unless the result is the same
(:func:`consolezero.plan.service.confirm_saved`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from consolezero.core.contracts import VERSION, dump_json, versioned
from consolezero.plan.action_codec import ActionError, action_json, read_action, type_name
from consolezero.plan.types import Change, Kind, Op, Plan


class PlanFileError(ValueError):
    """A saved plan that cannot be read: one line, naming the entry."""


def change_record(change: Change, full: bool = True) -> dict[str, Any]:
    """One change as JSON: the contract's fields, plus phase and action in full (saved) form."""
    data: dict[str, Any] = {"op": change.op.value, "kind": change.kind.value, "name": change.name,
                            "target": change.target}
    if change.details.get("principal"):
        data["principal"] = change.details["principal"]
    data["summary"] = change.summary
    if change.details:
        data["details"] = dict(change.details)
    if full:
        data["phase"] = change.phase
        data["action"] = action_json(change.action) if change.action is not None else {}
    return data


def to_document(plan: Plan, full: bool = True) -> dict[str, Any]:
    add, change, destroy = plan.counts()
    data: dict[str, Any] = {"fingerprint": plan.fingerprint,
                            "changes": [change_record(c, full) for c in plan.changes],
                            "summary": {"add": add, "change": change, "destroy": destroy},
                            "errors": list(plan.errors), "warnings": list(plan.warnings),
                            "preflight": [dict(p) for p in plan.preflight], "held": [dict(h) for h in plan.held]}
    if plan.context.get("weakened_safety"):
        data["weakened_safety"] = list(plan.context["weakened_safety"])
    if full:
        data["context"] = dict(plan.context)
    return versioned(data)


_TYPES: dict[type, str] = {str: "a string", int: "an integer", dict: "an object", list: "a list"}
_REQUIRED = (("op", str), ("kind", str), ("name", str), ("phase", int), ("action", dict))
_OPTIONAL = (("target", str), ("summary", str), ("details", dict))


def _is(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is dict:
        return isinstance(value, Mapping)
    return isinstance(value, kind)


def _label(i: int, raw: Any) -> str:
    if not isinstance(raw, Mapping):
        return f"changes[{i}]"
    words = [str(raw[k])[:60] for k in ("op", "kind", "name") if isinstance(raw.get(k), str)]
    return f"changes[{i}]" + (f" ({' '.join(words)})" if words else "")


def _change(i: int, raw: Any) -> Change:
    where = _label(i, raw)
    if not isinstance(raw, Mapping):
        raise PlanFileError(f"{where}: an entry must be an object, not {type_name(raw)}")
    for name, _ in _REQUIRED:
        if name not in raw:
            raise PlanFileError(f"{where}: missing field {name!r}")
    for name, kind in _REQUIRED + _OPTIONAL:
        if name in raw and not _is(raw[name], kind):
            raise PlanFileError(f"{where}: {name!r} is {type_name(raw[name])}, expected {_TYPES[kind]}")
    if raw["op"] not in Op.__members__.values():
        raise PlanFileError(f"{where}: unknown op {raw['op']!r} (one of {', '.join(Op)})")
    if raw["kind"] not in Kind.__members__.values():
        raise PlanFileError(f"{where}: unknown kind {raw['kind']!r} (one of {', '.join(Kind)})")
    op, kind = Op(raw["op"]), Kind(raw["kind"])
    try:
        action = read_action(op, kind, raw["action"])
    except ActionError as exc:
        raise PlanFileError(f"{where}: {exc}") from None
    return Change(op=op, kind=kind, name=raw["name"], target=raw.get("target", ""), phase=raw["phase"],
                  summary=raw.get("summary", ""), details=dict(raw.get("details") or {}), action=action)


def from_document(data: Any) -> Plan:
    """A Plan back from :func:`to_document` (``plan --out``); only full documents can be applied."""
    if not isinstance(data, Mapping) or data.get("version") != VERSION:
        raise PlanFileError("not a consolezero plan (version 1)")
    if "context" not in data or "changes" not in data:
        raise PlanFileError("this plan has no execution details; save it with `consolezero plan --out FILE`")
    for name, kind in (("fingerprint", str), ("changes", list), ("context", dict)):
        if name not in data:
            raise PlanFileError(f"{name!r} is missing: save the plan again with `consolezero plan --out FILE`")
        if not _is(data.get(name), kind):
            raise PlanFileError(f"{name!r} is {type_name(data.get(name))}, expected {_TYPES[kind]}")
    for name in ("errors", "warnings"):
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PlanFileError(f"{name!r} must be a list of strings")
    for name in ("preflight", "held"):
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise PlanFileError(f"{name!r} must be a list of objects")
    changes = tuple(_change(i, raw) for i, raw in enumerate(data["changes"]))
    return Plan(fingerprint=data["fingerprint"], changes=changes, errors=tuple(data.get("errors") or ()),
                warnings=tuple(data.get("warnings") or ()), context=dict(data["context"]),
                preflight=tuple(data.get("preflight") or ()), held=tuple(data.get("held") or ()))


def load_plan(text: str) -> Plan:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise PlanFileError(f"not JSON: {exc}") from None
    except RecursionError:
        raise PlanFileError("not JSON: nested too deeply") from None
    return from_document(data)


def dump_plan(plan: Plan) -> str:
    return dump_json(to_document(plan, full=True))


def first_difference(saved: Plan, fresh: Plan) -> str | None:
    """The first place where two plans' changes differ, as one readable phrase (None: the same)."""
    a = [json.loads(json.dumps(change_record(c))) for c in saved.changes]
    b = [json.loads(json.dumps(change_record(c))) for c in fresh.changes]
    for i, (left, right) in enumerate(zip(a, b, strict=False)):
        path = _differs(left, right, "")
        if path is not None:
            return f"changes[{i}] ({fresh.changes[i].summary or fresh.changes[i].name}): {path.lstrip('.')} differs"
    if len(a) > len(b):
        return f"changes[{len(b)}] ({saved.changes[len(b)].summary}) is in the saved plan only"
    if len(b) > len(a):
        return f"changes[{len(a)}] ({fresh.changes[len(a)].summary}) is missing from the saved plan"
    return None


def _differs(left: Any, right: Any, path: str) -> str | None:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            found = _differs(left.get(key, _ABSENT), right.get(key, _ABSENT), f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for i, (x, y) in enumerate(zip(left, right, strict=True)):
            found = _differs(x, y, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    return None if left == right else (path or "the entry")


_ABSENT = object()
