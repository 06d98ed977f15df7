"""YAML with the position of every node, and the traps refused as findings.

The loader never raises for bad input: a file that cannot be read comes back as a
:class:`Document` with ``ok=False`` and a problem naming the rule (yaml-syntax,
duplicate-key). Limits: file size, expanded node count (alias bombs), nesting depth.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .files import outside_or_special
from .findings import Path
from .positions import deep_line, refusal

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
    """One YAML file: its data as plain Python values, and where each node stands.

    Positions are looked up when asked for (a finding, a rule that needs a line), by walking the
    composed node graph along the path: building the values records no position per node, and only the
    graphs of the last few documents loaded or looked at are kept; any other is composed again from the
    text on its first look-up (most files have no finding, and keeping every graph alive costs memory and
    garbage-collector walks).
    """

    file: str  # repository-relative, forward slashes
    text: str
    data: Any = None
    ok: bool = False
    problems: list[LoadProblem] = field(default_factory=list)
    # the source text of scalars YAML resolved to numbers (account-id traps)
    int_scalars: dict[Path, str] = field(default_factory=dict)
    # 1-based line -> (rules, reason) of `# consolezero: ignore[...]` comments
    ignores: dict[int, tuple[frozenset[str], str]] = field(default_factory=dict)
    composed: bool = False  # the text composes to a node graph (positions can be looked up)
    _node: Any = field(default=None, repr=False, compare=False)
    _entries: dict[int, dict[Any, tuple[Any, Any]]] = field(default_factory=dict, repr=False, compare=False)
    _found: dict[Path, tuple[int, tuple[int, int], tuple[int, int] | None]] = field(
        default_factory=dict, repr=False, compare=False)

    def _root(self) -> Any:
        """The composed root node (composed again from the text if it was forgotten)."""
        if self._node is None and self.composed:
            try:
                self._node = _compose(self.text)
            except (yaml.YAMLError, RecursionError):  # pragma: no cover - it composed once already
                self.composed = False
                return None
            self._remember()
        return self._node

    def _remember(self) -> None:  # a graph costs far more memory than the values: only the last few are kept
        _RECENT.append(self)
        if len(_RECENT) > _KEEP_GRAPHS:
            _RECENT.popleft()._forget()

    def _forget(self) -> None:
        self._node = None
        self._entries = {}

    def _mapping_entries(self, node: yaml.MappingNode) -> dict[Any, tuple[Any, Any]]:
        """key -> (key node, value node), the first of repeated keys, as the values were built."""
        found = self._entries.get(id(node))
        if found is None:
            found = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG or key_node.__class__ is not yaml.ScalarNode:
                    continue
                found.setdefault(_key(key_node), (key_node, value_node))
            self._entries[id(node)] = found
        return found

    def _walk(self, path: Path) -> tuple[int, tuple[int, int], tuple[int, int] | None]:
        """How many parts of ``path`` exist, the position of the deepest node reached and of its key."""
        answer = self._found.get(path)
        if answer is not None:
            return answer
        node, key_node, depth = self._root(), None, 0
        if node is None:
            return 0, (1, 1), None
        for part in path:
            if node.__class__ is yaml.MappingNode:
                try:
                    entry = self._mapping_entries(node).get(part)
                except TypeError:  # an unhashable path part
                    entry = None
                if entry is None:
                    break
                key_node, node = entry
            elif node.__class__ is yaml.SequenceNode and part.__class__ is int and 0 <= part < len(node.value):
                key_node, node = None, node.value[part]
            else:
                break
            depth += 1
        mark = node.start_mark
        key_at = (key_node.start_mark.line + 1, key_node.start_mark.column + 1) if key_node is not None else None
        answer = (depth, (mark.line + 1, mark.column + 1), key_at)
        self._found[path] = answer
        return answer

    def has(self, path: Path) -> bool:
        """Whether the node at ``path`` exists in the file (read from the values when they were built)."""
        path = tuple(path)
        if self.ok:
            node = self.data
            for part in path:
                in_dict = node.__class__ is dict and part.__class__ is not list and part in node
                if not (in_dict or node.__class__ is list and part.__class__ is int and 0 <= part < len(node)):
                    return False
                node = node[part]
            return True
        return self.composed and self._walk(path)[0] == len(path)

    def position(self, path: Path, key: bool = False) -> tuple[int, int]:
        """Line and column of the node at ``path`` (of its mapping key, with ``key``), or of its
        nearest existing ancestor."""
        path = tuple(path)
        depth, value_at, key_at = self._walk(path)
        return key_at if key and depth == len(path) and key_at is not None else value_at

    @property
    def positions(self) -> Mapping[Path, tuple[int, int]]:
        """Every node's (line, column) by path, looked up on demand (a read-only view)."""
        from .positions import PositionView

        return PositionView(self, key=False)

    @property
    def key_positions(self) -> Mapping[Path, tuple[int, int]]:
        """Every mapping key's (line, column) by the path of its value, looked up on demand."""
        from .positions import PositionView

        return PositionView(self, key=True)

    def get(self, path: Path, default: Any = None) -> Any:
        node = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return default
        return node


