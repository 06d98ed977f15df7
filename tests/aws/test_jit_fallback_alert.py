"""A JIT grant under the ticket fallback, against the emulator: apply puts its event on the central bus, and the
alert rule's message reaches the alerts topic's subscriber (a queue) -- EventBridge -> SNS -> SQS delivery, which
only the emulator has. The rest of the JIT apply tests run on the in-memory fake: tests/jit/test_jit_apply.py."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

from aws_helpers import Aws, Org, copy_example, seed_for

from consolezero.apply.service import run_apply
from consolezero.devtools.gitrepo import init_main, merge_branch
from consolezero.integrations.aws.boto import BotoPort
from consolezero.plan.actions import TicketRef

ALICE = "requests/admin/2026-11/alice-prod-app-OPS-1234.yaml"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def alice_assignments(org: Org, port: BotoPort) -> list[tuple[str, str]]:
    user_id = port.user_id(org.seed.identity_store_id, "alice@example.com")
    return [(a.account_id, a.permission_set_arn)
            for a in port.assignments_for_principal(org.seed.instance_arn, "USER", user_id)]


def test_a_grant_under_the_ticket_fallback_alerts_before_it_is_assigned(aws: Aws, tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    text = (root / ALICE).read_text(encoding="utf-8") + "ticket_fallback: true\n"
    shutil.rmtree(root / "requests")
    org = seed_for(aws, root, users=("alice@example.com",))
    init_main(root, "2026-11-20T09:00:00Z")
    port = org.port()  # one for the test: a BotoPort keeps clients, never answers
    run_apply(org.repo(), port, now=t("2026-11-20T09:30:00Z"))  # the alerts exist before any grant
    security = org.ids["security"]
    sqs = port.client(port._at("sqs", security, "us-east-1"))
    queue = sqs.create_queue(QueueName="fallback-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    port.subscribe(security, "us-east-1", port.topic(security, "us-east-1", "guardrail-alerts").arn, "sqs", queue_arn)

    merge_branch(root, "alice-admin", {ALICE: text}, "2026-11-20T10:00:00Z")
    assert alice_assignments(org, port) == []
    applied = run_apply(org.repo(), port, now=t("2026-11-20T10:05:00Z"))
    assign = next(c for c in applied.plan.changes if c.op == "assign")  # the plan apply ran
    assert assign.action.ticket_fallback == (TicketRef(file=ALICE, ticket="OPS-1234"),)
    assert assign in applied.applied and alice_assignments(org, port) != []
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    bodies = [json.loads(m["Body"])["Message"] for m in messages]
    assert len(bodies) == 1, bodies
    assert "alice@example.com" in bodies[0] and "Admin" in bodies[0] and ALICE in bodies[0], bodies[0]
