"""The bootstrap template's apply role, judged by the policy engine: the managed-by tag that guards
UpdatePolicy/DeletePolicy can be given at creation and never added to an existing policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from consolezero.policy.conditions import Context
from consolezero.policy.document import parse_policy
from consolezero.policy.evaluate import Labeled, evaluate
from support import ROOT


def _plain(node: Any) -> Any:
    """The template's values with CloudFormation's Fn::Sub strings kept as their text."""
    if isinstance(node, dict):
        if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
            return node["Fn::Sub"].replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", "111111111111")
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _apply_role_policies() -> Iterator[Labeled]:
    template = yaml.safe_load((ROOT / "bootstrap" / "bootstrap.yaml").read_text(encoding="utf-8"))
    role = template["Resources"]["ApplyRole"]["Properties"]
    for policy in role["Policies"]:
        yield Labeled(policy["PolicyName"], parse_policy(_plain(policy["PolicyDocument"])))


def _decide(action: str, **keys: Any) -> str:
    evaluation = evaluate(list(_apply_role_policies()), None, None, Context(extra=keys))
    return evaluation.decide(action).decision


def test_the_apply_role_cannot_add_the_managed_by_tag_to_an_existing_policy() -> None:
    assert _decide("organizations:TagResource", **{"aws:TagKeys": ["managed-by"]}) == "denied"
    assert _decide("organizations:UntagResource", **{"aws:TagKeys": ["managed-by"]}) == "denied"
    assert _decide("organizations:TagResource", **{"aws:TagKeys": ["managed-by", "owner"]}) == "denied"


def test_the_apply_role_still_creates_owned_policies_and_tags_other_keys() -> None:
    created = _decide("organizations:CreatePolicy", **{"aws:TagKeys": ["managed-by"],
                                                       "aws:RequestTag/managed-by": "consolezero",
                                                       "organizations:PolicyType": "SERVICE_CONTROL_POLICY"})
    assert created in ("allowed", "fenced")  # fenced: scoped to SCP resources of this organization
    assert _decide("organizations:TagResource", **{"aws:TagKeys": ["owner"]}) in ("allowed", "fenced")