_KEEP_GRAPHS = 16
_RECENT: deque[Document] = deque()


class _Budget(Exception):
    def __init__(self, what: str, path: Path, node: yaml.Node) -> None:
        super().__init__(what)
        self.what, self.path, self.node = what, path, node


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_CONSTRUCT = yaml.constructor.SafeConstructor()  # only its scalar constructors are used (stateless)
_SCALARS = {
    "tag:yaml.org,2002:int": _CONSTRUCT.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCT.construct_yaml_float,
    "tag:yaml.org,2002:bool": _CONSTRUCT.construct_yaml_bool,
    "tag:yaml.org,2002:null": _CONSTRUCT.construct_yaml_null,
}


def _scalar_value(node: yaml.ScalarNode) -> Any:
    """A scalar's value; dates, binary and unknown tags keep their text, as does what does not convert."""
    tag = node.tag
    if tag == _STR_TAG:
        return node.value
    construct = _SCALARS.get(tag)
    if construct is None:
        return node.value
    try:
        value = construct(node)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        return node.value
    if value.__class__ is float and value != value:  # .nan: keep the text, it is not JSON
        return node.value
    return value


def _key(node: yaml.ScalarNode) -> Any:
    key = _scalar_value(node)
    return key if key is None or isinstance(key, str | int | float | bool) else str(key)


