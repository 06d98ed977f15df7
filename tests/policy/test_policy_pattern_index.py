"""The pattern search tables (consolezero.policy.action_index) against slow references.

Every fast path of :func:`compile_action` (lead/tail/length bit sets, candidate checks, text search,
service scopes) must give what one regex over the lower-cased catalog gives; the name listings and
the escalation projection must agree with plain loops over the bits.
"""

from __future__ import annotations

import fnmatch
import functools
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consolezero.policy import clear_caches
from consolezero.policy.action_index import _RangeBits, bits_of, matcher, split_glob
from consolezero.policy.catalog import Catalog
from consolezero.policy.escalation import PATHS, escalations
from consolezero.policy.evaluate import Access
from consolezero.policy.patterns import (
    action_names,
    check_action_pattern,
    compile_action,
    compile_actions,
    iter_bits,
    sorted_action_names,
)

_SETTINGS = settings(max_examples=300, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_VALID = re.compile(r"[A-Za-z0-9_.*?-]+:[A-Za-z0-9_.*?-]+")


def regex_bits(catalog: Catalog, pattern: str) -> int:
    """The slow path: one regex (fnmatch's) over every lower-cased ``service:action`` name."""
    if pattern == "*":
        return catalog.all_mask
    if pattern.count(":") != 1 or not _VALID.fullmatch(pattern):
        return 0
    match = re.compile(fnmatch.translate(pattern.lower())).match
    return sum(1 << i for i, a in enumerate(_lowered(catalog)) if match(a))


@functools.cache
def _lowered(catalog: Catalog) -> tuple[str, ...]:
    """Every catalog name lower-cased, once per run rather than once per pattern."""
    return tuple(a.lower() for a in catalog.actions)


@functools.cache
def _any_action(catalog: Catalog) -> st.SearchStrategy[str]:
    """One strategy per catalog: hypothesis hashes the whole sequence (22,000 names) each time one is made."""
    return st.sampled_from(catalog.actions)


@st.composite
def mangled(draw: st.DrawFn, text: str) -> str:
    """``text`` with some characters turned into ``?``, some runs into ``*``, others upper-cased or
    replaced by a stray character (so that some patterns match nothing)."""
    out, i = [], 0
    while i < len(text):
        roll = draw(st.integers(0, 19))
        if roll < 2:
            out.append("?")
            i += 1
        elif roll < 4:
            out.append("*")
            i = draw(st.integers(i, len(text)))
        elif roll == 4:
            out.append(draw(st.sampled_from("aeq0-")))
            i += 1
        else:
            out.append(text[i].upper() if roll == 5 else text[i])
            i += 1
    return "".join(out) or "*"


@st.composite
def patterns(draw: st.DrawFn, catalog: Catalog) -> str:
    svc, name = draw(_any_action(catalog)).split(":")
    if draw(st.integers(0, 29)) == 0:
        return draw(st.sampled_from(["*", "*:*", "*:*a*", "?*:*?", "*?:?*", "s*:*", "*:*s", "*:*Policy*",
                                     "*:*Get*Policy*", "?3:*", "*-*:Get*"]))
    svc_part = draw(mangled(svc)) if draw(st.integers(0, 9)) < 4 else svc
    name_part = draw(mangled(name)) if draw(st.integers(0, 9)) < 9 else name
    return f"{svc_part}:{name_part}"


@_SETTINGS
@given(data=st.data())
def test_property_index_agrees_with_one_regex(catalog: Catalog, data: st.DataObject) -> None:
    pattern = data.draw(patterns(catalog))
    if data.draw(st.booleans()):
        clear_caches()  # the cold paths too: service scopes, candidate checks, regexes
    assert compile_action(catalog, pattern) == regex_bits(catalog, pattern), pattern
    issue = check_action_pattern(catalog, pattern)
    assert (issue is None) == (compile_action(catalog, pattern) != 0), pattern


@settings(_SETTINGS, max_examples=60)
@given(data=st.data())
def test_property_union_and_case(catalog: Catalog, data: st.DataObject) -> None:
    pats = data.draw(st.lists(patterns(catalog), max_size=6))
    clear_caches()
    expected = 0
    for p in pats:
        expected |= regex_bits(catalog, p)
    assert compile_actions(catalog, pats) == expected
    assert compile_actions(catalog, [p.swapcase() for p in pats]) == expected


@st.composite
def bit_sets(draw: st.DrawFn, size: int) -> int:
    """Sparse, dense (everything but a few stretches) and banded sets over ``size`` positions."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return sum(1 << i for i in draw(st.sets(st.integers(0, size - 1), max_size=60)))
    bits = 0 if kind in (1, 2) else (1 << size) - 1
    for _ in range(draw(st.integers(1, 6))):
        lo = draw(st.integers(0, size - 1))
        hi = draw(st.integers(lo + 1, min(size, lo + draw(st.sampled_from([1, 30, 500, size])))))
        run = ((1 << (hi - lo)) - 1) << lo
        bits = bits ^ (bits & run) if kind == 3 else bits | run
    return bits


@_SETTINGS
@given(data=st.data())
def test_property_names_agree_with_a_loop(catalog: Catalog, data: st.DataObject) -> None:
    bits = data.draw(bit_sets(len(catalog.actions)))
    positions = list(iter_bits(bits))
    assert action_names(catalog, bits) == [catalog.actions[i] for i in positions]
    lower = [catalog.actions[i].lower() for i in positions]
    assert action_names(catalog, bits, lower=True) == lower
    assert sorted_action_names(catalog, bits) == sorted(lower)


def test_names_of_everything_and_nothing(catalog: Catalog) -> None:
    everything = sorted(a.lower() for a in catalog.actions)
    assert sorted_action_names(catalog, catalog.all_mask) == everything
    assert sorted_action_names(catalog, 0) == action_names(catalog, 0) == []
    last = len(catalog.actions) - 1
    assert sorted_action_names(catalog, catalog.all_mask ^ 1 ^ (1 << last)) == sorted(
        a.lower() for a in catalog.actions[1:last])


@functools.cache
def _range_bits(catalog: Catalog) -> _RangeBits:
    return _RangeBits(catalog.action_index.sorted.rev_pos, catalog.action_index.nbytes)


@_SETTINGS
@given(data=st.data())
def test_property_range_bits(catalog: Catalog, data: st.DataObject) -> None:
    index = catalog.action_index
    positions = index.sorted.rev_pos
    table = _range_bits(catalog)
    lo = data.draw(st.integers(0, len(positions)))
    hi = data.draw(st.integers(lo, len(positions)))
    expected = bits_of(positions[lo:hi], index.nbytes)
    assert table.bits(lo, hi) == expected == sum(1 << i for i in positions[lo:hi])


@_SETTINGS
@given(glob=st.text("ab?*", min_size=1, max_size=8), name=st.text("abc", max_size=10))
def test_property_matcher_is_fnmatch(glob: str, name: str) -> None:
    assert matcher(glob)(name) == fnmatch.fnmatchcase(name, glob)


def test_split_glob() -> None:
    assert split_glob("get*") == ("get", "", 3, False, True)
    assert split_glob("pass?ole") == ("pass", "ole", 8, True, True)
    assert split_glob("*policy*") == ("", "", 6, False, False)
    assert split_glob("d?sc*s") == ("d", "s", 5, False, False)


@_SETTINGS
@given(data=st.data())
def test_property_escalations_agree_with_a_loop(catalog: Catalog, data: st.DataObject) -> None:
    needs = [sum(1 << catalog.index[a.lower()] for a in path.actions) for path in PATHS]
    relevant = sorted({i for n in needs for i in iter_bits(n)})
    possible = sum(1 << i for i in data.draw(st.sets(st.sampled_from(relevant))))
    possible |= data.draw(bit_sets(len(catalog.actions)))
    certain = possible & sum(1 << i for i in data.draw(st.sets(st.sampled_from(relevant))))
    hits = {(h.path.name, h.state) for h in escalations(Access(certain, possible), catalog)}
    expected = {(path.name, "allowed" if certain & need == need else "fenced")
                for path, need in zip(PATHS, needs, strict=True) if possible & need == need}
    assert hits == expected
