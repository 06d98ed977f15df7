"""Escalation paths as data, admin-level access, writes; and the shipped AWS managed policies."""

from __future__ import annotations

import json

import pytest
from policy_helpers import aws_managed, labeled

from consolezero.policy.catalog import Catalog
from consolezero.policy.conditions import Context
from consolezero.policy.document import parse_policy
from consolezero.policy.escalation import BORROW, GRANT, PATHS, admin_level, find_escalations, writes
from consolezero.policy.evaluate import Access, Evaluator, ScpLevel
from consolezero.policy.levels import mislabelled_reads_mask, write_mask
from consolezero.policy.managed import managed_arn, managed_names, managed_policy, managed_policy_info

FULL = aws_managed("FullAWSAccess", "scps/full.yaml")
CTX = Context.for_permission_set("333333333333", "Developer", "eu-west-1")


def run(*identity, scps=()):
    return Evaluator().evaluate(list(identity), None, [ScpLevel("root", (FULL, *scps))], CTX)


def test_every_path_action_exists(catalog: Catalog) -> None:
    for path in PATHS:
        for action in path.actions:
            assert catalog.lookup(action) is not None, (path.name, action)


def test_paths_are_unique_and_documented() -> None:
    names = [p.name for p in PATHS]
    assert len(names) == len(set(names))
    assert {"trifecta", "passrole-ec2", "passrole-lambda", "update-assume-role-policy", "passrole-ecs"} <= set(names)
    assert all(p.description and p.source and p.actions for p in PATHS)
    trifecta = next(p for p in PATHS if p.name == "trifecta")
    assert set(trifecta.actions) == {"ec2:RunInstances", "iam:PassRole", "iam:CreatePolicy"}


def test_admin_reaches_every_path() -> None:
    hits = find_escalations(run(aws_managed("AdministratorAccess")))
    assert {h.path.name for h in hits} == {p.name for p in PATHS}
    assert all(h.state == "allowed" for h in hits)


def test_readonly_reaches_none() -> None:
    assert find_escalations(run(aws_managed("ReadOnlyAccess"))) == []


def test_path_needs_all_its_actions() -> None:
    ev = run(labeled("roles/x.yaml", {"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"]}))
    assert [h.path.name for h in find_escalations(ev)] == ["passrole-ec2"]  # no CreatePolicy: no trifecta


def test_fenced_path() -> None:
    guard = labeled("scps/trifecta.yaml", {"Sid": "FencePassRole", "Effect": "Deny", "Action": "iam:PassRole",
                                           "NotResource": "arn:aws:iam::*:role/app-*"})
    hits = {h.path.name: h.state for h in find_escalations(run(aws_managed("AdministratorAccess"), scps=[guard]))}
    assert hits["trifecta"] == "fenced"
    assert hits["passrole-lambda"] == "fenced"
    assert hits["create-policy-version"] == "allowed"


def test_denied_path_is_not_a_hit() -> None:
    guard = labeled("scps/no-passrole.yaml", {"Effect": "Deny", "Action": "iam:PassRole"})
    names = {h.path.name for h in find_escalations(run(aws_managed("AdministratorAccess"), scps=[guard]))}
    assert not any(n.startswith("passrole") or n == "trifecta" for n in names)
    assert "attach-role-policy" in names


@pytest.mark.parametrize(("policy", "admin"), [
    ("AdministratorAccess", True),
    ("PowerUserAccess", False),  # ~99 % of all actions, but no control of IAM: breadth alone is not admin
    ("IAMFullAccess", True),  # controls IAM: can grant itself anything
    ("ReadOnlyAccess", False),
    ("ViewOnlyAccess", False),
    ("SecurityAudit", False),
    ("AmazonS3ReadOnlyAccess", False),
])
def test_admin_level(catalog: Catalog, policy: str, admin: bool) -> None:
    """The one decision of admin level: the matrix, admin-must-be-jit and trifecta-reachable all use it."""
    assert admin_level(run(aws_managed(policy)).access, catalog) is admin


def test_admin_level_is_decided_in_one_place() -> None:
    from consolezero.access import matrix

    assert matrix.admin_level is admin_level


