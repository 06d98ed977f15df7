"""`consolezero census`: organizations seeded with IAM users and keys, and one with none.

On the in-memory AWS port (tests/fake_aws/identity_store_iam.py: credential reports, access keys, MFA devices);
the census read of the seeded organization is compared with the emulator's in tests/aws/test_fake_contract.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from consolezero.breakglass.census import take_census
from consolezero.cli.app import app
from consolezero.devtools.seed import DEMO_USERS
from fake_aws import FakeAws, seed_repository
from support import AWS_EXAMPLE_PARTS, ROOT, copy_example

NOW = "2026-12-01T00:00:00Z"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS)


def seeded(backend, tmp_path: Path):
    """The example with the break-glass user (and its MFA device) and the demo's IAM users and keys."""
    org = backend.seed(example(tmp_path), break_glass_mfa=True)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for name, users in DEMO_USERS.items():
        backend.seed_iam_users(org.ids[name], users, now)
    return org


class Counting:
    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, []

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def wrapped(*args, **kwargs):
            self.calls.append((name, args[0] if args else None))
            return attr(*args, **kwargs)
        return wrapped


def test_census_of_a_seeded_organization(fake_backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """On the fake; the emulator's side (the same organization, users and keys: the same census read):
    tests/aws/test_fake_contract.py::test_the_census_reads_the_same_on_both."""
    org = seeded(fake_backend, tmp_path)
    fake_backend.cli(monkeypatch, tmp_path)  # the CLI reads the fake
    result = run("census", str(org.root), "--format", "json", "--now", NOW)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    schema = json.loads((ROOT / "schemas" / "output" / "census.schema.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(data)) == []
    assert next(iter(data)) == "version" and data["version"] == 1
    accounts = {a["account"]: a for a in data["accounts"]}
    assert set(accounts) == {"management", "security", "log-archive", "prod-app", "staging-app", "sandbox"}
    assert {n for n, a in accounts.items() if a["deny_user"]} == set(accounts) - {"management"}  # DenyUser at root
    assert {n: a["ready_for_deny_user"] for n, a in accounts.items()} == {
        "management": True, "security": True, "log-archive": True, "prod-app": False, "staging-app": False,
        "sandbox": False}
    assert accounts["prod-app"]["reasons"] == [
        "deploy: 1 active key(s) used in the last 30 days (s3): move that workload to a role",
        "deploy: 1 active key(s): find what uses them, then delete them"]
    assert accounts["staging-app"]["reasons"] == ["ci-legacy: 1 active key(s) unused for 90 days: delete them"]
    deploy = accounts["prod-app"]["users"][0]
    assert deploy["name"] == "deploy" and deploy["arn"] == f"arn:aws:iam::{org.ids['prod-app']}:user/automation/deploy"
    assert not deploy["break_glass"] and not deploy["password"] and not deploy["mfa"]
    old, new = deploy["access_keys"]
    assert old["id"].startswith("AKIA") and old["active"] and old["created"] == "2025-10-27T00:00:00Z"
    assert (old["last_used"], old["last_service"]) == ("2026-11-29T00:00:00Z", "s3")
    assert (new["last_used"], new["last_service"]) == (None, None)
    glass = accounts["security"]["users"]
    assert [(u["name"], u["break_glass"], u["mfa"], u["access_keys"]) for u in glass] == [
        ("break-glass-admin", True, True, [])]
    alice = next(u for u in accounts["staging-app"]["users"] if u["name"] == "alice")
    assert alice["password"] and alice["access_keys"] == []
    assert data["summary"] == {"accounts": 6, "users": 5, "break_glass_users": 1, "keys": 4, "active_keys": 4,
                               "keys_used_30d": 2, "keys_unused_90d": 1, "ready_for_deny_user": 3, "unreadable": 0}
    text = run("census", str(org.root), "--now", NOW)
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    assert lines[2].split() == ["ACCOUNT", "ID", "USERS", "KEYS", "USED", "30D", "UNUSED", "90D", "READY",
                                "DENYUSER", "WHY", "NOT", "/", "NOTES"]
    assert any(line.startswith(f"prod-app     {org.ids['prod-app']}  1      2     1         0           no     yes ")
               for line in lines), text.stdout
    assert ("5 user(s) (1 break-glass), 4 key(s) (4 active), 2 used in the last 30 days, 1 active and unused for 90 "
            "days; ready for DenyUser: 3 of 6 account(s)") in text.stdout
    assert "400 d old, last used 2026-11-29 (s3)" in text.stdout
    markdown = run("census", str(org.root), "--format", "markdown", "--now", NOW)
    assert "| prod-app | " in markdown.stdout and "**3 of 6** account(s) ready for DenyUser" in markdown.stdout
    failing = run("census", str(org.root), "--fail-on-users", "--now", NOW)
    assert failing.exit_code == 1
    assert failing.stderr == "consolezero: 4 IAM user(s) other than break-glass remain\n"


def test_census_reads_one_report_pair_per_account(fake: FakeAws, tmp_path: Path) -> None:
    from backends import FakeBackend

    org = seeded(FakeBackend(fake), tmp_path)
    port = Counting(org.port())
    census = take_census(port, org.repo().model, workers=3)
    ids = {a.id for a in census.accounts}
    for name in ("generate_credential_report", "credential_report"):
        assert sorted(a for n, a in port.calls if n == name) == sorted(ids), name
    listed = sorted(a for n, a in port.calls if n == "access_keys")  # only users that hold keys
    assert listed == sorted([org.ids["prod-app"], org.ids["staging-app"], org.ids["sandbox"]])
    assert not [n for n, _ in port.calls if n.startswith(("create", "update", "delete", "attach", "detach"))]


def test_census_of_an_organization_without_users(fake_cli: FakeAws, tmp_path: Path) -> None:
    org = seed_repository(fake_cli, example(tmp_path), break_glass_mfa=None)  # not even the break-glass user
    result = run("census", str(org.root), "--format", "json", "--now", NOW, "--fail-on-users")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["users"] == 0 and data["summary"]["keys"] == 0
    security = next(a for a in data["accounts"] if a["account"] == "security")
    assert security["ready_for_deny_user"] is False
    assert security["reasons"] == [
        "break-glass user break-glass-admin does not exist at /break-glass/: create it first"]
    assert sum(a["ready_for_deny_user"] for a in data["accounts"]) == 5
    text = run("census", str(org.root), "--now", NOW)
    assert "No IAM users: console zero." in text.stdout


def test_the_census_judges_the_break_glass_exemption_with_the_engine(fake_cli: FakeAws, tmp_path: Path) -> None:
    org = seed_repository(fake_cli, example(tmp_path), break_glass_mfa=True)
    deny_user = org.root / "scps" / "deny-user.yaml"
    deny_user.write_text(deny_user.read_text().replace("user/break-glass/*", "user/brake-glass/*"))
    data = json.loads(run("census", str(org.root), "--format", "json", "--now", NOW).stdout)
    security = next(a for a in data["accounts"] if a["account"] == "security")
    assert security["reasons"] == [
        f"DenyUser's conditions do not exempt break-glass user break-glass-admin "
        f"(arn:aws:iam::{org.ids['security']}:user/break-glass/break-glass-admin)"]
