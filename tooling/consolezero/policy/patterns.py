"""Action patterns (``iam:Pass*``, ``*:PassRole``, ``s?:Get*``) compiled to bit sets over the catalog.

Matching follows IAM: case-insensitive; ``*`` matches any run of characters (also none) and ``?``
exactly one, in the service part as well as the action part; a bare ``*`` is every action. A pattern
without exactly one colon matches nothing (and :func:`check_action_pattern` calls it malformed).

Speed: exact names go through the index; a literal service restricts the search to that service's
contiguous range; the literal text before the first wildcard narrows it further by bisection over the
sorted names (``Get*`` is then one contiguous run of bits, no regex at all); only the rest is matched
with one compiled regex over the service's newline-joined names.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .catalog import Catalog
from .document import Statement

_WILD = re.compile(r"[*?]")
_PART = re.compile(r"[A-Za-z0-9_.*?-]+")
_TOP = "\U0010ffff"


@dataclass(frozen=True)
class PatternIssue:
    """A problem with one action pattern, for the lint rules of the same names."""

    kind: str  # "unknown-service" | "unknown-action" | "matches-nothing" | "malformed"
    pattern: str
    message: str
    suggestions: tuple[str, ...] = ()


def _glob_source(glob: str) -> str:
    """A lower-case glob as regex source over one line (``*`` -> any run, ``?`` -> one character)."""
    return "".join("[^\n]*" if ch == "*" else "[^\n]" if ch == "?" else re.escape(ch) for ch in glob)


@functools.lru_cache(maxsize=4096)
def _glob_regex(glob: str) -> re.Pattern[str]:
    return re.compile(_glob_source(glob))


@functools.lru_cache(maxsize=4096)
def _line_regex(glob: str) -> re.Pattern[str]:
    return re.compile("^" + _glob_source(glob) + "$", re.MULTILINE)


class _Tables:
    """Lower-case action names per service (sorted, as in the catalog) and over the whole catalog."""

    __slots__ = ("names", "texts", "offsets", "all_names", "all_text", "line_starts", "by_action",
                 "sorted_names", "sorted_index", "service_of", "size")

    def __init__(self, catalog: Catalog) -> None:
        self.size = len(catalog.actions)
        self.all_names = [a.split(":", 1)[1].lower() for a in catalog.actions]
        self.all_text = "\n".join(self.all_names)
        self.line_starts: list[int] = []
        self.by_action: dict[str, list[int]] = {}
        pos = 0
        for i, name in enumerate(self.all_names):
            self.line_starts.append(pos)
            pos += len(name) + 1
            self.by_action.setdefault(name, []).append(i)
        order = sorted(range(self.size), key=self.all_names.__getitem__)
        self.sorted_names = [self.all_names[i] for i in order]
        self.sorted_index = order
        self.service_of: list[str] = [""] * self.size
        self.names: dict[str, list[str]] = {}
        self.texts: dict[str, str] = {}
        self.offsets: dict[str, dict[int, int]] = {}
        for prefix, info in catalog.services.items():
            names = self.all_names[info.start : info.end]
            self.service_of[info.start : info.end] = [prefix] * len(names)
            self.names[prefix] = names
            self.texts[prefix] = "\n".join(names)
            base = self.line_starts[info.start] if info.end > info.start else 0
            self.offsets[prefix] = {self.line_starts[info.start + j] - base: j for j in range(len(names))}

    def bits(self, indices: list[int]) -> int:
        """A bit set from positions; many positions go through one binary string, not many big ORs."""
        if len(indices) < 48:
            out = 0
            for i in indices:
                out |= 1 << i
            return out
        digits = bytearray(b"0") * self.size
        top = self.size - 1
        for i in indices:
            digits[top - i] = 49
        return int(digits, 2)


@functools.lru_cache(maxsize=8)
def _tables(catalog: Catalog) -> _Tables:
    return _Tables(catalog)


def _glob_match(pattern: str, text: str, start: int = 0) -> bool:
    """Wildcard match of ``text[start:]`` (``*`` any run, ``?`` one character), no regex to compile."""
    p, i, star, mark = 0, start, -1, start
    n, m = len(text), len(pattern)
    while i < n:
        if p < m and (pattern[p] == "?" or pattern[p] == text[i]):
            p += 1
            i += 1
        elif p < m and pattern[p] == "*":
            star, mark, p = p, i, p + 1
        elif star >= 0:
            p, mark = star + 1, mark + 1
            i = mark
        else:
            return False
    while p < m and pattern[p] == "*":
        p += 1
    return p == m


def _matcher(glob: str, candidates: int):  # noqa: ANN202 - (text, pos) -> truthy
    """Few candidates: match in Python; many: one compiled regex (compiling costs ~50 us)."""
    if candidates <= 16:
        return lambda text, pos=0: _glob_match(glob, text, pos)
    return _glob_regex(glob).fullmatch


def _range_mask(start: int, lo: int, hi: int) -> int:
    return ((1 << (hi - lo)) - 1) << (start + lo)


def _in_service(catalog: Catalog, prefix: str, act: str) -> int:
    info = catalog.services[prefix]
    if act == "*":
        return info.mask
    m = _WILD.search(act)
    if m is None:
        i = catalog.index.get(f"{prefix}:{act}")
        return 0 if i is None else 1 << i
    tables = _tables(catalog)
    names = tables.names[prefix]
    lead, rest = act[: m.start()], act[m.start() :]
    if lead:
        lo = bisect_left(names, lead)
        hi = bisect_left(names, lead + _TOP, lo)
        if lo == hi:
            return 0
        if rest == "*":
            return _range_mask(info.start, lo, hi)
        match = _matcher(rest, hi - lo)
        n = len(lead)
        return tables.bits([info.start + j for j in range(lo, hi) if match(names[j], n)])
    offsets = tables.offsets[prefix]
    return tables.bits([info.start + offsets[x.start()] for x in _line_regex(act).finditer(tables.texts[prefix])])


@functools.lru_cache(maxsize=4096)
def _services_matching(catalog: Catalog, svc: str) -> frozenset[str]:
    match = _matcher(svc, len(catalog.services))
    return frozenset(p for p in catalog.services if match(p))


def _across_services(catalog: Catalog, svc: str, act: str) -> int:
    """``svc`` has a wildcard: every service it matches, searched as fast as the pattern allows."""
    tables = _tables(catalog)
    if svc == "*":
        if act == "*":
            return catalog.all_mask
        svc_ok = None
    else:
        svc_ok = _services_matching(catalog, svc)
        if not svc_ok:
            return 0
        if len(svc_ok) <= 8 or act == "*":
            bits = 0
            for prefix in svc_ok:
                bits |= _in_service(catalog, prefix, act)
            return bits
    service_of = tables.service_of
    m = _WILD.search(act)
    if m is None:
        hits = tables.by_action.get(act, ())
        return tables.bits([i for i in hits if svc_ok is None or service_of[i] in svc_ok])
    lead, rest = act[: m.start()], act[m.start() :]
    names = tables.sorted_names
    if lead:  # one bisection over every name in the catalog
        lo = bisect_left(names, lead)
        hi = bisect_left(names, lead + _TOP, lo)
        order = tables.sorted_index
        if rest == "*":
            cand = order[lo:hi]
        else:
            match = _matcher(rest, hi - lo)
            n = len(lead)
            cand = [order[j] for j in range(lo, hi) if match(names[j], n)]
        return tables.bits([i for i in cand if svc_ok is None or service_of[i] in svc_ok])
    literal = max(re.split(r"[*?]+", act), key=len)
    if len(literal) < 2:
        bits = 0
        for prefix in svc_ok if svc_ok is not None else catalog.services:
            bits |= _in_service(catalog, prefix, act)
        return bits
    # leading wildcard: find the longest literal in the joined text, then check those lines
    rx = _glob_regex(act)
    text, starts, all_names = tables.all_text, tables.line_starts, tables.all_names
    found = []
    pos = text.find(literal)
    while pos >= 0:
        line = bisect_left(starts, pos + 1) - 1
        if (svc_ok is None or service_of[line] in svc_ok) and rx.fullmatch(all_names[line]):
            found.append(line)
        nxt = starts[line + 1] if line + 1 < len(starts) else len(text)
        pos = text.find(literal, nxt)
    return tables.bits(found)


@functools.lru_cache(maxsize=65536)
def compile_action(catalog: Catalog, pattern: str) -> int:
    """The bit set of the actions ``pattern`` matches (0 for a malformed pattern)."""
    if not isinstance(pattern, str):
        return 0
    p = pattern.lower()
    if p == "*":
        return catalog.all_mask
    if p.count(":") != 1:
        return 0
    svc, act = p.split(":")
    if not svc or not act or not _PART.fullmatch(svc) or not _PART.fullmatch(act):
        return 0
    if _WILD.search(svc) is None:
        return _in_service(catalog, svc, act) if svc in catalog.services else 0
    return _across_services(catalog, svc, act)


def compile_actions(catalog: Catalog, patterns: str | Iterable[str]) -> int:
    """The union of :func:`compile_action` over ``patterns`` (a single string is one pattern)."""
    if isinstance(patterns, str):
        return compile_action(catalog, patterns)
    bits = 0
    for pattern in patterns:
        bits |= compile_action(catalog, pattern)
    return bits


def statement_bits(catalog: Catalog, statement: Statement) -> int:
    """The actions a parsed statement applies to: its Action patterns, or everything but its NotAction."""
    if statement.actions is not None:
        return compile_actions(catalog, statement.actions)
    if statement.not_actions is not None:
        return catalog.all_mask & ~compile_actions(catalog, statement.not_actions)
    return 0


def iter_bits(bits: int) -> Iterator[int]:
    """The positions of the set bits of ``bits``, ascending."""
    if bits <= 0:
        return
    text = bin(bits)[:1:-1]
    i = text.find("1")
    while i >= 0:
        yield i
        i = text.find("1", i + 1)


def action_names(catalog: Catalog, bits: int) -> list[str]:
    """Canonical ``service:Action`` names of the actions in ``bits``, in catalog order."""
    actions = catalog.actions
    return [actions[i] for i in iter_bits(bits)]


def check_action_pattern(catalog: Catalog, pattern: object) -> PatternIssue | None:
    """Classify what is wrong with one action pattern, or None if it is fine."""
    if not isinstance(pattern, str) or not pattern:
        return PatternIssue("malformed", str(pattern), "an action must be a non-empty string")
    if pattern == "*":
        return None
    if pattern.count(":") != 1:
        return PatternIssue("malformed", pattern, f"'{pattern}' is not of the form service:Action")
    svc, act = pattern.split(":")
    if not svc or not act or not _PART.fullmatch(svc) or not _PART.fullmatch(act):
        return PatternIssue(
            "malformed", pattern, f"'{pattern}' is not of the form service:Action (letters, digits, - _ . * ?)"
        )
    svc_low = svc.lower()
    if _WILD.search(svc) is None and svc_low not in catalog.services:
        hints = tuple(catalog.suggest(pattern))
        return PatternIssue("unknown-service", pattern, f"unknown service prefix '{svc}'", hints)
    if _WILD.search(pattern) is None and pattern.lower() not in catalog.index:
        hints = tuple(catalog.suggest(pattern))
        return PatternIssue("unknown-action", pattern, f"'{act}' is not an action of service '{svc_low}'", hints)
    if compile_action(catalog, pattern) == 0:
        return PatternIssue("matches-nothing", pattern, f"'{pattern}' matches no action")
    return None
