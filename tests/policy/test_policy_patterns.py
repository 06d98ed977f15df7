"""Action patterns -> bit sets: every wildcard form, case, ``?``, service wildcards, lint classes."""

from __future__ import annotations

import fnmatch
import functools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consolezero.policy.catalog import Catalog
from consolezero.policy.patterns import (
    action_names,
    check_action_pattern,
    compile_action,
    compile_actions,
    iter_bits,
)


@functools.cache
def _lowered(catalog: Catalog) -> tuple[tuple[str, str], ...]:
    """(lower-cased name, name) of every catalog action, lowered once per run rather than once per pattern."""
    return tuple((a.lower(), a) for a in catalog.actions)


def brute(catalog: Catalog, pattern: str) -> list[str]:
    """Reference semantics: fnmatch (only * and ? are special) over the lower-cased catalog."""
    if pattern == "*":
        return list(catalog.actions)
    if pattern.count(":") != 1 or not re.fullmatch(r"[A-Za-z0-9_.*?-]+:[A-Za-z0-9_.*?-]+", pattern):
        return []
    match = re.compile(fnmatch.translate(pattern.lower())).match  # what fnmatch.fnmatchcase does, compiled once
    return [a for low, a in _lowered(catalog) if match(low)]


def names(catalog: Catalog, pattern: str) -> list[str]:
    return action_names(catalog, compile_action(catalog, pattern))


@pytest.mark.parametrize("pattern", [
    "iam:PassRole", "iam:Pass*", "iam:*", "iam:*Role", "iam:*Policy*", "iam:?assRole", "iam:Pass?ole",
    "iam:PassRol?", "*:PassRole", "*:Pass*", "s?:Get*", "s3*:Get*", "*3:*", "ec2:Run*ces", "ec2:Describe*s",
    "*:*Policy*", "??:*", "*?:pass*", "i?m:p?ss*", "*:*", "*", "sts:AssumeRole*", "s3:GetObject?",
    "bedrock-agentcore:*", "s3tables:Get*",
])
def test_matches_reference_semantics(catalog: Catalog, pattern: str) -> None:
    assert names(catalog, pattern) == brute(catalog, pattern)


def test_exact_name(catalog: Catalog) -> None:
    assert names(catalog, "iam:PassRole") == ["iam:PassRole"]


def test_case_insensitive(catalog: Catalog) -> None:
    expected = compile_action(catalog, "iam:PassRole")
    for variant in ("IAM:PASSROLE", "iam:passrole", "Iam:pAsSrOlE", "IAM:Pass*ROLE"):
        assert compile_action(catalog, variant) == expected


def test_bare_star_is_everything(catalog: Catalog) -> None:
    assert compile_action(catalog, "*") == catalog.all_mask
    assert compile_action(catalog, "*:*") == catalog.all_mask


def test_service_star_is_the_service_range(catalog: Catalog) -> None:
    assert compile_action(catalog, "s3:*") == catalog.service_mask("s3")


def test_question_mark_matches_exactly_one_character(catalog: Catalog) -> None:
    assert names(catalog, "iam:PassRol?") == ["iam:PassRole"]
    assert names(catalog, "iam:PassRole?") == []  # one more character than there is
    assert names(catalog, "iam:PassRo?") == []  # one fewer
    assert names(catalog, "iam:Pass??le") == ["iam:PassRole"]


def test_service_wildcard_star(catalog: Catalog) -> None:
    assert names(catalog, "*:PassRole") == ["iam:PassRole"]
    services = {a.split(":")[0] for a in names(catalog, "*:Get*")}
    assert {"s3", "iam", "ec2", "lambda"} <= services


def test_service_wildcard_question_mark(catalog: Catalog) -> None:
    got = {a.split(":")[0] for a in names(catalog, "s?:Get*")}
    assert "s3" in got
    assert "s3tables" not in got  # ? is one character, not a prefix
    assert all(len(s) == 2 and s.startswith("s") for s in got)


@pytest.mark.parametrize("pattern", ["iam", "iam:", ":PassRole", "iam:Pass:Role", "iam:Pass Role", "",
                                     "iam:Pass[R]ole"])
def test_malformed_patterns_match_nothing(catalog: Catalog, pattern: str) -> None:
    assert compile_action(catalog, pattern) == 0


def test_unknown_service_matches_nothing(catalog: Catalog) -> None:
    assert compile_action(catalog, "nosuchservice:*") == 0


