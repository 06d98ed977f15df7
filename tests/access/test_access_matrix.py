"""Effective access of the example organization, through the OU tree and its SCPs."""

from __future__ import annotations

from pathlib import Path

import pytest

from consolezero.access.matrix import AccessMatrix
from consolezero.access.query import QueryError, check_actions, decisions, select
from consolezero.core.repository import load_repository
from consolezero.lint.rules.access import READONLY_QUIRKS
from consolezero.policy.catalog import load_catalog
from consolezero.policy.document import parse_policy
from consolezero.policy.escalation import writes
from consolezero.policy.evaluate import Evaluator, Labeled
from consolezero.policy.managed import managed_policy, managed_snapshot
from consolezero.policy.patterns import action_names
from support import ROOT, lint

ALL = {"management", "security", "log-archive", "prod-app", "staging-app", "sandbox"}


@pytest.fixture(scope="module")
def matrix() -> AccessMatrix:
    return AccessMatrix(load_repository(ROOT).model)


def _cells(matrix: AccessMatrix, role: str) -> dict:
    return {c.account.name: c for c in matrix.cells() if c.role.name == role}


def _decide(matrix: AccessMatrix, role: str, account: str, action: str) -> dict:
    return decisions(select(matrix, role, account), [action])[0]


def test_roles_reach_the_accounts_their_assignments_name(matrix: AccessMatrix) -> None:
    assert set(_cells(matrix, "ReadOnly")) == ALL
    assert set(_cells(matrix, "Admin")) == ALL  # engineers in ou:Workloads, platform-leads at the root
    assert set(_cells(matrix, "Developer")) == {"staging-app", "sandbox"}
    assert _cells(matrix, "Developer")["sandbox"].principals == ("group:engineers",)
    assert _cells(matrix, "Admin")["prod-app"].principals == ("group:engineers", "group:platform-leads")


def test_readonly_writes_nothing_anywhere_but_aws_quirks(matrix: AccessMatrix) -> None:
    cat = matrix.catalog
    tolerated = {a.lower() for a in READONLY_QUIRKS}
    for account, cell in _cells(matrix, "ReadOnly").items():
        changing = [a for a in action_names(cat, writes(cell.access, cat)) if a.lower() not in tolerated]
        assert changing == [], account
        summary = matrix.summary(cell.access)
        assert summary.escalations == () and summary.fenced_escalations == () and not summary.admin_level
        # the matrix counts AWS's mislabelled reads as Read: the ReadOnly row shows no writing at all
        assert (summary.allowed["Write"], summary.allowed["Permissions management"], summary.allowed["Tagging"]) \
            == (0, 0, 0), account
        assert summary.fenced["Write"] == summary.fenced["Permissions management"] == 0, account


def test_readonly_quirks_cover_what_aws_read_only_policies_grant() -> None:
    cat = load_catalog()
    ev = Evaluator(cat)
    for name in ("ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit"):
        access = ev.evaluate([Labeled(name, parse_policy(managed_policy(name)))], None, None).access
        assert set(action_names(cat, writes(access, cat))) <= READONLY_QUIRKS, name
    assert all(cat.lookup(a) is not None for a in READONLY_QUIRKS)


def test_developer_in_staging_is_fenced_by_the_guardrail(matrix: AccessMatrix) -> None:
    assert _decide(matrix, "Developer", "staging-app", "iam:PassRole") == {
        "role": "Developer", "account": "staging-app", "action": "iam:PassRole", "decision": "fenced",
        "by": ["scps/trifecta-guardrail.yaml#FencePassRole"], "scps_apply": True, "assigned": True}
    create = _decide(matrix, "Developer", "staging-app", "iam:CreatePolicy")
    assert (create["decision"], create["by"]) == ("fenced", ["scps/trifecta-guardrail.yaml#FenceCreatePolicy"])
    run = _decide(matrix, "Developer", "staging-app", "ec2:RunInstances")
    assert (run["decision"], run["by"]) == ("allowed", ["aws:PowerUserAccess#Statement[0]"])
    summary = matrix.summary(_cells(matrix, "Developer")["staging-app"].access)
    assert "trifecta" not in summary.escalations and "trifecta" in summary.fenced_escalations
    assert not summary.admin_level  # PowerUserAccess: every workload, not IAM
    assert {"passrole-ec2", "attach-role-policy", "put-role-policy"} <= set(summary.fenced_escalations)


def test_developer_boundary_denies_what_it_says(matrix: AccessMatrix) -> None:
    d = _decide(matrix, "Developer", "sandbox", "iam:CreateUser")
    assert d["decision"] == "denied"
    assert "roles/developer.yaml:permissions_boundary#DenyIamUsersAndGroups" in d["by"]


