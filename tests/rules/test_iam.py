"""The IAM-language and SCP limit rules: messages, exact paths, limits from the config, odd input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from support import copy_example, lint

ROLE = """name: ReadOnly
session_duration: PT8H
managed_policies: [ReadOnlyAccess]
access: standing
assignments:
  - {group: everyone, targets: [root]}
"""


def _findings(repo: Path, rule: str) -> list:
    return [f for f in lint(repo).findings if f.rule == rule and not f.suppressed]


def _write_role(repo: Path, extra: str) -> None:
    (repo / "roles/readonly.yaml").write_text(ROLE + extra)


def test_unknown_action_suggests_the_real_one(example: Path) -> None:
    _write_role(example, """inline_policy:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Action: [s3:ListBucket, s3:GetObject, s3:GetObjekt]
      Resource: "*"
""")
    [finding] = _findings(example, "unknown-action")
    assert "s3:GetObjekt" in finding.message and "did you mean s3:GetObject" in finding.message
    assert finding.path == ("inline_policy", "Statement", 0, "Action", 2)
    assert (finding.file, finding.line) == ("roles/readonly.yaml", 11)


def test_unknown_service_suggests_the_real_prefix(example: Path) -> None:
    _write_role(example, """inline_policy:
  Version: "2012-10-17"
  Statement: {Effect: Allow, Action: "cloudtrails:LookupEvents", Resource: "*"}
""")
    [finding] = _findings(example, "unknown-service")
    assert "did you mean cloudtrail:LookupEvents" in finding.message
    assert finding.path == ("inline_policy", "Statement", "Action")


def test_boundary_findings_point_into_the_boundary(example: Path) -> None:
    _write_role(example, """permissions_boundary:
  customer_managed: {name: B, path: /}
  policy:
    Version: "2012-10-17"
    Statement:
      - Effect: Allow
        Action: "*"
        Resource: "*"
      - Effect: Deny
        Action: iam:CreateRole
        Resource: "*"
        Condition:
          StringNotLike:
            iam:PermissionsBoundry: "arn:aws:iam::*:policy/B"
""")
    [finding] = _findings(example, "unknown-condition-key")
    assert finding.path == ("permissions_boundary", "policy", "Statement", 1, "Condition", "StringNotLike",
                            "iam:PermissionsBoundry")
    assert finding.line == 20 and "did you mean iam:PermissionsBoundary" in finding.message
    assert finding.severity.label == "warning"


def test_unknown_operator_suggests_the_spelling(example: Path) -> None:
    _write_role(example, """inline_policy:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Action: s3:GetObject
      Resource: "*"
      Condition: {StringEqualsIfExist: {aws:ResourceTag/team: a}}
