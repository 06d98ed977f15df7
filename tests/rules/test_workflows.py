"""The CI rules beyond the fixtures: file kinds, odd shapes, suppression, severities."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import lint

CI_RULES = {
    "workflow-static-credentials", "workflow-oidc-missing", "workflow-unpinned-action",
    "workflow-deploy-unprotected", "oidc-sub-unpinned", "oidc-aud-missing", "bootstrap-role-too-broad",
}
CHECKOUT = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"


def _write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_kinds_of_workflows_and_bootstrap_files(example: Path) -> None:
    from consolezero.core.repository import discover

    _write(example, ".github/workflows/nested/ignored.yml", "name: x\n")
    _write(example, ".github/dependabot.yml", "version: 2\n")
    _write(example, "bootstrap/extra/trust.json", "{}\n")
    kinds = discover(example)
    assert kinds[".github/workflows/deploy.yml"] == "workflow"
    assert kinds["bootstrap/bootstrap.yaml"] == "bootstrap"
    assert kinds["bootstrap/extra/trust.json"] == "bootstrap"
    assert ".github/workflows/nested/ignored.yml" not in kinds  # GitHub does not read subfolders
    assert ".github/dependabot.yml" not in kinds


def test_workflows_get_yaml_findings_but_no_schema(example: Path) -> None:
    _write(example, ".github/workflows/broken.yml", "name: a\nname: b\npermissions: {}\non: push\njobs: {}\n")
    _write(example, "bootstrap/broken.yaml", "Resources: [\n")
    found = {(f.rule, f.file, f.line) for f in lint(example).findings if not f.suppressed}
    assert found == {("duplicate-key", ".github/workflows/broken.yml", 2), ("yaml-syntax", "bootstrap/broken.yaml", 2)}


ODD_WORKFLOWS = [
    "",
    "[1, 2]\n",
    "just text\n",
    "permissions: {}\non: {pull_request_target: null}\njobs: [a, b]\n",
    "permissions: {}\non: [push, 3]\njobs: {a: 1, b: {steps: {x: 1}}, c: {steps: [1, null, {uses: 5, run: 7}]}}\n",
    "permissions: []\non: push\nenv: [AWS_ACCESS_KEY_ID]\nconcurrency: [1]\n"
    "jobs: {a: {permissions: 7, environment: [], concurrency: 3, steps: [{uses: '@', with: [1]}, {run: ''}]}}\n",
    "permissions: {}\non: push\njobs: {a: {steps: [{uses: aws-actions/configure-aws-credentials, with: null},"
    " {uses: 'docker://', run: 'consolezero apply'}, {uses: ./x}]}}\n",
    "permissions: {}\non: push\njobs: {a: {env: {AWS_ACCESS_KEY_ID: 12}, services: {db: {env: [1]}}, "
    "container: {env: {AWS_SECRET_ACCESS_KEY: null}}, secrets: inherit}}\n",
]


@pytest.mark.parametrize("text", ODD_WORKFLOWS)
def test_odd_workflows_never_crash(example: Path, text: str) -> None:
    _write(example, ".github/workflows/odd.yml", text)
    lint(example)


ODD_TEMPLATES = [
    "Resources: 3\n",
    "Resources: {A: 1, B: {Type: AWS::IAM::Role}, C: {Type: AWS::IAM::Role, Properties: [1]}}\n",
    "Resources: {R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {Statement: 5}, Policies: 3,"
    " ManagedPolicyArns: {x: 1}}}}\n",
    "Resources: {R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {Statement: [{Effect: Allow,"
    " Principal: {Federated: {'Fn::If': [c]}}, Condition: [1]}, {Effect: Allow, Principal: {Federated: x},"
    " Condition: {StringLike: 4, StringEquals: {'Fn::If': [c, 1, {Ref: 'AWS::NoValue'}]}}}]},"
    " Policies: [{PolicyDocument: {Statement: {Effect: Allow, Action: {'Fn::Sub': [1, 2]}}}}, 7]}}}\n",
    "Statement: [{Effect: Allow, Principal: {Federated: {'Fn::Join': ['', [a, {'Fn::GetAtt': P.Arn}]]}},"
    " Condition: {StringLike: {'token.actions.githubusercontent.com:sub': [null, {'Fn::Sub': '${!x}*'}]}}}]\n",
    "Statement: {Effect: Allow, Action: ['*', {'Fn::If': [c, 'iam:*', {Ref: 'AWS::NoValue'}]}]}\n",
]


@pytest.mark.parametrize("text", ODD_TEMPLATES)
def test_odd_templates_never_crash(example: Path, text: str) -> None:
    _write(example, "bootstrap/odd.yaml", text)
    lint(example)


def test_the_repository_own_pipeline_is_clean(example: Path) -> None:
    assert (example / ".github/workflows/deploy.yml").is_file() and (example / "bootstrap/bootstrap.yaml").is_file()
    assert [f for f in lint(example).findings if f.rule in CI_RULES] == []


def test_bare_trust_policy_json_and_fn_if_in_statement(example: Path) -> None:
    _write(example, "bootstrap/trust.json", """{
  "Statement": [{"Fn::If": ["Open", {
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
  }, {"Ref": "AWS::NoValue"}]}]
}
""")
    found = {(f.rule, f.line) for f in lint(example).findings if f.file == "bootstrap/trust.json"}
    assert found == {("oidc-sub-unpinned", 6)}


def test_inline_suppression_and_severity_override(example: Path) -> None:
    _write(example, ".github/workflows/docs.yml", f"""name: docs
on: push
permissions: {{}}
jobs:
  docs:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5 # consolezero: ignore[workflow-unpinned-action] vetted, see #12
      - uses: {CHECKOUT}
""")
    findings = [f for f in lint(example).findings if f.rule == "workflow-unpinned-action"]
    assert [(f.line, f.suppressed, f.severity.label) for f in findings] == [(8, True, "error"), (9, False, "warning")]

    config = (example / ".consolezero.yaml").read_text(encoding="utf-8")
    config = config.replace("severity: {}", "severity: {workflow-unpinned-action: error}", 1)
    (example / ".consolezero.yaml").write_text(config, encoding="utf-8")
    findings = [f for f in lint(example).findings if f.rule == "workflow-unpinned-action"]
    assert [(f.line, f.severity.label) for f in findings] == [(8, "error"), (9, "error")]


def test_bare_on_key_and_string_triggers(example: Path) -> None:
    _write(example, ".github/workflows/t.yml", """name: t
on: pull_request_target
permissions: {}
jobs: {}
""")
    _write(example, ".github/workflows/u.yml", """name: u
true: [push, pull_request_target]
permissions: {}
jobs: {}
""")
    found = {(f.file, f.line, f.column) for f in lint(example).findings if f.rule == "workflow-deploy-unprotected"}
    assert found == {(".github/workflows/t.yml", 2, 5), (".github/workflows/u.yml", 2, 14)}
