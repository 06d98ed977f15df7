"""YAML with the position of every node, and the traps refused as findings.

The loader never raises for bad input: a file that cannot be read comes back as a
:class:`Document` with ``ok=False`` and a problem naming the rule (yaml-syntax,
duplicate-key). Limits: file size, expanded node count (alias bombs), nesting depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .findings import Path

try:  # libyaml is 10x faster; fall back to the pure-Python composer
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the build of PyYAML
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_NODES = 100_000
MAX_DEPTH = 64

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:binary",
}
_INT_TAG = "tag:yaml.org,2002:int"
_SUPPRESS = re.compile(r"#\s*consolezero:\s*ignore\[([a-z0-9,\s-]+)\]\s*(.*?)(?:\s+#.*)?$")


@dataclass(frozen=True)
class LoadProblem:
    rule: str
    message: str
    line: int
    column: int
    path: Path = ()


@dataclass
class Document:
    """One YAML file: its data as plain Python values, and where each node stands."""

    file: str  # repository-relative, forward slashes
    text: str
    data: Any = None
    ok: bool = False
    problems: list[LoadProblem] = field(default_factory=list)
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    # the source text of scalars YAML resolved to numbers (account-id traps)
    int_scalars: dict[Path, str] = field(default_factory=dict)
    # 1-based line -> (rules, reason) of `# consolezero: ignore[...]` comments
    ignores: dict[int, tuple[frozenset[str], str]] = field(default_factory=dict)

    def position(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Line and column of the node at ``path``, or of its nearest known ancestor."""
        if key and path in self.key_positions:
            return self.key_positions[path]
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            if p in self.key_positions:
                return self.key_positions[p]
            p = p[:-1]
        return self.positions.get((), (1, 1))

    def get(self, path: Path, default: Any = None) -> Any:
        node = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return default
        return node


class _Budget(Exception):
    pass


class _Builder:
    """Turns a composed node graph into plain values, recording positions."""

    def __init__(self, doc: Document, max_nodes: int) -> None:
        self.doc = doc
        self.left = max_nodes
        self.constructor = yaml.SafeLoader("")  # only its scalar constructors are used

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.left -= 1
        if self.left < 0:
            raise _Budget("expanded")
        if depth > MAX_DEPTH:
            raise _Budget("depth")
        mark = node.start_mark
        self.doc.positions[path] = (mark.line + 1, mark.column + 1)
        if node.tag not in _STANDARD_TAGS:
            self.doc.problems.append(
                LoadProblem("yaml-syntax", f"tag {node.tag} is not allowed here; plain YAML only",
                            mark.line + 1, mark.column + 1, path)
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.doc.problems.append(
                    LoadProblem("yaml-syntax", "merge keys (<<) are not supported; write the keys out",
                                key_node.start_mark.line + 1, key_node.start_mark.column + 1, path)
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.doc.problems.append(
                    LoadProblem("yaml-syntax", "a mapping key must be a plain scalar",
                                key_node.start_mark.line + 1, key_node.start_mark.column + 1, path)
                )
                continue
            key = self._scalar(key_node, None)
            if not isinstance(key, str | int | float | bool) and key is not None:
                key = str(key)
            here = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                first = self.doc.key_positions.get((*path, key), here)
                self.doc.problems.append(
                    LoadProblem("duplicate-key",
                                f"duplicate key {key!r} (first at line {first[0]}); YAML keeps only one of them",
                                here[0], here[1], (*path, key))
                )
                continue
            self.doc.key_positions[(*path, key)] = here
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: Path | None) -> Any:
        tag = node.tag
        if tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary") or tag not in _STANDARD_TAGS:
            return node.value  # keep dates and unknown tags as their text
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            return node.value
        if tag == _INT_TAG and path is not None:
            self.doc.int_scalars[path] = node.value
        if isinstance(value, float) and value != value:  # .nan: keep the text, it is not JSON
            return node.value
        return value


def _ignores(text: str) -> dict[int, tuple[frozenset[str], str]]:
    found: dict[int, tuple[frozenset[str], str]] = {}
    if "consolezero:" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        m = _SUPPRESS.search(line)
        if m:
            rules = frozenset(r.strip() for r in m.group(1).split(",") if r.strip())
            found[number] = (rules, m.group(2).strip())
    return found


def load_text(file: str, text: str, max_nodes: int = DEFAULT_MAX_NODES) -> Document:
    """Parse YAML text. Never raises for bad input."""
    doc = Document(file=file, text=text)
    doc.ignores = _ignores(text)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and mark is not None and mark.index >= len(text.rstrip()):
            mark = exc.context_mark  # unclosed at the end of the file: point at what was left open
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or str(exc)).strip()
        if exc.context:
            problem = f"{problem} ({exc.context.strip()})"
        doc.problems.append(LoadProblem("yaml-syntax", f"YAML does not parse: {problem}", line, col))
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(LoadProblem("yaml-syntax", f"YAML does not parse: {exc}", 1, 1))
        return doc
    except RecursionError:
        doc.problems.append(LoadProblem("yaml-syntax", "YAML nests too deeply to read", 1, 1))
        return doc
    if node is None:
        doc.data, doc.ok = None, True
        doc.positions[()] = (1, 1)
        return doc
    builder = _Builder(doc, max_nodes)
    try:
        doc.data = builder.build(node, (), 0)
    except _Budget as exc:
        doc.positions.clear()
        doc.key_positions.clear()
        what = (
            f"more than {max_nodes:,} nodes once aliases are expanded (an alias bomb?)"
            if str(exc) == "expanded" else f"nesting deeper than {MAX_DEPTH} levels"
        )
        doc.problems.append(LoadProblem("yaml-syntax", f"refused: the YAML has {what}", 1, 1))
        doc.data = None
        return doc
    except RecursionError:
        doc.problems.append(LoadProblem("yaml-syntax", "YAML nests too deeply to read", 1, 1))
        return doc
    doc.ok = True
    return doc


