"""A tolerant parser of IAM policy documents (identity policies, boundaries and SCPs).

``parse_policy`` never raises on bad input: it keeps what it can read and reports the rest as
:class:`Problem` entries whose ``path`` points into the document (``("Statement", 0, "Action", 1)``),
so a linter can map them back to a line. Grammar problems have kind ``"invalid-policy"``; a condition
operator that IAM does not know has kind ``"unknown-condition-operator"``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

VERSIONS = ("2012-10-17", "2008-10-17")
TOP_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                  "Condition")
# base operator -> value type
OPERATORS: dict[str, str] = {
    "StringEquals": "String", "StringNotEquals": "String", "StringEqualsIgnoreCase": "String",
    "StringNotEqualsIgnoreCase": "String", "StringLike": "String", "StringNotLike": "String",
    "NumericEquals": "Numeric", "NumericNotEquals": "Numeric", "NumericLessThan": "Numeric",
    "NumericLessThanEquals": "Numeric", "NumericGreaterThan": "Numeric", "NumericGreaterThanEquals": "Numeric",
    "DateEquals": "Date", "DateNotEquals": "Date", "DateLessThan": "Date", "DateLessThanEquals": "Date",
    "DateGreaterThan": "Date", "DateGreaterThanEquals": "Date",
    "Bool": "Bool", "BinaryEquals": "Binary", "IpAddress": "Ip", "NotIpAddress": "Ip",
    "ArnEquals": "Arn", "ArnLike": "Arn", "ArnNotEquals": "Arn", "ArnNotLike": "Arn",
    "Null": "Null",
}
NEGATED = frozenset({"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
                     "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike"})
_QUALIFIERS = {"forallvalues": "ForAllValues", "foranyvalue": "ForAnyValue"}
_SID = re.compile(r"[A-Za-z0-9]*")
_TOP_KEYS, _STATEMENT_KEYS = frozenset(TOP_KEYS), frozenset(STATEMENT_KEYS)
_ABSENT = object()
# immutable values every parsed policy would otherwise make afresh (and keep, while it is kept): the
# commonest element, and the paths of the first statements
_STAR = ("*",)
_PATHS = tuple(("Statement", i) for i in range(32))

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class OperatorInfo:
    operator: str  # canonical spelling of the whole operator, e.g. "ForAnyValue:StringLikeIfExists"
    base: str  # e.g. "StringLike"
    if_exists: bool
    set_qualifier: str | None  # "ForAllValues" | "ForAnyValue" | None
    type: str  # String | Numeric | Date | Bool | Binary | Ip | Arn | Null
    negated: bool


@dataclass(frozen=True)
class Condition:
    operator: str  # as written
    key: str
    values: tuple[str, ...]  # stringified (booleans as "true"/"false")
    path: Path  # ("Statement", i, "Condition", operator, key)
    base_operator: str | None  # None when the operator is unknown
    if_exists: bool = False
    set_qualifier: str | None = None

    def __init__(self, operator: str, key: str, values: tuple[str, ...], path: Path, base_operator: str | None,
                 if_exists: bool = False, set_qualifier: str | None = None) -> None:
        # (frozen: one update of __dict__, not one object.__setattr__ per field as the generated __init__)
        self.__dict__.update(operator=operator, key=key, values=values, path=path, base_operator=base_operator,
                             if_exists=if_exists, set_qualifier=set_qualifier)


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str
    kind: str = "invalid-policy"


@dataclass(frozen=True)
class Statement:
    index: int
    sid: str | None
    effect: str | None  # "Allow" | "Deny" | None (missing or invalid)
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principal_present: bool
    conditions: tuple[Condition, ...]
    path: Path

    def __init__(self, index: int, sid: str | None, effect: str | None, actions: tuple[str, ...] | None,
                 not_actions: tuple[str, ...] | None, resources: tuple[str, ...] | None,
                 not_resources: tuple[str, ...] | None, principal_present: bool, conditions: tuple[Condition, ...],
                 path: Path) -> None:
        # (frozen: one update of __dict__ for the ten fields, made for every statement parsed, at less than
        # half the cost of the generated __init__'s ten object.__setattr__ calls)
        self.__dict__.update(index=index, sid=sid, effect=effect, actions=actions, not_actions=not_actions,
                             resources=resources, not_resources=not_resources,
                             principal_present=principal_present, conditions=conditions, path=path)

    @property
    def name(self) -> str:
        """The Sid, or ``Statement[i]`` when there is none."""
        return self.sid if self.sid else f"Statement[{self.index}]"


@dataclass(frozen=True, eq=False)
class Policy:
    """A parsed document. Compares and hashes by identity (engines cache compiled forms per object)."""

    statements: tuple[Statement, ...]
    problems: tuple[Problem, ...]
    version: str | None = None
    id: str | None = None

    def __init__(self, statements: tuple[Statement, ...], problems: tuple[Problem, ...], version: str | None = None,
                 id: str | None = None) -> None:  # noqa: A002 - the field's name
        self.__dict__.update(statements=statements, problems=problems, version=version, id=id)  # (as Statement)


def clear_caches() -> None:
    """Nothing to forget: condition operators are read from a table of the IAM language (kept)."""


def parse_operator(op: object) -> OperatorInfo | None:
    """Parse ``[ForAllValues:|ForAnyValue:]Base[IfExists]`` (names matched case-insensitively)."""
    if not isinstance(op, str) or not op:
        return None
    return _operators().get(op.lower())


@functools.cache
def _operators() -> dict[str, OperatorInfo]:
    """Every valid operator, lower-case, with what it means (made on first use)."""
    table = {}
    for qualifier in (None, *_QUALIFIERS.values()):
        for base, kind in OPERATORS.items():
            for if_exists in (False, True) if base != "Null" else (False,):
                canonical = (f"{qualifier}:" if qualifier else "") + base + ("IfExists" if if_exists else "")
                table[canonical.lower()] = OperatorInfo(canonical, base, if_exists, qualifier, kind, base in NEGATED)
    return table


def jsonable(value: Any) -> Any:
    """YAML values as JSON values (an unquoted date becomes its ISO text)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def minify(doc: object) -> str:
    """The document as uploaded: compact JSON (every character counts against AWS's size limits).

    The one place that decides it: lint's size checks and plan's upload both call this.
    """
    return json.dumps(jsonable(doc), separators=(",", ":"))


