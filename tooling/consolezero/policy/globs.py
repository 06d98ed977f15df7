"""Wildcard matching of names (``*`` any run, ``?`` one character) without compiling a regex per
pattern, and, where one regex pays, its source; used by :mod:`.action_index`, :mod:`.patterns`,
:mod:`.arn_match` and :mod:`.conditions`."""

from __future__ import annotations

import re
from collections.abc import Callable

_RUNS = re.compile(r"[*?]+|[^*?]+")


def glob_source(glob: str) -> str:
    """A lower-case glob as regex source over one line (``*`` -> any run, ``?`` -> one character).

    A run of wildcards becomes one bounded class (``?*?*`` -> ``[^\n]{2,}``): adjacent ``[^\n]*`` would
    backtrack exponentially on a crafted pattern."""
    out = []
    for run in _RUNS.findall(glob):
        if run[0] in "*?":
            q = run.count("?")
            out.append(f"[^\n]{{{q},}}" if "*" in run else f"[^\n]{{{q}}}")
        else:
            out.append(re.escape(run))
    return "".join(out)


def regex_safe(glob: str) -> bool:
    """Whether a backtracking regex of ``glob`` stays cheap: at most two unbounded wildcard runs.
    With more (``*a*a*a*b``) the regex can take polynomial time of high degree; use :func:`matcher`."""
    return sum(1 for run in _RUNS.findall(glob) if "*" in run) <= 2


def split_glob(act: str) -> tuple[str, str, int, bool, bool]:
    """(lead, tail, length, exact_length, covered) of a pattern with at least one wildcard.

    ``covered``: lead and tail hold every literal character, so a name with that lead, that tail and
    that length (``exact_length``) or more matches; otherwise they only narrow the candidates.
    """
    star, mark = act.find("*"), act.find("?")
    first = star if mark < 0 or 0 <= star < mark else mark
    last = max(act.rfind("*"), act.rfind("?"))
    lead, tail = act[:first], act[last + 1 :]
    stars = act.count("*")
    literal = len(act) - stars - act.count("?")
    return lead, tail, len(act) - stars, stars == 0, len(lead) + len(tail) == literal


def matcher(glob: str) -> Callable[[str], bool]:
    """A test of one (lower-case) name against ``glob`` that compiles no regex: a fixed-length
    comparison of the literal chunks when it has only ``?``, an ordered search of the literal segments
    when it has only ``*``, else :func:`glob_match`."""
    if "*" not in glob:
        size = len(glob)
        chunks, at = [], 0  # each run of literal characters, with where it starts
        for piece in glob.split("?"):
            if piece:
                chunks.append((at, piece))
            at += len(piece) + 1

        def fixed(name: str) -> bool:
            if len(name) != size:
                return False
            for at, chunk in chunks:  # noqa: SIM110 - no generator per call: a hot path
                if not name.startswith(chunk, at):
                    return False
            return True

        return fixed
    if "?" in glob:
        return lambda name: glob_match(glob, name)
    first, *middle, last = glob.split("*")
    shortest = len(first) + len(last)

    def segments(name: str) -> bool:
        if len(name) < shortest or not name.startswith(first) or not name.endswith(last):
            return False
        at, end = len(first), len(name) - len(last)
        for seg in middle:  # leftmost occurrence of each in turn: a later one can only fit worse
            at = name.find(seg, at, end)
            if at < 0:
                return False
            at += len(seg)
        return True

    return segments


def glob_match(pattern: str, text: str) -> bool:
    """Wildcard match of ``text`` (``*`` any run, ``?`` one character), no regex to compile.

    Without ``?`` (most patterns) the literal pieces between stars are found in order with C searches
    (the leftmost place of each is always the best one); with ``?``, one pass that backtracks to the
    last star."""
    if "?" not in pattern:
        if "*" not in pattern:
            return pattern == text
        first, *middle, last = pattern.split("*")
        if len(text) < len(first) + len(last) or not text.startswith(first) or not text.endswith(last):
            return False
        at, end = len(first), len(text) - len(last)
        for piece in middle:
            if piece:
                at = text.find(piece, at, end)
                if at < 0:
                    return False
                at += len(piece)
        return True
    p = i = 0
    star, mark = -1, 0
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