""")
    [finding] = _findings(example, "unknown-condition-operator")
    assert "did you mean StringEqualsIfExists" in finding.message


def test_scp_size_uses_the_configured_limit(example: Path) -> None:
    from consolezero.policy.document import minified_size

    policy = yaml.safe_load((example / "scps/trifecta-guardrail.yaml").read_text())["policy"]
    size = minified_size(policy)
    config = example / ".consolezero.yaml"
    config.write_text(config.read_text().replace("scp_max_chars: 10240", f"scp_max_chars: {size - 1}"))
    [finding] = _findings(example, "scp-too-large")
    assert finding.file == "scps/trifecta-guardrail.yaml" and finding.path == ("policy",)
    assert f"{size:,} characters" in finding.message and f"limit of {size - 1:,}" in finding.message
    config.write_text(config.read_text().replace(f"scp_max_chars: {size - 1}", f"scp_max_chars: {size}"))
    assert _findings(example, "scp-too-large") == []


def test_attachment_limit_counts_full_aws_access(example: Path) -> None:
    config = example / ".consolezero.yaml"
    config.write_text(config.read_text().replace("scp_max_attachments: 10", "scp_max_attachments: 3"))
    [finding] = _findings(example, "scp-too-many-attachments")  # root: 3 SCPs + FullAWSAccess
    assert finding.file == "accounts/organization.yaml"
    assert "root has 4 SCPs" in finding.message and "FullAWSAccess" in finding.message


def test_management_account_needs_no_deny_user(example: Path) -> None:
    scp = example / "scps/deny-user.yaml"
    scp.write_text(scp.read_text().replace("targets: [root]", 'targets: ["account:management"]'))
    files = {f.file for f in _findings(example, "deny-user-missing")}
    assert "accounts/management.yaml" not in files and len(files) == 5


@pytest.mark.parametrize("value, ok", [
    ("*", True),
    ("arn:aws:s3:::bucket/${aws:username}/*", True),
    ("arn:aws:iam::${aws:PrincipalAccount}:role/x", True),
    ("arn:aws:logs:us-east-1:123456789012:log-group:/aws/x:*", True),
    ("arn:aws-cn:iam::*:role/x", True),
    ("arn:aws-iso-f:iam::*:role/x", True),
    ("arn:aws:iam::aws:policy/ReadOnlyAccess", True),
    ("${aws:PrincipalArn}", True),
    ("arn:aws:iam:role/x", False),
    ("arn:aws:iam::1234567890123:role/x", False),
    ("arn:gcp:iam::*:role/x", False),
    ("arn:aws::us-east-1:*:x", False),
    ("arn:aws:iam::*:", False),
    ("role/x", False),
])
def test_arn_shapes(value: str, ok: bool) -> None:
    from consolezero.lint.rules.iam import arn_problem

    assert (arn_problem(value) is None) is ok


@pytest.mark.parametrize("document", [
    "policy: {Version: '2012-10-17', Statement: {Effect: Deny, Action: 5, Resource: [1, null, {}]}}",
    "policy: {Statement: [[], 3, {Condition: {StringLike: [1]}, Action: [{}], NotResource: []}]}",
    "policy: {Statement: {Effect: Deny, Action: '*', Resource: '*', Condition: {null: {1: 2}, 3: x}}}",
    "policy: {Statement: {Effect: Deny, Action: '*', Resource: '*', Condition: {ArnLike: {k: [[1], {}, true]}}}}",
    "policy: '{\"Statement\": []}'",
    "policy: [1, 2]",
    "policy: null",
    "policy: {Statement: {Effect: Deny, Action: ':', Resource: 'arn:${x', Principal: 1}}",
])
def test_odd_policies_give_findings_not_tracebacks(example: Path, document: str) -> None:
    (example / "scps/odd.yaml").write_text(f"name: Odd\ntargets: [root]\n{document}\n")
    findings = [f for f in lint(example).findings if f.file == "scps/odd.yaml"]
    assert any(f.rule in ("invalid-policy", "malformed-arn", "scp-grammar") for f in findings)


def test_documents_are_parsed_once_per_run(example: Path) -> None:
    from consolezero.core.repository import load_repository
    from consolezero.lint.context import LintContext
    from consolezero.lint.rules.policy_docs import policy_documents

    ctx = LintContext(repo=load_repository(example))
    first = policy_documents(ctx)
    assert [(d.file, d.base) for d in first] == [
        ("scps/deny-leave-org.yaml", ("policy",)), ("scps/deny-root-user.yaml", ("policy",)),
        ("scps/deny-user.yaml", ("policy",)), ("scps/protect-security-services.yaml", ("policy",)),
        ("scps/trifecta-guardrail.yaml", ("policy",)), ("roles/developer.yaml", ("inline_policy",)),
        ("roles/developer.yaml", ("permissions_boundary", "policy")),
    ]
    assert all(a.policy is b.policy for a, b in zip(first, policy_documents(ctx), strict=True))


def test_copy_of_example_is_clean_for_these_rules(tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "repo")
    names = {"invalid-policy", "unknown-action", "unknown-service", "unknown-condition-operator",
             "unknown-condition-key", "malformed-arn", "scp-grammar", "scp-too-large", "scp-too-many-attachments",
             "deny-user-missing"}
    assert [f for f in lint(repo).findings if f.rule in names] == []