def test_admin_level_single_iam_primitive(catalog: Catalog) -> None:
    ev = run(labeled("roles/x.yaml", {"Effect": "Allow", "Action": "iam:AttachRolePolicy"}))
    assert admin_level(ev.access, catalog)
    conditional = labeled("roles/y.yaml", {"Effect": "Allow", "Action": "iam:AttachRolePolicy",
                                           "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}})
    assert not admin_level(run(conditional).access, catalog)  # only certain access counts
    assert not admin_level(Access(0, catalog.all_mask), catalog)


def test_writes(catalog: Catalog) -> None:
    """One write mask (policy/levels.py): the three write levels, AWS's mislabelled reads left out."""
    write_levels = ("Write", "Permissions management", "Tagging")
    expected = (catalog.level_mask("Write") | catalog.level_mask("Permissions management")
                | catalog.level_mask("Tagging")) & ~mislabelled_reads_mask(catalog)
    assert write_mask(catalog) == expected
    admin = run(aws_managed("AdministratorAccess")).access
    assert writes(admin, catalog) == expected
    ro = run(aws_managed("ReadOnlyAccess")).access
    assert all(catalog.access_level(i) in write_levels for i in range(len(catalog.actions))
               if writes(ro, catalog) >> i & 1)
    fenced = run(labeled("roles/x.yaml", {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}))
    assert writes(fenced.access, catalog) == 1 << catalog.index["s3:putobject"]


def test_readonly_managed_policies_write_nothing(catalog: Catalog) -> None:
    """AWS's read-only policies hold only actions the catalog files under Write or Permissions management
    although they read (s3express:CreateSession, billing:GetResourcePolicy, ...): no write is left."""
    for name in ("ReadOnlyAccess", "ViewOnlyAccess", "SecurityAudit"):
        assert writes(run(aws_managed(name)).access, catalog) == 0


def test_every_path_has_a_kind_and_a_source() -> None:
    assert {p.kind for p in PATHS} == {GRANT, BORROW}
    for p in PATHS:
        assert p.source.strip(), p.name
    grants = {p.name for p in PATHS if p.kind == GRANT}
    assert {"create-policy-version", "attach-role-policy", "update-assume-role-policy", "create-access-key"} <= grants
    borrows = {p.name for p in PATHS if p.kind == BORROW}
    assert {"lambda-update-function-code", "ssm-send-command", "ssm-start-session", "ec2-instance-connect",
            "codebuild-start-build", "cloudformation-update-stack", "cloudformation-change-set",
            "sagemaker-presigned-url", "sts-assume-role", "passrole-ecs", "passrole-bedrock-agent",
            "passrole-stepfunctions", "passrole-apprunner"} <= borrows
    rhino = {p.source.split("method ")[1].split(";")[0] for p in PATHS if "method " in p.source}
    assert rhino == {str(n) for n in range(1, 22)}  # every one of Rhino Security Labs' 21 methods


def test_poweruser_borrows_without_granting() -> None:
    hits = {h.path.name: h for h in find_escalations(run(aws_managed("PowerUserAccess")))
            if h.state == "allowed"}
    assert {"lambda-update-function-code", "ssm-send-command", "ssm-start-session"} <= set(hits)
    assert all(h.path.kind == BORROW for h in hits.values())


# -- managed policies ---------------------------------------------------------------------------------
REQUIRED = ["AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "ViewOnlyAccess", "SecurityAudit",
            "IAMFullAccess", "IAMReadOnlyAccess", "AmazonS3ReadOnlyAccess", "AmazonEC2FullAccess",
            "SystemAdministrator", "NetworkAdministrator", "DatabaseAdministrator", "Billing", "SupportUser"]


@pytest.mark.parametrize("name", REQUIRED)
def test_required_managed_policies_parse_cleanly(name: str) -> None:
    document = managed_policy(name)
    assert document is not None
    assert parse_policy(document).problems == ()
    info = managed_policy_info(name)
    assert info is not None and info["version_id"].startswith("v") and info["source"]


def test_resolution_by_arn_and_path() -> None:
    admin = managed_policy("AdministratorAccess")
    assert managed_policy("arn:aws:iam::aws:policy/AdministratorAccess") == admin
    view = managed_policy("ViewOnlyAccess")
    assert managed_policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess") == view
    assert managed_policy("job-function/ViewOnlyAccess") == view
    assert managed_policy("arn:aws:iam::aws:policy/ViewOnlyAccess") is None  # wrong path: no such ARN
    assert managed_arn("ViewOnlyAccess") == "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    assert managed_policy("readonlyaccess") is None  # names are case-sensitive, as in AWS
    assert managed_policy("NoSuchPolicy") is None
    assert managed_policy("") is None


def test_full_aws_access_scp() -> None:
    full = managed_policy("FullAWSAccess")
    assert full == {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    assert managed_policy("p-FullAWSAccess") == full
    assert managed_policy("arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess") == full


def test_documents_are_fresh_copies() -> None:
    first = managed_policy("AdministratorAccess")
    assert first is not None
    first["Statement"].clear()
    assert managed_policy("AdministratorAccess")["Statement"]  # type: ignore[index]


def test_managed_names_and_index() -> None:
    names = managed_names()
    assert set(REQUIRED) <= set(names) and "FullAWSAccess" in names
    assert names == sorted(names)
    for name in names:
        info = managed_policy_info(name)
        assert info is not None
        json.dumps(managed_policy(name))  # plain JSON data


def test_every_path_is_documented() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "engine.md").read_text(encoding="utf-8")
    for p in PATHS:
        assert f"| `{p.name}` | {p.kind} |" in text, p.name
