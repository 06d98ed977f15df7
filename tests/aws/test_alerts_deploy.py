"""Alerts against the emulator: a denied CloudTrail event put on the central bus reaches the topic's subscriber
with its message (EventBridge -> SNS -> SQS delivery, which the in-memory fake does not have), and a fault after
any alert write, then a re-run, converges (every write on the fake; the first, middle and last on the emulator,
each in the re-run of the run the fault before stopped). Plan and apply of the deployment itself run on the
in-memory fake: tests/alerts/test_alerts_apply.py.

Both seed ALERTS_PARTS: the example without roles and requests, whose alert writes are the example's, in the
same order (the emulator fault test checks it on the fake first), at half the emulator calls of an apply."""

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
    port = alerts_org.port()  # one for the test: a BotoPort keeps clients, never answers
    run_apply(alerts_org.repo(), port)
    security = alerts_org.ids["security"]
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
    assert _alert_changes(fresh_plan(alerts_org.repo(), port)) == []


ALERT_WRITES = ("create_event_bus", "put_event_bus_policy", "tag_event_resource", "put_event_rule",
                "put_event_targets", "delete_event_rule", "create_topic", "set_topic_policy", "tag_topic", "subscribe",
                "unsubscribe", "create_stack_set", "update_stack_set", "create_stack_instances")


class _FailAlertCall:
    """The port, recording its alert writes (named by call, and by rule for a rule's), failing (as if the process
    died) right after its Nth."""

    def __init__(self, inner, fail_at: int | None = None) -> None:
        self._inner, self.fail_at, self.calls = inner, fail_at, []

    def __getattr__(self, name: str):
        attr = getattr(self._inner, name)
        if name not in ALERT_WRITES:
            return attr

        def wrapped(*args, **kwargs):
            result = attr(*args, **kwargs)
            self.calls.append(f"{name} {args[3]}" if name in ("put_event_rule", "put_event_targets") else name)
            if len(self.calls) == self.fail_at:
                raise AwsError("InjectedFault", f"fault after alert write #{self.fail_at} ({name})", name)
            return result

        return wrapped


def _alert_writes(parts: tuple[str, ...], dest: Path) -> list[str]:
    """The alert writes (in order) of a first apply of the example's ``parts`` on the in-memory fake."""
    from fake_aws import FakeAws, seed_repository

    fake = FakeAws()
    org = seed_repository(fake, demo.copy_example(ROOT, dest, parts))
    recording = _FailAlertCall(fake)
    run_apply(org.repo(), recording)
    return recording.calls


def _runs(org, port, faults: list[int]) -> list[tuple[list[str], list[str]]]:
    """Apply with a fault after alert write ``faults[0]``, re-run with one after the re-run's ``faults[1]``th,
    and so on, then re-run without one; the next plan is empty. Each run's plan (its alert changes) and writes."""
    runs = []
    for fail_at in [*faults, None]:
        plans: list = []
        port_of_run = _FailAlertCall(port, fail_at)

        def confirm(plan, plans: list = plans) -> bool:
            plans.append(_alert_changes(plan))
            return True

        if fail_at is None:
            run_apply(org.repo(), port_of_run, confirm=confirm)
        else:
            with pytest.raises(StepFailed, match=f"fault after alert write #{fail_at} "):
                run_apply(org.repo(), port_of_run, confirm=confirm)
        runs.append((plans[0] if plans else [], port_of_run.calls))
    assert fresh_plan(org.repo(), port).changes == (), faults
    return runs


def test_a_fault_at_each_alert_write_then_a_rerun_converges_on_the_fake(tmp_path: Path) -> None:
    """A fault after every one of the alert writes in turn, on the in-memory fake; the re-run finishes the job."""
    from fake_aws import FakeAws, seed_repository

    writes = _alert_writes(ALERTS_PARTS, tmp_path / "alerts")
    for fail_at in range(1, len(writes) + 1):
        fake = FakeAws()
        org = seed_repository(fake, alerts_repo(tmp_path / f"run{fail_at}"))
        _runs(org, fake, [fail_at])


def test_a_fault_at_alert_writes_then_a_rerun_converges(aws: Aws, tmp_path: Path) -> None:
    """Over real boto3 and HTTP: a fault after the first alert write, its re-run's fault after the middle one, that
    re-run's after the last, then a re-run without one, which converges. ALERTS_PARTS writes the example's alerts,
    the same calls in the same order (on the fake). Every run plans the same alert changes and makes the same
    writes as on the fake (whose exhaustive run above shows that one re-run converges after any fault)."""
    from fake_aws import FakeAws, seed_repository

    writes = _alert_writes(ALERTS_PARTS, tmp_path / "alerts")
    assert writes == _alert_writes(EXAMPLE_PARTS, tmp_path / "example")
    total = len(writes)
    assert total >= 30  # bus, policy, topic, policy, 12 rules x 2, subscription, forwarder x 2, StackSet x 2
    faults = [1, total // 2 - 1, total - total // 2]  # after the apply's writes 1, total // 2 and total
    org = seed_for(aws, alerts_repo(tmp_path / "emulator"))
    runs = _runs(org, org.port(), faults)
    assert [len(calls) for _, calls in runs] == [*faults, 0]  # none left after the last fault: it was the last
    fake = FakeAws()
    assert runs == _runs(seed_repository(fake, alerts_repo(tmp_path / "fake")), fake, faults)
