"""Cases other policy tools get wrong, one named test each (checked against the pinned versions).

- policyuniverse 1.5.1 expands only patterns containing ``*``: ``iam:?assRole`` stays literal.
- parliament 1.6.4 rejects ``?`` in the service part (``s?:GetObject``: "Unknown prefix s?").
- cloudsplaining 0.9.1 finds no escalation in ``iam:?reatePolicyVersion`` nor ``*:CreatePolicyVersion``,
  and reports escalations for ``Allow iam:*`` + ``Deny NotAction s3:*`` (where everything but S3 is denied).
"""

from __future__ import annotations

from policy_helpers import aws_managed, labeled

from consolezero.policy.catalog import Catalog
from consolezero.policy.conditions import Context
from consolezero.policy.escalation import find_escalations
from consolezero.policy.evaluate import Evaluator, ScpLevel
from consolezero.policy.patterns import action_names, compile_action

FULL = aws_managed("FullAWSAccess", "scps/full.yaml")
CTX = Context.for_permission_set("333333333333", "Developer")


def evaluate(*identity, levels=None):
    return Evaluator().evaluate(list(identity), None, levels if levels is not None else [ScpLevel("root", (FULL,))],
                                CTX)


def test_question_mark_only_pattern_is_expanded(catalog: Catalog) -> None:
    """policyuniverse leaves ``iam:?assRole`` unexpanded (it looks for ``*`` only)."""
    assert action_names(catalog, compile_action(catalog, "iam:?assRole")) == ["iam:PassRole"]


def test_question_mark_in_service_part(catalog: Catalog) -> None:
    """parliament raises "Unknown prefix s?" for ``s?:GetObject``; IAM matches s3:GetObject."""
    assert action_names(catalog, compile_action(catalog, "s?:GetObject")) == ["s3:GetObject"]


def test_star_in_service_part(catalog: Catalog) -> None:
    """``*:CreatePolicyVersion`` includes iam:CreatePolicyVersion (cloudsplaining sees no escalation)."""
    assert action_names(catalog, compile_action(catalog, "*:CreatePolicyVersion")) == [
        "iam:CreatePolicyVersion", "iot:CreatePolicyVersion"]


def test_escalation_through_question_mark() -> None:
    """cloudsplaining finds no escalation in ``iam:?reatePolicyVersion``."""
    ev = evaluate(labeled("roles/x.yaml", {"Effect": "Allow", "Action": "iam:?reatePolicyVersion"}))
    assert [h.path.name for h in find_escalations(ev)] == ["create-policy-version"]


def test_escalation_through_service_wildcard() -> None:
    """cloudsplaining finds no escalation in ``*:CreatePolicyVersion``."""
    ev = evaluate(labeled("roles/x.yaml", {"Effect": "Allow", "Action": "*:CreatePolicyVersion"}))
    assert [h.path.name for h in find_escalations(ev)] == ["create-policy-version"]


def test_deny_with_notaction_removes_everything_else() -> None:
    """``Allow iam:*`` + ``Deny NotAction s3:*`` leaves no IAM at all (cloudsplaining reports escalations)."""
    ev = evaluate(labeled("roles/x.yaml", {"Effect": "Allow", "Action": "iam:*"},
                          {"Sid": "OnlyS3", "Effect": "Deny", "NotAction": "s3:*"}))
    assert ev.access.possible == 0
    assert find_escalations(ev) == []
    assert ev.decide("iam:AttachRolePolicy").by == ("roles/x.yaml#OnlyS3",)


def test_notaction_allow_is_the_complement(catalog: Catalog) -> None:
    """Allow + NotAction grants everything except the listed actions, including unrelated services."""
    ev = evaluate(labeled("roles/x.yaml", {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"]}))
    expected = catalog.all_mask & ~(catalog.service_mask("iam") | catalog.service_mask("organizations"))
    assert ev.access.certain == expected
    assert ev.decide("bedrock-agentcore:InvokeAgentRuntime").decision == "allowed"


def test_notaction_allow_with_wildcards_in_the_exclusion(catalog: Catalog) -> None:
    """NotAction's own patterns use the same wildcards: ``iam:Pass?ole`` excludes only iam:PassRole."""
    ev = evaluate(labeled("roles/x.yaml", {"Effect": "Allow", "NotAction": "iam:Pass?ole"}))
    assert ev.decide("iam:PassRole").decision == "denied"
    assert ev.decide("iam:GetRole").decision == "allowed"


def test_scp_deny_notaction_allow_list(catalog: Catalog) -> None:
    """The classic SCP allow-list-by-deny: Deny NotAction [...] denies every other action."""
    guard = labeled("scps/guard.yaml", {"Sid": "AllowListByDeny", "Effect": "Deny", "NotAction": ["s3:*", "sts:*"]})
    ev = evaluate(aws_managed("AdministratorAccess"), levels=[ScpLevel("root", (FULL, guard))])
    assert ev.access.certain == catalog.service_mask("s3") | catalog.service_mask("sts")
    assert ev.decide("ec2:RunInstances").by == ("scps/guard.yaml#AllowListByDeny",)


def test_conditional_deny_with_notaction_fences_not_denies() -> None:
    """A Deny NotAction under an unknown condition (region lock) fences the rest instead of denying it."""
    guard = labeled("scps/region.yaml", {
        "Sid": "Region", "Effect": "Deny", "NotAction": "iam:*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}})
    ev = evaluate(aws_managed("AdministratorAccess"), levels=[ScpLevel("root", (FULL, guard))])
    assert ev.decide("ec2:RunInstances").decision == "fenced"
    assert ev.decide("iam:CreateRole").decision == "allowed"


def test_service_wildcard_in_notaction(catalog: Catalog) -> None:
    """``NotAction: *:Get*`` excludes every service's Get actions, not a service named ``*``."""
    ev = evaluate(labeled("roles/x.yaml", {"Effect": "Allow", "NotAction": "*:Get*"}))
    assert ev.decide("s3:GetObject").decision == "denied"
    assert ev.decide("s3:PutObject").decision == "allowed"
    assert ev.access.certain & compile_action(catalog, "*:Get*") == 0


def test_question_mark_is_not_a_prefix_wildcard(catalog: Catalog) -> None:
    """``s3:GetObject?`` must not match s3:GetObject (fnmatch-based expanders treat ? loosely in some tools)."""
    assert compile_action(catalog, "s3:GetObject?") & compile_action(catalog, "s3:GetObject") == 0
    assert action_names(catalog, compile_action(catalog, "s3:GetObjec?")) == ["s3:GetObject"]
