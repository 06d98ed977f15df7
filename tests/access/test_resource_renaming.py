"""A linter whose verdict can be dodged by renaming `*` is one people stop trusting: a Resource that
covers every ARN of the actions' resource types gives exactly the verdicts of `*`."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import copy_example, lint

ALL_ROLES = '"arn:aws:iam::*:role/*"'


def _verdicts(repo: Path) -> set[tuple[str, str, int, str, bool]]:
    return {(f.rule, f.file, f.line, f.severity.label, f.suppressed) for f in lint(repo).findings}


def test_developer_with_role_arns_instead_of_star(tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "repo")
    before = _verdicts(repo)
    role = repo / "roles" / "developer.yaml"
    text = role.read_text(encoding="utf-8")
    star = 'Resource: "*"                     # fenced by scps/trifecta-guardrail.yaml, not here'
    assert star in text
    role.write_text(text.replace(star, f"Resource: {ALL_ROLES}"), encoding="utf-8")
    assert _verdicts(repo) == before


@pytest.mark.parametrize(("actions", "resource"), [
    ("[iam:UpdateAssumeRolePolicy]", ALL_ROLES),  # grant: an error at access
    ("[lambda:UpdateFunctionCode, ssm:SendCommand]", '["arn:aws:lambda:*:*:function:*", "arn:aws:ssm:*:*:document/*", '
     '"arn:aws:ec2:*:*:instance/*", "arn:aws:ssm:*:*:managed-instance/*", "arn:aws:s3:::*"]'),  # borrow
    ("[iam:PassRole, ec2:RunInstances]", '["arn:aws:iam::*:role/*", "arn:aws:ec2:*:*:*", '
     '"arn:aws:elastic-inference:*:*:*", "arn:aws:resource-groups:*:*:*", '
     '"arn:aws:license-manager:*:*:*"]'),  # every resource type of both
])
def test_standing_operator_same_verdict_with_arns(tmp_path: Path, actions: str, resource: str) -> None:
    def verdicts(res: str) -> set[tuple[str, str, int, str, bool]]:
        repo = copy_example(tmp_path / res.replace("*", "s").replace("/", "_").replace('"', "")[:40])
        (repo / "roles" / "operator.yaml").write_text(
            "name: Operator\ndescription: Standing, with an inline policy.\nsession_duration: PT4H\n"
            "inline_policy:\n  Version: \"2012-10-17\"\n  Statement:\n    - Effect: Allow\n"
            f"      Action: {actions}\n      Resource: {res}\naccess: standing\n"
            "assignments:\n  - {group: engineers, targets: [\"ou:Security\"]}\n", encoding="utf-8")
        return _verdicts(repo)

    star = verdicts('"*"')
    assert any(rule == "standing-escalation" and file == "roles/operator.yaml" for rule, file, *_ in star)
    assert verdicts(resource) == star


def test_standing_role_holding_update_function_code_and_send_command_is_reported(tmp_path: Path) -> None:
    from support import FIXTURES, apply_overlay

    repo = copy_example(tmp_path / "repo")
    apply_overlay(repo, FIXTURES / "rules" / "standing-escalation" / "bad" / "borrow-lambda-ssm")
    found = [f for f in lint(repo).findings if f.rule == "standing-escalation" and f.file == "roles/operator.yaml"]
    assert len(found) == 1 and found[0].severity.label == "warning"
    assert "lambda-update-function-code" in found[0].message and "ssm-send-command" in found[0].message
