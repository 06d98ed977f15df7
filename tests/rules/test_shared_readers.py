"""One decision, one place: the readers the IAM rules and the OIDC trust rules share.

- condition operators: the OIDC rules read them through the policy document parser;
- a wildcard compared literally: one function for condition-literal-wildcard and the OIDC rules;
- read vs write of an action: the catalog's access levels (the OIDC rules no longer guess from the verb).
"""

from __future__ import annotations

import pytest

from consolezero.lint.rules import oidc
from consolezero.policy.catalog import load_catalog
from consolezero.policy.conditions import literal_wildcard
from consolezero.policy.document import parse_operator


@pytest.mark.parametrize("operator", ["StringLike", "stringequals", "ForAllValues:StringLike",
                                      "ForAnyValue:StringEqualsIfExists", "StringEqualsIgnoreCase", "StringLikeX"])
def test_oidc_reads_operators_through_the_document_parser(operator: str) -> None:
    entry = oidc.Entry(operator, "token.actions.githubusercontent.com:sub", "repo:o/r:*", ("Condition",))
    info = parse_operator(operator)
    if info is None:
        assert entry.info is None
    else:
        assert entry.base == info.base.lower()
        assert entry.qualifier == (info.set_qualifier or "").lower()


@pytest.mark.parametrize(("base", "key", "value", "literal"), [
    ("StringEquals", "aws:PrincipalArn", "arn:aws:iam::*:role/x", True),
    ("StringNotEquals", "iam:PermissionsBoundary", "arn:aws:iam::*:policy/X", True),
    ("StringEqualsIgnoreCase", "aws:username", "a?c", True),
    ("StringEquals", "aws:PrincipalType", "*", True),  # a bare * where the value is never *
    ("StringEquals", "lambda:Principal", "*", False),  # "*" is the public here
    ("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:role/x", False),
    ("StringEquals", "aws:PrincipalArn", "arn:aws:iam::1:role/x", False),
])
def test_literal_wildcard(base: str, key: str, value: str, literal: bool) -> None:
    assert literal_wildcard(base, key, value) is literal


def test_oidc_pins_literally_compared_subjects_by_the_shared_reader() -> None:
    entry = oidc.Entry("StringEquals", oidc.SUB, "repo:o/*", ("Condition",))
    assert oidc._loose_subject("repo:o/*", entry, apply=True) is None  # literal: matches only itself
    like = oidc.Entry("StringLike", oidc.SUB, "repo:o/*", ("Condition",))
    assert oidc._loose_subject("repo:o/*", like, apply=True) is not None


@pytest.mark.parametrize(("action", "writes"), [
    ("s3:GetObject", False), ("ec2:DescribeInstances", False), ("iam:GetRole", False),
    ("iam:PassRole", True), ("s3:PutObject", True), ("organizations:*", True),
    ("sts:AssumeRole", False),  # every role makes it: not counted
    ("s3express:CreateSession", False),  # filed under Write by AWS, a read (policy/levels.py)
    ("nosuchservice:Get*", True),  # unknown: counted as a write
    ("iam:Get*", False),
])
def test_read_vs_write_from_the_catalog(action: str, writes: bool) -> None:
    assert oidc._writes(load_catalog(), action) is writes
