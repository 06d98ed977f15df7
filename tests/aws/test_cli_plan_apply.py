"""`consolezero plan`, `apply` and `demo` from the command line, against the session's emulator: what only real
boto3 over HTTP can show -- credentials read from the environment, --endpoint-url, the demo end to end. The
CLI's plan and apply logic (formats, exit codes, saved plans) is tested on the in-memory fake in
tests/cli/test_plan_apply_cli.py."""

from __future__ import annotations

import pytest
from aws_helpers import Org, cli_environment
from typer.testing import CliRunner

from consolezero.cli.app import app


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, example_org: Org, tmp_path) -> Org:
    """Dummy short-term-looking credentials and the emulator endpoint, as a user would set them."""
    cli_environment(monkeypatch, tmp_path, example_org.aws.url)
    return example_org


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_static_keys_are_refused(cli_env: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIACLITESTEXAMPLE01")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    result = run("apply", str(cli_env.root), "--auto-approve")
    assert result.exit_code == 1
    assert "long-term access key (AKIA...)" in result.stderr
    # the break-glass exception: past the check, apply plans and asks to go ahead (no terminal here: it stops)
    result = run("apply", str(cli_env.root), "--allow-static-credentials")
    assert result.exit_code == 1 and "long-term access key" not in result.stderr, result.output
    assert "to add" in result.stdout and "apply needs a confirmation" in result.stderr, result.output


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


def test_an_endpoint_that_is_not_a_url_is_one_line_never_an_internal_error(cli_env: Org) -> None:
    message = ("consolezero: --endpoint-url (or CONSOLEZERO_ENDPOINT_URL): not an http(s) URL: 'notaurl' "
               "(e.g. http://127.0.0.1:5000)\n")
    for args, code in ((["plan"], 2), (["plan", "--detailed-exitcode"], 1), (["apply", "--auto-approve"], 1)):
        result = run(*args, str(cli_env.root), "--endpoint-url", "notaurl")
        assert (result.exit_code, result.stderr) == (code, message), args

