"""`consolezero diff --base REV`: who holds a role, escalations per account, and committed symbolic links."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "-c", "commit.gpgsign=false", *args], check=True, capture_output=True)


def _commit(repo: Path, message: str) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)


def _diff(repo: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["diff", str(repo), "--base", "HEAD", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(example: Path) -> Path:
    _git(example, "init", "-q")
    _commit(example, "base")
    return example


def _groups(out: str, role: str) -> list[dict]:
    return [g for g in json.loads(out)["groups"] if g["role"] == role]


# -- 1: a new holder of a role is a change in effective access ---------------------------------------
def test_diff_reports_principals_gained_and_lost(repo: Path) -> None:
    role = repo / "roles" / "developer.yaml"
    role.write_text(role.read_text().replace("{group: engineers, targets:", "{group: everyone, targets:"))
    code, out, _ = _diff(repo)
    assert code == 0, out
    assert not out.startswith("No change")
    lines = out.splitlines()
    assert "1 role x account pair(s)" not in lines[0] and "2 role x account pair(s) change" in lines[0]
    at = lines.index("Developer")
    assert lines[at + 1:at + 4] == ["  in sandbox, staging-app", "    ! principals gained: group:everyone",
                                    "    principals lost: group:engineers"]

    code, out, _ = _diff(repo, "--format", "json")
    data = json.loads(out)
    assert data["changes"] == [] and data["assignments"] == []
    [group] = _groups(out, "Developer")
    assert group["kind"] == "changed" and sorted(group["accounts"]) == ["sandbox", "staging-app"]
    assert group["principals"] == {"gained": ["group:everyone"], "lost": ["group:engineers"]}
    assert group["actions"] == [] and group["escalations"] == []

    code, out, _ = _diff(repo, "--format", "markdown")
    assert "  - :warning: principals gained: group:everyone" in out
    assert "  - principals lost: group:engineers" in out


def test_diff_groups_accounts_by_who_holds_the_role(repo: Path) -> None:
    """Only sandbox gets a second group: the pairs differ in principals, so they are two groups."""
    role = repo / "roles" / "developer.yaml"
    role.write_text(role.read_text().replace(
        '- {group: engineers, targets: ["ou:Workloads/NonProd", "ou:Sandbox"]}',
        '- {group: engineers, targets: ["ou:Workloads/NonProd", "ou:Sandbox"]}\n'
        '  - {group: platform-leads, targets: ["ou:Sandbox"]}'))
    code, out, _ = _diff(repo, "--format", "json")
    assert code == 0, out
    [group] = _groups(out, "Developer")
    assert group["accounts"] == ["sandbox"]
    assert group["principals"] == {"gained": ["group:platform-leads"], "lost": []}


def test_diff_assignment_names_its_principals(repo: Path) -> None:
    role = repo / "roles" / "developer.yaml"
    role.write_text(role.read_text().replace('"ou:Workloads/NonProd", "ou:Sandbox"', '"ou:Workloads", "ou:Sandbox"'))
    code, out, _ = _diff(repo, "--format", "json")
    [group] = _groups(out, "Developer")
    assert group["kind"] == "assigned" and group["accounts"] == ["prod-app"]
    assert group["principals"] == {"gained": ["group:engineers"], "lost": []}
    code, out, _ = _diff(repo)
    assert "  now assigned in prod-app: " in out and "    held by: group:engineers" in out.splitlines()


# -- 2: escalation changes are per account, not the first account's ---------------------------------
DEV2 = """name: Dev2
session_duration: PT1H
managed_policies: []
inline_policy:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Action: [{actions}]
      Resource: "*"
permissions_boundary: null
access: standing
assignments:
  - {{group: engineers, targets: ["account:sandbox", "account:staging-app"]}}
"""

DENY_RUN = """name: DenySandboxRunInstances
description: No instances in the sandbox.
targets: ["account:sandbox"]
policy:
  Version: "2012-10-17"
  Statement:
    - Sid: DenyRunInstances
      Effect: Deny
      Action: ec2:RunInstances
      Resource: "*"
