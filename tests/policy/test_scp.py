"""What SCPs mean, decided once (consolezero.policy.scp): DenyUser, its exemptions, deny-everything."""

from __future__ import annotations

import pytest

from consolezero.policy.scp import (
    denies_everything,
    deny_user_statements,
    escape_probes,
    exempts,
    has_allow,
    is_deny_user,
    way_out_mask,
)

GLASS = "arn:aws:iam::222222222222:user/break-glass/break-glass-admin"
USER_ACTIONS = ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"]


def deny(action, condition=None, resource="*", key="Action"):
    statement = {"Sid": "S", "Effect": "Deny", key: action, "Resource": resource}
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


EXEMPT = {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/break-glass/*"}}


@pytest.mark.parametrize("document", [
    deny(USER_ACTIONS, EXEMPT), deny("iam:*"), deny("*"), deny("iam:Create*"), deny("iam:*User"),
    deny(["s3:*"], key="NotAction"), deny("iam:CreateUser", resource="arn:aws:iam::*:user/*"),
])
def test_deny_user_by_what_it_does(document) -> None:
    assert is_deny_user(document)


@pytest.mark.parametrize("document", [
    deny(USER_ACTIONS, {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}),  # the root user only
    deny("iam:CreateAccessKey"),  # keys, not users: user-denying, but not DenyUser
    deny("iam:CreateUser", resource="arn:aws:iam::*:user/admins/*"),
    deny(["iam:*"], key="NotAction"),
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"}]},
])
def test_not_deny_user(document) -> None:
    assert not is_deny_user(document)


def test_create_access_key_alone_is_a_user_denying_statement() -> None:
    assert [s.sid for s in deny_user_statements(deny("iam:CreateAccessKey"))] == ["S"]


@pytest.mark.parametrize(("condition", "exempt"), [
    (EXEMPT, True),
    ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/brake-glass/*"}}, False),  # a typo
    ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/admins/*"}}, False),  # another path
    ({"StringNotEquals": {"aws:PrincipalArn": "arn:aws:iam::*:user/break-glass/*"}}, False),  # literal: never
    ({"ArnNotEquals": {"aws:PrincipalArn": GLASS}}, True),
    ({"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/x", "arn:aws:iam::222222222222:user/break-glass/*"]}},
     True),
    ({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}, False),  # undecidable offline: not an exemption
    (None, False),
])
def test_the_engine_decides_the_exemption(condition, exempt) -> None:
    assert exempts(deny(USER_ACTIONS, condition), GLASS) is exempt


def test_escape_probes_are_exempt_under_a_broad_condition() -> None:
    broad = deny(USER_ACTIONS, {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}})
    probes = escape_probes(["222222222222"], [GLASS])
    assert [p for p in probes if exempts(broad, p)] == ["arn:aws:iam::222222222222:user/someone",
                                                        "arn:aws:iam::222222222222:user/automation/deploy"]
    assert not [p for p in probes if exempts(deny(USER_ACTIONS, EXEMPT), p)]


def test_deny_everything_and_whom_it_spares() -> None:
    assert [d.spares for d in denies_everything(deny("*", EXEMPT), GLASS)] == [True]
    assert [d.spares for d in denies_everything(deny("*"), GLASS)] == [False]
    assert denies_everything(deny("s3:*"), GLASS) == []
    assert denies_everything(deny("*", resource="arn:aws:s3:::x"), GLASS) == []


def test_the_way_out_and_allow() -> None:
    from consolezero.policy.catalog import load_catalog

    catalog = load_catalog()
    mask = way_out_mask(catalog)
    assert mask >> catalog.lookup("iam:CreateUser") & 1 and mask >> catalog.lookup("sts:AssumeRole") & 1
    assert not mask >> catalog.lookup("organizations:LeaveOrganization") & 1
    assert has_allow('{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}')
    assert not has_allow(deny("*")) and not has_allow("not json")
