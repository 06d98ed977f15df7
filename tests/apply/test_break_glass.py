"""The way out: apply's break-glass preflight, held-back changes and their exit code, and the invariants
apply judges on the organization as it will be (whatever lint's configuration says). On the in-memory AWS
port (tests/fake_aws/); the CLI reaches it through the ``fake_cli`` fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from consolezero.apply.executor import PlanErrors, run_apply
from consolezero.apply.safety import guarded_plan as build_plan
from consolezero.cli.app import app
from consolezero.plan.live import read_live
from fake_aws import FakeAws, FakeOrg, seed_repository
from support import AWS_EXAMPLE_PARTS, ROOT, copy_example

USER, PATH = "break-glass-admin", "/break-glass/"
Org = FakeOrg


def seeded(fake: FakeAws, tmp_path: Path, break_glass_mfa: bool | None, root: Path | None = None) -> FakeOrg:
    return seed_repository(fake, root or copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS),
                           break_glass_mfa=break_glass_mfa)


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def plan_of(org: Org):
    repo = org.repo()
    return build_plan(repo.model, read_live(org.port(), repo.model))


def attached_at_root(org: Org) -> set[str]:
    port = org.port()
    return {p.name for p in port.policies_for_target(port.root_id())}


def last_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def break_glass(org: Org, state: str) -> str:
    """Put the break-glass user into ``state`` (as the JIT account's admins would); returns its access key's id."""
    fake, security = org.fake, org.ids["security"]
    if state == "missing":
        return "create-user"
    fake.create_iam_user(security, USER, "/admins/" if state == "wrong-path" else PATH)
    if state != "no-mfa":
        fake.enable_break_glass_mfa(security, USER, hardware=True)
    if state == "active-key":
        return fake.create_access_key(security, USER)
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
    fake, security = org.fake, org.ids["security"]
    if state == "missing":
        fake.create_iam_user(security, USER, PATH)
        fake.enable_break_glass_mfa(security, USER, hardware=True)
    elif state == "no-mfa":
        fake.enable_break_glass_mfa(security, USER, hardware=True)
    elif state == "active-key":
        fake.delete_access_key(security, USER, key)
    elif state == "wrong-path":
        fake.update_iam_user_path(security, USER, PATH)


@pytest.mark.parametrize("state", ["missing", "no-mfa", "active-key", "wrong-path"])
def test_unready_break_glass_user_holds_deny_user_back_and_apply_exits_1(fake_cli: FakeAws, tmp_path: Path,
                                                                        state: str) -> None:
    org = seeded(fake_cli, tmp_path, break_glass_mfa=None)
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


def test_a_ready_break_glass_user_lets_deny_user_through(fake_cli: FakeAws, tmp_path: Path) -> None:
    org = seeded(fake_cli, tmp_path, break_glass_mfa=None)
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


def test_a_virtual_mfa_device_passes_with_a_warning(fake: FakeAws, tmp_path: Path) -> None:
    org = seeded(fake, tmp_path, break_glass_mfa=True)  # a virtual device
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


def _content(org: Org, name: str) -> dict:
    port = org.port()
    return json.loads(port.policy_content(next(p.id for p in port.list_scps() if p.name == name)))


def _deny_user_content(org: Org) -> dict:
    return _content(org, "DenyUser")


def test_deny_user_edited_to_deny_every_user_waits_for_the_preflight(fake: FakeAws, tmp_path: Path) -> None:
    org = seeded(fake, tmp_path, break_glass_mfa=None)
    break_glass(org, "ready")
    run_apply(org.repo(), org.port())
    serial = fake.mfa_devices(org.ids["security"], USER)[0]
    fake.deactivate_mfa_device(org.ids["security"], USER, serial)  # the way out broke since
    before = _deny_user_content(org)
    _edit_deny_user(org.root, 'Condition: {ArnLike: {aws:PrincipalArn: "arn:aws:iam::*:user/*"}}')
    plan = plan_of(org)
    assert not any(c.name == "DenyUser" for c in plan.changes)
    assert [h["change"] for h in plan.held] == ["update SCP DenyUser: content"]
    assert "no MFA device" in plan.held[0]["missing"]
    result = run_apply(org.repo(), org.port())  # lint would say break-glass-not-exempt
    assert result.plan.held and _deny_user_content(org) == before
    fake.enable_break_glass_mfa(org.ids["security"], USER, hardware=True)
    plan = plan_of(org)  # verified now, but the edit still denies the break-glass user: still held
    assert [h["missing"] for h in plan.held] == [
        f"DenyUser's conditions do not exempt the break-glass user arn:aws:iam::{org.ids['security']}:user"
        f"/break-glass/break-glass-admin"]


@pytest.mark.parametrize("ready", [False, True])
def test_an_edit_that_denies_the_break_glass_user_everything_is_refused_always(fake: FakeAws, tmp_path: Path,
                                                                             ready: bool) -> None:
    org = seeded(fake, tmp_path, break_glass_mfa=None)
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


def test_moving_the_jit_account_under_deny_user_waits_for_the_preflight(fake: FakeAws, tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS)
    deny_user = root / "scps" / "deny-user.yaml"
    deny_user.write_text(deny_user.read_text().replace("targets: [root]", 'targets: ["ou:Workloads"]'))
    org = seeded(fake, tmp_path, break_glass_mfa=None, root=root)
    break_glass(org, "no-mfa")
    assert not run_apply(org.repo(), org.port()).plan.held  # DenyUser does not reach security
    (root / "accounts" / "Security" / "security.yaml").rename(root / "accounts" / "Workloads" / "security.yaml")
    plan = plan_of(org)
    assert not any(c.op == "move" for c in plan.changes)
    assert [h["change"] for h in plan.held] == ["move account security from ou:Security to ou:Workloads"]
    result = run_apply(org.repo(), org.port())
    assert result.plan.held
    assert fake.ou_name(fake.parent_of(org.ids["security"])) == "Security"
    fake.enable_break_glass_mfa(org.ids["security"], USER, hardware=True)
    result = run_apply(org.repo(), org.port())
    assert not result.plan.held and [c.op for c in result.applied] == ["move"]
    assert fake.ou_name(fake.parent_of(org.ids["security"])) == "Workloads"


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


def test_turning_the_only_allow_deny_only_is_refused_whatever_lint_says(fake: FakeAws, tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS)
    for rel, text in ALLOW_LIST.items():
        (root / rel).write_text(text, encoding="utf-8")
    org = seeded(fake, tmp_path, break_glass_mfa=True, root=root)
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
    assert _content(org, "Baseline")["Statement"][0]["Effect"] == "Allow"  # nothing was changed


def test_an_scp_denying_everything_at_the_root_needs_the_break_glass_exemption(fake: FakeAws, tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS)
    org = seeded(fake, tmp_path, break_glass_mfa=True, root=root)
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