def minified_size(doc: object) -> int:
    """The size AWS counts for an SCP: characters of the minified JSON."""
    return len(minify(doc))


def _strings(value: object, statement: Path, problems: list[Problem], what: str) -> tuple[str, ...]:
    """The element ``what`` of the statement at ``statement`` as strings (its path is made only for a
    problem)."""
    if value.__class__ is list and value:  # the common case, checked in C: all non-empty strings
        out = tuple(value)
        try:
            "".join(out)  # type: ignore[arg-type]
        except TypeError:
            pass
        else:
            if "" not in out:
                return out
    elif value.__class__ is str and value:
        return _STAR if value == "*" else (value,)
    path = statement + (what,)
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for j, item in enumerate(items):
        where = path + (j,) if isinstance(value, list) else path
        if isinstance(item, str) and item:
            out.append(item)
        else:
            problems.append(Problem(where, f"{what} entries must be non-empty strings, got {item!r}"))
    if isinstance(value, list) and not value:
        problems.append(Problem(path, f"{what} must not be empty"))
    return tuple(out)


def _value_text(v: object) -> str | None:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int, float)):
        return str(v)
    return None


def _conditions(block: object, path: Path, problems: list[Problem]) -> tuple[Condition, ...]:
    if block.__class__ is not dict and not isinstance(block, Mapping):
        problems.append(Problem(path, "Condition must be a mapping of operator to {key: values}"))
        return ()
    out: list[Condition] = []
    for op, body in block.items():
        op_path = path + (op,)
        info = parse_operator(op)
        if info is None:
            problems.append(Problem(op_path, f"unknown condition operator {op!r}", "unknown-condition-operator"))
        if (body.__class__ is not dict and not isinstance(body, Mapping)) or not body:
            problems.append(Problem(op_path, f"condition {op!r} must map condition keys to values"))
            continue
        for key, raw in body.items():
            key_path = op_path + (key,)
            if not isinstance(key, str) or not key:
                problems.append(Problem(key_path, f"condition key must be a string, got {key!r}"))
                continue
            if raw.__class__ is str:  # the commonest case: one string
                values: tuple[str, ...] | list[str] = (raw,)
            else:
                items = raw if isinstance(raw, list) else [raw]
                values = []
                for j, v in enumerate(items):
                    if v.__class__ is str:
                        values.append(v)
                        continue
                    text = _value_text(v)
                    if text is None:
                        where = key_path + (j,) if isinstance(raw, list) else key_path
                        problems.append(Problem(where, f"condition values must be strings, numbers or booleans, "
                                                       f"got {v!r}"))
                    else:
                        values.append(text)
            if isinstance(raw, list) and not raw:
                problems.append(Problem(key_path, "condition values must not be empty"))
            out.append(Condition(  # (positional, in the order of Condition's fields)
                str(op), key, tuple(values), key_path, info.base if info else None,
                info.if_exists if info else False, info.set_qualifier if info else None))
    return tuple(out)