def load_file(root: Any, relative: str, max_bytes: int = DEFAULT_MAX_BYTES,
              max_nodes: int = DEFAULT_MAX_NODES) -> Document:
    """Read ``root / relative`` with the size limit checked before anything is parsed."""
    path = root / relative
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _too_big(relative, size, max_bytes)
        raw = path.read_bytes()
    except OSError as exc:
        doc = Document(file=relative, text="")
        doc.problems.append(LoadProblem("yaml-syntax", f"cannot read the file: {exc.strerror}", 1, 1))
        return doc
    return load_bytes(relative, raw, max_bytes, max_nodes)


def _too_big(relative: str, size: int, max_bytes: int) -> Document:
    doc = Document(file=relative, text="")
    doc.problems.append(LoadProblem(
        "yaml-syntax",
        f"refused: the file is {size:,} bytes, over the limit of {max_bytes:,} "
        "(limits.max_file_bytes in .consolezero.yaml)", 1, 1))
    return doc


def decode(raw: bytes) -> str | UnicodeDecodeError:
    """The file's text (UTF-8, without a byte-order mark), or why it is not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc
    return text[1:] if text.startswith("\ufeff") else text


def load_bytes(relative: str, raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES,
               max_nodes: int = DEFAULT_MAX_NODES) -> Document:
    """Parse a file's bytes (read from disk or from git) with the same limits as :func:`load_file`."""
    if len(raw) > max_bytes:
        return _too_big(relative, len(raw), max_bytes)
    text = decode(raw)
    if isinstance(text, UnicodeDecodeError):
        doc = Document(file=relative, text="")
        line = raw[: text.start].count(b"\n") + 1
        doc.problems.append(LoadProblem("yaml-syntax", f"the file is not UTF-8 (byte {text.start})", line, 1))
        return doc
    return load_text(relative, text, max_nodes=max_nodes)
