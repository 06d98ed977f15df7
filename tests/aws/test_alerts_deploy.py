"""Alerts against the emulator: a denied CloudTrail event put on the central bus reaches the topic's subscriber
with its message (EventBridge -> SNS -> SQS delivery, which the in-memory fake does not have), and a fault after
any alert write, then a re-run, converges (every write on the fake, the first, middle and last on the
emulator). Plan and apply of the deployment itself run on the in-memory fake: tests/alerts/test_alerts_apply.py.

Both seed ALERTS_PARTS: the example without roles and requests, whose alert writes are the example's, in the
same order (the emulator fault test checks it on the fake first), at half the
emulator calls of an apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_helpers import EXAMPLE_PARTS, ROOT, Aws, Org, seed_for

from consolezero.alerts.cloudtrail import as_eventbridge_event
from consolezero.alerts.forwarding import BUS_NAME
from consolezero.apply.executor import StepFailed
from consolezero.apply.service import make_plan as fresh_plan
from consolezero.apply.service import run_apply
from consolezero.devtools import demo
from consolezero.integrations.aws.port import AwsError

ALERTS_PARTS = ("accounts", "scps", ".consolezero.yaml")  # what the alerts are made of: no roles, no requests
CLOUDTRAIL = Path(__file__).resolve().parents[1] / "fixtures" / "cloudtrail"


def _alert_changes(plan):
    return [(c.op, c.kind, c.name) for c in plan.changes if c.kind.startswith("alert_")]


@pytest.fixture
def alerts_org(aws: Aws, tmp_path: Path) -> Org:
    """ALERTS_PARTS of the example in the emulator (accounts, SCPs, organization.yaml's alerts)."""
    return seed_for(aws, alerts_repo(tmp_path / "repo"))


def alerts_repo(dest: Path) -> Path:
    return demo.copy_example(ROOT, dest, ALERTS_PARTS)


def test_a_denied_event_on_the_bus_reaches_a_subscriber(alerts_org: Org) -> None:
    run_apply(alerts_org.repo(), alerts_org.port())
    security = alerts_org.ids["security"]
    port = alerts_org.port()
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
    assert _alert_changes(fresh_plan(alerts_org.repo(), alerts_org.port())) == []


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


def _alert_writes(parts: tuple[str, ...], dest: Path) -> list[str]:
    """The alert writes (in order, named by call and rule) of a first apply of the example's ``parts`` on the
    in-memory fake."""
    from fake_aws import FakeAws, seed_repository

    calls: list[str] = []

    class Recording:
        def __init__(self, inner: FakeAws) -> None:
            self._inner = inner

        def __getattr__(self, name: str):
            attr = getattr(self._inner, name)
            if name not in ALERT_WRITES:
                return attr

            def wrapped(*args, **kwargs):
                calls.append(f"{name} {args[3]}" if name in ("put_event_rule", "put_event_targets") else name)
                return attr(*args, **kwargs)

            return wrapped

    fake = FakeAws()
    org = seed_repository(fake, demo.copy_example(ROOT, dest, parts))
    run_apply(org.repo(), Recording(fake))
    return calls


def test_a_fault_at_each_alert_write_then_a_rerun_converges_on_the_fake(tmp_path: Path) -> None:
    """A fault after every one of the alert writes in turn, on the in-memory fake; the re-run finishes the job."""
    from fake_aws import FakeAws, seed_repository

    total = len(_alert_writes(ALERTS_PARTS, tmp_path / "alerts"))
    for fail_at in range(1, total + 1):
        fake = FakeAws()
        org = seed_repository(fake, alerts_repo(tmp_path / f"run{fail_at}"))
        with pytest.raises(StepFailed, match=f"fault after alert write #{fail_at} "):
            run_apply(org.repo(), _FailAlertCall(fake, fail_at))
        run_apply(org.repo(), fake)
        assert fresh_plan(org.repo(), fake).changes == (), fail_at


def test_a_fault_at_alert_writes_then_a_rerun_converges(aws: Aws, emulator, tmp_path: Path) -> None:
    # where to inject: ALERTS_PARTS writes the example's alerts, the same calls in the same order (on the fake;
    # the emulator round with a fault at the last of them, ``total``, shows the emulator makes them all). Every
    # write is a fault point on the fake (above); here the first, the middle and the last, over real boto3 and HTTP
    writes = _alert_writes(ALERTS_PARTS, tmp_path / "alerts")
    assert writes == _alert_writes(EXAMPLE_PARTS, tmp_path / "example")
    total = len(writes)
    assert total >= 30  # bus, policy, topic, policy, 12 rules x 2, subscription, forwarder x 2, StackSet x 2
    for n, fail_at in enumerate((1, total // 2, total)):
        emulator.reset()
        org = seed_for(aws, alerts_repo(tmp_path / f"run{n}"))
        port = org.port()  # one per round: a BotoPort keeps clients, never answers (so it reads as a new one)
        with pytest.raises(StepFailed, match=f"fault after alert write #{fail_at} "):
            run_apply(org.repo(), _FailAlertCall(port, fail_at))
        run_apply(org.repo(), port)  # the re-run finishes the job
        assert fresh_plan(org.repo(), port).changes == (), fail_at
