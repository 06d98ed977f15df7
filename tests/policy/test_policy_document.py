"""The tolerant policy parser: statements, conditions, and problems with exact paths."""

from __future__ import annotations

import json

import pytest

from consolezero.policy.document import Problem, minified_size, minify, parse_operator, parse_policy

V = "2012-10-17"


def problems(document: object) -> list[tuple[tuple, str]]:
    return [(p.path, p.kind) for p in parse_policy(document).problems]


def test_a_good_policy_has_no_problems() -> None:
    policy = parse_policy({
        "Version": V,
        "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "*"},
            {"Sid": "B", "Effect": "Deny", "NotAction": "iam:*", "NotResource": ["arn:aws:s3:::x/*"],
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]},
                           "Bool": {"aws:MultiFactorAuthPresent": False}}},
        ],
    })
    assert policy.problems == ()
    a, b = policy.statements
    assert (a.index, a.sid, a.effect, a.actions, a.not_actions) == (0, "A", "Allow", ("s3:GetObject", "s3:List*"), None)
    assert a.resources == ("*",) and a.path == ("Statement", 0) and not a.principal_present
    assert b.not_actions == ("iam:*",) and b.actions is None and b.not_resources == ("arn:aws:s3:::x/*",)
    region, mfa = b.conditions
    assert region.operator == "StringNotEquals" and region.key == "aws:RequestedRegion"
    assert region.values == ("eu-west-1", "eu-central-1")
    assert region.path == ("Statement", 1, "Condition", "StringNotEquals", "aws:RequestedRegion")
    assert mfa.values == ("false",) and mfa.base_operator == "Bool"


