"""A fixed set of findings and rules for the renderer tests, and the golden-file helper.

Set CONSOLEZERO_UPDATE_GOLDEN=1 to rewrite the golden files from the current renderers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from consolezero.core.findings import Finding, Severity
from consolezero.lint.formats import RenderOptions
from consolezero.lint.rules.base import Rule

GOLDEN = Path(__file__).resolve().parent / "golden"
TRICKY = "Action 's3:GetObjekt' is unknown, did you mean 's3:GetObject'? (100% | sure)\nsee: the IAM catalog"


def make_rule(name: str, severity: Severity, summary: str, family: str, doc: str) -> Rule:
    return Rule(name=name, severity=severity, summary=summary, family=family, doc=doc, check=lambda ctx: ())


RULES = {
    rule.name: rule
    for rule in (
        make_rule("scp-too-large", Severity.ERROR, "An SCP is larger than AWS allows.", "scps",
                  "AWS counts an SCP's size after removing whitespace; the limit is 5,120 characters.\n\n"
                  "Split the policy or drop statements that other SCPs already cover."),
        make_rule("jit-duration-too-long", Severity.WARNING, "A JIT grant lasts longer than its role allows.",
                  "roles", "Elevated access should be short.\n\nShorten `duration` to the role's maximum."),
        make_rule("permission-set-name", Severity.INFO, "A permission set name AWS would reject.", "roles",
                  "Permission set names are 1-32 characters of `[\\w+=,.@-]`."),
        make_rule("unknown-action", Severity.ERROR, "An IAM action that does not exist.", "iam",
                  "A misspelled action matches nothing, so the statement silently does nothing."),
        make_rule("deny-without-alert", Severity.WARNING, "A Deny with no alert telling people what to do.",
                  "scps", "Every Deny should come with guidance."),
        make_rule("break-glass-not-exempt", Severity.ERROR, "The break-glass role is fenced by an SCP.", "scps",
                  "The break-glass role must stay usable when everything else is locked down."),
    )
}


def all_findings() -> list[Finding]:
    findings = [
        Finding("scp-too-large", Severity.ERROR, "scps/big.yaml", 4, 3,
                "SCP BigGuardrail is 5,321 characters after minifying (limit 5,120)"),
        Finding("jit-duration-too-long", Severity.WARNING, "roles/admin.yaml", 12, 5,
                "JIT duration PT12H exceeds the role's maximum PT4H"),
        Finding("permission-set-name", Severity.INFO, "roles/admin.yaml", 3, 7,
                "permission set name 'Admin Access' contains a space"),
        Finding("unknown-action", Severity.ERROR, "scps/deny user.yaml", 9, 11, TRICKY),
        Finding("deny-without-alert", Severity.WARNING, "scps/big.yaml", 20, 9,
                "Deny DenyLeaveOrg has no alert").suppress("inline: alert lives in the SIEM, see OPS-1234"),
        Finding("break-glass-not-exempt", Severity.ERROR, "scps/legacy.yaml", 2, 1,
                "BreakGlass is not exempt from SCP Legacy").suppress("config: legacy SCP, removal tracked in OPS-99"),
        Finding("yaml-syntax", Severity.ERROR, "accounts/broken.yaml", 1, 1,
                "mapping values are not allowed here"),
    ]
    return sorted(findings, key=Finding.sort_key)


@pytest.fixture
def findings() -> list[Finding]:
    return all_findings()


@pytest.fixture
def rules() -> dict[str, Rule]:
    return dict(RULES)


@pytest.fixture
def options() -> RenderOptions:
    return RenderOptions(tool_version="0.1.0", root=".")


def _check_golden(name: str, actual: str) -> None:
    """Compare ``actual`` with golden/``name`` exactly (or rewrite it when asked to)."""
    path = GOLDEN / name
    if os.environ.get("CONSOLEZERO_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"missing golden file {path}; run with CONSOLEZERO_UPDATE_GOLDEN=1"
    assert actual == path.read_bytes().decode("utf-8"), (
        f"{name} differs from its golden file; if the change is intended, rerun with CONSOLEZERO_UPDATE_GOLDEN=1")


@pytest.fixture
def golden():
    """``golden(name, actual)``: compare with (or rewrite) a golden file."""
    return _check_golden