def _statement(i: int, raw: object, path: Path, problems: list[Problem]) -> Statement | None:
    if raw.__class__ is not dict and not isinstance(raw, Mapping):
        problems.append(Problem(path, "a statement must be a mapping"))
        return None
    if not _STATEMENT_KEYS.issuperset(raw):
        for key in raw:
            if key not in STATEMENT_KEYS:
                problems.append(Problem(path + (key,), f"unknown statement element {key!r}"))
    sid = raw.get("Sid")
    if sid is not None and (not isinstance(sid, str) or not _SID.fullmatch(sid)):
        problems.append(Problem(path + ("Sid",), "Sid must be a string of letters and digits"))
        sid = str(sid)
    effect = raw.get("Effect")
    if "Effect" not in raw:
        problems.append(Problem(path, "statement has no Effect"))
    elif effect not in ("Allow", "Deny"):
        problems.append(Problem(path + ("Effect",), _effect_message(effect)))
        effect = None

    get = raw.get
    actions = not_actions = resources = not_resources = None
    if (value := get("Action", _ABSENT)) is not _ABSENT:
        actions = _strings(value, path, problems, "Action")
    if (value := get("NotAction", _ABSENT)) is not _ABSENT:
        not_actions = _strings(value, path, problems, "NotAction")
    if actions is not None and not_actions is not None:
        problems.append(Problem(path + ("NotAction",), "a statement may have Action or NotAction, not both"))
    elif actions is None and not_actions is None:
        problems.append(Problem(path, "statement has neither Action nor NotAction"))
    if (value := get("Resource", _ABSENT)) is not _ABSENT:
        resources = _strings(value, path, problems, "Resource")
    if (value := get("NotResource", _ABSENT)) is not _ABSENT:
        not_resources = _strings(value, path, problems, "NotResource")
    if resources is not None and not_resources is not None:
        problems.append(Problem(path + ("NotResource",), "a statement may have Resource or NotResource, not both"))
    elif resources is None and not_resources is None:
        problems.append(Problem(path, "statement has neither Resource nor NotResource"))
    conditions = _conditions(raw["Condition"], path + ("Condition",), problems) if "Condition" in raw else ()
    # (positional, in the order of Statement's fields: keywords cost a third more, per statement)
    return Statement(i, sid, effect, actions, not_actions, resources, not_resources,
                     "Principal" in raw or "NotPrincipal" in raw, conditions, path)


def parse_policy(doc: object) -> Policy:
    """Parse a policy document (a mapping as loaded from YAML or JSON), reporting every problem."""
    problems: list[Problem] = []
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError as exc:
            return Policy((), (Problem((), f"policy is not valid JSON: {exc}"),))
    if doc.__class__ is not dict and not isinstance(doc, Mapping):
        return Policy((), (Problem((), "a policy document must be a mapping"),))
    if not _TOP_KEYS.issuperset(doc):
        for key in doc:
            if key not in TOP_KEYS:
                problems.append(Problem((key,), f"unknown top-level element {key!r}"))
    version = doc.get("Version")
    if "Version" in doc and version not in VERSIONS:
        problems.append(Problem(("Version",), f"Version must be \"2012-10-17\", got {version!r}"))
    raw = doc.get("Statement")
    statements: list[Statement] = []
    if raw is None:
        problems.append(Problem((), "policy has no Statement"))
    elif raw.__class__ is list:
        if not raw:
            problems.append(Problem(("Statement",), "Statement must not be empty"))
        for i, item in enumerate(raw):
            st = _statement(i, item, _PATHS[i] if i < len(_PATHS) else ("Statement", i), problems)
            statements += [st] if st else []
    elif isinstance(raw, Mapping):
        st = _statement(0, raw, ("Statement",), problems)
        statements += [st] if st else []
    elif isinstance(raw, list):
        if not raw:
            problems.append(Problem(("Statement",), "Statement must not be empty"))
        for i, item in enumerate(raw):
            st = _statement(i, item, ("Statement", i), problems)
            statements += [st] if st else []
    else:
        problems.append(Problem(("Statement",), "Statement must be a list of statements or one statement"))
    seen: set[str] = set()
    for st in statements:
        if st.sid:
            if st.sid in seen:
                problems.append(Problem(st.path + ("Sid",), f"duplicate Sid {st.sid!r}"))
            seen.add(st.sid)
    doc_id = doc.get("Id")
    return Policy(tuple(statements), tuple(problems), version if isinstance(version, str) else None,
                  doc_id if isinstance(doc_id, str) else None)


def _effect_message(effect: object) -> str:
    """What is wrong with an Effect, in the user's words."""
    if isinstance(effect, str) and effect.capitalize() in ("Allow", "Deny"):
        return (f"Effect is \"{effect}\": write Effect: {effect.capitalize()} (case matters: IAM takes only "
                "Allow and Deny)")
    shown = f'"{effect}"' if isinstance(effect, str) else "a list" if isinstance(effect, list) else str(effect)
    return f"Effect must be Allow or Deny, e.g. Effect: Deny; got {shown}"
