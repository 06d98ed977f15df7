"""No way around the gate, from the command line: a saved plan is a confirmation, nothing outside git survives
reconcile, lint's refusal in the CLI. The CLI talks to the in-memory AWS port (``cli_org``); the port calls the
reconcile relies on are compared with the emulator's in tests/aws/test_fake_contract.py. Credentials refused by
who the caller is (STS): tests/aws/test_gate_aws.py."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from fake_aws import FakeOrg


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def _save(org: FakeOrg, tmp_path) -> tuple[object, dict]:
    out = tmp_path / "plan.json"
    result = run("plan", str(org.root), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out, json.loads(out.read_text())


def scp_names(org: FakeOrg) -> list[str]:
    return [p.name for p in org.port().list_scps()]


def permission_set_arns(org: FakeOrg) -> dict[str, str]:
    port, instance = org.port(), org.seed.instance_arn
    return {port.describe_permission_set(instance, arn).name: arn for arn in port.list_permission_sets(instance)}


def test_a_doctored_action_content_is_refused_naming_the_difference(cli_org: FakeOrg,
                                                                     tmp_path) -> None:
    org = cli_org
    out, saved = _save(org, tmp_path)
    i, change = next((i, c) for i, c in enumerate(saved["changes"]) if c["kind"] == "scp" and c["op"] == "create")
    change["action"]["content"] = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    out.write_text(json.dumps(saved))
    result = run("apply", str(org.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert f"the saved plan is not what apply would do now: changes[{i}] (create SCP {change['name']}): " \
           "action.content differs" in result.stderr
    assert scp_names(org) == ["FullAWSAccess"]  # nothing was changed


def test_a_plan_from_another_revision_is_refused(cli_org: FakeOrg, tmp_path) -> None:
    out, saved = _save(cli_org, tmp_path)
    assert saved["context"]["repository"]["digest"]
    scp = cli_org.root / "scps" / "deny-user.yaml"
    scp.write_text(scp.read_text().replace("iam:CreateLoginProfile]", "iam:CreateLoginProfile, iam:UpdateUser]"))
    result = run("apply", str(cli_org.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert "the saved plan was made from another revision of the repository" in result.stderr


def test_a_plan_file_with_an_unknown_op_is_one_line_exit_1(cli_org: FakeOrg, tmp_path) -> None:
    out, saved = _save(cli_org, tmp_path)
    saved["changes"][2]["op"] = "explode"
    out.write_text(json.dumps(saved))
    result = run("apply", str(cli_org.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"consolezero: {out}: changes[2] (explode ")
    assert "unknown op 'explode'" in result.stderr and "internal error" not in result.stderr


def test_the_default_reconcile_removes_a_hand_made_assignment_naming_who_holds_it(cli_org: FakeOrg) -> None:
    """On the fake; the emulator's side (a hand-made assignment to a user git never names: the complete scan finds
    it and names the user, the fast scan reads past it): tests/aws/test_fake_contract.py::
    test_applying_the_example_leaves_the_same_organization_on_both."""
    org = cli_org
    assert run("apply", str(org.root), "--auto-approve").exit_code == 0
    port, instance = org.port(), org.seed.instance_arn
    jane = org.fake.add_user("jane@example.com")  # made in the identity provider
    readonly = permission_set_arns(org)["ReadOnly"]
    made = port.start_create_assignment(instance, org.ids["prod-app"], readonly, "USER", jane)  # by hand
    assert port.assignment_creation_status(instance, made.request_id).state == "SUCCEEDED"
    fast = run("plan", str(org.root), "--fast-assignment-scan")
    assert "No changes." in fast.stdout and "fast assignment scan" in fast.stdout  # the fast path says so
    plan = run("plan", str(org.root))
    assert "- unassign ReadOnly from user:jane@example.com on account:prod-app" in plan.stdout
    applied = run("apply", str(org.root), "--auto-approve")  # what the reconcile workflow runs
    assert applied.exit_code == 0, applied.output
    left = port.account_assignments(instance, org.ids["prod-app"], readonly)
    assert jane not in {a.principal_id for a in left}
    assert run("plan", str(org.root), "--detailed-exitcode").exit_code == 0


def test_apply_refuses_when_lint_has_errors_in_the_cli(cli_org: FakeOrg) -> None:
    role = cli_org.root / "roles" / "readonly.yaml"
    role.write_text(role.read_text().replace("session_duration: PT8H", "session_duration: PT30H"))
    result = run("apply", str(cli_org.root), "--auto-approve")
    assert result.exit_code == 1 and "session-duration-range" in result.stdout
    assert "apply refuses to run until they are fixed" in result.stderr
    assert scp_names(cli_org) == ["FullAWSAccess"]


@pytest.mark.parametrize("weakening", [
    'ignore: [{rule: yaml-syntax, file: roles/readonly.yaml, reason: "migrating"}]\n',
    'severity: {yaml-syntax: "off"}\n'], ids=["ignored", "off"])
def test_a_file_that_does_not_parse_stops_apply_whatever_the_config_says(cli_org: FakeOrg, weakening: str) -> None:
    """Regression: with yaml-syntax silenced, apply used to delete what the broken file declares."""
    assert run("apply", str(cli_org.root), "--auto-approve").exit_code == 0
    (cli_org.root / ".consolezero.yaml").write_text(weakening)
    role = cli_org.root / "roles" / "readonly.yaml"
    role.write_text(role.read_text() + "\n  broken: [\n")
    lint = run("lint", str(cli_org.root))
    assert lint.exit_code == 1 and "invalid-suppression" in lint.stdout  # the weakening itself is refused
    for flags in ((), ("--allow-weakened-safety",)):
        applied = run("apply", str(cli_org.root), "--auto-approve", *flags)
        assert applied.exit_code == 1, applied.output
    assert "roles/readonly.yaml does not parse" in applied.output
    assert "ReadOnly" in permission_set_arns(cli_org)


def test_weakened_safety_is_printed_at_the_top_of_the_plan(cli_org: FakeOrg) -> None:
    (cli_org.root / ".consolezero.yaml").write_text("severity: {trifecta-reachable: warning}\n")
    refused = run("apply", str(cli_org.root), "--auto-approve")
    assert refused.exit_code == 1 and "invalid-suppression" in refused.stdout
    plan = run("plan", str(cli_org.root), "--allow-weakened-safety")
    assert plan.stdout.splitlines()[0] == ("SAFETY WEAKENED (--allow-weakened-safety): .consolezero.yaml: severity "
                                          "trifecta-reachable: warning (default error)")
    applied = run("apply", str(cli_org.root), "--auto-approve", "--allow-weakened-safety")
    assert applied.exit_code == 0, applied.output
    assert "SAFETY WEAKENED" in applied.stderr and applied.stdout.startswith("SAFETY WEAKENED")


def test_a_saved_fast_path_plan_is_not_applied(cli_org: FakeOrg, tmp_path) -> None:
    out = tmp_path / "plan.json"
    assert run("plan", str(cli_org.root), "--fast-assignment-scan", "--out", str(out)).exit_code == 0
    result = run("apply", str(cli_org.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert "made with --fast-assignment-scan" in result.stderr
