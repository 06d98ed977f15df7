"""The census's reads in bootstrap/, judged by the engine: what the census and the preflight call is allowed,
and nothing in IAM beyond reading users, their keys and MFA devices (and the credential report)."""

from __future__ import annotations

from typing import Any

import yaml

from consolezero.integrations.aws.boto_iam import READ_ACTIONS, SESSION_POLICY
from consolezero.policy.catalog import load_catalog
from consolezero.policy.document import parse_policy
from consolezero.policy.evaluate import Evaluator, Labeled
from support import ROOT


def _resolved(value: Any) -> Any:
    """CloudFormation's long-form intrinsics as the ARNs they become (any partition, account, name)."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"]
        for name, literal in (("AWS::Partition", "aws"), ("AWS::AccountId", "111111111111"),
                              ("ManagementAccountId", "111111111111"), ("CensusRoleName", "consolezero-census")):
            text = text.replace("${" + name + "}", literal)
        return text.replace("${", "").replace("}", "") if "${" in text else text
    if isinstance(value, dict):
        return {k: _resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v) for v in value]
    return value


def _statements(template: str, resource: str) -> list[dict]:
    data = yaml.safe_load((ROOT / "bootstrap" / template).read_text(encoding="utf-8"))
    props = data["Resources"][resource]["Properties"]
    documents = [props["PolicyDocument"]] if "PolicyDocument" in props else [
        p["PolicyDocument"] for p in props.get("Policies", [])]
    return [_resolved(s) for d in documents for s in d["Statement"]]


def _decisions(statements: list[dict]) -> Any:
    policy = parse_policy({"Version": "2012-10-17", "Statement": statements})
    return Evaluator(load_catalog()).evaluate([Labeled("bootstrap", policy)], None, None)


def test_the_census_role_reads_and_nothing_more() -> None:
    evaluation = _decisions(_statements("census-role.yaml", "CensusRole"))
    allowed = {evaluation.catalog.actions[i] for i in range(len(evaluation.catalog.actions))
               if evaluation.access.possible >> i & 1}
    assert allowed == set(READ_ACTIONS)


def test_the_read_policy_lets_plan_and_apply_take_the_census() -> None:
    evaluation = _decisions(_statements("bootstrap.yaml", "ReadPolicy"))
    for action in ("iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListAccessKeys", "sts:AssumeRole"):
        assert evaluation.decide(action).decision in ("allowed", "fenced"), action
    assert evaluation.decide("iam:CreateUser").decision == "denied"
    assert evaluation.decide("iam:CreateAccessKey").decision == "denied"
    assume = [s for s in _statements("bootstrap.yaml", "ReadPolicy") if s.get("Sid") == "CensusMemberAccounts"]
    assert assume[0]["Resource"] == "arn:aws:iam::*:role/consolezero-census"  # never OrganizationAccountAccessRole


def test_the_session_policy_allows_only_the_reads() -> None:
    import json

    evaluation = _decisions(json.loads(SESSION_POLICY)["Statement"])
    allowed = {evaluation.catalog.actions[i] for i in range(len(evaluation.catalog.actions))
               if evaluation.access.possible >> i & 1}
    assert allowed == set(READ_ACTIONS)
