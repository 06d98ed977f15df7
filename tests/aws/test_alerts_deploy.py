"""Alert deployment against the emulator: plan shows each resource, apply creates them, a second plan is empty,
and a denied CloudTrail event put on the central bus reaches the topic's subscriber with its message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_helpers import Org

from consolezero.alerts.cloudtrail import as_eventbridge_event
from consolezero.alerts.forwarding import BUS_NAME, FORWARD_RULE, STACK_SET
from consolezero.apply.executor import StepFailed
from consolezero.apply.service import make_plan as fresh_plan
from consolezero.apply.service import run_apply
from consolezero.integrations.aws.port import AwsError

CLOUDTRAIL = Path(__file__).resolve().parents[1] / "fixtures" / "cloudtrail"


def _alert_changes(plan):
    return [(c.op, c.kind, c.name) for c in plan.changes if c.kind.startswith("alert_")]


def test_apply_creates_the_alert_resources_and_a_second_plan_is_empty(example_org: Org) -> None:
    plan = fresh_plan(example_org.repo(), example_org.port())
    changes = _alert_changes(plan)
    assert ("create", "alert_bus", BUS_NAME) in changes
    assert ("create", "alert_topic", "guardrail-alerts") in changes
    assert ("create", "alert_subscription", "mailto:cloud-security@example.com") in changes
    assert ("create", "alert_rule", "consolezero-DenyUser-DenyIamUsers") in changes
    assert ("create", "alert_rule", "consolezero-always-break-glass") in changes
    assert ("create", "alert_stackset", STACK_SET) in changes
    assert ("create", "alert_forwarder", FORWARD_RULE) in changes
    assert not plan.errors, plan.errors

    result = run_apply(example_org.repo(), example_org.port())
    assert len(result.applied) == len(plan.changes)
    assert _alert_changes(fresh_plan(example_org.repo(), example_org.port())) == []

    security = example_org.ids["security"]
    port = example_org.port()
    bus = port.event_bus(security, "us-east-1", BUS_NAME)
    assert bus is not None and bus.tags.get("managed-by") == "consolezero"
    assert "aws:PrincipalOrgID" in (bus.policy or "")
    rules = {r.name: r for r in port.event_rules(security, "us-east-1", BUS_NAME, "consolezero-")}
    assert len(rules) == 12
    deny_user = rules["consolezero-DenyUser-DenyIamUsers"]
    assert deny_user.targets[0].arn.endswith(":guardrail-alerts")
    assert "<principal>" in (deny_user.targets[0].input_template or "")
    topic = port.topic(security, "us-east-1", "guardrail-alerts")
    assert topic is not None and [(s.protocol, s.endpoint) for s in topic.subscriptions] == [
        ("email", "cloud-security@example.com")]
    stack_set = port.stack_set("us-east-1", STACK_SET)
    assert stack_set is not None and set(stack_set.regions) == {"us-east-1", "eu-west-1"}

    again = run_apply(example_org.repo(), example_org.port())
    assert again.applied == []  # idempotent: nothing left to do


def test_a_denied_event_on_the_bus_reaches_a_subscriber(example_org: Org) -> None:
    run_apply(example_org.repo(), example_org.port())
    security = example_org.ids["security"]
    port = example_org.port()
    sqs = port.client(port._at("sqs", security, "us-east-1"))
    queue = sqs.create_queue(QueueName="alerts-demo")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = port.topic(security, "us-east-1", "guardrail-alerts")
    port.subscribe(security, "us-east-1", topic.arn, "sqs", queue_arn)

    record = json.loads((CLOUDTRAIL / "iam-create-user-denied-console.json").read_text())
    record["recipientAccountId"] = security  # PutEvents records the caller's account: the alerts account
    event = as_eventbridge_event(record)
    failed = port.put_events(security, "us-east-1", [{
        "Source": "consolezero.test", "DetailType": event["detail-type"], "Detail": json.dumps(record),
        "EventBusName": BUS_NAME}])
    assert failed == 0
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    text = body["Message"]
    assert text.startswith("Guardrail DenyUser (DenyIamUsers) denied arn:aws:sts::444444444444:assumed-role/")
    assert "iam.amazonaws.com CreateUser (AccessDenied)" in text
    assert "IAM users, access keys and console passwords are not allowed" in text
    # the undeclared SQS subscription is left alone: the next plan is still empty
    assert _alert_changes(fresh_plan(example_org.repo(), example_org.port())) == []


def test_a_new_region_and_a_new_subscriber_update_the_deployment(example_org: Org) -> None:
    run_apply(example_org.repo(), example_org.port())
    org = example_org.root / "accounts" / "organization.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace(
        'subscribers: ["mailto:cloud-security@example.com"]}',
        'subscribers: ["mailto:cloud-security@example.com", "mailto:oncall@example.com"],\n'
        '         regions: [eu-central-1]}'), encoding="utf-8")
    plan = fresh_plan(example_org.repo(), example_org.port())
    assert _alert_changes(plan) == [("create", "alert_subscription", "mailto:oncall@example.com"),
                                    ("update", "alert_stackset", STACK_SET)]
    run_apply(example_org.repo(), example_org.port())
    assert _alert_changes(fresh_plan(example_org.repo(), example_org.port())) == []
    stack_set = example_org.port().stack_set("us-east-1", STACK_SET)
    assert set(stack_set.regions) == {"us-east-1", "eu-west-1", "eu-central-1"}
    # a second break-glass user: the forwarding template (a new ARN to forward) and the always-on rule change
    text = org.read_text(encoding="utf-8")
    org.write_text(text.replace("  - {account: security, user: break-glass-admin, path: /break-glass/}",
                                "  - {account: security, user: break-glass-admin, path: /break-glass/}\n"
                                "  - {account: log-archive, user: break-glass-logs, path: /break-glass/}"),
                   encoding="utf-8")
    plan = fresh_plan(example_org.repo(), example_org.port())
    assert _alert_changes(plan) == [("update", "alert_rule", "consolezero-always-break-glass"),
                                    ("update", "alert_forwarder", FORWARD_RULE),
                                    ("update", "alert_stackset", STACK_SET)]
    run_apply(example_org.repo(), example_org.port())
    assert _alert_changes(fresh_plan(example_org.repo(), example_org.port())) == []
    assert "break-glass-logs" in example_org.port().stack_set("us-east-1", STACK_SET).template


ALERT_WRITES = ("create_event_bus", "put_event_bus_policy", "tag_event_resource", "put_event_rule",
                "put_event_targets", "delete_event_rule", "create_topic", "set_topic_policy", "tag_topic", "subscribe",
                "unsubscribe", "create_stack_set", "update_stack_set", "create_stack_instances")


class _FailAlertCall:
    """The port, failing (as if the process died) right after its Nth successful alert write."""

    def __init__(self, inner, fail_at: int | None) -> None:
        self._inner, self.fail_at, self.calls = inner, fail_at, 0

    def __getattr__(self, name: str):
        attr = getattr(self._inner, name)
        if name not in ALERT_WRITES:
            return attr

        def wrapped(*args, **kwargs):
            result = attr(*args, **kwargs)
            self.calls += 1
            if self.calls == self.fail_at:
                raise AwsError("InjectedFault", f"fault after alert write #{self.calls} ({name})", name)
            return result

        return wrapped


def test_a_fault_at_alert_writes_then_a_rerun_converges(aws, emulator, tmp_path: Path) -> None:
    from aws_helpers import copy_example, seed_for

    counting = _FailAlertCall(None, None)
    org = seed_for(aws, copy_example(tmp_path / "count"))
    counting._inner = org.port()
    run_apply(org.repo(), counting)
    total = counting.calls
    assert total >= 30  # bus, policy, topic, policy, 12 rules x 2, subscription, forwarder x 2, StackSet x 2
    for n, fail_at in enumerate(sorted({1, 2, 3, 4, 5, total // 2, total - 3, total - 1, total})):
        emulator.reset()
        org = seed_for(aws, copy_example(tmp_path / f"run{n}"))
        with pytest.raises(StepFailed):
            run_apply(org.repo(), _FailAlertCall(org.port(), fail_at))
        run_apply(org.repo(), org.port())  # the re-run finishes the job
        assert fresh_plan(org.repo(), org.port()).changes == (), fail_at
