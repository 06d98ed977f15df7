"""Every versioned JSON output, produced for real, validates against its schema in schemas/output/."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.core.contracts import VERSION, render_versioned, versioned
from consolezero.core.repository import load_repository
from consolezero.integrations.aws.port import LiveAccount, LiveOu
from consolezero.plan.build import build_plan
from consolezero.plan.live import LiveState
from consolezero.plan.render import dump_plan, render_json
from support import ROOT

OUTPUT_SCHEMAS = ROOT / "schemas" / "output"


def validate(name: str, text: str) -> dict:
    document = json.loads(text)
    schema = json.loads((OUTPUT_SCHEMAS / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(schema).iter_errors(document)]
    assert errors == [], errors
    assert next(iter(document)) == "version" and document["version"] == VERSION
    return document


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def test_versioned_puts_the_version_first_and_cannot_be_overridden() -> None:
    assert list(versioned({"a": 1, "version": 7})) == ["version", "a"]
    assert render_versioned({"x": "é"}) == '{\n  "version": 1,\n  "x": "é"\n}\n'


def test_lint_json(example: Path) -> None:
    (example / "roles" / "admin.yaml").write_text(
        (example / "roles" / "admin.yaml").read_text().replace("approvals: 1", "approvals: 0"))
    data = validate("lint.schema.json", cli("lint", str(example), "--format", "json"))
    assert data["summary"]["error"] >= 1 and data["findings"][0]["file"] == "roles/admin.yaml"


def test_access_matrix_decisions_and_catalog(example: Path) -> None:
    matrix = validate("access.schema.json", cli("access", str(example), "--format", "json"))
    assert {(e["role"], e["account"]) for e in matrix["matrix"]} >= {("Admin", "prod-app"), ("ReadOnly", "sandbox")}
    decisions = validate("access-decisions.schema.json", cli(
        "access", str(example), "--role", "Developer", "--account", "sandbox", "--action", "iam:PassRole",
        "--format", "json"))
    assert decisions["decisions"][0]["decision"] == "fenced"
    validate("catalog.schema.json", cli("catalog", "info", "--format", "json"))


def test_diff_json(example: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(example), *args], check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    (example / "scps" / "trifecta-guardrail.yaml").unlink()
    data = validate("diff.schema.json", cli("diff", str(example), "--base", "HEAD", "--format", "json"))
    assert any(g["role"] == "Developer" for g in data["groups"])


@pytest.mark.parametrize("saved", [False, True], ids=["printed", "saved"])
def test_plan_json(example: Path, saved: bool) -> None:
    model = load_repository(example).model
    ous, ids = [], {}
    for i, path in enumerate(sorted(model.ous, key=lambda p: p.count("/"))):
        ids[path] = f"ou-ab12-{i:08d}"
        ous.append(LiveOu(id=ids[path], name=path.rsplit("/", 1)[-1],
                          parent_id=ids.get(path.rpartition("/")[0], "r-ab12"), path=path))
    accounts = [LiveAccount(id=a.id, name=a.name, email=a.email, parent_id=ids.get(a.ou, "r-ab12"))
                for a in model.accounts.values()]
    plan = build_plan(model, LiveState(root_id="r-ab12", ous=tuple(ous), accounts=tuple(accounts), policies=()))
    data = validate("plan.schema.json", dump_plan(plan) if saved else render_json(plan))
    assert {c["kind"] for c in data["changes"]} >= {"scp", "attachment"}
    assert ("context" in data) is saved
