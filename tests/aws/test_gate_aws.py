"""No way around the gate, against the emulator: a saved plan is a confirmation, nothing outside git
survives reconcile, static credentials are refused by who the caller is, lint's refusal in the CLI."""

from __future__ import annotations

import json

import boto3
import pytest
from aws_helpers import Org, cli_environment
from typer.testing import CliRunner

from consolezero.apply.executor import ApplyError
from consolezero.apply.service import run_apply
from consolezero.cli.app import app
from consolezero.integrations.aws.boto import BotoPort


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, example_org: Org, tmp_path) -> Org:
    cli_environment(monkeypatch, tmp_path, example_org.aws.url)
    return example_org


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def _save(org: Org, tmp_path) -> tuple[object, dict]:
    out = tmp_path / "plan.json"
    result = run("plan", str(org.root), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out, json.loads(out.read_text())


def test_a_doctored_action_content_is_refused_naming_the_difference(cli_env: Org, tmp_path) -> None:
    out, saved = _save(cli_env, tmp_path)
    i, change = next((i, c) for i, c in enumerate(saved["changes"]) if c["kind"] == "scp" and c["op"] == "create")
    change["action"]["content"] = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    out.write_text(json.dumps(saved))
    result = run("apply", str(cli_env.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert f"the saved plan is not what apply would do now: changes[{i}] (create SCP {change['name']}): " \
           "action.content differs" in result.stderr
    organizations = cli_env.aws.client("organizations")
    assert [p["Name"] for p in organizations.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]] == [
        "FullAWSAccess"]  # nothing was changed


def test_a_plan_from_another_revision_is_refused(cli_env: Org, tmp_path) -> None:
    out, saved = _save(cli_env, tmp_path)
    assert saved["context"]["repository"]["digest"]
    scp = cli_env.root / "scps" / "deny-user.yaml"
    scp.write_text(scp.read_text().replace("iam:CreateLoginProfile]", "iam:CreateLoginProfile, iam:UpdateUser]"))
    result = run("apply", str(cli_env.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert "the saved plan was made from another revision of the repository" in result.stderr


def test_a_plan_file_with_an_unknown_op_is_one_line_exit_1(cli_env: Org, tmp_path) -> None:
    out, saved = _save(cli_env, tmp_path)
    saved["changes"][2]["op"] = "explode"
    out.write_text(json.dumps(saved))
    result = run("apply", str(cli_env.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"consolezero: {out}: changes[2] (explode ")
    assert "unknown op 'explode'" in result.stderr and "internal error" not in result.stderr


def test_the_default_reconcile_removes_a_hand_made_assignment_naming_who_holds_it(cli_env: Org) -> None:
    assert run("apply", str(cli_env.root), "--auto-approve").exit_code == 0
    seed = cli_env.seed
    store = cli_env.aws.client("identitystore")
    jane = store.create_user(IdentityStoreId=seed.identity_store_id, UserName="jane@example.com",
                             DisplayName="Jane", Name={"GivenName": "Jane", "FamilyName": "Doe"})["UserId"]
    sso = cli_env.aws.client("sso-admin")
    readonly = next(arn for arn in sso.list_permission_sets(InstanceArn=seed.instance_arn)["PermissionSets"]
                    if sso.describe_permission_set(InstanceArn=seed.instance_arn, PermissionSetArn=arn)[
                        "PermissionSet"]["Name"] == "ReadOnly")
    sso.create_account_assignment(InstanceArn=seed.instance_arn, TargetId=cli_env.ids["prod-app"],
                                  TargetType="AWS_ACCOUNT", PermissionSetArn=readonly, PrincipalType="USER",
                                  PrincipalId=jane)
    fast = run("plan", str(cli_env.root), "--fast-assignment-scan")
    assert "No changes." in fast.stdout and "fast assignment scan" in fast.stdout  # the fast path says so
    plan = run("plan", str(cli_env.root))
    assert "- unassign ReadOnly from user:jane@example.com on account:prod-app" in plan.stdout
    applied = run("apply", str(cli_env.root), "--auto-approve")  # what the reconcile workflow runs
    assert applied.exit_code == 0, applied.output
    left = sso.list_account_assignments(InstanceArn=seed.instance_arn, AccountId=cli_env.ids["prod-app"],
                                        PermissionSetArn=readonly)["AccountAssignments"]
    assert jane not in {a["PrincipalId"] for a in left}
    assert run("plan", str(cli_env.root), "--detailed-exitcode").exit_code == 0


def test_an_iam_users_session_credentials_are_refused(example_org: Org) -> None:
    iam = example_org.aws.client("iam")
    iam.create_user(UserName="deploy")
    key = iam.create_access_key(UserName="deploy")["AccessKey"]
    long_term = boto3.session.Session(aws_access_key_id=key["AccessKeyId"],
                                      aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1")
    token = long_term.client("sts", endpoint_url=example_org.aws.url).get_session_token()["Credentials"]
    assert token["AccessKeyId"].startswith("ASIA")
    session = boto3.session.Session(aws_access_key_id=token["AccessKeyId"],
                                    aws_secret_access_key=token["SecretAccessKey"],
                                    aws_session_token=token["SessionToken"], region_name="us-east-1")
    port = BotoPort(session=session, endpoint_url=example_org.aws.url, sso_region="eu-west-1")
    with pytest.raises(ApplyError, match=r"refusing to apply as an IAM user \(arn:aws:iam::\d+:user/deploy\)"):
        run_apply(example_org.repo(), port)
    assert run_apply(example_org.repo(), port, allow_static_credentials=True).applied  # the break-glass exception


def test_apply_refuses_when_lint_has_errors_in_the_cli(cli_env: Org) -> None:
    role = cli_env.root / "roles" / "readonly.yaml"
    role.write_text(role.read_text().replace("session_duration: PT8H", "session_duration: PT30H"))
    result = run("apply", str(cli_env.root), "--auto-approve")
    assert result.exit_code == 1 and "session-duration-range" in result.stdout
    assert "apply refuses to run until they are fixed" in result.stderr
    organizations = cli_env.aws.client("organizations")
    assert [p["Name"] for p in organizations.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]] == [
        "FullAWSAccess"]


@pytest.mark.parametrize("weakening", [
    'ignore: [{rule: yaml-syntax, file: roles/readonly.yaml, reason: "migrating"}]\n',
    'severity: {yaml-syntax: "off"}\n'], ids=["ignored", "off"])
def test_a_file_that_does_not_parse_stops_apply_whatever_the_config_says(cli_env: Org, weakening: str) -> None:
    """Regression: with yaml-syntax silenced, apply used to delete what the broken file declares."""
    assert run("apply", str(cli_env.root), "--auto-approve").exit_code == 0
    (cli_env.root / ".consolezero.yaml").write_text(weakening)
    role = cli_env.root / "roles" / "readonly.yaml"
    role.write_text(role.read_text() + "\n  broken: [\n")
    lint = run("lint", str(cli_env.root))
    assert lint.exit_code == 1 and "invalid-suppression" in lint.stdout  # the weakening itself is refused
    for flags in ((), ("--allow-weakened-safety",)):
        applied = run("apply", str(cli_env.root), "--auto-approve", *flags)
        assert applied.exit_code == 1, applied.output
    assert "roles/readonly.yaml does not parse" in applied.output
    sso = boto3.client("sso-admin", endpoint_url=cli_env.aws.url, region_name="eu-west-1")
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    names = [sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=arn)["PermissionSet"]["Name"]
             for arn in sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]]
    assert "ReadOnly" in names


def test_weakened_safety_is_printed_at_the_top_of_the_plan(cli_env: Org) -> None:
    (cli_env.root / ".consolezero.yaml").write_text("severity: {trifecta-reachable: warning}\n")
    refused = run("apply", str(cli_env.root), "--auto-approve")
    assert refused.exit_code == 1 and "invalid-suppression" in refused.stdout
    plan = run("plan", str(cli_env.root), "--allow-weakened-safety")
    assert plan.stdout.splitlines()[0] == ("SAFETY WEAKENED (--allow-weakened-safety): .consolezero.yaml: severity "
                                          "trifecta-reachable: warning (default error)")
    applied = run("apply", str(cli_env.root), "--auto-approve", "--allow-weakened-safety")
    assert applied.exit_code == 0, applied.output
    assert "SAFETY WEAKENED" in applied.stderr and applied.stdout.startswith("SAFETY WEAKENED")


def test_a_saved_fast_path_plan_is_not_applied(cli_env: Org, tmp_path) -> None:
    out = tmp_path / "plan.json"
    assert run("plan", str(cli_env.root), "--fast-assignment-scan", "--out", str(out)).exit_code == 0
    result = run("apply", str(cli_env.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert "made with --fast-assignment-scan" in result.stderr
