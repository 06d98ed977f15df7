"""The policy documents of a repository, parsed once per lint run, for the IAM and SCP rules.

The documents: each SCP's ``policy``, each role's ``inline_policy`` and each role's
``permissions_boundary.policy``. :func:`policy_documents` parses each once and keeps the result in
``ctx.cache`` under :data:`CACHE_KEY`, so every rule (and the engine's per-policy compile caches,
which key on the :class:`~consolezero.policy.document.Policy` object) sees the same objects; the
access rules hand them to the access matrix through :func:`parsed_documents`. A
finding's path is the document's own path in its YAML file (``("inline_policy",)``) followed by the
path inside the document (``("Statement", 0, "Action", 2)``): :meth:`PolicyDoc.where` builds it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from consolezero.core.findings import Where
from consolezero.policy.document import Policy, Statement, parse_policy

from ..context import LintContext

CACHE_KEY = "iam.documents"

Path = tuple[Any, ...]


@dataclass(frozen=True)
class PolicyDoc:
    """One policy document of the repository, parsed once."""

    file: str
    base: Path  # where the document sits in its YAML file: ("policy",), ("inline_policy",), ...
    kind: str  # "scp" | "inline" | "boundary"
    owner: str  # the SCP's or role's name
    data: Any  # the document as loaded
    policy: Policy | None  # None when the document is not a mapping

    @property
    def label(self) -> str:
        what = {"scp": "SCP", "inline": "inline policy of role", "boundary": "permissions boundary of role"}
        return f"{what[self.kind]} {self.owner}"

    def node(self, path: Path) -> Any:
        value = self.data
        for part in path:
            if isinstance(value, Mapping):
                value = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                value = value[part]
            else:
                return None
        return value

    def where(self, path: Path) -> Where:
        """The node at ``path`` (inside the document); a mapping or list is pointed at by its key."""
        path = tuple(path)
        key = True  # the document itself: its key (`policy:`)
        if path:
            parent = self.node(path[:-1])
            key = isinstance(parent, Mapping) and isinstance(parent.get(path[-1]), Mapping | list)
        return Where(self.file, self.base + path, key=key)


def _name(data: Mapping, file: str) -> str:
    name = data.get("name")
    return name if isinstance(name, str) and name else file.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _doc(file: str, base: Path, kind: str, owner: str, data: Any) -> PolicyDoc:
    return PolicyDoc(file, base, kind, owner, data, parse_policy(data) if isinstance(data, Mapping) else None)


def policy_documents(ctx: LintContext) -> list[PolicyDoc]:
    """Every policy document of the repository (SCPs, then roles), parsed once per lint run."""
    cached = ctx.cache.get(CACHE_KEY)
    if cached is not None:
        return cached
    docs: list[PolicyDoc] = []
    for file in ctx.repo.files_of("scp"):
        data = ctx.repo.documents[file].data
        if isinstance(data, Mapping) and "policy" in data:
            docs.append(_doc(file, ("policy",), "scp", _name(data, file), data["policy"]))
    for file in ctx.repo.files_of("role"):
        data = ctx.repo.documents[file].data
        if not isinstance(data, Mapping):
            continue
        owner = _name(data, file)
        if data.get("inline_policy") is not None:
            docs.append(_doc(file, ("inline_policy",), "inline", owner, data["inline_policy"]))
        boundary = data.get("permissions_boundary")
        if isinstance(boundary, Mapping) and "policy" in boundary:
            docs.append(_doc(file, ("permissions_boundary", "policy"), "boundary", owner, boundary["policy"]))
    ctx.cache[CACHE_KEY] = docs
    return docs


def parsed_documents(ctx: LintContext) -> dict[tuple[str, Path], Policy]:
    """The parsed documents by (file, path in the file), for :class:`~consolezero.access.matrix.AccessMatrix`."""
    return {(doc.file, doc.base): doc.policy for doc in policy_documents(ctx) if doc.policy is not None}


def statements_of(ctx: LintContext) -> Iterator[tuple[PolicyDoc, Statement, Mapping]]:
    """(document, parsed statement, raw statement mapping) for every statement of every document."""
    for doc in policy_documents(ctx):
        if doc.policy is None:
            continue
        for st in doc.policy.statements:
            raw = doc.node(st.path)
            if isinstance(raw, Mapping):
                yield doc, st, raw


def items(value: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """(path, item) of each item of a value-or-list (an Action element, a condition's values)."""
    if isinstance(value, list):
        for j, item in enumerate(value):
            yield (*path, j), item
    elif value is not None:
        yield path, value


def entries(raw: Mapping, key: str, path: Path) -> Iterator[tuple[Path, Any]]:
    """(path, value) of each entry of a string-or-list statement element such as Action or Resource."""
    return items(raw.get(key), (*path, key))


def hints(names: list[str] | tuple[str, ...]) -> str:
    """"; did you mean a, b or c?" (empty without names)."""
    if not names:
        return ""
    names = list(names)
    return "; did you mean " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]) + "?"


def problem_message(doc: PolicyDoc, path: Path, message: str) -> str:
    """A parser problem's message, prefixed with the statement's Sid (or ``Statement[i]``) it is in."""
    if len(path) >= 2 and path[0] == "Statement":
        st = doc.node(path[:2] if isinstance(path[1], int) else path[:1])
        sid = st.get("Sid") if isinstance(st, Mapping) else None
        name = sid if isinstance(sid, str) and sid else f"Statement[{path[1] if isinstance(path[1], int) else 0}]"
        return f"{name}: {message}"
    return message
