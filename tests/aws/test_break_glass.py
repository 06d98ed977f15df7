"""The way out, against the emulator: apply's break-glass preflight, held-back changes and their exit code,
and the invariants apply judges on the organization as it will be (whatever lint's configuration says)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_helpers import ROOT, Aws, Org, cli_environment, copy_example, seed_for
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from consolezero.apply.executor import PlanErrors, run_apply
from consolezero.apply.safety import guarded_plan as build_plan
from consolezero.cli.app import app
from consolezero.devtools.seed import enable_break_glass_mfa, member_iam
from consolezero.plan.live import read_live

USER, PATH = "break-glass-admin", "/break-glass/"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, aws: Aws, tmp_path: Path) -> Aws:
    cli_environment(monkeypatch, tmp_path, aws.url)
    return aws


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def plan_of(org: Org):
    repo = org.repo()
    return build_plan(repo.model, read_live(org.port(), repo.model))


def attached_at_root(org: Org) -> set[str]:
    client = org.aws.client("organizations")
    root = client.list_roots()["Roots"][0]["Id"]
    return {p["Name"] for p in client.list_policies_for_target(TargetId=root, Filter="SERVICE_CONTROL_POLICY")[
        "Policies"]}


def last_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def iam(org: Org):
    return member_iam(org.aws.url, org.ids["security"])


def break_glass(org: Org, state: str) -> str:
    """Put the break-glass user into ``state``; returns what its fix is."""
    client = iam(org)
    if state == "missing":
        return "create-user"
    client.create_user(UserName=USER, Path="/admins/" if state == "wrong-path" else PATH)
    if state != "no-mfa":
        enable_break_glass_mfa(org.aws.url, org.ids["security"], USER, hardware=True)
    if state == "active-key":
        return client.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    return ""


MISSING = {
    "missing": "user break-glass-admin does not exist",
    "no-mfa": "no MFA device",
    "active-key": "active access key ",
    "wrong-path": "user break-glass-admin is at path /admins/, not /break-glass/",
}
FIX = {
    "missing": "fix: in security: aws iam create-user --user-name break-glass-admin --path /break-glass/",
    "no-mfa": "fix: in security: register a hardware MFA device or passkey for break-glass-admin",
    "active-key": "fix: in security: aws iam delete-access-key --user-name break-glass-admin --access-key-id ",
    "wrong-path": "fix: in security: move it: aws iam update-user --user-name break-glass-admin "
                  "--new-path /break-glass/",
}


def repair(org: Org, state: str, key: str) -> None:
    client = iam(org)
    if state == "missing":
        client.create_user(UserName=USER, Path=PATH)
        enable_break_glass_mfa(org.aws.url, org.ids["security"], USER, hardware=True)
    elif state == "no-mfa":
        enable_break_glass_mfa(org.aws.url, org.ids["security"], USER, hardware=True)
    elif state == "active-key":
        client.delete_access_key(UserName=USER, AccessKeyId=key)
    elif state == "wrong-path":
        client.update_user(UserName=USER, NewPath=PATH)


@pytest.mark.parametrize("state", ["missing", "no-mfa", "active-key", "wrong-path"])
def test_unready_break_glass_user_holds_deny_user_back_and_apply_exits_1(cli: Aws, tmp_path: Path, state: str) -> None:
    org = seed_for(cli, copy_example(tmp_path / "repo"), break_glass_mfa=None)
    key = break_glass(org, state)
    result = run("apply", str(org.root), "--auto-approve")
    assert result.exit_code == 1, result.output
    line = last_line(result)
    assert line.startswith(f"consolezero: held back: attach DenyUser to root: the JIT account security "
                           f"({org.ids['security']}): its break-glass user break-glass-admin is not ready: "), line
    assert MISSING[state] in line and FIX[state] in line and line.endswith(", then re-run apply"), line
    assert "Apply complete: " in result.stdout  # everything else was applied
    assert "? preflight: break-glass user break-glass-admin (/break-glass/) in security" in result.stdout
    assert "FAIL" in result.stdout
    assert "DenyUser" not in attached_at_root(org)
    assert {"DenyLeaveOrganization", "ProtectSecurityServices"} <= attached_at_root(org)
    assert run("plan", str(org.root), "--detailed-exitcode").exit_code == 2  # changes remain
    held = json.loads(run("plan", str(org.root), "--format", "json").stdout)
    schema = json.loads((ROOT / "schemas" / "output" / "plan.schema.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(held)) == []
    assert [(h["change"], h["account"]) for h in held["held"]] == [("attach DenyUser to root", "security")]
    assert [p["verdict"] for p in held["preflight"]] == ["fail"]
    repair(org, state, key)
    again = run("apply", str(org.root), "--auto-approve")
    assert again.exit_code == 0, again.output
    assert "+ attach DenyUser to root" in again.stdout and "pass: exists, MFA device" in again.stdout
    assert "DenyUser" in attached_at_root(org)
    assert run("plan", str(org.root), "--detailed-exitcode").exit_code == 0


def test_a_ready_break_glass_user_lets_deny_user_through(cli: Aws, tmp_path: Path) -> None:
    org = seed_for(cli, copy_example(tmp_path / "repo"), break_glass_mfa=None)
    break_glass(org, "ready")
    result = run("apply", str(org.root), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "DenyUser" in attached_at_root(org)
    data = json.loads(run("plan", str(org.root), "--format", "json").stdout)
    schema = json.loads((ROOT / "schemas" / "output" / "plan.schema.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []
    assert [(p["user"], p["verdict"], p["mfa"]) for p in data["preflight"]] == [(USER, "pass", "hardware")]
    assert data["held"] == [] and data["changes"] == []


def test_a_virtual_mfa_device_passes_with_a_warning(aws: Aws, tmp_path: Path) -> None:
    org = seed_for(aws, copy_example(tmp_path / "repo"), break_glass_mfa=True)  # a virtual device
    plan = plan_of(org)
    assert ("attach", "DenyUser", "root") in [(c.op, c.name, c.target) for c in plan.changes]
    assert [p["warnings"] for p in plan.preflight] == [
        ["only a virtual MFA device: the declaration asks for hardware or a passkey"]]
    organization = org.root / "accounts" / "organization.yaml"
    organization.write_text(organization.read_text().replace("path: /break-glass/}", "path: /break-glass/, mfa: any}"))
    assert [p["warnings"] for p in plan_of(org).preflight] == [[]]


def _edit_deny_user(root: Path, condition: str, action: str = "[iam:CreateUser, iam:CreateAccessKey, "
                                                                 "iam:CreateLoginProfile]") -> None:
    path = root / "scps" / "deny-user.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Action: [iam:CreateUser, iam:CreateAccessKey, iam:CreateLoginProfile]", f"Action: {action}")
    text = text.replace('Condition: {ArnNotLike: {aws:PrincipalArn: "arn:aws:iam::*:user/break-glass/*"}}', condition)
    path.write_text(text, encoding="utf-8")


def _deny_user_content(org: Org) -> dict:
    client = org.aws.client("organizations")
    policy = next(p for p in client.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
                  if p["Name"] == "DenyUser")
    return json.loads(client.describe_policy(PolicyId=policy["Id"])["Policy"]["Content"])


def test_deny_user_edited_to_deny_every_user_waits_for_the_preflight(aws: Aws, tmp_path: Path) -> None:
    org = seed_for(aws, copy_example(tmp_path / "repo"), break_glass_mfa=None)
    break_glass(org, "ready")
    run_apply(org.repo(), org.port())
    serial = iam(org).list_mfa_devices(UserName=USER)["MFADevices"][0]["SerialNumber"]
    iam(org).deactivate_mfa_device(UserName=USER, SerialNumber=serial)  # the way out broke since
    before = _deny_user_content(org)
    _edit_deny_user(org.root, 'Condition: {ArnLike: {aws:PrincipalArn: "arn:aws:iam::*:user/*"}}')
    plan = plan_of(org)
    assert not any(c.name == "DenyUser" for c in plan.changes)
    assert [h["change"] for h in plan.held] == ["update SCP DenyUser: content"]
    assert "no MFA device" in plan.held[0]["missing"]
    result = run_apply(org.repo(), org.port())  # lint would say break-glass-not-exempt
    assert result.plan.held and _deny_user_content(org) == before
    enable_break_glass_mfa(org.aws.url, org.ids["security"], USER, hardware=True)
    plan = plan_of(org)  # verified now, but the edit still denies the break-glass user: still held
    assert [h["missing"] for h in plan.held] == [
        f"DenyUser's conditions do not exempt the break-glass user arn:aws:iam::{org.ids['security']}:user"
        f"/break-glass/break-glass-admin"]


@pytest.mark.parametrize("ready", [False, True])
def test_an_edit_that_denies_the_break_glass_user_everything_is_refused_always(aws: Aws, tmp_path: Path,
                                                                             ready: bool) -> None:
    org = seed_for(aws, copy_example(tmp_path / "repo"), break_glass_mfa=None)
    break_glass(org, "ready" if ready else "no-mfa")
    run_apply(org.repo(), org.port())
    before = _deny_user_content(org) if ready else None
    _edit_deny_user(org.root, 'Condition: {ArnLike: {aws:PrincipalArn: "arn:aws:iam::*:user/*"}}', action='"*"')
    with pytest.raises(PlanErrors) as info:
        run_apply(org.repo(), org.port())
    message = str(info.value)
    assert "refused: " in message and "would deny the break-glass user " in message
    assert "every action in the JIT account security" in message
    if ready:
        assert _deny_user_content(org) == before


def test_moving_the_jit_account_under_deny_user_waits_for_the_preflight(aws: Aws, tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    deny_user = root / "scps" / "deny-user.yaml"
    deny_user.write_text(deny_user.read_text().replace("targets: [root]", 'targets: ["ou:Workloads"]'))
    org = seed_for(aws, root, break_glass_mfa=None)
    break_glass(org, "no-mfa")
    assert not run_apply(org.repo(), org.port()).plan.held  # DenyUser does not reach security
    (root / "accounts" / "Security" / "security.yaml").rename(root / "accounts" / "Workloads" / "security.yaml")
    plan = plan_of(org)
    assert not any(c.op == "move" for c in plan.changes)
    assert [h["change"] for h in plan.held] == ["move account security from ou:Security to ou:Workloads"]
    result = run_apply(org.repo(), org.port())
    assert result.plan.held
    client = aws.client("organizations")
    parent = client.list_parents(ChildId=org.ids["security"])["Parents"][0]["Id"]
    assert client.describe_organizational_unit(OrganizationalUnitId=parent)["OrganizationalUnit"]["Name"] == "Security"
    enable_break_glass_mfa(aws.url, org.ids["security"], USER, hardware=True)
    result = run_apply(org.repo(), org.port())
    assert not result.plan.held and [c.op for c in result.applied] == ["move"]
    parent = client.list_parents(ChildId=org.ids["security"])["Parents"][0]["Id"]
    assert client.describe_organizational_unit(OrganizationalUnitId=parent)["OrganizationalUnit"]["Name"] == \
        "Workloads"


ALLOW_LIST = {
    "scps/full-aws-access.yaml": "name: FullAWSAccess\naws_managed: FullAWSAccess\n"
                                 "targets: [root, \"account:management\"]\n",
    "scps/baseline.yaml": "name: Baseline\ndescription: The Allow of the allow-list strategy.\ntargets: "
                          + json.dumps(["ou:Security", "ou:Workloads", "ou:Workloads/Prod", "ou:Workloads/NonProd",
                                        "ou:Sandbox", "account:security", "account:log-archive", "account:prod-app",
                                        "account:staging-app", "account:sandbox"]) + "\n"
                          "policy:\n  Version: \"2012-10-17\"\n"
                          "  Statement: [{Sid: AllowAll, Effect: Allow, Action: \"*\", Resource: \"*\"}]\n",
}
DENY_ONLY = ("  Statement: [{Sid: NoLeaving, Effect: Deny, Action: organizations:LeaveOrganization, Resource: \"*\"}]\n"
             "alerts: {NoLeaving: \"Accounts cannot leave the organization; open an OPS ticket.\"}\n")


def test_turning_the_only_allow_deny_only_is_refused_whatever_lint_says(aws: Aws, tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    for rel, text in ALLOW_LIST.items():
        (root / rel).write_text(text, encoding="utf-8")
    org = seed_for(aws, root, break_glass_mfa=True)
    run_apply(org.repo(), org.port())
    assert plan_of(org).changes == ()
    (root / ".consolezero.yaml").write_text("severity: {scp-lockout: warning}\n", encoding="utf-8")
    baseline = root / "scps" / "baseline.yaml"
    baseline.write_text(baseline.read_text().split("  Statement:")[0] + DENY_ONLY, encoding="utf-8")
    with pytest.raises(PlanErrors) as info:
        run_apply(org.repo(), org.port())
    message = str(info.value)
    assert message.count("refused: ") == 2  # once for the targets, once for the way out it closes
    assert "refused: update SCP Baseline: content would deny the break-glass user arn:aws:iam::" in message
    assert ("refused: update SCP Baseline: content would leave account:log-archive, account:prod-app, "
            "account:sandbox, account:security, account:staging-app, ou:Sandbox, ou:Security, ou:Workloads, "
            "ou:Workloads/NonProd, ou:Workloads/Prod with no SCP that allows anything") in message
    content = json.loads(aws.client("organizations").describe_policy(PolicyId=next(
        p["Id"] for p in aws.client("organizations").list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
        if p["Name"] == "Baseline"))["Policy"]["Content"])
    assert content["Statement"][0]["Effect"] == "Allow"  # nothing was changed


def test_an_scp_denying_everything_at_the_root_needs_the_break_glass_exemption(aws: Aws, tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    org = seed_for(aws, root, break_glass_mfa=True)
    freeze = ("name: Freeze\ntargets: [root]\npolicy:\n  Version: \"2012-10-17\"\n"
              "  Statement: [{Sid: Freeze, Effect: Deny, Action: \"*\", Resource: \"*\"%s}]\n"
              "alerts: {Freeze: \"The organization is frozen during the incident.\"}\n")
    (root / "scps" / "freeze.yaml").write_text(freeze % "", encoding="utf-8")
    with pytest.raises(PlanErrors) as info:
        run_apply(org.repo(), org.port())
    assert ("refused: attach Freeze to root would put Freeze at the root, denying every action without exempting "
            "the break-glass user") in str(info.value)
    exempt = ', Condition: {ArnNotLike: {aws:PrincipalArn: "arn:aws:iam::*:user/break-glass/*"}}'
    (root / "scps" / "freeze.yaml").write_text(freeze % exempt, encoding="utf-8")
    assert not plan_of(org).errors