"""


def test_diff_escalation_gain_is_not_hidden_by_grouping(repo: Path) -> None:
    (repo / "scps" / "deny-sandbox-run-instances.yaml").write_text(DENY_RUN)
    (repo / "roles" / "dev2.yaml").write_text(DEV2.format(actions="ec2:RunInstances, iam:PassRole"))
    _commit(repo, "dev2")
    (repo / "roles" / "dev2.yaml").write_text(DEV2.format(actions="ec2:RunInstances, iam:PassRole, "
                                                                  "iam:CreatePolicy"))
    code, out, _ = _diff(repo, "--format", "json")
    assert code == 0, out
    groups = {tuple(g["accounts"]): g for g in _groups(out, "Dev2")}
    assert set(groups) == {("staging-app",), ("sandbox",)}
    staging, sandbox = groups[("staging-app",)], groups[("sandbox",)]
    assert [a["action"] for a in staging["actions"]] == [a["action"] for a in sandbox["actions"]] == [
        "iam:CreatePolicy"]
    # the TrifectaGuardrail fences PassRole and CreatePolicy; the sandbox cannot run instances at all
    assert {"path": "trifecta", "from": "none", "to": "fenced"} in staging["escalations"]
    assert all(e["path"] != "trifecta" for e in sandbox["escalations"])
    code, out, _ = _diff(repo)
    lines = out.splitlines()
    at = lines.index("  in staging-app: 1 action change")
    assert lines[at + 1].startswith("    ! escalation paths gained (none -> fenced): trifecta")
    assert "  in sandbox: 1 action change" in lines
    assert "escalation paths gained by Dev2" in lines[0]


# -- 3: committed symbolic links are read at the base as the work tree reads them -------------------
def _link(at: Path, target: str) -> None:
    if at.exists() or at.is_symlink():
        at.unlink()
    os.symlink(target, at)


def test_diff_follows_a_committed_symlink_to_a_file(repo: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "roles" / "developer.yaml").rename(repo / "shared" / "dev.yaml")
    _link(repo / "roles" / "developer.yaml", "../shared/dev.yaml")
    _commit(repo, "developer through a link")
    code, out, err = _diff(repo)
    assert code == 0, out
    assert out.startswith("No change in effective access between HEAD (") and err == ""
    # a change to the file behind the link is a change of Developer, not a new assignment
    dev = repo / "shared" / "dev.yaml"
    dev.write_text(dev.read_text().replace("{group: engineers, targets:", "{group: everyone, targets:"))
    code, out, _ = _diff(repo, "--format", "json")
    [group] = _groups(out, "Developer")
    assert group["kind"] == "changed" and group["principals"]["gained"] == ["group:everyone"]


def test_diff_follows_a_committed_symlink_to_a_parts_folder(repo: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "roles").rename(repo / "shared" / "roles")
    _link(repo / "roles", "shared/roles")
    _commit(repo, "roles through a link")
    code, out, err = _diff(repo)
    assert code == 0, out
    assert out.startswith("No change in effective access between HEAD (") and err == ""


def test_diff_warns_about_a_committed_symlink_that_leaves_the_repository(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text(
        "name: Outside\nsession_duration: PT1H\nmanaged_policies: [ReadOnlyAccess]\naccess: standing\n"
        "assignments:\n  - {group: everyone, targets: [\"account:sandbox\"]}\n")
    _link(repo / "roles" / "outside.yaml", "../../outside.yaml")
    _link(repo / "roles" / "gone.yaml", "nothing-here.yaml")
    _commit(repo, "links")
    code, out, err = _diff(repo)
    assert code == 0, out
    assert ("consolezero: warning: roles/outside.yaml is a symbolic link that leaves the repository at HEAD "
            "(-> ../outside.yaml): not read\n") in err
    assert "consolezero: warning: roles/gone.yaml is a symbolic link that points to nothing at HEAD: not read\n" in err