def test_admin_is_jit_and_admin_level_everywhere(matrix: AccessMatrix) -> None:
    for account, cell in _cells(matrix, "Admin").items():
        assert cell.role.access == "jit" and cell.session == "PT1H"
        assert matrix.summary(cell.access).admin_level, account
    # the guardrail exempts AWSReservedSSO_Admin_*: PassRole is allowed outright, not fenced
    assert _decide(matrix, "Admin", "staging-app", "iam:PassRole")["decision"] == "allowed"
    # DenyUser still applies to Admin (only break-glass is exempt)
    d = _decide(matrix, "Admin", "prod-app", "iam:CreateUser")
    assert (d["decision"], d["by"]) == ("denied", ["scps/deny-user.yaml#DenyIamUsers"])


def test_management_account_is_not_restricted_by_scps(matrix: AccessMatrix) -> None:
    d = _decide(matrix, "Admin", "management", "iam:CreateUser")
    assert d["decision"] == "allowed" and d["scps_apply"] is False
    assert d["note"] == "management account: SCPs do not apply"
    assert _decide(matrix, "Admin", "security", "iam:CreateUser")["decision"] == "denied"
    assert all(c.scps_apply == (c.account.name != "management") for c in matrix.cells())


def test_a_pair_not_assigned_is_evaluated_when_asked_for(matrix: AccessMatrix) -> None:
    d = _decide(matrix, "Developer", "prod-app", "iam:PassRole")
    assert (d["decision"], d["assigned"]) == ("fenced", False)


def test_unknown_names_are_one_clear_error(matrix: AccessMatrix) -> None:
    with pytest.raises(QueryError, match=r"unknown role 'Dev'; did you mean Developer\?"):
        select(matrix, "Dev")
    with pytest.raises(QueryError, match="unknown account 'prod'"):
        select(matrix, None, "prod")
    with pytest.raises(QueryError, match=r"unknown action 'iam:PasRole'; did you mean iam:PassRole"):
        check_actions(matrix.catalog, ["iam:PasRole"])
    assert check_actions(matrix.catalog, ["IAM:passrole"]) == ["iam:PassRole"]


def test_guardrail_removed_reports_the_trifecta(example: Path) -> None:
    (example / "scps" / "trifecta-guardrail.yaml").unlink()
    found = {(f.rule, f.file, f.line) for f in lint(example).findings}
    assert ("trifecta-reachable", "roles/developer.yaml", 4) in found  # the `name:` line
    message = next(f.message for f in lint(example).findings if f.rule == "trifecta-reachable")
    assert "in sandbox, staging-app" in message and "roles/developer.yaml#ManageServiceRoles" in message
    lines = (example / "roles" / "developer.yaml").read_text(encoding="utf-8").splitlines()
    access_line = next(n for n, line in enumerate(lines, 1) if line.startswith("access:"))
    assert ("admin-must-be-jit", "roles/developer.yaml", access_line) in found  # AttachRolePolicy is unfenced now


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_unresolved_policies_are_fenced_at_most_and_listed(example: Path) -> None:
    _write(example / "roles" / "app.yaml", (
        "name: App\nsession_duration: PT4H\naccess: standing\n"
        "customer_managed_policies: [{name: AppPolicy, path: /team/}]\n"
        "permissions_boundary: {managed: NoSuchBoundary}\n"
        "assignments: [{group: engineers, targets: ['ou:Sandbox']}]\n"))
    m = AccessMatrix(load_repository(example).model)
    cell = select(m, "App", "sandbox")[0]
    assert cell.unresolved == ("customer managed policy /team/AppPolicy",
                               "permissions boundary NoSuchBoundary (not an AWS managed policy in consolezero's "
                               f"snapshot of {managed_snapshot()['snapshot']})")
    d = decisions([cell], ["iam:AttachRolePolicy"])[0]
    assert d["decision"] == "fenced" and "customer-managed:/team/AppPolicy#Unresolved" in d["by"]
    assert cell.access.certain == 0  # an unknown boundary may cap anything
    # no access rule judges the unresolved documents; the unknown boundary name is a finding of its own
    found = [(f.rule, f.line) for f in lint(example).findings if f.file == "roles/app.yaml"]
    assert found == [("unknown-managed-policy", 5)]


