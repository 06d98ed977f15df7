"""Matching IAM Resource patterns against ARN formats: does a pattern cover every ARN of a format,
or touch some? (used by :mod:`.resources`).

Matching follows IAM's Resource element: case-sensitive; ``?`` is one character; ``*`` any run of
characters within an ARN segment, and across colons when it is the last character of a segment
(followed by ``:`` or the end). In a format, ``${Partition}`` is :data:`PARTITION` and every other
placeholder any text without a colon. Where the segments of a pattern and a format line up (the common
case), each pair of segments is judged on its own with string operations; otherwise a search over the
two texts decides.
"""

from __future__ import annotations

from collections.abc import Callable

from .globs import glob_match

PARTITION = "aws"
_X = "\0"  # a placeholder of an ARN format: any text without a colon
_Y = "\1"  # the unknown rest of an ARN whose format the catalog lacks: any text
_HOLES = _X + _Y


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


def _by_segment(pattern: str, template: str, cover: bool) -> bool | None:
    """The answer segment by segment, when that is exact: every string of a template without
    :data:`_Y` has exactly its colons; a pattern with as many literal colons produces no more, so its
    stars stay inside their segments and the two align part by part. None when it does not apply."""
    if _Y in template:
        return None
    colons = template.count(":")
    literal = pattern.count(":")
    if literal > colons:
        return False  # every string it matches has more colons
    if literal < colons:
        return None  # a star that crosses colons makes up the difference: the general search
    for ps, ts in zip(pattern.split(":"), template.split(":"), strict=True):
        if ps == ts or ps == "*" or (not cover and ts == _X):
            continue
        if not (_segment_covers(ps, ts) if cover else _segment_touches(ps, ts)):
            return False
    return True


def judge(pattern: str, template: str) -> tuple[bool, bool]:
    """(covers, touches) of one pattern and one template, in one pass where segments align."""
    return judge_parts(pattern, pattern.split(":"), template, template.split(":"))


def judge_parts(pattern: str, ps: list[str], template: str, ts: list[str]) -> tuple[bool, bool]:
    """:func:`judge`, given the colon-separated parts of both (split once per pattern and per format)."""
    if _Y not in template:
        if len(ps) > len(ts):
            return False, False
        if len(ps) == len(ts):
            cover = touch = True
            for p, t in zip(ps, ts, strict=True):
                if p == t or p == "*":
                    continue
                if t == _X:
                    cover = False
                    continue
                if "*" not in p and "?" not in p:  # a literal: it can never cover a placeholder
                    if _X not in t or not _literal_in(p, t):
                        return False, False
                    cover = False
                    continue
                if not _segment_touches(p, t):
                    return False, False
                cover = cover and _segment_covers(p, t)
            return cover, touch
        if not _touches_crossing(ps, ts):
            return False, False
        # a template that ends in a placeholder is covered only by a pattern that ends in "*"
        cover = (not template.endswith(_X) or pattern.endswith("*")) and _crossing(ps, ts, _segment_covers)
        return cover, True
    cover = _covers(pattern, template)
    return cover, cover or _touches(pattern, template)


def _touches_crossing(ps: list[str], ts: list[str]) -> bool:
    """Touches, segment by segment, for a pattern with fewer colons than the template (whose
    placeholders hold none): a pattern segment ending in ``*`` may run on over whole template segments
    and into a later one, whose rest the next pattern segment (after a ``*``) must then meet."""
    return _crossing(ps, ts, _segment_touches)


def _crossing(ps: list[str], ts: list[str], meets: Callable[[str, str], bool]) -> bool:
    """The segment alignment of :func:`_touches_crossing`, each pair judged by ``meets`` (touches, or
    covers: then one alignment that covers every string suffices, which errs toward "not covered")."""
    nps, nts = len(ps), len(ts)
    first = 0  # an opening segment without "*" equal to the template's aligns one to one: skip those
    while first < nps and first < nts and ps[first] == ts[first] and "*" not in ps[first]:
        first += 1
    return _align(first, first, False, ps, ts, meets, {})


