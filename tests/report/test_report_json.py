"""The JSON format honours the versioned contract."""

from __future__ import annotations

import json

import jsonschema

from consolezero.lint.formats import render_findings

COUNT = {"type": "integer", "minimum": 0}
CONTRACT = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["version", "findings", "summary"],
    "properties": {
        "version": {"const": 1},
        "findings": {"type": "array", "items": {
            "type": "object",
            "required": ["rule", "severity", "file", "line", "column", "message", "suppressed"],
            "additionalProperties": False,
            "properties": {
                "rule": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                "severity": {"enum": ["error", "warning", "info"]},
                "file": {"type": "string", "minLength": 1, "not": {"pattern": "^/|\\\\"}},
                "line": {"type": "integer", "minimum": 1},
                "column": {"type": "integer", "minimum": 1},
                "message": {"type": "string"},
                "suppressed": {"type": "boolean"},
                "suppression": {"type": "string", "pattern": "^(inline|config): "},
            },
            "if": {"properties": {"suppressed": {"const": True}}},
            "then": {"required": ["suppression"]},
            "else": {"not": {"required": ["suppression"]}},
        }},
        "summary": {"type": "object", "required": ["error", "warning", "info"], "additionalProperties": False,
                    "properties": {"error": COUNT, "warning": COUNT, "info": COUNT}},
    },
}


def test_matches_the_contract(findings, rules):
    out = render_findings("json", findings, rules)
    assert out.endswith("}\n")
    doc = json.loads(out)
    jsonschema.Draft7Validator(CONTRACT).validate(doc)
    assert list(doc) == ["version", "findings", "summary"]


def test_content(findings, rules):
    doc = json.loads(render_findings("json", findings, rules))
    assert [(f["file"], f["line"], f["rule"]) for f in doc["findings"]] == [
        (f.file, f.line, f.rule) for f in findings]
    assert doc["summary"] == {"error": 3, "warning": 1, "info": 1}  # suppressed not counted
    suppressed = [f for f in doc["findings"] if f["suppressed"]]
    assert {f["suppression"] for f in suppressed} == {
        "inline: alert lives in the SIEM, see OPS-1234", "config: legacy SCP, removal tracked in OPS-99"}
    tricky = next(f for f in doc["findings"] if f["rule"] == "unknown-action")
    assert "\n" in tricky["message"] and "|" in tricky["message"]