class _ValueBuilder:
    """Turns a composed node graph into plain values: no position is recorded per node (see
    :meth:`Document.position`); only numbers keep their source text, for the account-id traps."""

    def __init__(self, doc: Document, max_nodes: int) -> None:
        self.doc = doc
        self.left = max_nodes

    def build(self, node: yaml.Node, path: Path, depth: int) -> Any:
        self.left -= 1
        if self.left < 0:
            raise _Budget("expanded", path, node)
        if depth > MAX_DEPTH:
            raise _Budget("depth", path, node)
        tag = node.tag
        cls = node.__class__
        if cls is yaml.ScalarNode:
            if tag == _STR_TAG:
                return node.value
            if tag not in _STANDARD_TAGS:
                self._tag_problem(node, path)
                return node.value
            value = _scalar_value(node)
            if tag == _INT_TAG and value.__class__ is int:
                self.doc.int_scalars[path] = node.value
            return value
        if tag not in _STANDARD_TAGS:
            self._tag_problem(node, path)
        if cls is yaml.SequenceNode:
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        return self._mapping(node, path, depth)

    def _tag_problem(self, node: yaml.Node, path: Path) -> None:
        mark = node.start_mark
        self.doc.problems.append(LoadProblem("yaml-syntax", f"tag {node.tag} is not allowed here; plain YAML only",
                                             mark.line + 1, mark.column + 1, path))

    def _mapping(self, node: yaml.MappingNode, path: Path, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self._problem("merge keys (<<) are not supported; write the keys out", key_node, path)
                continue
            if key_node.__class__ is not yaml.ScalarNode:
                self._problem("a mapping key must be a plain scalar", key_node, path)
                continue
            key = key_node.value if key_node.tag == _STR_TAG else _key(key_node)
            if key in result:
                line = first[key].start_mark.line + 1
                self._problem(f"duplicate key {key!r} (first at line {line}); YAML keeps only one of them",
                              key_node, (*path, key), rule="duplicate-key")
                continue
            first[key] = key_node
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result

    def _problem(self, message: str, node: yaml.Node, path: Path, rule: str = "yaml-syntax") -> None:
        mark = node.start_mark
        self.doc.problems.append(LoadProblem(rule, message, mark.line + 1, mark.column + 1, path))


def _ignores(text: str) -> dict[int, tuple[frozenset[str], str]]:
    found: dict[int, tuple[frozenset[str], str]] = {}
    if "consolezero:" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        m = _SUPPRESS.search(line)
        if m:
            rules = frozenset(r.strip() for r in m.group(1).split(",") if r.strip())
            reason = m.group(2).strip()
            found[number] = (rules, "" if reason.startswith("#") else reason)  # a later comment is no reason
    return found


def load_text(file: str, text: str, max_nodes: int = DEFAULT_MAX_NODES) -> Document:
    """Parse YAML text. Never raises for bad input."""
    doc = Document(file=file, text=text)
    doc.ignores = _ignores(text)
    try:
        node = _compose(text)
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
        doc.problems.append(LoadProblem("yaml-syntax", "YAML nests too deeply to read", *deep_line(text, MAX_DEPTH)))
        return doc
    if node is None:
        doc.data, doc.ok = None, True
        return doc
    doc.composed, doc._node = True, node
    builder = _ValueBuilder(doc, max_nodes)
    try:
        doc.data = builder.build(node, (), 0)
    except _Budget as exc:
        message, line, column, path = refusal(doc, exc.what, exc.path, exc.node, max_nodes, MAX_DEPTH)
        doc.problems.append(LoadProblem("yaml-syntax", message, line, column, path))
        doc.data = None
        return doc
    except RecursionError:
        doc.problems.append(LoadProblem("yaml-syntax", "YAML nests too deeply to read", *deep_line(text, MAX_DEPTH)))
        return doc
    doc.ok = True
    doc._remember()  # kept while it is among the last few loaded or looked at; composed again after that
    return doc


def _compose(text: str) -> Any:
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def load_file(root: Any, relative: str, max_bytes: int = DEFAULT_MAX_BYTES,
              max_nodes: int = DEFAULT_MAX_NODES) -> Document:
    """Read ``root / relative`` with the size limit checked before anything is parsed.

    Only a regular file inside the repository is read: a symbolic link that leaves it (to /etc/passwd),
    loops or points to nothing, and anything that is not a regular file (a FIFO, a device such as
    /dev/zero, a socket) is a finding, never a read."""
    path = root / relative
    refused = outside_or_special(root, path)
    if refused is not None:
        doc = Document(file=relative, text="")
        doc.problems.append(LoadProblem("yaml-syntax", f"not read: {refused}", 1, 1))
        return doc
    try:
        size = path.stat().st_size
        raw = path.read_bytes() if size <= max_bytes else b""
    except OSError as exc:
        return _refused(relative, f"cannot read the file: {exc.strerror}")
    return load_bytes(relative, raw, max_bytes, max_nodes, size)


def _refused(relative: str, message: str, line: int = 1) -> Document:
    doc = Document(file=relative, text="")
    doc.problems.append(LoadProblem("yaml-syntax", message, line, 1))
    return doc


def decode(raw: bytes) -> str | UnicodeDecodeError:
    """The file's text (UTF-8, without a byte-order mark), or why it is not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc
    return text[1:] if text.startswith("\ufeff") else text


def load_bytes(relative: str, raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES, max_nodes: int = DEFAULT_MAX_NODES,
               size: int | None = None) -> Document:
    """Parse a file's bytes (read from disk or from git) with the same limits as :func:`load_file`."""
    size = len(raw) if size is None else size
    if size > max_bytes:
        return _refused(relative, f"refused: the file is {size:,} bytes, over the limit of {max_bytes:,} "
                                  "(limits.max_file_bytes in .consolezero.yaml)")
    text = decode(raw)
    if isinstance(text, UnicodeDecodeError):
        return _refused(relative, f"the file is not UTF-8 (byte {text.start})", raw[: text.start].count(b"\n") + 1)
    return load_text(relative, text, max_nodes=max_nodes)