def test_every_aws_managed_policy_resolves(example: Path) -> None:
    """A role with AWS managed policies beyond the common ones: nothing unresolved, decisions certain."""
    _write(example / "roles" / "app.yaml", (
        "name: App\nsession_duration: PT4H\naccess: standing\n"
        "managed_policies: [AmazonBedrockFullAccess, AWSLambdaBasicExecutionRole]\n"
        "permissions_boundary: {managed: arn:aws:iam::aws:policy/PowerUserAccess}\n"
        "assignments: [{group: engineers, targets: ['ou:Sandbox']}]\n"))
    m = AccessMatrix(load_repository(example).model)
    cell = select(m, "App", "sandbox")[0]
    assert cell.unresolved == ()
    assert [p.label for p in m.identity(cell.role).policies] == ["aws:AmazonBedrockFullAccess",
                                                                 "aws:AWSLambdaBasicExecutionRole"]
    got = {d["action"]: (d["decision"], d["by"]) for d in decisions([cell], [
        "bedrock:InvokeModel", "logs:PutLogEvents", "iam:PassRole", "s3:GetObject"])}
    assert got["bedrock:InvokeModel"] == ("allowed", ["aws:AmazonBedrockFullAccess#BedrockAll"])
    assert got["logs:PutLogEvents"] == ("allowed", ["aws:AWSLambdaBasicExecutionRole#Statement[0]"])
    # granted (to Bedrock roles) by AmazonBedrockFullAccess, but not in the PowerUserAccess boundary
    assert got["iam:PassRole"] == ("denied", ["implicit deny: no Allow in permissions boundary aws:PowerUserAccess"])
    assert got["s3:GetObject"] == ("denied", ["implicit deny: no identity Allow"])
    assert not [f for f in lint(example).findings if f.file == "roles/app.yaml"]


def test_allow_list_strategy_attaches_full_aws_access_only_where_declared(example: Path) -> None:
    _write(example / "scps" / "full-aws-access.yaml", (
        "name: FullAWSAccess\naws_managed: FullAWSAccess\ntargets: [root, 'ou:Workloads', 'ou:Workloads/NonProd',"
        " 'account:staging-app']\n"))
    m = AccessMatrix(load_repository(example).model)
    d = decisions(select(m, "ReadOnly", "prod-app"), ["s3:GetObject"])[0]
    assert (d["decision"], d["by"]) == ("denied", ["no Allow in ou:Workloads/Prod", "no Allow in account:prod-app"])
    ok = decisions(select(m, "ReadOnly", "staging-app"), ["s3:GetObject"])[0]
    assert ok["decision"] == "allowed"


@pytest.mark.parametrize(("region", "pattern", "exempt"), [
    ("eu-west-1", "sso.amazonaws.com/*AWSReservedSSO_Admin_*", True),
    ("us-east-1", "sso.amazonaws.com/*AWSReservedSSO_Admin_*", True),
    ("us-east-1", "sso.amazonaws.com/AWSReservedSSO_Admin_*", True),
    # Identity Center outside us-east-1 puts the region in the role path: this exemption misses it
    ("eu-west-1", "sso.amazonaws.com/AWSReservedSSO_Admin_*", False),
])
def test_admin_exemption_and_the_identity_center_region(example: Path, region: str, pattern: str,
                                                        exempt: bool) -> None:
    org = example / "accounts" / "organization.yaml"
    org.write_text(org.read_text().replace("region: eu-west-1", f"region: {region}"))
    guard = example / "scps" / "trifecta-guardrail.yaml"
    guard.write_text(guard.read_text().replace("sso.amazonaws.com/*AWSReservedSSO_Admin_*", pattern))
    m = AccessMatrix(load_repository(example).model)
    assert decisions(select(m, "Admin", "sandbox"), ["iam:PassRole"])[0]["decision"] == (
        "allowed" if exempt else "fenced")


def test_conditions_on_the_account_are_decided_per_account(example: Path) -> None:
    """Accounts that share a chain share one evaluation only when no condition looks at the account."""
    _write(example / "scps" / "s3-only-staging.yaml", (
        "name: S3OnlyStaging\ntargets: ['ou:Workloads']\npolicy:\n  Version: '2012-10-17'\n  Statement:\n"
        "    - {Sid: S3OnlyStaging, Effect: Deny, Action: 's3:*', Resource: '*',\n"
        "       Condition: {StringNotEquals: {'aws:PrincipalAccount': '444444444444'}}}\n"
        "alerts: {S3OnlyStaging: S3 only in staging.}\n"))
    (example / "accounts" / "Workloads" / "Prod" / "prod-app.yaml").rename(
        example / "accounts" / "Workloads" / "NonProd" / "prod-app.yaml")  # same OU, same chain
    m = AccessMatrix(load_repository(example).model)
    by = {c.account.name: c for c in m.cells() if c.role.name == "ReadOnly"}
    assert m.chain(by["staging-app"].account).core is m.chain(by["prod-app"].account).core
    staging_id = by["staging-app"].account.id
    assert staging_id == "444444444444"
    assert decisions([by["staging-app"]], ["s3:GetObject"])[0]["decision"] == "allowed"
    assert decisions([by["prod-app"]], ["s3:GetObject"])[0]["decision"] == "denied"
    i = m.catalog.lookup("s3:GetObject")
    assert by["staging-app"].access.certain >> i & 1 and not by["prod-app"].access.possible >> i & 1
