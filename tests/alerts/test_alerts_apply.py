"""Alert deployment applied: plan shows each resource, apply creates them, a second plan is empty; a new region
or subscriber updates the deployment.

On the in-memory AWS port (tests/fake_aws/); on the emulator, the contract test applies the example's alerts
to both (tests/aws/test_fake_contract.py) and the demo deploys them (tests/aws/test_cli_plan_apply.py). Delivery
(a denied event on the bus reaching a subscriber) and fault injection stay on the emulator:
tests/aws/test_alerts_deploy.py."""

from __future__ import annotations

from pathlib import Path

from consolezero.alerts.forwarding import BUS_NAME, FORWARD_RULE, STACK_SET
from consolezero.apply.service import make_plan as fresh_plan
from consolezero.apply.service import run_apply
from fake_aws import FakeOrg
from support import AWS_EXAMPLE_PARTS, copy_example


def _alert_changes(plan):
    return [(c.op, c.kind, c.name) for c in plan.changes if c.kind.startswith("alert_")]


def test_apply_creates_the_alert_resources_and_a_second_plan_is_empty(fake_backend, tmp_path: Path) -> None:
    org = fake_backend.seed(copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS))
    plan = fresh_plan(org.repo(), org.port())
    changes = _alert_changes(plan)
    assert ("create", "alert_bus", BUS_NAME) in changes
    assert ("create", "alert_topic", "guardrail-alerts") in changes
    assert ("create", "alert_subscription", "mailto:cloud-security@example.com") in changes
    assert ("create", "alert_rule", "consolezero-DenyUser-DenyIamUsers") in changes
    assert ("create", "alert_rule", "consolezero-always-break-glass") in changes
    assert ("create", "alert_stackset", STACK_SET) in changes
    assert ("create", "alert_forwarder", FORWARD_RULE) in changes
    assert not plan.errors, plan.errors

    result = run_apply(org.repo(), org.port())
    assert len(result.applied) == len(plan.changes)
    assert _alert_changes(fresh_plan(org.repo(), org.port())) == []

    security = org.ids["security"]
    port = org.port()
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

    again = run_apply(org.repo(), org.port())
    assert again.applied == []  # idempotent: nothing left to do


def test_a_new_region_and_a_new_subscriber_update_the_deployment(fake_org: FakeOrg) -> None:
    run_apply(fake_org.repo(), fake_org.port())
    org = fake_org.root / "accounts" / "organization.yaml"
    org.write_text(org.read_text(encoding="utf-8").replace(
        'subscribers: ["mailto:cloud-security@example.com"]}',
        'subscribers: ["mailto:cloud-security@example.com", "mailto:oncall@example.com"],\n'
        '         regions: [eu-central-1]}'), encoding="utf-8")
    plan = fresh_plan(fake_org.repo(), fake_org.port())
    assert _alert_changes(plan) == [("create", "alert_subscription", "mailto:oncall@example.com"),
                                    ("update", "alert_stackset", STACK_SET)]
    run_apply(fake_org.repo(), fake_org.port())
    assert _alert_changes(fresh_plan(fake_org.repo(), fake_org.port())) == []
    stack_set = fake_org.port().stack_set("us-east-1", STACK_SET)
    assert set(stack_set.regions) == {"us-east-1", "eu-west-1", "eu-central-1"}
    # a second break-glass user: the forwarding template (a new ARN to forward) and the always-on rule change
    text = org.read_text(encoding="utf-8")
    org.write_text(text.replace("  - {account: security, user: break-glass-admin, path: /break-glass/}",
                                "  - {account: security, user: break-glass-admin, path: /break-glass/}\n"
                                "  - {account: log-archive, user: break-glass-logs, path: /break-glass/}"),
                   encoding="utf-8")
    plan = fresh_plan(fake_org.repo(), fake_org.port())
    assert _alert_changes(plan) == [("update", "alert_rule", "consolezero-always-break-glass"),
                                    ("update", "alert_forwarder", FORWARD_RULE),
                                    ("update", "alert_stackset", STACK_SET)]
    run_apply(fake_org.repo(), fake_org.port())
    assert _alert_changes(fresh_plan(fake_org.repo(), fake_org.port())) == []
    assert "break-glass-logs" in fake_org.port().stack_set("us-east-1", STACK_SET).template