def test_single_statement_object_path() -> None:
    policy = parse_policy({"Version": V, "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
    assert policy.problems == ()
    assert policy.statements[0].path == ("Statement",)
    assert policy.statements[0].name == "Statement[0]"


def test_json_text_is_accepted() -> None:
    text = json.dumps({"Version": V, "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    assert parse_policy(text).problems == ()
    assert parse_policy("{not json").problems[0].kind == "invalid-policy"


@pytest.mark.parametrize(("document", "expected"), [
    ([], [((), "invalid-policy")]),
    ({"Version": V}, [((), "invalid-policy")]),
    ({"Version": "2012-10-18", "Statement": []},
     [(("Version",), "invalid-policy"), (("Statement",), "invalid-policy")]),
    ({"Version": V, "Statment": [], "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
     [(("Statment",), "invalid-policy")]),
    ({"Version": V, "Statement": "nope"}, [(("Statement",), "invalid-policy")]),
    ({"Version": V, "Statement": ["nope"]}, [(("Statement", 0), "invalid-policy")]),
])
def test_document_level_problems(document: object, expected: list) -> None:
    assert problems(document) == expected


def stmt_problems(*statements: dict) -> list[tuple[tuple, str]]:
    return problems({"Version": V, "Statement": list(statements)})


def test_missing_effect() -> None:
    assert stmt_problems({"Action": "*", "Resource": "*"}) == [(("Statement", 0), "invalid-policy")]


def test_bad_effect() -> None:
    assert stmt_problems({"Effect": "allow", "Action": "*", "Resource": "*"}) == [
        (("Statement", 0, "Effect"), "invalid-policy")]
    assert parse_policy({"Version": V, "Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}
                        ).statements[0].effect is None


def test_action_and_not_action() -> None:
    assert stmt_problems({"Effect": "Allow", "Action": "*", "NotAction": "iam:*", "Resource": "*"}) == [
        (("Statement", 0, "NotAction"), "invalid-policy")]


def test_neither_action_nor_not_action() -> None:
    assert stmt_problems({"Effect": "Allow", "Resource": "*"}) == [(("Statement", 0), "invalid-policy")]


def test_resource_and_not_resource() -> None:
    assert stmt_problems({"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "x"}) == [
        (("Statement", 0, "NotResource"), "invalid-policy")]


def test_missing_resource() -> None:
    assert stmt_problems({"Effect": "Allow", "Action": "*"}) == [(("Statement", 0), "invalid-policy")]


def test_non_string_entries_point_at_the_item() -> None:
    got = stmt_problems({"Effect": "Allow", "Action": ["s3:GetObject", 7, None], "Resource": ["*", {"a": 1}]})
    assert got == [
        (("Statement", 0, "Action", 1), "invalid-policy"),
        (("Statement", 0, "Action", 2), "invalid-policy"),
        (("Statement", 0, "Resource", 1), "invalid-policy"),
    ]
    policy = parse_policy({"Version": V, "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", 7],
                                                        "Resource": "*"}]})
    assert policy.statements[0].actions == ("s3:GetObject",)


def test_empty_action_list() -> None:
    assert stmt_problems({"Effect": "Allow", "Action": [], "Resource": "*"}) == [
        (("Statement", 0, "Action"), "invalid-policy")]


def test_unknown_statement_key() -> None:
    assert stmt_problems({"Effect": "Allow", "Action": "*", "Resource": "*", "Actions": "x"}) == [
        (("Statement", 0, "Actions"), "invalid-policy")]


def test_duplicate_sid_points_at_the_second() -> None:
    got = stmt_problems({"Sid": "X", "Effect": "Allow", "Action": "*", "Resource": "*"},
                        {"Sid": "Y", "Effect": "Allow", "Action": "*", "Resource": "*"},
                        {"Sid": "X", "Effect": "Deny", "Action": "*", "Resource": "*"})
    assert got == [(("Statement", 2, "Sid"), "invalid-policy")]


def test_bad_sid_characters() -> None:
    assert stmt_problems({"Sid": "no spaces", "Effect": "Allow", "Action": "*", "Resource": "*"}) == [
        (("Statement", 0, "Sid"), "invalid-policy")]


def test_principal_is_recorded_not_rejected() -> None:
    policy = parse_policy({"Version": V, "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]})
    assert policy.problems == () and policy.statements[0].principal_present


def test_unknown_condition_operator() -> None:
    got = stmt_problems({"Effect": "Deny", "Action": "*", "Resource": "*",
                         "Condition": {"StringEqualz": {"aws:PrincipalArn": "x"}}})
    assert got == [(("Statement", 0, "Condition", "StringEqualz"), "unknown-condition-operator")]
    cond = parse_policy({"Version": V, "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                         "Condition": {"StringEqualz": {"k": "v"}}}]}).statements[0].conditions[0]
    assert cond.base_operator is None


def test_condition_shape_problems() -> None:
    got = stmt_problems({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": ["x"]})
    assert got == [(("Statement", 0, "Condition"), "invalid-policy")]
    got = stmt_problems({"Effect": "Deny", "Action": "*", "Resource": "*",
                         "Condition": {"StringEquals": "x"}})
    assert got == [(("Statement", 0, "Condition", "StringEquals"), "invalid-policy")]
    got = stmt_problems({"Effect": "Deny", "Action": "*", "Resource": "*",
                         "Condition": {"StringEquals": {"aws:userid": ["a", {"b": 1}]}}})
    assert got == [(("Statement", 0, "Condition", "StringEquals", "aws:userid", 1), "invalid-policy")]


def test_problem_is_a_value() -> None:
    assert Problem(("Statement", 0), "x") == Problem(("Statement", 0), "x", "invalid-policy")


# -- condition operators ------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "base", "if_exists", "qualifier", "negated"), [
    ("StringEquals", "StringEquals", False, None, False),
    ("StringNotLikeIfExists", "StringNotLike", True, None, True),
    ("ForAnyValue:StringLike", "StringLike", False, "ForAnyValue", False),
    ("ForAllValues:StringNotEqualsIgnoreCaseIfExists", "StringNotEqualsIgnoreCase", True, "ForAllValues", True),
    ("ArnNotLike", "ArnNotLike", False, None, True),
    ("NumericLessThanEquals", "NumericLessThanEquals", False, None, False),
    ("DateGreaterThan", "DateGreaterThan", False, None, False),
    ("BoolIfExists", "Bool", True, None, False),
    ("BinaryEquals", "BinaryEquals", False, None, False),
    ("NotIpAddress", "NotIpAddress", False, None, True),
    ("Null", "Null", False, None, False),
    ("stringequals", "StringEquals", False, None, False),
])
def test_parse_operator(text: str, base: str, if_exists: bool, qualifier: str | None, negated: bool) -> None:
    info = parse_operator(text)
    assert info is not None
    assert (info.base, info.if_exists, info.set_qualifier, info.negated) == (base, if_exists, qualifier, negated)


@pytest.mark.parametrize("text", ["NullIfExists", "StringEqual", "ForSomeValues:StringLike", "", "IfExists",
                                  "ForAnyValue:", None, 3])
def test_parse_operator_rejects(text: object) -> None:
    assert parse_operator(text) is None


def test_minified_size() -> None:
    document = {"Version": V, "Statement": [{"Effect": "Deny", "Action": ["iam:CreateUser"], "Resource": "*"}]}
    text = minify(document)
    assert " " not in text and "\n" not in text
    assert minified_size(document) == len(text) == len(json.dumps(document, separators=(",", ":")))
