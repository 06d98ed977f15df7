"""Getting the events to the rules: a forwarding rule in every member account and region in use,
deployed by a service-managed CloudFormation StackSet, sends the events the alert rules can match to
the central event bus in the alerts account. CloudTrail records each event in the account and region
where the call was made (global services in us-east-1), so that is where a rule must listen.
"""

from __future__ import annotations

import json
from typing import Any

from consolezero.alerts import cloudtrail as ct
from consolezero.alerts.always import break_glass_arns
from consolezero.alerts.rules import ORG_POLICY_WRITES
from consolezero.core.model import Model

BUS_NAME = "consolezero-alerts"
FORWARD_RULE = "consolezero-alerts-forward"
STACK_SET = "consolezero-alerts-forwarding"


def bus_arn(region: str, account_id: str) -> str:
    return f"arn:aws:events:{region}:{account_id}:event-bus/{BUS_NAME}"


def regions_in_use(model: Model) -> list[str]:
    """us-east-1 (global services), the alerts region, Identity Center's region and ``alerts.regions``."""
    org = model.organization
    found = {"us-east-1"}
    if org is not None:
        found.add(org.region)
        if org.alerts is not None:
            found.add(org.alerts.region)
            found.update(org.alerts.regions)
    return sorted(r for r in found if r)


def forward_pattern(model: Model) -> dict[str, Any]:
    """What member accounts forward: denied calls, break-glass use, organization policy writes."""
    ors: list[dict[str, Any]] = [{"detail": {"errorCode": list(ct.DENIAL_CODES)}}]
    arns = break_glass_arns(model)
    if arns:
        ors.append({"detail": {"userIdentity": {"arn": arns}}})
    ors.append({"detail": {"eventSource": ["organizations.amazonaws.com"], "eventName": list(ORG_POLICY_WRITES)}})
    return {"detail-type": [ct.API_CALL, ct.SIGN_IN], "$or": ors}


def forwarding_template(model: Model, central_bus_arn: str) -> dict[str, Any]:
    """The StackSet's template: a role EventBridge assumes to put events on the central bus (needed
    across regions), and the forwarding rule on the default bus."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "consolezero guardrail alerts: forwards denied CloudTrail API calls, break-glass use and "
                       "organization policy changes to the central event bus in the alerts account.",
        "Parameters": {"CentralBusArn": {"Type": "String", "Default": central_bus_arn,
                                         "Description": "The central event bus (alerts account)."}},
        "Resources": {
            "ForwardRole": {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": {"Fn::Sub": "consolezero-alerts-forward-${AWS::Region}"},
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]},
                "Policies": [{"PolicyName": "put-events-on-central-bus", "PolicyDocument": {
                    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "events:PutEvents",
                                                            "Resource": {"Ref": "CentralBusArn"}}]}}],
                "Tags": [{"Key": "managed-by", "Value": "consolezero"}]}},
            "ForwardRule": {"Type": "AWS::Events::Rule", "Properties": {
                "Name": FORWARD_RULE, "Description": "consolezero: guardrail alert events to the central bus",
                "EventPattern": forward_pattern(model), "State": "ENABLED",
                "Targets": [{"Id": "central-bus", "Arn": {"Ref": "CentralBusArn"},
                             "RoleArn": {"Fn::GetAtt": ["ForwardRole", "Arn"]}}]}},
        },
    }


def template_body(model: Model, central_bus_arn: str) -> str:
    return json.dumps(forwarding_template(model, central_bus_arn), indent=1, sort_keys=True)
