"""Alert rules from the example's SCPs, matched against real CloudTrail record shapes with moto's own
EventBridge pattern matcher (the matcher the emulator uses for put_events)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from moto.events.models import EventPattern

from consolezero.alerts.always import alert_rules, fallback_grant_event
from consolezero.alerts.cloudtrail import as_eventbridge_event, event_source
from consolezero.alerts.forwarding import forward_pattern, forwarding_template
from consolezero.alerts.rules import MAX_PATTERN, deny_rules
from consolezero.core.model import Request
from consolezero.core.repository import load_repository
from consolezero.policy.catalog import load_catalog
from support import FIXTURES, ROOT

CLOUDTRAIL = FIXTURES / "cloudtrail"


@pytest.fixture(scope="module")
def rules():
    return alert_rules(load_repository(ROOT).model, load_catalog())


def record(name: str) -> dict:
    return json.loads((CLOUDTRAIL / name).read_text(encoding="utf-8"))


def matching(rules, rec: dict) -> list[str]:
    event = as_eventbridge_event(rec)
    return [r.name for r in rules.rules if EventPattern.load(json.dumps(r.event_pattern)).matches_event(event)]


def test_the_denied_console_create_user_matches_deny_user_and_the_successful_one_does_not(rules) -> None:
    assert matching(rules, record("iam-create-user-denied-console.json")) == ["consolezero-DenyUser-DenyIamUsers"]
    assert matching(rules, record("iam-create-user-succeeded.json")) == []


def test_ec2_unauthorized_operation_by_root_matches_deny_root_user(rules) -> None:
    found = matching(rules, record("ec2-run-instances-unauthorized-root.json"))
    assert found == ["consolezero-DenyRootUser-DenyRootUser"]


def test_an_s3_data_event_denied_elsewhere_matches_no_guardrail(rules) -> None:
    # DenyRootUser matches every action, but only for root users (userIdentity.type Root)
    assert matching(rules, record("s3-get-object-data-event.json")) == []


def test_break_glass_console_sign_in_always_alerts(rules) -> None:
    rec = record("break-glass-console-sign-in.json")
    assert as_eventbridge_event(rec)["detail-type"] == "AWS Console Sign In via CloudTrail"
    assert matching(rules, rec) == ["consolezero-always-break-glass"]


def test_a_log_file_with_many_records(rules) -> None:
    records = record("log-file-many-records.json")["Records"]
    got = [(r["eventName"], matching(rules, r)) for r in records]
    assert got == [
        ("CreateUser", ["consolezero-DenyUser-DenyIamUsers"]),
        ("CreateUser", []),
        ("CreateRole", ["consolezero-TrifectaGuardrail-RequireDeveloperBoundary"]),
        ("StopLogging", ["consolezero-ProtectSecurityServices-ProtectCloudTrail"]),
        ("RunInstances", ["consolezero-DenyRootUser-DenyRootUser"]),
        ("GetObject", []),
        ("ConsoleLogin", ["consolezero-always-break-glass"]),
        ("ListUsers", ["consolezero-always-break-glass"]),  # every API call of the break-glass user
        ("DetachPolicy", ["consolezero-always-scp-change"]),  # by a person, outside the pipeline
        ("AttachPolicy", []),  # by the pipeline's apply role
    ]


def test_forwarders_pass_every_event_some_rule_matches(rules) -> None:
    model = load_repository(ROOT).model
    forward = EventPattern.load(json.dumps(forward_pattern(model)))
    for rec in record("log-file-many-records.json")["Records"]:
        if matching(rules, rec):
            assert forward.matches_event(as_eventbridge_event(rec)), rec["eventName"]
    template = forwarding_template(model, "arn:aws:events:us-east-1:222222222222:event-bus/consolezero-alerts")
    assert template["Resources"]["ForwardRule"]["Properties"]["Targets"][0]["RoleArn"]


def test_the_message_carries_who_what_where_when_and_the_guidance(rules) -> None:
    deny_user = next(r for r in rules.rules if r.sid == "DenyIamUsers")
    assert deny_user.regions == ("us-east-1",)  # IAM is global: its events arrive in us-east-1
    assert deny_user.accounts == ("sandbox", "log-archive", "security", "staging-app", "prod-app")  # not management
    assert set(deny_user.paths) == {"principal", "action", "source", "error", "account", "region", "time"}
    text = deny_user.message({"principal": "P", "source": "iam.amazonaws.com", "action": "CreateUser",
                              "error": "AccessDenied", "account": "1", "region": "us-east-1", "time": "T"})
    assert text.startswith("Guardrail DenyUser (DenyIamUsers) denied P: iam.amazonaws.com CreateUser (AccessDenied) "
                           "in account 1, us-east-1, at T.")
    assert "What to do: IAM users, access keys" in text
    assert len(deny_user.template) < 8192  # EventBridge's InputTemplate limit


def test_ticket_fallback_hook_event_matches_its_rule(rules) -> None:
    request = Request(file="requests/admin/2026-11/a.yaml", user="alice@example.com", github="alice", role="Admin",
                      account="prod-app", duration=3600, ticket="OPS-1", reason="x", ticket_fallback=True)
    entry = fallback_grant_event(request, "arn:aws:events:us-east-1:222222222222:event-bus/consolezero-alerts")
    event = {"version": "0", "id": "1", "detail-type": entry["DetailType"], "source": entry["Source"],
             "account": "222222222222", "time": "2026-11-20T10:00:00Z", "region": "us-east-1", "resources": [],
             "detail": json.loads(entry["Detail"])}
    got = [r.name for r in rules.rules if EventPattern.load(json.dumps(r.event_pattern)).matches_event(event)]
    assert got == ["consolezero-always-ticket-fallback"]


@pytest.mark.parametrize(("prefix", "source"), [("cloudwatch", "monitoring.amazonaws.com"),
                                                 ("iam", "iam.amazonaws.com"), ("tag", "tagging.amazonaws.com")])
def test_event_sources(prefix: str, source: str) -> None:
    assert event_source(prefix) == source


def _scp(tmp_path: Path, statement: str) -> object:
    (tmp_path / "scps").mkdir(parents=True, exist_ok=True)
    for part in ("accounts",):
        import shutil

        shutil.copytree(ROOT / part, tmp_path / part, dirs_exist_ok=True)
    (tmp_path / "scps" / "x.yaml").write_text(
        f'name: X\ntargets: [root]\npolicy:\n  Version: "2012-10-17"\n  Statement:\n{statement}\n'
        'alerts: {S: "Say what to do."}\n', encoding="utf-8")
    return deny_rules(load_repository(tmp_path).model, load_catalog())


def test_wildcards_become_prefixes_or_the_matching_names(tmp_path: Path) -> None:
    found = _scp(tmp_path, '    - {Sid: S, Effect: Deny, Action: ["iam:create*", "ec2:*", "iam:*Login?rofile"], '
                           'Resource: "*"}')
    detail = found.rules[0].event_pattern["detail"]
    assert detail["$or"][0] == {"eventSource": ["ec2.amazonaws.com"]}
    iam = detail["$or"][1]
    assert iam["eventSource"] == ["iam.amazonaws.com"]
    assert {"prefix": "Create"} in iam["eventName"]
    assert {"CreateLoginProfile", "DeleteLoginProfile", "GetLoginProfile", "UpdateLoginProfile"} <= set(
        n for n in iam["eventName"] if isinstance(n, str))


def test_not_action_is_everything_but_through_the_catalog(tmp_path: Path) -> None:
    found = _scp(tmp_path, '    - {Sid: S, Effect: Deny, NotAction: ["iam:*", "sts:*", "s3:GetObject"], '
                           'Resource: "*"}')
    rule = found.rules[0]
    ors = rule.event_pattern["detail"]["$or"]
    assert ors[0] == {"eventSource": [{"anything-but": ["iam.amazonaws.com", "s3.amazonaws.com",
                                                        "sts.amazonaws.com"]}]}
    assert ors[1] == {"eventSource": ["s3.amazonaws.com"], "eventName": [{"anything-but": ["GetObject"]}]}
    match = EventPattern.load(json.dumps(rule.event_pattern))
    base = record("ec2-run-instances-unauthorized-root.json")
    assert match.matches_event(as_eventbridge_event(base))
    s3 = record("s3-get-object-data-event.json")
    assert not match.matches_event(as_eventbridge_event(s3))
    assert match.matches_event(as_eventbridge_event({**s3, "eventName": "PutObject"}))
    assert len(json.dumps(rule.event_pattern)) < MAX_PATTERN


def test_regions_in_use_include_global_alerts_identity_center_and_declared(tmp_path: Path) -> None:
    import shutil

    from consolezero.alerts.forwarding import regions_in_use

    shutil.copytree(ROOT / "accounts", tmp_path / "accounts")
    org = tmp_path / "accounts" / "organization.yaml"
    org.write_text(org.read_text().replace('subscribers: ["mailto:cloud-security@example.com"]}',
                                           'subscribers: ["mailto:cloud-security@example.com"],\n'
                                           '         regions: [eu-central-1]}'))
    assert regions_in_use(load_repository(tmp_path).model) == ["eu-central-1", "eu-west-1", "us-east-1"]


def test_a_permission_only_denial_matches_through_the_error_message(rules) -> None:
    # iam:PassRole has no event of its own: Lambda's CreateFunction is denied, and its message names PassRole
    rec = record("lambda-create-function-pass-role-denied.json")
    assert matching(rules, rec) == ["consolezero-TrifectaGuardrail-FencePassRole"]


def test_very_long_guidance_is_cut_to_eventbridge_s_template_limit() -> None:
    from consolezero.alerts.rules import MAX_TEMPLATE, deny_template

    template = deny_template("S", "X", "word " * 5000)
    assert len(template) <= MAX_TEMPLATE and template.endswith('... (the rest: alerts.X in the SCP file)"')
    assert json.loads(template).startswith("Guardrail S (X) denied <principal>:")
