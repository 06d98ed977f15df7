"""`consolezero plan`, `apply` and `demo` from the command line, against the session's emulator."""

from __future__ import annotations

import json
import re

import pytest
from aws_helpers import Org, cli_environment
from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.plan.types import KINDS, OPS


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, example_org: Org, tmp_path) -> Org:
    """Dummy short-term-looking credentials and the emulator endpoint, as a user would set them."""
    cli_environment(monkeypatch, tmp_path, example_org.aws.url)
    return example_org


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_plan_json_matches_the_contract(cli_env: Org) -> None:
    result = run("plan", str(cli_env.root), "--format", "json")
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


def test_detailed_exitcode_then_apply_then_no_changes(cli_env: Org) -> None:
    assert run("plan", str(cli_env.root), "--detailed-exitcode").exit_code == 2
    applied = run("apply", str(cli_env.root), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: " in applied.stdout
    result = run("plan", str(cli_env.root), "--detailed-exitcode", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["changes"] == []
    again = run("apply", str(cli_env.root), "--auto-approve")
    assert again.exit_code == 0 and "No changes." in again.stdout


def test_markdown_plan_puts_document_diffs_in_details(cli_env: Org) -> None:
    assert run("apply", str(cli_env.root), "--auto-approve").exit_code == 0
    scp = cli_env.root / "scps" / "deny-user.yaml"
    scp.write_text(scp.read_text(encoding="utf-8").replace("iam:CreateLoginProfile]",
                                                           "iam:CreateLoginProfile, iam:UpdateLoginProfile]"),
                   encoding="utf-8")
    result = run("plan", str(cli_env.root), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "<details><summary>scp DenyUser: policy document</summary>" in result.stdout
    assert '```diff' in result.stdout and '+        "iam:UpdateLoginProfile"' in result.stdout
    # the SCP, and the alert rule that follows its actions (consolezero-DenyUser-DenyIamUsers)
    assert "`Plan: 0 to add, 2 to change, 0 to destroy.`" in result.stdout
    assert "update alert rule consolezero-DenyUser-DenyIamUsers" in result.stdout
    again = run("plan", str(cli_env.root))
    assert "~ update scp DenyUser (content)" in again.stdout, again.stderr


def test_stale_saved_plan_is_refused_with_exit_1(cli_env: Org, tmp_path) -> None:
    out = tmp_path / "plan.json"
    assert run("plan", str(cli_env.root), "--out", str(out)).exit_code == 0
    saved = json.loads(out.read_text())
    assert saved["version"] == 1 and saved["changes"][0]["action"]
    client = cli_env.aws.client("organizations")
    client.create_organizational_unit(ParentId=client.list_roots()["Roots"][0]["Id"], Name="Moved")
    result = run("apply", str(cli_env.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 1
    assert "plan is stale: re-run plan" in result.stderr


def test_saved_plan_is_applied(cli_env: Org, tmp_path) -> None:
    out = tmp_path / "plan.json"
    assert run("plan", str(cli_env.root), "--out", str(out)).exit_code == 0
    result = run("apply", str(cli_env.root), "--plan", str(out), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert run("plan", str(cli_env.root), "--detailed-exitcode").exit_code == 0


def test_static_keys_are_refused(cli_env: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIACLITESTEXAMPLE01")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    result = run("apply", str(cli_env.root), "--auto-approve")
    assert result.exit_code == 1
    assert "long-term access key (AKIA...)" in result.stderr
    result = run("apply", str(cli_env.root), "--auto-approve", "--allow-static-credentials")
    assert result.exit_code == 0, result.output


def test_apply_without_a_terminal_needs_auto_approve(cli_env: Org) -> None:
    result = run("apply", str(cli_env.root))
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr


def test_plan_errors_exit_2_and_1_with_detailed_exitcode(cli_env: Org) -> None:
    (cli_env.root / "accounts" / "Sandbox" / "lab.yaml").write_text('id: "999999999999"\nemail: lab@example.com\n')
    result = run("plan", str(cli_env.root))
    assert result.exit_code == 2
    assert "Error: accounts/Sandbox/lab.yaml: account lab (999999999999) is not in the organization" in result.stdout
    assert run("plan", str(cli_env.root), "--detailed-exitcode").exit_code == 1


def test_unreachable_endpoint_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, example_org: Org) -> None:
    from botocore.config import Config

    import consolezero.integrations.aws.boto as boto_port

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIACLITESTEXAMPLE01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    # botocore retries connection errors (10 attempts, adaptive mode): one attempt is enough here
    monkeypatch.setattr(boto_port, "client_config", lambda: Config(retries={"mode": "standard", "max_attempts": 1}))
    result = run("plan", str(example_org.root), "--endpoint-url", "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert result.stderr.startswith("consolezero: cannot read the live organization: ")
    assert "Traceback" not in result.output


def test_demo_runs_end_to_end(aws) -> None:
    from consolezero.devtools.demo import run_demo

    lines: list[tuple[str, str]] = []
    assert run_demo(lambda kind, text: lines.append((kind, text)), access=None) is True
    plans = [text for kind, text in lines if kind == "plan"]
    assert "Plan: 45 to add, 5 to change, 0 to destroy." in plans[0]  # 17 of them the guardrail alerts
    assert "+ create alert rule consolezero-DenyUser-DenyIamUsers" in plans[0]
    everything = "\n".join(text for _, text in lines)
    assert "the subscriber received:" in everything and "Guardrail DenyUser (DenyIamUsers) denied" in everything
    assert "DenyUser statement DenyIamUsers (scps/deny-user.yaml)" in everything  # explain-denied
    assert "held back: attach DenyUser to root" in plans[0] and "no MFA device" in plans[0]
    assert "No changes." in plans[1]
    assert "+ attach DenyUser to root" in plans[2]  # once the break-glass user has MFA
    assert "No changes." in plans[3] and "Warning" not in plans[3]
    assert "No changes." in plans[4]  # after the alerts step: the demo's queue subscription is left alone
    assert "+ attach DenyUser to root" in plans[5]  # drift: detached in the console
    assert "No changes." in plans[-1]
    assert not [text for kind, text in lines if kind == "error"]
    texts = "\n".join(text for kind, text in lines if kind == "text")
    assert "apply exits 1: held back: attach DenyUser to root: the JIT account security" in texts
    assert "ready for DenyUser: 3 of 6 account(s)" in texts and "user/automation/deploy" in texts
    # just in time: granted at 10:05, expired at 11:05 (sessions ended), the Deny dropped at 12:05
    jit = "\n".join(plans)
    for line in ("  + assign Admin to user:alice@example.com on account:prod-app",
                 "  ~ end sessions of alice@example.com in Admin on prod-app issued before 2026-11-20T11:00:00Z",
                 "  - unassign Admin from user:alice@example.com on account:prod-app",
                 "  ~ stop ending sessions of alice@example.com in Admin on prod-app issued before 2026-11-20T11"):
        assert any(shown.startswith(line) for shown in jit.splitlines()), line


# -- found by walking through every command as a new user -------------------------------------------
def test_an_endpoint_that_is_not_a_url_is_one_line_never_an_internal_error(cli_env: Org) -> None:
    message = ("consolezero: --endpoint-url (or CONSOLEZERO_ENDPOINT_URL): not an http(s) URL: 'notaurl' "
               "(e.g. http://127.0.0.1:5000)\n")
    for args, code in ((["plan"], 2), (["plan", "--detailed-exitcode"], 1), (["apply", "--auto-approve"], 1)):
        result = run(*args, str(cli_env.root), "--endpoint-url", "notaurl")
        assert (result.exit_code, result.stderr) == (code, message), args


def test_detailed_exitcode_never_reports_an_error_as_changes(cli_env: Org, tmp_path) -> None:
    result = run("plan", str(cli_env.root), "--detailed-exitcode", "--now", "yesterday")
    assert (result.exit_code, result.stderr) == (1, "consolezero: --now: not an ISO 8601 timestamp: 'yesterday'\n")
    result = run("plan", str(tmp_path / "missing"), "--detailed-exitcode")
    assert (result.exit_code, result.stderr) == (1, f"consolezero: {tmp_path / 'missing'}: no such directory\n")
    assert run("plan", str(tmp_path / "missing")).exit_code == 2


def test_apply_that_cannot_start_exits_1_as_documented(cli_env: Org, tmp_path) -> None:
    assert run("apply", str(tmp_path / "missing"), "--auto-approve").exit_code == 1
    assert run("apply", str(cli_env.root), "--auto-approve", "--now", "soon").exit_code == 1


def test_apply_with_nothing_to_do_says_so_once(cli_env: Org) -> None:
    assert run("apply", str(cli_env.root), "--auto-approve").exit_code == 0
    result = run("apply", str(cli_env.root), "--auto-approve")
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


def test_plan_refuses_a_file_that_does_not_parse_instead_of_deleting_what_it_declares(cli_env: Org) -> None:
    assert run("apply", str(cli_env.root), "--auto-approve").exit_code == 0
    scp = cli_env.root / "scps" / "deny-user.yaml"
    scp.write_text(scp.read_text() + "  broken: [\n")
    message = ("consolezero: cannot plan: scps/deny-user.yaml does not parse, and the plan would delete what it "
               "declares (consolezero lint shows why)\n")
    result = run("plan", str(cli_env.root))
    assert (result.exit_code, result.stderr, result.stdout) == (2, message, "")
    assert run("plan", str(cli_env.root), "--detailed-exitcode").exit_code == 1
