"""explain-denied on every CloudTrail record shape, through the CLI, and bad records as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from support import FIXTURES, ROOT

CLOUDTRAIL = FIXTURES / "cloudtrail"


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(app, list(args), input=stdin)


def test_denied_create_user_names_deny_user_its_sid_guidance_and_no_role() -> None:
    result = run("explain-denied", str(CLOUDTRAIL / "iam-create-user-denied-console.json"), "--repo", str(ROOT))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "iam:CreateUser denied by:\n    DenyUser statement DenyIamUsers (scps/deny-user.yaml)" in out
    assert "guidance: IAM users, access keys and console passwords are not allowed" in out
    assert "no role allows this in this account" in out  # not even Admin: DenyUser exempts break-glass only


def test_json_contract() -> None:
    result = run("explain-denied", str(CLOUDTRAIL / "iam-create-user-denied-console.json"), "--repo", str(ROOT),
                 "--format", "json")
    data = json.loads(result.stdout)
    assert data["version"] == 1
    assert data["denied_by"] == [{"scp": "DenyUser", "sid": "DenyIamUsers", "file": "scps/deny-user.yaml"}]
    assert data["guidance"].startswith("IAM users, access keys")
    assert data["events"][0]["access"] == ["no role allows this in this account"]


def test_every_record_of_a_log_file() -> None:
    result = run("explain-denied", str(CLOUDTRAIL / "log-file-many-records.json"), "--repo", str(ROOT),
                 "--format", "json")
    assert result.exit_code == 0, result.output
    events = json.loads(result.stdout)["events"]
    assert len(events) == 10
    by_name = [(e["action"], [d["sid"] for d in e["denied_by"]], e["denied"]) for e in events]
    assert by_name[0] == ("iam:CreateUser", ["DenyIamUsers"], True)
    assert by_name[1] == ("iam:CreateUser", [], False)  # it succeeded
    assert by_name[2] == ("iam:CreateRole", ["RequireDeveloperBoundary"], True)
    assert events[2]["access"] == ['consolezero request --role Admin --account staging-app --for 1h '
                                   '--ticket OPS-NUMBER --reason "CreateRole in staging-app, denied by '
                                   'TrifectaGuardrail: WHY"']
    assert by_name[3] == ("cloudtrail:StopLogging", ["ProtectCloudTrail"], True)
    assert by_name[4] == ("ec2:RunInstances", ["DenyRootUser"], True)
    assert events[4]["access"][0].startswith("consolezero request --role Admin --account sandbox")
    assert by_name[5] == ("s3:GetObject", [], True)
    assert "no SCP statement denies this" in events[5]["note"]
    assert [e["denied"] for e in events[6:]] == [False, False, False, False]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_from_stdin(fmt: str) -> None:
    text = (CLOUDTRAIL / "ec2-run-instances-unauthorized-root.json").read_text()
    result = run("explain-denied", "-", "--repo", str(ROOT), "--format", fmt, stdin=text)
    assert result.exit_code == 0, result.output
    wanted = {"text": "DenyRootUser statement DenyRootUser (scps/deny-root-user.yaml)",
              "markdown": "- DenyRootUser statement `DenyRootUser` (`scps/deny-root-user.yaml`)"}[fmt]
    assert wanted in result.stdout


def test_an_eventbridge_event_is_read_through_its_detail() -> None:
    from consolezero.alerts.cloudtrail import as_eventbridge_event

    event = as_eventbridge_event(json.loads((CLOUDTRAIL / "iam-create-user-denied-console.json").read_text()))
    result = run("explain-denied", "-", "--repo", str(ROOT), stdin=json.dumps(event))
    assert "DenyUser statement DenyIamUsers" in result.stdout


@pytest.mark.parametrize(("text", "message"), [
    ("{", "consolezero: stdin: not JSON (Expecting property name enclosed in double quotes at line 1, column 2)\n"),
    ('{"eventName": "CreateUser"}', "consolezero: stdin: not a CloudTrail record: missing eventSource, "
                                    "recipientAccountId\n"),
    ('{"Records": [1]}', "consolezero: stdin: not a CloudTrail record (a JSON object)\n"),
    ('{"Records": []}', "consolezero: stdin: no records\n"),
    ('{"eventSource": "iam.amazonaws.com", "eventName": "CreateUser", "recipientAccountId": "999999999999", '
     '"errorCode": "AccessDenied"}',
     "consolezero: stdin: record 1: account 999999999999 is not in the repository (no account file under accounts/ "
     "has this id)\n"),
])
def test_bad_records_are_one_line(text: str, message: str) -> None:
    result = run("explain-denied", "-", "--repo", str(ROOT), stdin=text)
    assert (result.exit_code, result.stderr) == (2, message)


def test_a_missing_file_is_one_line(tmp_path) -> None:
    result = run("explain-denied", str(tmp_path / "nope.json"), "--repo", str(ROOT))
    assert result.exit_code == 2
    assert result.stderr == f"consolezero: cannot read {tmp_path / 'nope.json'}: No such file or directory\n"


def test_alerts_command_formats() -> None:
    data = json.loads(run("alerts", str(ROOT), "--format", "json").stdout)
    assert data["version"] == 1
    first = next(r for r in data["rules"] if r["sid"] == "DenyIamUsers")
    assert (first["scp"], first["event_pattern"]["detail"]["eventName"]) == (
        "DenyUser", ["CreateAccessKey", "CreateLoginProfile", "CreateUser"])
    assert first["message"].startswith("IAM users, access keys")
    template = json.loads(run("alerts", str(ROOT), "--format", "cloudformation").stdout)
    assert template["Resources"]["ForwardRule"]["Type"] == "AWS::Events::Rule"
    assert "consolezero-DenyUser-DenyIamUsers" in run("alerts", str(ROOT), "--format", "markdown").stdout
    assert "events arrive in: us-east-1" in run("alerts", str(ROOT)).stdout


def test_json_outputs_validate_against_their_schemas() -> None:
    from test_contracts import validate

    validate("alerts.schema.json", run("alerts", str(ROOT), "--format", "json").stdout)
    validate("explain-denied.schema.json", run("explain-denied", str(CLOUDTRAIL / "log-file-many-records.json"),
                                               "--repo", str(ROOT), "--format", "json").stdout)


def test_done_when_the_json_deny_user_rule_matches_the_denied_create_user_and_not_the_successful_one() -> None:
    from moto.events.models import EventPattern

    from consolezero.alerts.cloudtrail import as_eventbridge_event

    rules = json.loads(run("alerts", str(ROOT), "--format", "json").stdout)["rules"]
    deny_user = next(r for r in rules if (r["scp"], r["sid"]) == ("DenyUser", "DenyIamUsers"))
    pattern = EventPattern.load(json.dumps(deny_user["event_pattern"]))
    denied = json.loads((CLOUDTRAIL / "iam-create-user-denied-console.json").read_text())
    succeeded = json.loads((CLOUDTRAIL / "iam-create-user-succeeded.json").read_text())
    assert pattern.matches_event(as_eventbridge_event(denied))
    assert not pattern.matches_event(as_eventbridge_event(succeeded))


def test_any_json_is_an_explanation_or_one_clear_error() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from consolezero.alerts.explain import EventError, explain_text
    from consolezero.core.repository import load_repository
    from consolezero.policy.catalog import load_catalog

    model, catalog = load_repository(ROOT).model, load_catalog()
    scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=6), inner, max_size=3), max_leaves=8)
    fields = st.fixed_dictionaries({}, optional={
        "eventSource": st.sampled_from(["iam.amazonaws.com", "monitoring.amazonaws.com", ""]) | values,
        "eventName": st.sampled_from(["CreateUser", "Invoke", "CreateFunction20150331"]) | values,
        "recipientAccountId": st.sampled_from(["444444444444", "111111111111", "1"]) | values,
        "errorCode": st.sampled_from(["AccessDenied", "Client.UnauthorizedOperation"]) | values,
        "userIdentity": values, "eventTime": values})

    @settings(max_examples=150, deadline=None)
    @given(st.one_of(values, fields, st.builds(lambda r: {"Records": r}, st.lists(fields, max_size=3))))
    def check(document: object) -> None:
        try:
            found = explain_text(json.dumps(document), "event.json", model, catalog)
        except EventError as exc:
            assert "\n" not in str(exc) and str(exc).startswith("event.json")
        else:
            assert found

    check()


def test_the_permission_named_in_the_message_is_the_one_explained() -> None:
    result = run("explain-denied", str(CLOUDTRAIL / "lambda-create-function-pass-role-denied.json"), "--repo",
                 str(ROOT), "--format", "json")
    event = json.loads(result.stdout)["events"][0]
    assert (event["event"], event["action"]) == ("lambda.amazonaws.com CreateFunction20150331", "iam:PassRole")
    assert [d["sid"] for d in event["denied_by"]] == ["FencePassRole"]
    assert event["access"][0].startswith("consolezero request --role Admin --account staging-app --for 1h")


def test_cloudformation_without_an_alerts_account_is_one_line(tmp_path) -> None:
    import shutil

    shutil.copytree(ROOT / "accounts", tmp_path / "accounts")
    shutil.copytree(ROOT / "scps", tmp_path / "scps")
    org = tmp_path / "accounts" / "organization.yaml"
    text = org.read_text(encoding="utf-8")
    start = text.index("alerts: {")
    end = text.index("}", text.index("subscribers", start)) + 1
    org.write_text(text[:start] + text[end:], encoding="utf-8")
    assert run("alerts", str(tmp_path)).exit_code == 0  # the rules themselves need no alerts account
    result = run("alerts", str(tmp_path), "--format", "cloudformation")
    assert result.exit_code == 2
    assert result.stderr.startswith("consolezero: no alerts account: declare alerts: {account: ..., region: ...}")


def test_an_scp_that_breaks_its_schema_is_warned_about_not_silently_left_out(example: Path) -> None:
    (example / "scps" / "deny-user.yaml").write_text("name: DenyUser\n")
    warning = ("consolezero: warning: scps/deny-user.yaml does not match its schema: what it declares may be left out "
               "(consolezero lint shows why)\n")
    explained = run("explain-denied", str(CLOUDTRAIL / "iam-create-user-denied-console.json"), "--repo", str(example))
    assert explained.exit_code == 0 and explained.stderr == warning
    rendered = run("alerts", str(example))
    assert rendered.exit_code == 0 and rendered.stderr == warning
