"""The Evaluator's caching and memoization never change an answer; condition evaluation unit tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_helpers import aws_managed, labeled

from consolezero.policy.catalog import Catalog
from consolezero.policy.conditions import (
    SSO_ROLE_SUFFIX,
    Context,
    evaluate_condition,
    evaluate_conditions,
    permission_set_role_arn,
    session_keys,
    time_keys,
)
from consolezero.policy.document import parse_policy
from consolezero.policy.evaluate import Evaluator, Labeled, ScpLevel, UnknownActionError, evaluate
from consolezero.policy.patterns import compile_actions

FULL = aws_managed("FullAWSAccess", "scps/full.yaml")
ADMIN = aws_managed("AdministratorAccess")
DENY_USER = labeled("scps/deny-user.yaml", {
    "Sid": "DenyIamUsers", "Effect": "Deny", "Action": "iam:CreateUser",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/break-glass/*"}}})
ONE_ACCOUNT = labeled("scps/one-account.yaml", {
    "Sid": "OnlyIn333", "Effect": "Deny", "Action": "s3:*",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::333333333333:role/*"}}})


def test_permission_set_arn() -> None:
    arn = permission_set_role_arn("123456789012", "Admin", "eu-west-1")
    assert arn == ("arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/"
                   f"AWSReservedSSO_Admin_{SSO_ROLE_SUFFIX}")
    assert "sso.amazonaws.com/AWSReservedSSO_Admin_" in permission_set_role_arn("123456789012", "Admin")
    ctx = Context.for_permission_set("123456789012", "Admin")
    assert ctx.lookup("AWS:PRINCIPALACCOUNT") == ("123456789012",)
    assert ctx.lookup("aws:PrincipalType") == ("AssumedRole",)
    assert ctx.lookup("aws:SourceIp") is None
    assert Context(principal_arn=arn).lookup("aws:PrincipalAccount") == ("123456789012",)


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 20, 10, 5, 7, 999_999),  # naive: UTC; the microseconds never round up
    datetime(2026, 1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5))),  # shown in UTC: the day before
    datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),  # before the epoch: the second it falls in
])
def test_time_keys_and_the_session_of_one_second(now: datetime) -> None:
    utc = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC)
    assert time_keys(now) == {"aws:CurrentTime": utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                              "aws:EpochTime": str(int(utc.timestamp()))}
    one = Context.for_permission_set("123456789012", "Admin", "eu-west-1", now)
    other = Context.for_permission_set("210987654321", "Dev", None, now)
    spelled = Context(one.principal_arn, "123456789012", "AssumedRole", session_keys(now))  # known() built anew
    assert one.known() == spelled.known() and one.extra == spelled.extra
    assert other.lookup("aws:PrincipalAccount") == ("210987654321",)  # the second's table is copied per context
    assert one.lookup("aws:PrincipalAccount") == ("123456789012",)
    with pytest.raises(TypeError):
        one.extra["aws:CurrentTime"] = "later"  # type: ignore[index]  # shared by the contexts of that second
    extra = Context.for_permission_set("123456789012", "Admin", None, now, {"aws:MultiFactorAuthPresent": "true"})
    assert extra.lookup("aws:multifactorauthpresent") == ("true",) and extra.lookup("aws:EpochTime") == (
        str(int(utc.timestamp())),)


def test_decide_unknown_action() -> None:
    ev = Evaluator().evaluate([ADMIN], None, None, Context())
    with pytest.raises(UnknownActionError):
        ev.decide("s3:NoSuchAction")


def test_module_level_evaluate_and_plain_level_lists() -> None:
    ev = evaluate([ADMIN], None, [[FULL], [DENY_USER]], Context.for_permission_set("1", "Dev"))
    got = ev.decide("s3:GetObject")
    assert (got.decision, got.by) == ("denied", ("no Allow in SCP level 1",))
    ev = evaluate([ADMIN], None, [[DENY_USER]], Context())
    assert ev.decide("s3:GetObject").by == ("no Allow in root",)


def test_accounts_share_evaluations_when_context_does_not_matter() -> None:
    ev = Evaluator()
    ident = ev.identity([ADMIN])
    results = set()
    for n in range(50):
        chain = ev.chain([ScpLevel("root", (FULL, DENY_USER)), ScpLevel(f"account:a{n}", (FULL,))])
        results.add(id(ev.run(ident, chain, Context.for_permission_set(f"{n:012d}", "Admin", "eu-west-1")).access))
    assert len(results) == 1  # the ARN differs per account, but not in the parts DenyUser looks at
    assert ev.distinct_evaluations == 1


def test_permission_set_context_knows_what_its_keys_say() -> None:
    """for_permission_set fills its table of known keys from a copy made once; it is the table the
    context would build from its principal and ``extra`` (session keys at that moment)."""
    now = datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC)
    for region in ("eu-west-1", None):
        fast = Context.for_permission_set("123456789012", "Dev", region, now=now)
        slow = Context(fast.principal_arn, fast.account_id, fast.principal_type, dict(fast.extra))
        assert fast.known() == slow.known()
        assert fast.lookup("AWS:CurrentTime") == ("2026-03-04T05:06:07Z",) and fast.lookup("aws:sourcearn") == ()
    extra = Context.for_permission_set("123456789012", "Dev", now=now, extra={"aws:SourceIp": "10.0.0.1"})
    assert extra.lookup("aws:sourceip") == ("10.0.0.1",) and extra.lookup("aws:principaltype") == ("AssumedRole",)


def test_account_specific_arn_pattern_is_not_shared() -> None:
    ev = Evaluator()
    ident = ev.identity([ADMIN])
    chain = ev.chain([ScpLevel("root", (FULL, ONE_ACCOUNT))])
    inside = ev.run(ident, chain, Context.for_permission_set("333333333333", "Dev")).decide("s3:GetObject")
    outside = ev.run(ident, chain, Context.for_permission_set("444444444444", "Dev")).decide("s3:GetObject")
    again = ev.run(ident, chain, Context.for_permission_set("333333333333", "Ops")).decide("s3:GetObject")
    assert (inside.decision, outside.decision, again.decision) == ("allowed", "denied", "allowed")


def test_level_labels_do_not_leak_between_shared_chains() -> None:
    ev = Evaluator()
    a = ev.evaluate([ADMIN], None, [ScpLevel("root", (FULL,)), ScpLevel("account:a", (DENY_USER,))], Context())
    b = ev.evaluate([ADMIN], None, [ScpLevel("root", (FULL,)), ScpLevel("account:b", (DENY_USER,))], Context())
    assert a.decide("s3:GetObject").by == ("no Allow in account:a",)
    assert b.decide("s3:GetObject").by == ("no Allow in account:b",)


def test_policy_compiled_once_per_object() -> None:
    ev = Evaluator()
    first = ev.compile(ADMIN)
    assert ev.compile(ADMIN) is first
    twin = aws_managed("AdministratorAccess")  # parsed again: another object, compiled again, same bits
    again = ev.compile(twin)
    assert again is not first and [s.bits for s in again] == [s.bits for s in first]


# -- the same answers with and without the caches (randomized) ----------------------------------------
_ACTIONS = ["iam:PassRole", "iam:CreateUser", "s3:GetObject", "s3:PutObject", "ec2:RunInstances", "kms:Decrypt"]
_CONDS = [
    {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*AWSReservedSSO_Admin_*"}},
    {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*Admin*"}},
    {"StringNotLike": {"aws:PrincipalArn": ["arn:aws:iam::11111111111?:*", "arn:*:*:*:*:user/*"]}},
    {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*"}},
    {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/a:b"}},
    {"StringNotEqualsIgnoreCase": {"aws:PrincipalArn": "ARN:AWS:IAM::111111111111:USER/BREAK-GLASS"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:*"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::11111111111?:role/*"}},
    {"StringEquals": {"aws:PrincipalAccount": "111111111111"}},
    {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
]


def _random_policy(rng: random.Random, label: str) -> Labeled:
    statements = []
    for n in range(rng.randint(1, 3)):
        s: dict = {"Sid": f"S{n}", "Effect": rng.choice(["Allow", "Allow", "Deny"]),
                   "Action": rng.sample(_ACTIONS + ["*", "iam:*", "s3:Get*"], 2)}
        if rng.random() < 0.5:
            s["Condition"] = rng.choice(_CONDS)
        if rng.random() < 0.2:
            s["Resource"] = "arn:aws:s3:::b/*"
        statements.append(s)
    return labeled(label, *statements)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000))
def test_property_memoized_equals_fresh(catalog: Catalog, seed: int) -> None:
    rng = random.Random(seed)
    identity = [_random_policy(rng, "roles/r.yaml")]
    levels = [ScpLevel("root", (FULL, _random_policy(rng, "scps/a.yaml"))),
              ScpLevel("ou:X", (FULL, _random_policy(rng, "scps/b.yaml")))]
    shared = Evaluator(catalog)
    contexts = [Context.for_permission_set(account, role, "eu-west-1")
                for account in ("111111111111", "222222222222", "111111111111") for role in ("Admin", "Dev", "Admin")]
    contexts += [Context(arn) for arn in (
        "arn:aws:iam::111111111111:user/a:b", "arn:aws:iam::111111111111:user/break-glass",
        "arn:aws:iam::222222222222:user/a:b", "arn:aws:iam::111111111111:user/a", "not-an-arn",
        "arn:aws:iam::111111111111:role/x:Admin:y")]
    for ctx in contexts:  # fresh: an Evaluator with empty memos decides from the context itself
        memo = shared.evaluate(identity, None, levels, ctx)
        fresh = Evaluator(catalog).evaluate(identity, None, levels, ctx)
        assert (memo.access.certain, memo.access.possible) == (fresh.access.certain, fresh.access.possible)
        for action in _ACTIONS:
            assert memo.decide(action) == fresh.decide(action)


def test_certain_is_a_subset_of_possible(catalog: Catalog) -> None:
    rng = random.Random(5)
    for _ in range(30):
        ev = Evaluator(catalog).evaluate([_random_policy(rng, "r")], None,
                                         [ScpLevel("root", (FULL, _random_policy(rng, "s")))], Context())
        assert ev.access.certain & ~ev.access.possible == 0
        assert ev.access.fenced == ev.access.possible & ~ev.access.certain


def test_notaction_allow_equals_complement_of_action_allow(catalog: Catalog) -> None:
    patterns = ["iam:*", "s?:Get*", "*:PassRole"]
    allow_not = Evaluator(catalog).evaluate([labeled("r", {"Effect": "Allow", "NotAction": patterns})], None, None)
    assert allow_not.access.certain == catalog.all_mask & ~compile_actions(catalog, patterns)
    deny_not = Evaluator(catalog).evaluate(
        [ADMIN, labeled("d", {"Effect": "Deny", "NotAction": patterns})], None, None)
    assert deny_not.access.certain == compile_actions(catalog, patterns)


# -- condition evaluation -----------------------------------------------------------------------------
ARN = "arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_abc"
KNOWN = Context(ARN, "333333333333", "AssumedRole",
                {"aws:SourceIp": "10.1.2.3", "aws:MultiFactorAuthAge": "120", "aws:TagKeys": ["a", "b"]})


def cond(operator: str, key: str, values: object) -> object:
    policy = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {operator: {key: values}}}]})
    return policy.statements[0].conditions[0]


@pytest.mark.parametrize(("operator", "key", "values", "expected"), [
    ("StringEquals", "aws:PrincipalAccount", "333333333333", True),
    ("StringEquals", "aws:PrincipalAccount", ["1", "333333333333"], True),
    ("StringNotEquals", "aws:PrincipalAccount", ["1", "333333333333"], False),
    ("StringEqualsIgnoreCase", "aws:PrincipalType", "assumedrole", True),
    ("StringNotEqualsIgnoreCase", "aws:PrincipalType", "ASSUMEDROLE", False),
    ("StringLike", "aws:PrincipalArn", "*AWSReservedSSO_Admin_*", True),
    ("StringLike", "aws:PrincipalArn", "*AWSReservedSSO_admin_*", False),
    ("StringNotLike", "aws:PrincipalArn", ["*break-glass*", "*Admin*"], False),
    ("StringLikeIfExists", "aws:PrincipalArn", "arn:aws:iam::33333333333?:role/*", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/aws-reserved/*", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:user/*", False),
    ("ArnEquals", "aws:PrincipalArn", ARN, True),
    ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:user/break-glass/*", True),
    ("ArnNotEquals", "aws:PrincipalArn", ARN, False),
    ("ArnLike", "aws:PrincipalArn", "not-an-arn*", False),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600", True),
    ("NumericGreaterThanEquals", "aws:MultiFactorAuthAge", "120", True),
    ("NumericEquals", "aws:MultiFactorAuthAge", "abc", None),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8", True),
    ("NotIpAddress", "aws:SourceIp", ["192.168.0.0/16", "10.0.0.0/8"], False),
    ("Null", "aws:PrincipalArn", "true", False),
    ("Null", "aws:PrincipalArn", "false", True),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["b", "c"], True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["b", "c"], False),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b", "c"], True),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["a"], True),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["a"], False),
    ("DateLessThan", "aws:MultiFactorAuthAge", "2026-01-01T00:00:00Z", None),
    ("StringEquals", "aws:SourceVpc", "vpc-1", None),
    ("StringEquals", "aws:PrincipalArn", "${aws:username}", None),
    ("StringEqualz", "aws:PrincipalArn", "x", None),
])
def test_evaluate_condition(operator: str, key: str, values: object, expected: bool | None) -> None:
    assert evaluate_condition(cond(operator, key, values), KNOWN) is expected


def test_evaluate_conditions_three_valued() -> None:
    true = cond("StringEquals", "aws:PrincipalAccount", "333333333333")
    false = cond("StringEquals", "aws:PrincipalAccount", "1")
    unknown = cond("StringEquals", "aws:SourceVpc", "vpc-1")
    assert evaluate_conditions([], KNOWN) is True
    assert evaluate_conditions([true, unknown], KNOWN) is None
    assert evaluate_conditions([unknown, false], KNOWN) is False
    assert evaluate_conditions([true, true], KNOWN) is True


def test_scp_access_and_lockout(catalog: Catalog) -> None:
    ev = Evaluator(catalog)
    assert ev.scp_access([[FULL], [FULL]]).certain == catalog.all_mask
    locked = ev.scp_access([[FULL], [DENY_USER]])  # the second level has no Allow at all
    assert locked.possible == 0
    fenced = ev.scp_access([[FULL, DENY_USER]])  # unknown principal: DenyUser may or may not apply
    i = catalog.index["iam:createuser"]
    assert fenced.possible >> i & 1 and not fenced.certain >> i & 1


def test_statement_bits(catalog: Catalog) -> None:
    from consolezero.policy.patterns import statement_bits

    policy = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:Get*"], "Resource": "*"}]})
    deny, allow = (statement_bits(catalog, st) for st in policy.statements)
    assert deny == catalog.all_mask & ~catalog.service_mask("iam")
    assert allow == compile_actions(catalog, "s3:Get*")
