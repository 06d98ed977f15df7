"""The command line as a user meets it: exit codes, formats, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from support import FIXTURES, ROOT, apply_overlay

runner = CliRunner()


def _bad_repo(example: Path) -> Path:
    apply_overlay(example, FIXTURES / "rules/account-id-format/bad/octal")
    apply_overlay(example, FIXTURES / "rules/jit-without-ticket/bad/optional")
    return example


def test_lint_example_exits_zero() -> None:
    result = runner.invoke(app, ["lint", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "no findings" in result.output.lower()


def test_lint_errors_exit_one_with_compiler_style_lines(example: Path) -> None:
    result = runner.invoke(app, ["lint", str(_bad_repo(example))])
    assert result.exit_code == 1
    assert ("accounts/Workloads/Prod/prod-app.yaml:1:5: error account-id-format: id 012345670123 is unquoted: "
            "YAML reads it as the octal number 1402433619") in result.output
    assert "roles/admin.yaml:" in result.output and "warning jit-without-ticket" in result.output


def test_fail_on_warning_and_info(example: Path) -> None:
    apply_overlay(example, FIXTURES / "rules/jit-without-ticket/bad/optional")
    assert runner.invoke(app, ["lint", str(example)]).exit_code == 0
    assert runner.invoke(app, ["lint", str(example), "--fail-on", "warning"]).exit_code == 1


def test_json_contract(example: Path) -> None:
    result = runner.invoke(app, ["lint", str(_bad_repo(example)), "--format", "json"])
    data = json.loads(result.output)
    assert data["version"] == 1
    assert data["summary"] == {"error": 1, "warning": 1, "info": 0}
    octal = next(f for f in data["findings"] if f["rule"] == "account-id-format")
    assert octal == {"rule": "account-id-format", "severity": "error", "file": "accounts/Workloads/Prod/prod-app.yaml",
                     "line": 1, "column": 5, "message": octal["message"], "suppressed": False}


def test_sarif_validates_against_the_schema(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "lint.sarif"
    result = runner.invoke(app, ["lint", str(_bad_repo(example)), "--format", "sarif", "--report", str(out)])
    assert result.exit_code == 1
    sarif = json.loads(out.read_text())
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results if not r.get("suppressions")} == {"account-id-format", "jit-without-ticket"}
    # the example's accepted borrow paths are there too, marked suppressed with their reason
    assert {r["ruleId"] for r in results if r.get("suppressions")} == {"standing-escalation"}
    location = next(r for r in results if r["ruleId"] == "account-id-format")["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "accounts/Workloads/Prod/prod-app.yaml"
    assert location["region"]["startLine"] == 1


@pytest.mark.parametrize("fmt", ["github", "markdown"])
def test_other_formats_name_the_rule(example: Path, fmt: str) -> None:
    result = runner.invoke(app, ["lint", str(_bad_repo(example)), "--format", fmt])
    assert result.exit_code == 1
    assert "account-id-format" in result.output


def test_not_a_repository_exits_two(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lint", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a consolezero repository" in result.output


def test_bad_flag_exits_two() -> None:
    assert runner.invoke(app, ["lint", "--format", "yaml"]).exit_code == 2


def test_no_traceback_from_the_real_entry_point(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "consolezero", "lint", str(tmp_path / "missing")],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == f"consolezero: {tmp_path / 'missing'}: no such directory"


def test_lint_never_imports_boto3() -> None:
    code = (f"import sys\nfrom consolezero.cli.app import main\nsys.argv=['consolezero','lint',{str(ROOT)!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nassert 'boto3' not in sys.modules, 'boto3 imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_rule_docs_are_current() -> None:
    result = runner.invoke(app, ["rules", "--check-docs", str(ROOT / "docs/rules")])
    assert result.exit_code == 0, result.output


# -- found by walking through every command as a new user -------------------------------------------
def test_a_file_is_not_a_directory_and_a_subfolder_names_its_repository(example: Path) -> None:
    result = runner.invoke(app, ["lint", str(example / "roles" / "admin.yaml")])
    assert result.exit_code == 2
    assert result.output.strip() == f"consolezero: {example / 'roles' / 'admin.yaml'}: not a directory"
    result = runner.invoke(app, ["lint", str(example / "roles")])  # a subfolder: its organization, as git does
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("no findings")


def test_missing_organization_file_is_a_schema_error_not_a_clean_lint(example: Path) -> None:
    (example / "accounts" / "organization.yaml").unlink()
    result = runner.invoke(app, ["lint", str(example)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "accounts/organization.yaml:1:1: error schema: accounts/organization.yaml is missing: it declares "
        "management_account, jit_account, identity_center and break_glass; without it the management and JIT "
        "accounts are unknown and the break-glass way out goes unchecked")


def test_rule_docs_into_a_file_or_from_a_missing_folder_are_one_line(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    result = runner.invoke(app, ["rules", "--write-docs", str(afile)])
    assert result.exit_code == 2
    assert result.output.startswith(f"consolezero: cannot write the rule docs under {afile}: ")
    assert "internal error" not in result.output
    missing = tmp_path / "no-docs"
    result = runner.invoke(app, ["rules", "--check-docs", str(missing)])
    assert result.exit_code == 1
    assert result.output.strip() == (f"consolezero: no rule docs under {missing} (no such directory): run "
                                     f"`consolezero rules --write-docs {missing}`")


def test_demo_with_a_wrong_example_path_says_what_is_wrong_with_it(tmp_path: Path) -> None:
    from consolezero.devtools.demo import run_demo

    lines: list[tuple[str, str]] = []
    assert run_demo(lambda kind, text: lines.append((kind, text)), None, tmp_path) is False
    assert lines == [("error", f"--example {tmp_path}: no accounts/organization.yaml there (--example takes a "
                               "consolezero repository, such as a clone of this one)")]
