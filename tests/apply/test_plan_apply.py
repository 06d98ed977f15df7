"""Plan and apply the example organization: converge, drift, ownership, staleness.

On the in-memory AWS port (tests/fake_aws/). The port calls they rely on are compared with the emulator's in
tests/aws/test_fake_contract.py (the example applied to both, then drifted on both).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consolezero.apply.executor import ApplyError, PlanErrors, StalePlanError, run_apply
from consolezero.apply.service import make_plan
from consolezero.integrations.aws.port import MANAGED_TAG
from consolezero.plan.render import dump_plan, load_plan
from consolezero.plan.service import PlanOptions
from fake_aws import FakeAws, FakeOrg, seed_repository
from support import AWS_EXAMPLE_PARTS, check_every_target_has_an_allow, copy_example


def plan_of(org, **kwargs):
    return make_plan(org.repo(), org.port(), PlanOptions(**kwargs))


def ops(plan) -> list[tuple[str, str, str, str]]:
    return [(c.op, c.kind, c.name, c.target) for c in plan.changes]


def apply(org, **kwargs):
    return run_apply(org.repo(), org.port(), **kwargs)


def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS)


def scp_ids(port) -> dict[str, str]:
    return {p.name: p.id for p in port.list_scps()}


def test_apply_example_to_empty_organization_then_plan_is_empty(fake_backend, tmp_path: Path) -> None:
    org = fake_backend.seed(example(tmp_path))
    first = plan_of(org)
    assert not first.errors
    assert ("create", "scp", "DenyUser", "") in ops(first)
    assert ("attach", "attachment", "DenyUser", "root") in ops(first)
    assert ("create", "ou", "Workloads/Prod", "ou:Workloads") in ops(first)
    assert ("move", "account", "prod-app", "ou:Workloads/Prod") in ops(first)
    assert ("assign", "assignment", "ReadOnly", "account:prod-app") in ops(first)
    assert not any(c.kind == "assignment" and c.name == "Admin" for c in first.changes)  # jit: no standing grant
    # order: definitions, OUs (parents first), accounts, attach, then assignments
    phases = [c.phase for c in first.changes]
    assert phases == sorted(phases)
    ou_order = [c.name for c in first.changes if c.kind == "ou"]
    assert ou_order.index("Workloads") < ou_order.index("Workloads/Prod")

    result = apply(org)
    assert result.summary().startswith("Apply complete: ")
    assert plan_of(org).changes == ()
    again = apply(org)  # idempotent: nothing left to do
    assert again.applied == [] and again.summary().startswith("No changes")
    check_every_target_has_an_allow(org.port())


def test_policies_are_minified_and_tagged(fake_org: FakeOrg) -> None:
    apply(fake_org)
    port = fake_org.port()
    deny_user = scp_ids(port)["DenyUser"]
    content = port.policy_content(deny_user)
    assert content == json.dumps(json.loads(content), separators=(",", ":"))
    assert port.policy_tags(deny_user)[MANAGED_TAG[0]] == MANAGED_TAG[1]
    instance = fake_org.seed.instance_arn
    arns = port.list_permission_sets(instance)
    assert len(arns) == 3
    for arn in arns:
        assert port.permission_set_tags(instance, arn)[MANAGED_TAG[0]] == MANAGED_TAG[1]


def test_drift_content_edit_and_detach_show_in_plan_and_apply_reverts(fake_backend, tmp_path: Path) -> None:
    """On the fake; the emulator's side (the same edit and detach, then the same live state and plan on both):
    tests/aws/test_fake_contract.py::test_applying_the_example_leaves_the_same_organization_on_both."""
    org = fake_backend.seed(example(tmp_path))
    apply(org)
    port = org.port()
    policies = scp_ids(port)
    edited = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}
    port.update_scp(policies["DenyUser"], None, json.dumps(edited))  # out of band, as someone in the console
    port.detach_scp(policies["DenyLeaveOrganization"], port.root_id())

    plan = plan_of(org)
    assert ops(plan) == [("update", "scp", "DenyUser", ""),
                         ("attach", "attachment", "DenyLeaveOrganization", "root")]
    update = plan.changes[0]
    assert update.details["fields"] == ["content"]
    assert '-      "Action": "iam:CreateUser",' in update.details["document"]
    assert '+      "Condition": {' in update.details["document"]

    apply(org)
    assert plan_of(org).changes == ()


def test_whitespace_and_key_order_are_not_drift(fake_org: FakeOrg) -> None:
    apply(fake_org)
    port = fake_org.port()
    policy = scp_ids(port)["DenyUser"]
    content = json.loads(port.policy_content(policy))
    reordered = {"Statement": content["Statement"], "Version": content["Version"]}
    port.update_scp(policy, None, json.dumps(reordered, indent=4))
    assert plan_of(fake_org).changes == ()


def test_unmanaged_policy_is_left_alone_and_a_same_name_is_a_clash(fake_org: FakeOrg) -> None:
    port = fake_org.port()
    root = port.root_id()
    doc = json.dumps({"Version": "2012-10-17",
                      "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]})
    theirs = port.create_scp("TheirGuardrail", "not ours", doc, {})  # no managed-by tag: someone else's
    port.attach_scp(theirs, root)
    apply(fake_org)
    plan = plan_of(fake_org)
    assert plan.changes == ()
    assert port.policy_content(theirs) == doc
    assert port.policy_targets(theirs) == [root]

    # a hand-made policy with a declared name is never adopted silently
    port.create_scp("Extra", "x", doc, {})
    scp = fake_org.root / "scps" / "extra.yaml"
    scp.write_text('name: Extra\ndescription: ours\ntargets: [root]\npolicy:\n  Version: "2012-10-17"\n'
                   '  Statement:\n    - {Sid: X, Effect: Deny, Action: "s3:DeleteBucket", Resource: "*"}\n'
                   'alerts: {X: "Buckets are kept."}\n', encoding="utf-8")
    plan = plan_of(fake_org)
    assert any("name clash" in e and "Extra" in e for e in plan.errors)
    assert not any(c.name == "Extra" for c in plan.changes)
    with pytest.raises(PlanErrors):
        apply(fake_org)


def test_removed_scp_and_role_are_detached_unassigned_and_deleted(fake_org: FakeOrg) -> None:
    apply(fake_org)
    (fake_org.root / "scps" / "deny-leave-org.yaml").unlink()
    (fake_org.root / "roles" / "developer.yaml").unlink()
    plan = plan_of(fake_org)
    got = ops(plan)
    assert ("detach", "attachment", "DenyLeaveOrganization", "root") in got
    assert ("delete", "scp", "DenyLeaveOrganization", "") in got
    assert ("unassign", "assignment", "Developer", "account:sandbox") in got
    rule = "consolezero-DenyLeaveOrganization-DenyLeaveOrganization"
    assert ("delete", "alert_rule", rule) in [c[:3] for c in got]
    assert [c for c in got if not c[1].startswith("alert_")][-1] == ("delete", "permission_set", "Developer", "")
    assert got.index(("detach", "attachment", "DenyLeaveOrganization", "root")) < got.index(
        ("delete", "scp", "DenyLeaveOrganization", ""))
    apply(fake_org)  # the fake refuses deleting a still-attached SCP or a still-assigned permission set, as AWS
    assert plan_of(fake_org).changes == ()
    assert "DenyLeaveOrganization" not in scp_ids(fake_org.port())
    check_every_target_has_an_allow(fake_org.port())


def test_permission_set_changes_are_listed_by_field_and_reprovisioned(fake_org: FakeOrg) -> None:
    apply(fake_org)
    role = fake_org.root / "roles" / "readonly.yaml"
    text = role.read_text(encoding="utf-8").replace("session_duration: PT8H", "session_duration: PT4H")
    text = text.replace("managed_policies: [ReadOnlyAccess]", "managed_policies: [ReadOnlyAccess, SecurityAudit]")
    role.write_text(text, encoding="utf-8")
    plan = plan_of(fake_org)
    assert ops(plan) == [("update", "permission_set", "ReadOnly", "")]
    change = plan.changes[0]
    assert change.details["fields"] == ["session_duration", "managed_policies"]
    assert change.details["session_duration"] == ["PT8H", "PT4H"]
    assert change.action.provision is True
    notes = []
    apply(fake_org, progress=lambda p: notes.append(p.message))
    assert "provisioning permission set ReadOnly to its accounts" in notes
    assert plan_of(fake_org).changes == ()  # nothing left outdated: provisioned everywhere


def test_aws_managed_policies_are_attached_by_their_arn_with_its_path(fake_org: FakeOrg) -> None:
    role = fake_org.root / "roles" / "developer.yaml"
    text = role.read_text(encoding="utf-8")
    assert "managed_policies: [PowerUserAccess]" in text
    role.write_text(text.replace("managed_policies: [PowerUserAccess]",
                                 "managed_policies: [PowerUserAccess, AWSLambdaBasicExecutionRole, "
                                 "AmazonBedrockFullAccess]"), encoding="utf-8")
    plan = plan_of(fake_org)
    change = next(c for c in plan.changes if c.kind == "permission_set" and c.name == "Developer")
    assert list(change.action.managed_policies) == [
        "arn:aws:iam::aws:policy/AmazonBedrockFullAccess", "arn:aws:iam::aws:policy/PowerUserAccess",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    # applied: the fake, as AWS, takes an AWS managed policy by its real ARN only, path included
    apply(fake_org)
    assert plan_of(fake_org).changes == ()


def test_stale_saved_plan_is_refused(fake_org: FakeOrg) -> None:
    saved = load_plan(dump_plan(plan_of(fake_org)))
    port = fake_org.port()
    port.create_ou(port.root_id(), "Surprise", {})
    with pytest.raises(StalePlanError, match="plan is stale: re-run plan"):
        apply(fake_org, saved_plan=saved)


def test_saved_plan_applies_when_nothing_moved(fake_org: FakeOrg) -> None:
    saved = load_plan(dump_plan(plan_of(fake_org)))
    result = apply(fake_org, saved_plan=saved)
    assert len(result.applied) == len(saved.changes)
    assert plan_of(fake_org).changes == ()


def test_missing_account_is_a_plan_error_unless_create_accounts(fake_org: FakeOrg) -> None:
    new = fake_org.root / "accounts" / "Sandbox" / "lab.yaml"
    new.write_text('id: "999999999999"\nemail: aws+lab@example.com\n', encoding="utf-8")
    plan = plan_of(fake_org)
    assert any("lab" in e and "--create-accounts" in e for e in plan.errors)
    plan = plan_of(fake_org, create_accounts=True)
    assert not plan.errors
    assert ("create", "account", "lab", "ou:Sandbox") in ops(plan)
    notes = []
    apply(fake_org, create_accounts=True, progress=lambda p: notes.append(p.message))
    created = [n for n in notes if n.startswith("account lab created with id ")]
    assert created
    # the file still has the old id: matched by email, a clear error (never a second account)
    plan = plan_of(fake_org, create_accounts=True)
    assert any("fix the id" in e for e in plan.errors)
    new_id = created[0].split("with id ")[1].split(":")[0]
    new.write_text(f'id: "{new_id}"\nemail: aws+lab@example.com\n', encoding="utf-8")
    # only the alert rules follow the account's new id (their patterns list the accounts they cover)
    assert {(c.op, c.kind) for c in plan_of(fake_org).changes} == {("update", "alert_rule")}


def test_unknown_group_is_a_plan_error(fake_org: FakeOrg) -> None:
    fake_org.fake.delete_group("everyone")
    plan = plan_of(fake_org)
    assert any("group everyone is not in the IAM Identity Center identity store" in e for e in plan.errors)


def test_static_credentials_are_refused(fake_org: FakeOrg) -> None:
    fake_org.fake.access_key = "AKIAEXAMPLEEXAMPLE12"  # (BotoPort reading the key: tests/aws/test_cli_plan_apply.py)
    with pytest.raises(ApplyError, match="long-term access key"):
        apply(fake_org)
    assert not fake_org.fake.child_ous(fake_org.fake.root_id())  # refused before anything was changed
    result = apply(fake_org, allow_static_credentials=True)
    assert result.applied


def test_deny_user_waits_for_a_verified_break_glass_user(fake_backend, tmp_path: Path) -> None:
    org = fake_backend.seed(example(tmp_path), break_glass_mfa=None)  # no break-glass user at all
    plan = plan_of(org)
    assert ("attach", "attachment", "DenyUser", "root") not in ops(plan)
    assert ("attach", "attachment", "DenyLeaveOrganization", "root") in ops(plan)
    assert [(h["change"], h["account"], h["missing"]) for h in plan.held] == [
        ("attach DenyUser to root", "security",
         "its break-glass user break-glass-admin is not ready: user break-glass-admin does not exist")]
    apply(org)
    fake_backend.seed_break_glass_user(org.ids["security"], "break-glass-admin", "/break-glass/", mfa=False)
    plan = plan_of(org)
    assert plan.changes == () and "break-glass-admin is not ready: no MFA device" in plan.held[0]["missing"]
    fake_backend.enable_break_glass_mfa(org.ids["security"], "break-glass-admin")
    plan = plan_of(org)
    others = [w for w in plan.warnings if "no JIT grants" not in w]  # this copy is not a git repository
    assert ops(plan) == [("attach", "attachment", "DenyUser", "root")] and not others and not plan.held
    assert [p["verdict"] for p in plan.preflight] == ["pass"]
    apply(org)
    assert plan_of(org).changes == ()


def test_a_break_glass_user_outside_the_exemption_does_not_count(fake: FakeAws, tmp_path: Path) -> None:
    root = example(tmp_path)
    org_file = root / "accounts" / "organization.yaml"
    org_file.write_text(org_file.read_text().replace("path: /break-glass/", "path: /admins/"), encoding="utf-8")
    org = seed_repository(fake, root, break_glass_mfa=True)
    plan = plan_of(org)
    assert ("attach", "attachment", "DenyUser", "root") not in ops(plan)
    assert "DenyUser's conditions do not exempt the break-glass user" in plan.held[0]["missing"]


def test_unmanaged_permission_set_with_a_declared_name_is_a_clash(fake_org: FakeOrg) -> None:
    fake_org.port().create_permission_set(fake_org.seed.instance_arn, "ReadOnly", "", "PT1H", {})
    plan = plan_of(fake_org)
    assert any("name clash" in e and "permission set named ReadOnly" in e for e in plan.errors)
    assert not any(c.name == "ReadOnly" for c in plan.changes)


def test_turning_an_attached_scp_into_a_deny_user_waits_for_break_glass_too(fake: FakeAws, tmp_path: Path) -> None:
    root = example(tmp_path)
    (root / "scps" / "deny-user.yaml").unlink()
    org = seed_repository(fake, root, break_glass_mfa=None)
    apply(org)
    leave = root / "scps" / "deny-leave-org.yaml"  # attached at the root; now also denies IAM users
    leave.write_text(leave.read_text(encoding="utf-8").replace(
        "Action: organizations:LeaveOrganization", "Action: [organizations:LeaveOrganization, iam:CreateUser]"),
        encoding="utf-8")
    plan = plan_of(org)
    assert not any(c.name == "DenyLeaveOrganization" for c in plan.changes)
    assert [h["change"] for h in plan.held] == ["update SCP DenyLeaveOrganization: content"]


def test_a_target_the_repository_no_longer_has_stops_apply_before_anything_whatever_lint_says(fake: FakeAws,
                                                                                             tmp_path: Path) -> None:
    """The only account of OU Sandbox removed while SCPs and a role still target ou:Sandbox, and lint's
    unknown-reference silenced: the plan has errors, so apply changes nothing (it used to stop half-way)."""
    root = example(tmp_path)
    (root / ".consolezero.yaml").write_text("severity: {unknown-reference: off}\n", encoding="utf-8")
    org = seed_repository(fake, root)
    (root / "accounts/Sandbox/sandbox.yaml").unlink()
    plan = plan_of(org)
    assert "scps/deny-root-user.yaml: target ou:Sandbox names no OU of the repository (no folder for it under " \
           "accounts/): nothing is applied" in plan.errors
    assert "roles/developer.yaml: target ou:Sandbox names no OU of the repository (no folder for it under " \
           "accounts/): nothing is applied" in plan.errors
    before = scp_ids(fake)
    with pytest.raises(PlanErrors, match="target ou:Sandbox names no OU"):
        apply(org)
    assert scp_ids(fake) == before == {"FullAWSAccess": "p-FullAWSAccess"}
