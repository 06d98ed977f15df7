"""Action patterns (``iam:Pass*``, ``*:PassRole``, ``s?:Get*``) compiled to bit sets over the catalog.

Matching follows IAM: case-insensitive; ``*`` matches any run of characters (also none) and ``?``
exactly one, in the service part as well as the action part; a bare ``*`` is every action. A pattern
without exactly one colon matches nothing (and :func:`check_action_pattern` calls it malformed).

Speed: each pattern is compiled once per catalog (a dict, also shared between spellings that differ
only in case). Exact names go through the index; a literal service restricts the search to that
service's contiguous range; a wildcard service is resolved to its services once. The action part is
then answered from the lead, tail and length tables of :mod:`.action_index`: for most patterns
(``Get*``, ``*Policy``, ``Describe*s``, ``Pass?ole``) with a few big-int operations and no regex;
the rest check a short list of candidates, and only ``*Policy*``-like patterns search text.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from .action_index import MEMO_LIMIT, TOP, ActionIndex, bits_of, range_mask
from .bitsets import action_names as action_names  # re-exported: listing the names of a bit set
from .bitsets import iter_bits
from .bitsets import sorted_action_names as sorted_action_names
from .catalog import Catalog
from .document import Statement
from .globs import glob_source, matcher, regex_safe, split_glob

_WILD = re.compile(r"[*?]")
_PART = re.compile(r"[A-Za-z0-9_.*?-]+")
_PATTERN = re.compile(r"[a-z0-9_.*?-]+:[a-z0-9_.*?-]+")  # lower-cased
_FEW_SERVICES = 4  # a wildcard service matching at most this many is searched service by service


@dataclass(frozen=True)
class PatternIssue:
    """A problem with one action pattern, for the lint rules of the same names."""

    kind: str  # "unknown-service" | "unknown-action" | "matches-nothing" | "malformed"
    pattern: str
    message: str
    suggestions: tuple[str, ...] = ()


@functools.lru_cache(maxsize=4096)
def _glob_regex(glob: str) -> re.Pattern[str]:
    return re.compile(glob_source(glob))


def clear_caches(catalog: Catalog | None = None) -> None:
    """Forget the compiled patterns and lint verdicts of ``catalog`` (default: the process-wide one),
    and the compiled regexes; the search tables themselves stay."""
    from .catalog import load_catalog

    if catalog is None and load_catalog.cache_info().currsize:  # not loaded: nothing compiled yet
        catalog = load_catalog()
    ix = catalog.__dict__.get("action_index") if catalog is not None else None
    if ix is not None:
        ix.compiled.clear()
        ix.issues.clear()
        ix.scopes.clear()
    _glob_regex.cache_clear()


def _matching(glob: str, items: list[str], candidates: Iterable[int]) -> list[int]:
    """The candidates whose item matches ``glob``: tested in Python (see :func:`matcher`), or with one
    compiled regex when there are very many (compiling one costs as much as ~200 Python tests)."""
    cands = candidates if isinstance(candidates, list | range) else list(candidates)
    if len(cands) > 200 and regex_safe(glob):
        match = _glob_regex(glob).fullmatch
        return [i for i in cands if match(items[i])]
    test = matcher(glob)
    return [i for i in cands if test(items[i])]


def _fits(names: list[str], candidates: Iterable[int], lead: str, tail: str, length: int, exact: bool
          ) -> list[int]:
    """The candidates with that lead, tail and length (all a covered pattern asks: see split_glob)."""
    if exact:
        return [i for i in candidates
                if len(n := names[i]) == length and n.startswith(lead) and n.endswith(tail)]
    return [i for i in candidates if len(n := names[i]) >= length and n.startswith(lead) and n.endswith(tail)]


_FEW = 48  # candidates up to which checking names one by one beats big-int set operations


def _in_service(ix: ActionIndex, act: str, a: int, b: int) -> int:
    """The actions in positions ``[a, b)`` (one service, names sorted) that ``act`` matches."""
    names = ix.names
    if act == "*":
        return range_mask(a, b)
    star = act.find("*")
    if star == len(act) - 1 and "?" not in act:  # ``Lead*``, the commonest wildcard: one run of names
        lo = bisect_left(names, act[:-1], a, b)
        return range_mask(lo, bisect_left(names, act[:-1] + TOP, lo, b))
    if star < 0 and "?" not in act:
        i = bisect_left(names, act, a, b)
        return 1 << i if i < b and names[i] == act else 0
    lead, tail, length, exact, covered = split_glob(act)
    lo, hi = a, b
    if lead:
        lo = bisect_left(names, lead, a, b)
        hi = bisect_left(names, lead + TOP, lo, b)
        if lo == hi:
            return 0
    if act == lead + "*":
        return range_mask(lo, hi)
    if tail and hi - lo > _FEW // 4:  # the names of the service that end so, when they are fewer
        tlo, thi = ix.service_ending(tail, a, b)
        if thi - tlo < hi - lo and thi - tlo <= _FEW:
            if tlo == thi:
                return 0
            candidates = ix.service_rev[1][tlo:thi]
            if covered:
                return bits_of(_fits(names, candidates, lead, tail, length, exact), ix.nbytes)
            return bits_of(_matching(act, names, candidates), ix.nbytes)
    if hi - lo <= _FEW // 4:  # a few names with that lead: test them, no other table to look up
        few: list[int] | range = range(lo, hi)
        if exact and length < 255:  # ``?`` only: those of that length (a byte each, no name read)
            lens = ix.lengths[2]
            few = [i for i in few if lens[i] == length]
            if not few:
                return 0
        if covered:
            return bits_of(_fits(names, few, lead, tail, length, exact), ix.nbytes)
        return bits_of(_matching(act, names, few), ix.nbytes)
    if exact and length < 255:  # ``?`` only: the few names of exactly that length, each tested
        few, find, at = [], ix.lengths[2].find, ix.lengths[2].find(length, lo, hi)
        while at >= 0:  # a C search per name of that length, over one byte per name
            few.append(at)
            at = find(length, at + 1, hi)
        if covered:
            return bits_of(_fits(names, few, lead, tail, length, True), ix.nbytes)
        return bits_of(_matching(act, names, few), ix.nbytes)
    candidates: list[int] | range = range(lo, hi)
    if tail:
        rlo, rhi = ix.sorted.ending(tail)
        if rhi - rlo <= _FEW and rhi - rlo < hi - lo:  # few names anywhere end so: keep those in range
            candidates = [i for i in ix.sorted.rev_pos[rlo:rhi] if lo <= i < hi]
        elif covered:  # many: lead, tail and length decide, as bit sets
            return range_mask(lo, hi) & ix.length_bits(length, exact) & ix.ending_bits(rlo, rhi)
        elif rhi - rlo < hi - lo:
            candidates = [lo + k for k in iter_bits((ix.ending_bits(rlo, rhi) >> lo) & ((1 << (hi - lo)) - 1))]
    if covered:  # lead, tail and length decide
        if len(candidates) <= _FEW:
            return bits_of(_fits(names, candidates, lead, tail, length, exact), ix.nbytes)
        bits = range_mask(lo, hi) & ix.length_bits(length, exact)
        return bits & ix.ending_bits(rlo, rhi) if tail else bits
    if len(candidates) > 64:  # one regex over the joined names beats a Python loop
        return bits_of(ix.search_text(act, lo, hi), ix.nbytes)
    return bits_of(_matching(act, names, candidates), ix.nbytes)


def _services(ix: ActionIndex, svc: str) -> tuple[int, ...]:
    """The services (positions in ``ix.infos``, ascending) a wildcard service part matches."""
    hit = ix.scopes.get(svc)
    if hit is not None:
        return hit
    table = ix.prefixes
    lead, tail, _, _, _ = split_glob(svc)
    lo, hi = table.starting(lead) if lead else (0, len(ix.infos))
    if svc == lead + "*":
        found = sorted(table.fwd_pos[lo:hi])
    else:
        candidates = table.fwd_pos[lo:hi]
        if tail:
            rlo, rhi = table.ending(tail)
            if rhi - rlo < hi - lo:
                candidates = table.rev_pos[rlo:rhi]
        found = sorted(_matching(svc, ix.prefix_names, candidates))
    result = ix.scopes[svc] = tuple(found)
    return result


def _mask(ix: ActionIndex, services: tuple[int, ...]) -> int:
    """The actions of ``services``."""
    infos = ix.infos
    if services and services[-1] - services[0] == len(services) - 1:  # a run of services: one run of actions
        return range_mask(infos[services[0]].start, infos[services[-1]].end)
    mask = 0
    for n in services:
        mask |= infos[n].mask
    return mask


def _across_services(ix: ActionIndex, svc: str, act: str) -> int:
    """``svc`` has a wildcard: the actions of every service it matches that ``act`` matches."""
    if svc == "*":  # every service: nothing to cut
        return ix.catalog.all_mask if act == "*" else _in_any_service(ix, act)
    services = _services(ix, svc)
    if not services:
        return 0
    if act == "*":
        return _mask(ix, services)
    if len(services) <= _FEW_SERVICES:
        infos = ix.infos
        if "*" not in act and "?" not in act:  # one name: where it is (once at most) in each service
            positions, found = ix.by_name.get(act, ()), []
            for n in services:
                k = bisect_left(positions, infos[n].start)
                if k < len(positions) and positions[k] < infos[n].end:
                    found.append(positions[k])
            return bits_of(found, ix.nbytes)
        bits = 0
        for n in services:
            bits |= _in_service(ix, act, infos[n].start, infos[n].end)
        return bits
    return _in_any_service(ix, act) & _mask(ix, services)


def _in_any_service(ix: ActionIndex, act: str) -> int:
    """The actions, of any service, whose name ``act`` matches."""
    table = ix.sorted
    if _WILD.search(act) is None:  # one name: its positions, or (many services) its run of sorted names
        positions = ix.by_name.get(act, ())
        if len(positions) <= 32:
            return bits_of(positions, ix.nbytes)
        lo = bisect_left(table.fwd, act)
        return ix.starting_bits(lo, lo + len(positions))
    lead, tail, length, exact, covered = split_glob(act)
    lo, hi = table.starting(lead) if lead else (0, ix.size)
    if act == lead + "*" or lo == hi:
        return ix.starting_bits(lo, hi)
    rlo, rhi = table.ending(tail) if tail else (0, ix.size)
    few = min(hi - lo, rhi - rlo)
    if covered and few > _FEW:  # lead, tail and length decide, as bit sets
        bits = ix.length_bits(length, exact)
        if lead:
            bits &= ix.starting_bits(lo, hi)
        return bits & ix.ending_bits(rlo, rhi) if tail else bits
    if few > 256:  # no literal lead or tail to go by (``*Policy*``): search the text
        return bits_of(ix.search_text(act, 0, ix.size), ix.nbytes)
    candidates = table.fwd_pos[lo:hi] if hi - lo <= rhi - rlo else table.rev_pos[rlo:rhi]
    if covered:
        return bits_of(_fits(ix.names, candidates, lead, tail, length, exact), ix.nbytes)
    return bits_of(_matching(act, ix.names, candidates), ix.nbytes)


def _compile(catalog: Catalog, ix: ActionIndex, pattern: str) -> int:
    if not pattern.isascii():  # str.lower() maps some non-ASCII letters to ASCII (the Kelvin sign to k)
        return 0
    p = pattern if pattern.islower() else pattern.lower()  # (the same object: its hash is known)
    wild = "*" in p or "?" in p
    if not (wild and ix.plain_names):  # (a pattern with a wildcard is no name)
        i = catalog.index.get(p)
        if i is not None:  # an exact name, the commonest case
            return 1 << i
    if p == "*":
        return catalog.all_mask
    if p is not pattern and p != pattern:  # compiled in another spelling already
        hit = ix.compiled.get(p)
        if hit is not None:
            return hit
    if not _PATTERN.fullmatch(p):  # one colon, both parts non-empty, only the characters IAM allows
        return 0
    svc, _, act = p.partition(":")
    if "*" in svc or "?" in svc:
        return _across_services(ix, svc, act)
    info = catalog.services.get(svc)
    if info is None or ("*" not in act and "?" not in act):
        return 0  # an unknown service, or a name the index does not have
    return _in_service(ix, act, info.start, info.end)


def _remember(catalog: Catalog, ix: ActionIndex, pattern: str) -> int:
    bits = _compile(catalog, ix, pattern)
    memo = ix.compiled
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[pattern] = bits
    return bits


def compile_action(catalog: Catalog, pattern: str) -> int:
    """The bit set of the actions ``pattern`` matches (0 for a malformed pattern); memoized."""
    if not isinstance(pattern, str):
        return 0
    ix = catalog.action_index
    bits = ix.compiled.get(pattern)
    return _remember(catalog, ix, pattern) if bits is None else bits


def compile_actions(catalog: Catalog, patterns: str | Iterable[str]) -> int:
    """The union of :func:`compile_action` over ``patterns`` (a single string is one pattern)."""
    if isinstance(patterns, str):
        return compile_action(catalog, patterns)
    ix = catalog.action_index
    get = ix.compiled.get
    bits = 0
    for pattern in patterns:
        if pattern.__class__ is not str:
            bits |= compile_action(catalog, pattern)
            continue
        found = get(pattern)
        if found is None:
            found = _remember(catalog, ix, pattern)
        if found:  # (no copy of a big int for a first pattern, or one matching nothing)
            bits = bits | found if bits else found
    return bits


def statement_bits(catalog: Catalog, statement: Statement) -> int:
    """The actions a parsed statement applies to: its Action patterns, or everything but its NotAction."""
    if statement.actions is not None:
        return compile_actions(catalog, statement.actions)
    if statement.not_actions is not None:
        return catalog.all_mask ^ compile_actions(catalog, statement.not_actions)  # a subset: ^ is "but"
    return 0


def _check(catalog: Catalog, pattern: str) -> PatternIssue | None:
    if pattern == "*":
        return None
    if pattern.count(":") != 1:
        return PatternIssue("malformed", pattern, f"'{pattern}' is not of the form service:Action")
    svc, act = pattern.split(":")
    if not _PART.fullmatch(svc) or not _PART.fullmatch(act):
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


def check_action_pattern(catalog: Catalog, pattern: object) -> PatternIssue | None:
    """Classify what is wrong with one action pattern, or None if it is fine (memoized per catalog)."""
    if not isinstance(pattern, str) or not pattern:
        return PatternIssue("malformed", str(pattern), "an action must be a non-empty string")
    ix = catalog.action_index
    memo = ix.compiled
    bits = memo.get(pattern)
    if bits is None:  # (_remember, inline: once per pattern of every policy linted)
        bits = _compile(catalog, ix, pattern)
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[pattern] = bits
    if bits:  # it matches something (so it is ASCII): well-formed, known service, known action
        return None
    memo = ix.issues
    if pattern in memo:
        return memo[pattern]  # type: ignore[return-value]
    issue = _check(catalog, pattern)
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[pattern] = issue
    return issue
