"""An organization in a subfolder of its git repository (tests/fixtures/monorepo/infra/aws-org): SARIF URIs and
GitHub annotations are relative to the repository root, text to the working directory, JSON keeps `file`
relative to the organization; commands find the organization from a subfolder; .YAML/.yml files are read."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "monorepo"
ORG = "infra/aws-org"
FILES = ["accounts/Apps/web.yml", "roles/admin.yaml", "roles/viewer.YAML"]  # one finding each


@pytest.fixture
def mono(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    top = tmp_path / "mono"
    shutil.copytree(FIXTURE, top)
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    monkeypatch.chdir(top)
    return top


def _lint(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["lint", *args])
    return result.exit_code, result.stdout


def test_sarif_uris_point_at_files_from_the_repository_root(mono: Path) -> None:
    code, out = _lint(ORG, "--format", "sarif")
    assert code == 1
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for r in json.loads(out)["runs"][0]["results"])
    assert uris == [f"{ORG}/{f}" for f in FILES]
    assert all((mono / uri).is_file() for uri in uris)


def test_github_annotations_point_at_files_from_the_repository_root(mono: Path, monkeypatch) -> None:
    monkeypatch.chdir(mono.parent)  # wherever it runs from: the repository root is what GitHub resolves
    code, out = _lint(str(mono / ORG), "--format", "github")
    assert code == 1
    files = sorted(line.split("file=", 1)[1].split(",", 1)[0] for line in out.splitlines())
    assert files == [f"{ORG}/{f}" for f in FILES]


def test_text_locations_are_relative_to_the_working_directory(mono: Path, monkeypatch) -> None:
    code, out = _lint(ORG)
    assert code == 1
    shown = [line.split(":", 1)[0] for line in out.splitlines()[:-1]]
    assert shown == [f"{ORG}/{f}" for f in FILES]
    monkeypatch.chdir(mono / ORG / "roles")  # from a subfolder: the organization is found above it
    code, out = _lint()
    assert code == 1
    shown = [line.split(":", 1)[0] for line in out.splitlines()[:-1]]
    assert shown == [f"../{f}" for f in FILES]
    assert all(Path(p).is_file() for p in shown)


def test_json_keeps_file_relative_to_the_organization(mono: Path) -> None:
    code, out = _lint(ORG, "--format", "json")
    findings = json.loads(out)["findings"]
    assert [f["file"] for f in findings] == FILES
    assert [f["repository_file"] for f in findings] == [f"{ORG}/{f}" for f in FILES]


def test_yaml_and_yml_in_any_case_are_read(mono: Path) -> None:
    code, out = _lint(ORG, "--format", "json")
    rules = {(f["file"], f["rule"]) for f in json.loads(out)["findings"]}
    assert ("roles/viewer.YAML", "aws-field-format") in rules  # the em dash in its description
    assert ("accounts/Apps/web.yml", "aws-field-format") in rules
    result = CliRunner().invoke(app, ["access", ORG, "--format", "json"])
    assert {e["role"] for e in json.loads(result.stdout)["matrix"]} == {"Admin", "Viewer"}
    assert {e["account"] for e in json.loads(result.stdout)["matrix"]} >= {"web", "tooling"}


def test_from_the_repository_root_the_error_names_the_organization_below(mono: Path) -> None:
    result = CliRunner().invoke(app, ["lint"])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(f"did you mean {Path(ORG)}?")