def _align(i: int, j: int, star: bool, ps: list[str], ts: list[str], meets: Callable[[str, str], bool],
           memo: dict[int, bool]) -> bool:
    """Can ``ps[i:]`` (``star``: after a ``*`` run on from the segment before) align with ``ts[j:]``?
    (Not a closure: one that calls itself is a cycle that only the garbage collector frees.)"""
    nps, nts = len(ps), len(ts)
    if i == nps or j == nts:
        return i == nps and j == nts
    key = (i * nts + j) * 2 + star
    found = memo.get(key)
    if found is not None:
        return found
    seg = "*" + ps[i] if star else ps[i]
    found = False
    if seg == "*" or seg == ts[j] or meets(seg, ts[j]):
        found = _align(i + 1, j + 1, False, ps, ts, meets, memo)
        if not found and seg.endswith("*"):
            found = i + 1 == nps or any(_align(i + 1, k, True, ps, ts, meets, memo) for k in range(j + 1, nts))
    memo[key] = found
    return found


def _literal_in(text: str, ts: str) -> bool:
    """Is the literal ``text`` one of the strings of the template segment ``ts``?"""
    if "*" in ts or "?" in ts:
        return _touches(text, ts)
    return glob_match(ts.replace(_X, "*"), text)


def _fits(a: str, b: str) -> bool:
    """Literal texts of equal length agree, a ``?`` in ``a`` standing for any character."""
    if "?" not in a:
        return a == b
    return all(x == y or x == "?" for x, y in zip(a, b, strict=True))


def _segment_touches(ps: str, ts: str) -> bool:
    """Within one segment (no colons): when both hold a wildcard, a common string exists exactly when
    their literal leads agree and their literal tails agree (each star absorbs the other's middle)."""
    if "*" in ps and _X in ts:
        p_lead, t_lead = ps[: ps.index("*")], ts[: ts.index(_X)]
        p_tail, t_tail = ps[ps.rindex("*") + 1:], ts[ts.rindex(_X) + 1:]
        n, m = min(len(p_lead), len(t_lead)), min(len(p_tail), len(t_tail))
        return _fits(p_lead[:n], t_lead[:n]) and _fits(p_tail[len(p_tail) - m:], t_tail[len(t_tail) - m:])
    if _X not in ts:
        return glob_match(ps, ts)  # one concrete text, and no colon on either side
    if "?" not in ps:
        return _literal_in(ps, ts)
    # the template with every placeholder empty is one of its strings: matching it settles "yes"
    return glob_match(ps, ts.replace(_X, "")) or _touches(ps, ts)


def _segment_covers(ps: str, ts: str) -> bool:
    """Within one segment: ``Lead*`` covers exactly the templates that start with Lead, literally."""
    if ps.endswith("*") and ps.count("*") == 1 and "?" not in ps:
        return ts.startswith(ps[:-1])
    if _X not in ts:
        return glob_match(ps, ts)
    # the template with every placeholder empty is one of its strings: missing it settles "no"
    return glob_match(ps, ts.replace(_X, "")) and _covers(ps, ts)


def covers(pattern: str, template: str) -> bool:
    """Does ``pattern`` match every string of ``template`` (placeholders :data:`_X`: any text)?
    With no placeholder this is plain matching of one ARN."""
    fast = _by_segment(pattern, template, True)
    return fast if fast is not None else _covers(pattern, template)


def _covers(pattern: str, template: str) -> bool:
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
    fast = _by_segment(pattern, template, False)
    return fast if fast is not None else _touches(pattern, template)


def _touches(pattern: str, template: str) -> bool:
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
    if len(parts) < 4:
        return None
    head = text[: len(parts[0]) + len(parts[1]) + len(parts[2]) + 2]
    if "*" in head or "?" in head or _X in head or _Y in head:
        return None
    return parts[2]
