"""Positions in a YAML document, looked up on demand: a mapping view of them, and where a document the
loader refused (an alias bomb, nesting too deep) starts its trouble."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import yaml

from .findings import Path

if TYPE_CHECKING:
    from .loader import Document


class PositionView(Mapping):
    """A read-only mapping view of a document's positions: nothing is stored, each look-up walks."""

    def __init__(self, doc: Document, key: bool) -> None:
        self.doc, self.key = doc, key

    def __getitem__(self, path: Path) -> tuple[int, int]:
        path = tuple(path)
        depth, value_at, key_at = self.doc._walk(path)
        if depth != len(path) or not self.doc.composed:
            raise KeyError(path)
        if self.key:
            if key_at is None:
                raise KeyError(path)
            return key_at
        return value_at

    def __iter__(self) -> Iterator[Path]:
        root = self.doc._root()
        return iter(_all_paths(self.doc, root, (), set()) if root is not None else [])

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _all_paths(doc: Document, node: Any, path: Path, open_: set[int]) -> list[Path]:
    found = [path]
    if id(node) in open_ or len(path) > 64:  # MAX_DEPTH: no document the loader accepts nests deeper
        return found
    open_.add(id(node))
    if node.__class__ is yaml.SequenceNode:
        for i, child in enumerate(node.value):
            found.extend(_all_paths(doc, child, (*path, i), open_))
    elif node.__class__ is yaml.MappingNode:
        for key, (_, child) in doc._mapping_entries(node).items():
            found.extend(_all_paths(doc, child, (*path, key), open_))
    open_.discard(id(node))
    return found


def refusal(doc: Document, what_: str, at: Path, node: Any, max_nodes: int,
            max_depth: int) -> tuple[str, int, int, Path]:
    """An alias bomb or deep nesting, reported where it starts (the top-level entry that holds it): the
    message, line, column and path of the problem."""
    path = at[:1]
    line, column = doc.position(path, key=True) if path else (1, 1)
    mark = node.start_mark
    if what_ == "expanded":
        what = (f"more than {max_nodes:,} nodes once aliases are expanded (an alias bomb?): the aliases "
                f"under {_label(path)} multiply it")
    else:
        what = f"nesting deeper than {max_depth} levels: {_label(path)} goes that deep at line {mark.line + 1}"
    return f"refused: the YAML has {what}", line, column, path


def _label(path: Path) -> str:
    return f"{path[0]!s}" if path and isinstance(path[0], str) else f"item {path[0]}" if path else "the document"


def deep_line(text: str, max_depth: int) -> tuple[int, int]:
    """Where nesting first goes past max_depth levels, by brackets or indentation (1-based)."""
    flow = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) > 2 * max_depth:
            return number, 1
        for column, char in enumerate(line, start=1):
            if char in "[{":
                flow += 1
                if flow > max_depth:
                    return number, column
            elif char in "]}":
                flow -= 1
    return 1, 1


