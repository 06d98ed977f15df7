"""The demo's alerts step: a denied CloudTrail event on the central bus reaches the alerts topic.

moto keeps one backend per account, and an event put on a bus carries the putting account as its
``account``: the event is put from the alerts account, as if someone there had been denied
``iam:CreateUser``. moto's EventBridge cannot deliver to SNS by itself (the emulator adds it); the
topic delivers to an SQS queue subscribed for the demo, which the demo reads. The queue's
subscription is not one the repository declares (only mailto/https are), so plans leave it alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from consolezero.core.repository import Repository

Emit = Callable[[str, str], None]


def denied_create_user(account_id: str, when: str = "2026-11-20T10:15:03Z") -> dict[str, Any]:
    """A CloudTrail record: an Identity Center user denied iam:CreateUser in the console."""
    role = "AWSReservedSSO_Developer_4f1a2b3c4d5e6f70"
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole", "principalId": "AROAY6ZD4EXAMPLEDEV01:alice@example.com",
            "arn": f"arn:aws:sts::{account_id}:assumed-role/{role}/alice@example.com", "accountId": account_id,
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "principalId": "AROAY6ZD4EXAMPLEDEV01", "accountId": account_id, "userName": role,
                "arn": f"arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/eu-west-1/{role}"},
                "attributes": {"creationDate": "2026-11-20T09:58:41Z", "mfaAuthenticated": "false"}}},
        "eventTime": when, "eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7", "userAgent": "AWS Internal", "errorCode": "AccessDenied",
        "errorMessage": f"User: arn:aws:sts::{account_id}:assumed-role/{role}/alice@example.com is not authorized to "
                        f"perform: iam:CreateUser on resource: arn:aws:iam::{account_id}:user/deploy with an explicit "
                        "deny in a service control policy",
        "requestParameters": None, "responseElements": None, "readOnly": False, "eventType": "AwsApiCall",
        "managementEvent": True, "recipientAccountId": account_id, "eventCategory": "Management",
        "sessionCredentialFromConsole": "true"}


def alerts_round(emit: Emit, repo: Repository, port: Any, endpoint_url: str) -> str:
    """Put a denied event on the bus, read the alert from a queue subscribed to the topic; the message."""
    from consolezero.alerts.cloudtrail import API_CALL
    from consolezero.alerts.deployment import alerts_location
    from consolezero.alerts.explain import explain_text
    from consolezero.alerts.forwarding import BUS_NAME
    from consolezero.alerts.render import render_explanations
    from consolezero.devtools.seed import emulator_client
    from consolezero.policy.catalog import load_catalog

    where = alerts_location(repo.model)
    if where is None:
        raise RuntimeError("the example declares no alerts account")
    account_id, region, topic_name = where
    sqs = emulator_client(endpoint_url, account_id, "sqs", region)
    queue = sqs.create_queue(QueueName="consolezero-demo-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = port.topic(account_id, region, topic_name)
    if topic is None:
        raise RuntimeError(f"the topic {topic_name} was not created")
    port.subscribe(account_id, region, topic.arn, "sqs", queue_arn)
    emit("text", f"an SQS queue is subscribed to {topic_name} (the emulator cannot send e-mail)")
    record = denied_create_user(account_id)
    failed = port.put_events(account_id, region, [{"Source": "consolezero.demo", "DetailType": API_CALL,
                                                    "Detail": json.dumps(record), "EventBusName": BUS_NAME}])
    emit("text", f"put on {BUS_NAME}: alice@example.com denied iam:CreateUser (AccessDenied) in account {account_id}")
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    if failed or not messages:
        raise RuntimeError("the denied event did not reach the topic's subscriber")
    message = json.loads(messages[0]["Body"]).get("Message", "")
    emit("text", "the subscriber received:\n\n" + "\n".join("    " + line for line in message.splitlines()))
    emit("title", "consolezero explain-denied on the same CloudTrail record (offline)")
    emit("text", render_explanations("text", explain_text(json.dumps(record), "event.json", repo.model,
                                                          load_catalog())))
    return message
