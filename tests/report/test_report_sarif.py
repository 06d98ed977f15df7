"""SARIF: valid against the official 2.1.0 schema, and carrying what GitHub code scanning needs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from consolezero.core.findings import Finding, Severity
from consolezero.lint.formats import RenderOptions, render_findings
from consolezero.lint.formats.sarif import fingerprint

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "sarif-schema-2.1.0.json"
# oasis-tcs/sarif-spec, Documents/CommitteeSpecifications/2.1.0/sarif-schema-2.1.0.json, stored as is.
SCHEMA_SHA256 = "80cd7ffb9b62a4162d541aa9170862dd264f6cce0f04c57f1ac9f2337b808958"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    raw = SCHEMA_PATH.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, "the stored SARIF schema was modified"
    schema = json.loads(raw)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def sarif(findings, rules, **kw) -> dict:
    return json.loads(render_findings("sarif", findings, rules, RenderOptions(**kw)))


def errors(validator, log) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def test_valid_against_the_official_schema(validator, findings, rules):
    assert errors(validator, sarif(findings, rules)) == []


def test_empty_is_valid(validator):
    assert errors(validator, sarif([], {})) == []


def test_the_schema_catches_mistakes(validator, findings, rules):
    log = sarif(findings, rules)
    log["runs"][0]["results"][0]["level"] = "info"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(errors(validator, log)) == 2


def test_log_and_driver(findings, rules):
    log = sarif(findings, rules, tool_version="1.2.3")
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "consolezero"
    assert driver["version"] == driver["semanticVersion"] == "1.2.3"
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(set(rules) | {"yaml-syntax"})  # every rule given, plus any rule only seen in findings


def test_rules_have_what_github_requires(findings, rules):
    driver = sarif(findings, rules)["runs"][0]["tool"]["driver"]
    for descriptor in driver["rules"]:
        for key in ("shortDescription", "fullDescription", "help"):
            assert descriptor[key]["text"].strip(), (descriptor["id"], key)
            assert len(descriptor[key]["text"]) <= 1024 or key == "help"
        assert len(descriptor["name"]) <= 255
    large = next(d for d in driver["rules"] if d["id"] == "scp-too-large")
    rule = rules["scp-too-large"]
    assert large["shortDescription"]["text"] == rule.summary
    assert large["fullDescription"]["text"] == rule.doc.split("\n\n")[0]
    assert large["help"] == {"text": rule.doc, "markdown": rule.doc}
    assert large["helpUri"] == rule.help_uri
    assert large["defaultConfiguration"] == {"level": "error"}
    assert large["properties"] == {"tags": ["scps"]}
    levels = {d["id"]: d.get("defaultConfiguration", {}).get("level") for d in driver["rules"]}
    assert levels["jit-duration-too-long"] == "warning" and levels["permission-set-name"] == "note"


def test_results(findings, rules):
    run = sarif(findings, rules)["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(run["results"]) == len(findings)  # suppressed ones are kept, marked
    for res, finding in zip(run["results"], findings, strict=True):
        assert res["ruleId"] == finding.rule and ids[res["ruleIndex"]] == finding.rule
        assert res["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding.severity.label]
        assert res["message"]["text"] == finding.message
        location = res["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["region"] == {"startLine": finding.line, "startColumn": finding.column}
        assert list(res["partialFingerprints"]) == ["consolezero/v1"]
        assert ("suppressions" in res) == finding.suppressed
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "scps/deny%20user.yaml" in uris and "scps/big.yaml" in uris


def test_suppressions(findings, rules):
    results = sarif(findings, rules)["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["deny-without-alert"]["suppressions"] == [
        {"kind": "inSource", "justification": "alert lives in the SIEM, see OPS-1234"}]
    assert by_rule["break-glass-not-exempt"]["suppressions"] == [
        {"kind": "external", "justification": "legacy SCP, removal tracked in OPS-99"}]


def test_fingerprint_is_stable():
    a = Finding("unknown-action", Severity.ERROR, "scps/a.yaml", 3, 5, "s3:GetObjekt is unknown")
    moved = Finding("unknown-action", Severity.WARNING, "scps/a.yaml", 40, 1, "s3:GetObjekt is unknown")
    other = Finding("unknown-action", Severity.ERROR, "scps/b.yaml", 3, 5, "s3:GetObjekt is unknown")
    assert fingerprint(a) == fingerprint(moved) != fingerprint(other)
    assert fingerprint(a) == hashlib.sha256(b"unknown-action\0scps/a.yaml\0s3:GetObjekt is unknown").hexdigest()


def test_windows_paths_become_uris(validator):
    log = sarif([Finding("r", Severity.INFO, "scps\\win dows.yaml", 1, 1, "m")], {})
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "scps/win%20dows.yaml"
    assert errors(validator, log) == []
