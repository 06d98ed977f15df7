"""The engine against the reference evaluator (tests/policy/reference.py).

1. Named regressions: resources judged by resource type, and the condition keys an Identity Center
   session always holds, each decided as AWS decides, by the engine and the reference alike.
2. A property test: random policies (Allow/Deny, Action/NotAction, Resource/NotResource, wildcards,
   the known condition keys, SCP chains of 1 to 4 levels with allow-list and deny-list strategies,
   permissions boundaries) and random actions; the engine and the reference must agree on every
   decision (at least 20,000 per run). A failure prints the hypothesis blob and the drawn seed.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
import reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consolezero.policy.catalog import Catalog, load_catalog
from consolezero.policy.conditions import ABSENT_KEYS, SESSION_KEYS, Context, permission_set_role_arn
from consolezero.policy.document import parse_policy
from consolezero.policy.evaluate import Evaluator, Labeled, ScpLevel

ACCOUNT = "333333333333"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
ROLE_ARN = permission_set_role_arn(ACCOUNT, "Dev", "eu-west-1")
CONTEXT = Context.for_permission_set(ACCOUNT, "Dev", "eu-west-1", NOW)
FULL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def known_keys(catalog: Catalog, action: str) -> dict[str, Any]:
    """The request context of a person's direct call in an Identity Center session, as the reference
    sees it (written out here, not taken from the engine)."""
    known: dict[str, Any] = {
        "aws:principalarn": [ROLE_ARN], "aws:principalaccount": [ACCOUNT], "aws:principaltype": ["AssumedRole"],
        "aws:principalisawsservice": ["false"], "aws:viaawsservice": ["false"],
        "aws:currenttime": ["2026-12-04T12:00:00Z"], "aws:epochtime": [str(int(NOW.timestamp()))],
    }
    for key in ("aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:SourceArn", "aws:SourceAccount",
                "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:CalledVia", "aws:CalledViaFirst",
                "aws:CalledViaLast"):
        known[key.lower()] = reference.ABSENT
    i = catalog.lookup(action)
    if not catalog.permission_only_mask >> i & 1:
        known["aws:securetransport"] = ["true"]  # every API call of a person goes over TLS
    return known


def engine(catalog: Catalog, identity: list[dict], boundary: dict | None, scps: list[list[dict]] | None,
           actions: list[str]) -> list[str]:
    ev = Evaluator(catalog)
    ident = [Labeled(f"identity{n}", parse_policy(d)) for n, d in enumerate(identity)]
    bound = Labeled("boundary", parse_policy(boundary)) if boundary is not None else None
    levels = None if scps is None else [
        ScpLevel(f"level{n}", tuple(Labeled(f"scp{n}.{m}", parse_policy(d)) for m, d in enumerate(level)))
        for n, level in enumerate(scps)]
    evaluation = ev.evaluate(ident, bound, levels, CONTEXT)
    return [evaluation.decision_of(catalog.lookup(a)) for a in actions]


def oracle(catalog: Catalog, identity: list[dict], boundary: dict | None, scps: list[list[dict]] | None,
           action: str) -> str:
    formats = catalog.action_arn_formats(catalog.lookup(action))
    return reference.decide(action, formats, known_keys(catalog, action), identity, boundary, scps)


def both(catalog: Catalog, identity: list[dict], action: str, boundary: dict | None = None,
         scps: list[list[dict]] | None = None) -> str:
    """The decision, after asserting that the engine and the reference agree on it."""
    got = engine(catalog, identity, boundary, scps, [action])[0]
    want = oracle(catalog, identity, boundary, scps, action)
    assert got == want, f"engine {got}, reference {want}"
    return got


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], **extra: Any) -> dict:
    return doc({"Effect": "Allow", "Action": action, **({"Resource": "*"} if "NotResource" not in extra else {}),
                **extra})


# -- 1. resources by type -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def test_passrole_on_every_role_is_allowed(cat: Catalog) -> None:
    assert both(cat, [allow("iam:PassRole", Resource="arn:aws:iam::*:role/*")], "iam:PassRole") == "allowed"


def test_create_policy_version_on_every_policy_is_allowed(cat: Catalog) -> None:
    assert both(cat, [allow("iam:CreatePolicyVersion", Resource="arn:aws:iam::*:policy/*")],
                "iam:CreatePolicyVersion") == "allowed"


def test_role_star_without_slash_covers_every_role(cat: Catalog) -> None:
    assert both(cat, [allow("iam:PassRole", Resource="arn:aws:iam::*:role*")], "iam:PassRole") == "allowed"


def test_some_roles_only_is_fenced(cat: Catalog) -> None:
    assert both(cat, [allow("iam:PassRole", Resource="arn:aws:iam::*:role/service/*")], "iam:PassRole") == "fenced"


def test_notresource_excluding_none_of_the_types_counts_as_star(cat: Catalog) -> None:
    policy = doc({"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::*:user/*"})
    assert both(cat, [policy], "iam:PassRole") == "allowed"


def test_deny_with_notresource_star_never_applies(cat: Catalog) -> None:
    deny = {"Effect": "Deny", "Action": "iam:PassRole", "NotResource": "*"}
    assert both(cat, [doc({"Effect": "Allow", "Action": "*", "Resource": "*"}, deny)], "iam:PassRole") == "allowed"


def test_deny_covering_every_arn_of_the_types_denies(cat: Catalog) -> None:
    deny = {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/*"}
    assert both(cat, [doc({"Effect": "Allow", "Action": "*", "Resource": "*"}, deny)], "iam:PassRole") == "denied"
    scp = doc({"Effect": "Deny", "Action": "iam:*", "Resource": ["arn:aws:iam::*:role/*"]})
    assert both(cat, [FULL], "iam:PassRole", scps=[[FULL, scp]]) == "denied"


def test_action_without_resource_types_is_judged_on_star(cat: Catalog) -> None:
    assert cat.action_arn_formats(cat.lookup("s3:ListAllMyBuckets")) == ()
    assert both(cat, [allow("s3:ListAllMyBuckets")], "s3:ListAllMyBuckets") == "allowed"
    # an ARN of another service matches nothing of it; one of its own service: AWS wants "*" (fenced)
    assert both(cat, [allow("s3:ListAllMyBuckets", Resource="arn:aws:iam::*:role/*")],
                "s3:ListAllMyBuckets") == "denied"
    assert both(cat, [allow("s3:ListAllMyBuckets", Resource="arn:aws:s3:::*")], "s3:ListAllMyBuckets") == "fenced"


def test_pattern_in_another_partition_or_service_matches_nothing(cat: Catalog) -> None:
    assert both(cat, [allow("iam:PassRole", Resource="arn:aws-cn:iam::*:role/*")], "iam:PassRole") == "denied"
    assert both(cat, [allow("iam:PassRole", Resource="arn:aws:s3:::*")], "iam:PassRole") == "denied"
    deny = {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "arn:aws-us-gov:iam::*:role/*"}
    assert both(cat, [doc({"Effect": "Allow", "Action": "*", "Resource": "*"}, deny)], "iam:PassRole") == "allowed"


# -- 2. known condition keys of an Identity Center session ------------------------------------------
def cond_allow(action: str, block: dict) -> dict:
    return doc({"Effect": "Allow", "Action": action, "Resource": "*", "Condition": block})


@pytest.mark.parametrize(("block", "expected"), [
    ({"Bool": {"aws:PrincipalIsAWSService": "false"}}, "allowed"),
    ({"Bool": {"aws:PrincipalIsAWSService": "true"}}, "denied"),
    ({"StringEquals": {"aws:PrincipalType": "AssumedRole"}}, "allowed"),
    ({"StringEquals": {"aws:PrincipalType": "User"}}, "denied"),
    ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, "allowed"),
    ({"DateLessThan": {"aws:CurrentTime": "2020-01-01"}}, "denied"),
    ({"DateGreaterThan": {"aws:EpochTime": "1577836800"}}, "allowed"),
    ({"Bool": {"aws:SecureTransport": "true"}}, "allowed"),
    ({"Bool": {"aws:ViaAWSService": "false"}}, "allowed"),
    ({"Bool": {"aws:ViaAWSService": "true"}}, "denied"),
    ({"StringEqualsIfExists": {"aws:SourceAccount": "111111111111"}}, "allowed"),  # never present
    ({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:s3:::x"}}, "allowed"),
    ({"StringEquals": {"aws:SourceAccount": "111111111111"}}, "denied"),
    ({"Null": {"aws:SourceArn": "true"}}, "allowed"),
    ({"StringEquals": {"aws:SourceIp": "10.0.0.1"}}, "fenced"),  # anything else stays fenced
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, "fenced"),
    ({"DateLessThan": {"aws:TokenIssueTime": "2026-12-01T00:00:00Z"}}, "fenced"),
])
def test_known_session_keys(cat: Catalog, block: dict, expected: str) -> None:
    assert both(cat, [cond_allow("s3:GetObject", block)], "s3:GetObject") == expected


def test_now_moves_the_time(cat: Catalog) -> None:
    policy = parse_policy(cond_allow("s3:GetObject", {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}))
    early = Context.for_permission_set(ACCOUNT, "Dev", None, datetime(2029, 1, 1, tzinfo=UTC))
    late = Context.for_permission_set(ACCOUNT, "Dev", None, datetime(2031, 1, 1, tzinfo=UTC))
    ev = Evaluator(cat)
    assert ev.evaluate([Labeled("p", policy)], None, None, early).decide("s3:GetObject").decision == "allowed"
    assert ev.evaluate([Labeled("p", policy)], None, None, late).decide("s3:GetObject").decision == "denied"


def test_secure_transport_deny_does_not_stop_api_calls(cat: Catalog) -> None:
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert both(cat, [doc({"Effect": "Allow", "Action": "*", "Resource": "*"}, deny)], "s3:GetObject") == "allowed"


def test_the_documented_table_is_the_engines() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "engine.md").read_text(encoding="utf-8")
    for key, value in SESSION_KEYS.items():
        assert f"`{key}`" in text and f"`{value}`" in text, key
    for key in (*ABSENT_KEYS, "aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport"):
        assert f"`{key}`" in text, key


# -- 3. the property test -------------------------------------------------------------------------
ACTION_PATTERNS = ["*", "iam:*", "iam:Pass*", "iam:?ass*", "*:PassRole", "s3:*", "s3:Get*", "s3:*Object", "ec2:*",
                   "ec2:Describe*", "lambda:*", "ssm:Send*", "sts:AssumeRole", "iam:Create*", "*:Get*",
                   "organizations:*", "kms:*", "s?:*", "iam:PassRole", "iam:CreatePolicyVersion", "s3:GetObject",
                   "ec2:RunInstances", "lambda:UpdateFunctionCode", "cloudtrail:StopLogging", "*:*Policy*"]
RESOURCES = ["*", "arn:aws:iam::*:role/*", "arn:aws:iam::*:role*", "arn:aws:iam::*:role/service/*",
             "arn:aws:iam::*:user/*", "arn:aws-cn:iam::*:role/*", "arn:aws:s3:::*", "arn:aws:s3:::bucket-1/*",
             "arn:aws:iam::*:policy/*", "arn:*", "arn:aws:ec2:*:*:instance/*", "arn:aws:lambda:*:*:function:*",
             "arn:aws:s3:::*/*", "arn:aws:iam::123456789012:role/app-1", "arn:aws:*:*:*:*"]
CONDITIONS: list[tuple[list[str], str, list[str]]] = [
    (["StringLike", "StringNotLike", "ArnLike", "ArnNotLike", "StringLikeIfExists"], "aws:PrincipalArn",
     ["arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Dev_*", "arn:aws:iam::*:user/break-glass/*",
      ROLE_ARN]),
    (["StringEquals", "StringNotEquals", "StringEqualsIfExists"], "aws:PrincipalType", ["AssumedRole", "User"]),
    (["Bool", "BoolIfExists", "Null"], "aws:PrincipalIsAWSService", ["true", "false"]),
    (["Bool", "Null"], "aws:ViaAWSService", ["true", "false"]),
    (["Bool"], "aws:SecureTransport", ["true", "false"]),
    (["DateGreaterThan", "DateLessThan", "DateLessThanIfExists"], "aws:CurrentTime",
     ["2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z"]),
    (["StringEquals", "StringNotEquals", "ArnLikeIfExists", "Null", "ArnNotLike"], "aws:SourceArn",
     ["arn:aws:s3:::bucket-1"]),
    (["ForAnyValue:StringEquals", "ForAllValues:StringEquals", "ForAnyValue:StringNotEquals"],
     "aws:PrincipalServiceNamesList", ["ec2.amazonaws.com"]),
    (["IpAddress", "NotIpAddress"], "aws:SourceIp", ["10.0.0.0/8"]),
    (["StringEquals", "StringNotEqualsIfExists"], "aws:RequestedRegion", ["eu-west-1"]),
]


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict:
    stmt: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))}
    actions = draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3, unique=True))
    stmt["NotAction" if draw(st.integers(0, 4)) == 0 else "Action"] = actions
    resources = draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2, unique=True))
    stmt["NotResource" if draw(st.integers(0, 3)) == 0 else "Resource"] = resources
    if draw(st.integers(0, 2)) == 0:
        block: dict[str, dict[str, Any]] = {}
        for operators, key, values in draw(st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=2)):
            op = draw(st.sampled_from(operators))
            value = "true" if op == "Null" and draw(st.booleans()) else (
                "false" if op == "Null" else draw(st.sampled_from(values)))
            block.setdefault(op, {})[key] = value
        stmt["Condition"] = block
    return stmt


def documents(effect: str | None = None, most: int = 3) -> st.SearchStrategy[dict]:
    return st.lists(statements(effect), min_size=1, max_size=most).map(lambda s: doc(*s))


@st.composite
def boundaries(draw: st.DrawFn) -> dict:
    """A boundary that allows much (everything, or a few patterns) and denies some."""
    first = FULL["Statement"] if draw(st.booleans()) else [draw(statements("Allow"))]
    return doc(*first, *draw(st.lists(statements(), max_size=2)))


@st.composite
def scp_chains(draw: st.DrawFn) -> list[list[dict]] | None:
    if draw(st.integers(0, 9)) == 0:
        return None  # the management account: no SCPs
    levels = []
    allow_list = draw(st.booleans())
    for _ in range(draw(st.integers(1, 4))):
        if allow_list:  # allow-list strategy: FullAWSAccess only where declared, Allow SCPs elsewhere
            level = [FULL] if draw(st.integers(0, 1)) == 0 else draw(st.lists(documents("Allow", 2), min_size=1,
                                                                               max_size=2))
        else:  # deny-list strategy: FullAWSAccess everywhere, Deny SCPs
            level = [FULL]
        if draw(st.integers(0, 2)) == 0:
            level.append(draw(documents("Deny", 2)))
        levels.append(level)
    return levels


def _pool(catalog: Catalog) -> list[str]:
    """Actions to ask about: the ones the patterns name, and a fixed sample of the rest (actions whose
    resource types the catalog does not describe are left to the named tests)."""
    named = ["iam:PassRole", "iam:CreatePolicyVersion", "iam:CreateRole", "iam:PutRolePolicy", "iam:CreateUser",
             "iam:GetRole", "s3:GetObject", "s3:PutObject", "s3:ListAllMyBuckets", "s3:DeleteBucket",
             "ec2:RunInstances", "ec2:DescribeInstances", "lambda:UpdateFunctionCode", "lambda:CreateFunction",
             "ssm:SendCommand", "sts:AssumeRole", "organizations:LeaveOrganization", "kms:Decrypt",
             "cloudtrail:StopLogging", "lambda:PutResourcePolicy", "s3express:CreateSession"]
    rng = random.Random(14)
    described = [a for i, a in enumerate(catalog.actions) if "" not in catalog.action_arn_formats(i)]
    near = [a for a in described if a.split(":")[0] in ("iam", "s3", "lambda", "ssm", "sts", "kms", "organizations")]
    ec2 = [a for a in described if a.startswith("ec2:")]
    return named + rng.sample(near, 300) + rng.sample(ec2, 60) + rng.sample(described, 60)


DECISIONS = {"n": 0, "allowed": 0, "fenced": 0, "denied": 0}
PER_EXAMPLE = 100


@settings(max_examples=210, deadline=None, print_blob=True, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(identity=st.lists(documents(), min_size=1, max_size=2), boundary=st.none() | boundaries(),
       scps=scp_chains(), seed=st.integers(0, 2**32 - 1))
def _agree(identity: list[dict], boundary: dict | None, scps: list[list[dict]] | None, seed: int) -> None:
    catalog = load_catalog()
    pool = _pool_cache(catalog)
    rng = random.Random(seed)
    named = {str(p) for d in identity for s in d["Statement"] if s["Effect"] == "Allow" and "Action" in s
             for p in s["Action"]}
    near = [a for a in pool if any(reference.action_matches(p, a) for p in named)]
    first = rng.sample(near, min(len(near), PER_EXAMPLE * 2 // 3))  # mostly actions the identity allows
    actions = first + rng.sample([a for a in pool if a not in set(first)], PER_EXAMPLE - len(first))
    got = engine(catalog, identity, boundary, scps, actions)
    for action, decision in zip(actions, got, strict=True):
        want = oracle(catalog, identity, boundary, scps, action)
        assert decision == want, (f"seed {seed}: {action}: engine {decision}, reference {want}\n"
                                  f"identity={identity}\nboundary={boundary}\nscps={scps}")
        DECISIONS[decision] += 1
    DECISIONS["n"] += len(actions)


_POOL: dict[int, list[str]] = {}


def _pool_cache(catalog: Catalog) -> list[str]:
    if id(catalog) not in _POOL:
        _POOL[id(catalog)] = _pool(catalog)
    return _POOL[id(catalog)]


def test_engine_agrees_with_the_reference() -> None:
    for key in DECISIONS:
        DECISIONS[key] = 0
    _agree()
    assert DECISIONS["n"] >= 20_000, DECISIONS
    # the draws reach all three answers, each in at least 2 % of the decisions (typically 7 to 9 %)
    assert min(DECISIONS["allowed"], DECISIONS["fenced"], DECISIONS["denied"]) >= DECISIONS["n"] // 50, DECISIONS


def test_decide_names_the_statement_that_allows_by_type(cat: Catalog) -> None:
    """The explanation judges each action by its own resource types, as the decision does."""
    policy = parse_policy(allow(["iam:PassRole", "iam:CreatePolicyVersion"], Resource="arn:aws:iam::*:role/*"))
    ev = Evaluator(cat).evaluate([Labeled("roles/x.yaml", policy)], None, None, CONTEXT)
    assert ev.decide("iam:PassRole").by == ("roles/x.yaml#Statement[0]",)
    assert ev.decide("iam:PassRole").decision == "allowed"
    assert ev.decide("iam:CreatePolicyVersion").by == ("implicit deny: no identity Allow",)