def test_compile_actions_accepts_a_string(catalog: Catalog) -> None:
    assert compile_actions(catalog, "iam:PassRole") == compile_action(catalog, "iam:PassRole")
    assert compile_actions(catalog, []) == 0


def test_iter_bits_and_action_names(catalog: Catalog) -> None:
    bits = compile_actions(catalog, ["iam:PassRole", "s3:GetObject", "a2c:*"])
    positions = list(iter_bits(bits))
    assert positions == sorted(positions)
    assert sum(1 << i for i in positions) == bits
    assert set(action_names(catalog, bits)) >= {"iam:PassRole", "s3:GetObject"}
    assert list(iter_bits(0)) == []
    assert list(iter_bits(catalog.all_mask)) == list(range(len(catalog.actions)))


# -- lint classification ------------------------------------------------------------------------------
@pytest.mark.parametrize(("pattern", "kind"), [
    ("iam:PassRole", None),
    ("*", None),
    ("iam:Pass*", None),
    ("*:PassRole", None),
    ("iam:PasRole", "unknown-action"),
    ("s4:GetObject", "unknown-service"),
    ("nosuchservice:*", "unknown-service"),
    ("iam:Pass*x", "matches-nothing"),
    ("*:NoSuchAction", "matches-nothing"),
    ("iam", "malformed"),
    ("iam:", "malformed"),
    ("iam:Pass Role", "malformed"),
    ("a:b:c", "malformed"),
    ("", "malformed"),
])
def test_check_action_pattern(catalog: Catalog, pattern: str, kind: str | None) -> None:
    issue = check_action_pattern(catalog, pattern)
    assert (issue.kind if issue else None) == kind


def test_check_action_pattern_non_string(catalog: Catalog) -> None:
    issue = check_action_pattern(catalog, 42)
    assert issue is not None and issue.kind == "malformed"


def test_unknown_action_suggestions(catalog: Catalog) -> None:
    issue = check_action_pattern(catalog, "iam:PasRole")
    assert issue is not None and issue.suggestions[0] == "iam:PassRole"
    issue = check_action_pattern(catalog, "s4:GetObject")
    assert issue is not None and "s3:GetObject" in issue.suggestions


# -- properties ---------------------------------------------------------------------------------------
_SETTINGS = settings(max_examples=150, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@functools.cache
def _any_action(catalog: Catalog) -> st.SearchStrategy[str]:
    """One strategy per catalog: hypothesis hashes the whole sequence (22,000 names) each time one is made."""
    return st.sampled_from(catalog.actions)


@st.composite
def glob_patterns(draw: st.DrawFn, catalog: Catalog) -> str:
    """A pattern derived from a real action: some characters replaced by ? and some runs by *."""
    action = draw(_any_action(catalog))
    out = []
    i = 0
    while i < len(action):
        roll = draw(st.integers(0, 9))
        if roll == 0 and action[i] != ":":
            out.append("?")
            i += 1
        elif roll == 1:
            j = draw(st.integers(i + 1, len(action)))
            if ":" in action[i:j]:
                out.append(action[i])
                i += 1
            else:
                out.append("*")
                i = j
        else:
            out.append(action[i].upper() if draw(st.booleans()) else action[i])
            i += 1
    return "".join(out)


@_SETTINGS
@given(data=st.data())
def test_property_matches_fnmatch(catalog: Catalog, data: st.DataObject) -> None:
    pattern = data.draw(glob_patterns(catalog))
    assert names(catalog, pattern) == brute(catalog, pattern)


@_SETTINGS
@given(data=st.data())
def test_property_union_of_patterns_is_or_of_compiles(catalog: Catalog, data: st.DataObject) -> None:
    patterns = data.draw(st.lists(glob_patterns(catalog), max_size=6))
    expected = 0
    for p in patterns:
        expected |= compile_action(catalog, p)
    assert compile_actions(catalog, patterns) == expected
    assert set(action_names(catalog, expected)) == {a for p in patterns for a in brute(catalog, p)}


@_SETTINGS
@given(data=st.data())
def test_property_notaction_complement(catalog: Catalog, data: st.DataObject) -> None:
    patterns = data.draw(st.lists(glob_patterns(catalog), min_size=1, max_size=4))
    bits = compile_actions(catalog, patterns)
    complement = catalog.all_mask & ~bits
    assert complement & bits == 0
    assert complement | bits == catalog.all_mask
    assert complement.bit_count() == len(catalog.actions) - bits.bit_count()
