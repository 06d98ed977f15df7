"""`consolezero plan` and `apply` from the command line: formats, exit codes, saved plans, convergence. The CLI
talks to the in-memory AWS port (``cli_org``). The CLI's credentials and endpoint handling and the demo are tested
against the emulator in tests/aws/test_cli_plan_apply.py, and the CLI's plan and apply of a seeded organization in
tests/aws/test_emulator_cli.py."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.plan.types import KINDS, OPS
from fake_aws import FakeOrg


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_plan_json_matches_the_contract(cli_org: FakeOrg) -> None:
    result = run("plan", str(cli_org.root), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["version"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", data["fingerprint"])
    assert data["changes"]
    for change in data["changes"]:
        assert {"op", "kind", "name", "target"} <= set(change)
        assert change["op"] in OPS and change["kind"] in KINDS
        assert "action" not in change  # execution details only in `--out` files
    attach = next(c for c in data["changes"] if c["kind"] == "attachment")
    assert attach["op"] == "attach" and attach["target"] in ("root", "ou:Sandbox", "ou:Security", "ou:Workloads")


def test_detailed_exitcode_then_apply_then_no_changes(cli_org: FakeOrg) -> None:
    """On the fake; on the emulator, the CLI applies a seeded organization and then plans no changes in
    tests/aws/test_emulator_cli.py, and the example applied leaves the same organization (and an empty plan) on
    both in tests/aws/test_fake_contract.py."""
    org = cli_org
    assert run("plan", str(org.root), "--detailed-exitcode").exit_code == 2
    applied = run("apply", str(org.root), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: " in applied.stdout
    result = run("plan", str(org.root), "--detailed-exitcode", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["changes"] == []
    again = run("apply", str(org.root), "--auto-approve")
    assert again.exit_code == 0 and "No changes." in again.stdout


def test_markdown_plan_puts_document_diffs_in_details(cli_org: FakeOrg) -> None:
    assert run("apply", str(cli_org.root), "--auto-approve").exit_code == 0
    scp = cli_org.root / "scps" / "deny-user.yaml"
    scp.write_text(scp.read_text(encoding="utf-8").replace("iam:CreateLoginProfile]",
                                                           "iam:CreateLoginProfile, iam:UpdateLoginProfile]"),
                   encoding="utf-8")
    result = run("plan", str(cli_org.root), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "<details><summary>scp DenyUser: policy document</summary>" in result.stdout
    assert '```diff' in result.stdout and '+        "iam:UpdateLoginProfile"' in result.stdout
    # the SCP, and the alert rule that follows its actions (consolezero-DenyUser-DenyIamUsers)
    assert "`Plan: 0 to add, 2 to change, 0 to destroy.`" in result.stdout
    assert "update alert rule consolezero-DenyUser-DenyIamUsers" in result.stdout
    again = run("plan", str(cli_org.root))
    assert "~ update scp DenyUser (content)" in again.stdout, again.stderr


def test_stale_saved_plan_is_refused_with_exit_1(cli_org: FakeOrg, tmp_path) -> None:
    org = cli_org
    out = tmp_path / "plan.json"
    assert run("plan", str(org.root), "--out", str(out)).exit_code == 0
    saved = json.loads(out.read_text())
    assert saved["version"] == 1 and saved["changes"][0]["action"]
    port = org.port()
    port.create_ou(port.root_id(), "Moved", {})  # out of band: the organization moved since the plan
    result = run("apply", str(org.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert "plan is stale: re-run plan" in result.stderr


def test_saved_plan_is_applied(cli_org: FakeOrg, tmp_path) -> None:
    out = tmp_path / "plan.json"
    assert run("plan", str(cli_org.root), "--out", str(out)).exit_code == 0
    result = run("apply", str(cli_org.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert run("plan", str(cli_org.root), "--detailed-exitcode").exit_code == 0


def test_apply_without_a_terminal_needs_auto_approve(cli_org: FakeOrg) -> None:
    result = run("apply", str(cli_org.root))
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr


def test_plan_errors_exit_2_and_1_with_detailed_exitcode(cli_org: FakeOrg) -> None:
    (cli_org.root / "accounts" / "Sandbox" / "lab.yaml").write_text('id: "999999999999"\nemail: lab@example.com\n')
    result = run("plan", str(cli_org.root))
    assert result.exit_code == 2
    assert "Error: accounts/Sandbox/lab.yaml: account lab (999999999999) is not in the organization" in result.stdout
    assert run("plan", str(cli_org.root), "--detailed-exitcode").exit_code == 1


# -- found by walking through every command as a new user -------------------------------------------
def test_detailed_exitcode_never_reports_an_error_as_changes(cli_org: FakeOrg, tmp_path) -> None:
    result = run("plan", str(cli_org.root), "--detailed-exitcode", "--now", "yesterday")
    assert (result.exit_code, result.stderr) == (1, "consolezero: --now: not an ISO 8601 timestamp: 'yesterday'\n")
    result = run("plan", str(tmp_path / "missing"), "--detailed-exitcode")
    assert (result.exit_code, result.stderr) == (1, f"consolezero: {tmp_path / 'missing'}: no such directory\n")
    assert run("plan", str(tmp_path / "missing")).exit_code == 2


def test_apply_that_cannot_start_exits_1_as_documented(cli_org: FakeOrg, tmp_path) -> None:
    assert run("apply", str(tmp_path / "missing"), "--auto-approve").exit_code == 1
    assert run("apply", str(cli_org.root), "--auto-approve", "--now", "soon").exit_code == 1


def test_apply_with_nothing_to_do_says_so_once(cli_org: FakeOrg) -> None:
    assert run("apply", str(cli_org.root), "--auto-approve").exit_code == 0
    result = run("apply", str(cli_org.root), "--auto-approve")
    assert result.exit_code == 0
    assert result.stdout.count("No changes.") == 1
    assert result.stdout.splitlines()[-1] == "Plan: 0 to add, 0 to change, 0 to destroy."


def test_no_changes_claims_a_match_only_without_warnings() -> None:
    from consolezero.plan.render import render_markdown, render_text
    from consolezero.plan.types import Plan

    held = Plan("f" * 64, (), warnings=("DenyUser is held back from root: ...",))
    text = render_text(held)
    assert "The organization matches the repository" not in text
    assert ("No changes. Read the warnings above: what this plan could not judge, or what still differs from the "
            "repository.") in text.splitlines()
    assert "The organization matches the repository" not in render_markdown(held)
    assert "No changes. The organization matches the repository." in render_text(Plan("f" * 64, ()))


def test_plan_refuses_a_file_that_does_not_parse_instead_of_deleting_what_it_declares(cli_org: FakeOrg) -> None:
    assert run("apply", str(cli_org.root), "--auto-approve").exit_code == 0
    scp = cli_org.root / "scps" / "deny-user.yaml"
    scp.write_text(scp.read_text() + "  broken: [\n")
    message = ("consolezero: cannot plan: scps/deny-user.yaml does not parse, and the plan would delete what it "
               "declares (consolezero lint shows why)\n")
    result = run("plan", str(cli_org.root))
    assert (result.exit_code, result.stderr, result.stdout) == (2, message, "")
    assert run("plan", str(cli_org.root), "--detailed-exitcode").exit_code == 1
