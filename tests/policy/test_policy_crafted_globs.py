"""Crafted wildcards must not make the engine backtrack: lint of a pull request can never hang.

Adjacent ``*`` and ``?`` (``*:?*?*?*?*?*?*x?``) and many unbounded runs (``*a*a*a*a*a*b``) once took
seconds to minutes in a backtracking regex; each case here must answer the same as the reference
matcher, well within the test's budget.
"""

from __future__ import annotations

import fnmatch
import time

import pytest

from consolezero.policy.action_index import glob_match
from consolezero.policy.catalog import load_catalog
from consolezero.policy.conditions import Context, evaluate_condition
from consolezero.policy.document import parse_policy
from consolezero.policy.patterns import clear_caches, compile_action

CRAFTED = ["*:?*?*?*?*?*?*?*x?", "*?:?****???s*ure?", "*:*e*e*e*e*e*e*e*e*z", "*e*e*e*e*e*e*:*e*e*e*q",
           "iam:?*?*?*?*?*?*?*?*?*?*?*?*", "*:" + "*?" * 40 + "y"]


def _reference(cat, pattern: str) -> int:
    """The standard library's glob (its regex is built to avoid catastrophic backtracking)."""
    lowered = pattern.lower()
    return sum(1 << i for i, name in enumerate(cat.actions) if fnmatch.fnmatchcase(name.lower(), lowered))


@pytest.mark.parametrize("pattern", CRAFTED)
def test_crafted_action_patterns_compile_fast_and_right(pattern: str) -> None:
    cat = load_catalog()
    clear_caches(cat)
    start = time.perf_counter()
    got = compile_action(cat, pattern)
    assert time.perf_counter() - start < 1.0, pattern
    assert got == _reference(cat, pattern), pattern


def test_a_crafted_condition_value_is_matched_in_linear_time() -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
        "StringNotLike": {"aws:PrincipalArn": "*?" * 30 + "*Z"}}}]}
    condition = parse_policy(doc).statements[0].conditions[0]
    context = Context.for_permission_set("333333333333", "Developer", "eu-west-1")
    start = time.perf_counter()
    assert evaluate_condition(condition, context) is True  # the ARN does not end in Z: NotLike holds
    assert time.perf_counter() - start < 1.0


def test_glob_match_agrees_with_the_regex_on_plain_cases() -> None:
    cases = [("a*c", "abc", True), ("a?c", "abc", True), ("a?c", "ac", False), ("*", "", True),
             ("arn:aws:iam::*:role/*", "arn:aws:iam::1:role/x", True), ("*Admin_*", "AWSReservedSSO_Admin_1", True),
             ("*admin_*", "AWSReservedSSO_Admin_1", False)]
    for pattern, text, want in cases:
        assert glob_match(pattern, text) is want, (pattern, text)


def test_plan_reads_a_crafted_denyuser_exemption_in_linear_time() -> None:
    from consolezero.policy.scp import exempts

    document = {"Version": "2012-10-17", "Statement": {
        "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": "*?" * 30 + "*Z"}}}}
    start = time.perf_counter()
    assert exempts(document, "arn:aws:iam::333333333333:user/break-glass/break-glass-admin") is False
    assert time.perf_counter() - start < 1.0
