"""Plan and apply the example organization against the emulator: converge, drift, ownership, staleness."""

from __future__ import annotations

import json

import pytest
from aws_helpers import Org, check_every_target_has_an_allow

from consolezero.apply.executor import ApplyError, PlanErrors, StalePlanError, run_apply
from consolezero.apply.service import make_plan
from consolezero.integrations.aws.port import MANAGED_TAG
from consolezero.plan.render import dump_plan, load_plan
from consolezero.plan.service import PlanOptions


def plan_of(org: Org, **kwargs):
    return make_plan(org.repo(), org.port(), PlanOptions(**kwargs))


def ops(plan) -> list[tuple[str, str, str, str]]:
    return [(c.op, c.kind, c.name, c.target) for c in plan.changes]


def apply(org: Org, **kwargs):
    return run_apply(org.repo(), org.port(), **kwargs)


def test_apply_example_to_empty_organization_then_plan_is_empty(example_org: Org) -> None:
    first = plan_of(example_org)
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

    result = apply(example_org)
    assert result.summary().startswith("Apply complete: ")
    assert plan_of(example_org).changes == ()
    again = apply(example_org)  # idempotent: nothing left to do
    assert again.applied == [] and again.summary().startswith("No changes")
    check_every_target_has_an_allow(example_org.port())


def test_policies_are_minified_and_tagged(example_org: Org) -> None:
    apply(example_org)
    client = example_org.aws.client("organizations")
    policies = client.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    deny_user = next(p for p in policies if p["Name"] == "DenyUser")
    content = client.describe_policy(PolicyId=deny_user["Id"])["Policy"]["Content"]
    assert content == json.dumps(json.loads(content), separators=(",", ":"))
    tags = {t["Key"]: t["Value"] for t in client.list_tags_for_resource(ResourceId=deny_user["Id"])["Tags"]}
    assert tags[MANAGED_TAG[0]] == MANAGED_TAG[1]
    sso = example_org.aws.client("sso-admin")
    instance = example_org.seed.instance_arn
    for arn in sso.list_permission_sets(InstanceArn=instance)["PermissionSets"]:
        tags = {t["Key"]: t["Value"] for t in
                sso.list_tags_for_resource(InstanceArn=instance, ResourceArn=arn)["Tags"]}
        assert tags[MANAGED_TAG[0]] == MANAGED_TAG[1]


def test_drift_content_edit_and_detach_show_in_plan_and_apply_reverts(example_org: Org) -> None:
    apply(example_org)
    client = example_org.aws.client("organizations")
    policies = {p["Name"]: p["Id"] for p in client.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    root = client.list_roots()["Roots"][0]["Id"]
    edited = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}
    client.update_policy(PolicyId=policies["DenyUser"], Content=json.dumps(edited))
    client.detach_policy(PolicyId=policies["DenyLeaveOrganization"], TargetId=root)

    plan = plan_of(example_org)
    assert ops(plan) == [("update", "scp", "DenyUser", ""),
                         ("attach", "attachment", "DenyLeaveOrganization", "root")]
    update = plan.changes[0]
    assert update.details["fields"] == ["content"]
    assert '-      "Action": "iam:CreateUser",' in update.details["document"]
    assert '+      "Condition": {' in update.details["document"]

    apply(example_org)
    assert plan_of(example_org).changes == ()


def test_whitespace_and_key_order_are_not_drift(example_org: Org) -> None:
    apply(example_org)
    client = example_org.aws.client("organizations")
    policies = {p["Name"]: p["Id"] for p in client.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    content = json.loads(client.describe_policy(PolicyId=policies["DenyUser"])["Policy"]["Content"])
    reordered = {"Statement": content["Statement"], "Version": content["Version"]}
    client.update_policy(PolicyId=policies["DenyUser"], Content=json.dumps(reordered, indent=4))
    assert plan_of(example_org).changes == ()


def test_unmanaged_policy_is_left_alone_and_a_same_name_is_a_clash(example_org: Org) -> None:
    client = example_org.aws.client("organizations")
    root = client.list_roots()["Roots"][0]["Id"]
    doc = json.dumps({"Version": "2012-10-17",
                      "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]})
    theirs = client.create_policy(Name="TheirGuardrail", Description="not ours", Content=doc,
                                  Type="SERVICE_CONTROL_POLICY")["Policy"]["PolicySummary"]["Id"]
    client.attach_policy(PolicyId=theirs, TargetId=root)
    apply(example_org)
    plan = plan_of(example_org)
    assert plan.changes == ()
    assert client.describe_policy(PolicyId=theirs)["Policy"]["Content"] == doc
    assert [t["TargetId"] for t in client.list_targets_for_policy(PolicyId=theirs)["Targets"]] == [root]

    # a hand-made policy with a declared name is never adopted silently
    client.create_policy(Name="Extra", Description="x", Content=doc, Type="SERVICE_CONTROL_POLICY")
    scp = example_org.root / "scps" / "extra.yaml"
    scp.write_text('name: Extra\ndescription: ours\ntargets: [root]\npolicy:\n  Version: "2012-10-17"\n'
                   '  Statement:\n    - {Sid: X, Effect: Deny, Action: "s3:DeleteBucket", Resource: "*"}\n'
                   'alerts: {X: "Buckets are kept."}\n', encoding="utf-8")
    plan = plan_of(example_org)
    assert any("name clash" in e and "Extra" in e for e in plan.errors)
    assert not any(c.name == "Extra" for c in plan.changes)
    with pytest.raises(PlanErrors):
        apply(example_org)


def test_removed_scp_and_role_are_detached_unassigned_and_deleted(example_org: Org) -> None:
    apply(example_org)
    (example_org.root / "scps" / "deny-leave-org.yaml").unlink()
    (example_org.root / "roles" / "developer.yaml").unlink()
    plan = plan_of(example_org)
    got = ops(plan)
    assert ("detach", "attachment", "DenyLeaveOrganization", "root") in got
    assert ("delete", "scp", "DenyLeaveOrganization", "") in got
    assert ("unassign", "assignment", "Developer", "account:sandbox") in got
    rule = "consolezero-DenyLeaveOrganization-DenyLeaveOrganization"
    assert ("delete", "alert_rule", rule) in [c[:3] for c in got]
    assert [c for c in got if not c[1].startswith("alert_")][-1] == ("delete", "permission_set", "Developer", "")
    assert got.index(("detach", "attachment", "DenyLeaveOrganization", "root")) < got.index(
        ("delete", "scp", "DenyLeaveOrganization", ""))
    apply(example_org)
    assert plan_of(example_org).changes == ()
    check_every_target_has_an_allow(example_org.port())


def test_permission_set_changes_are_listed_by_field_and_reprovisioned(example_org: Org) -> None:
    apply(example_org)
    role = example_org.root / "roles" / "readonly.yaml"
    text = role.read_text(encoding="utf-8").replace("session_duration: PT8H", "session_duration: PT4H")
    text = text.replace("managed_policies: [ReadOnlyAccess]", "managed_policies: [ReadOnlyAccess, SecurityAudit]")
    role.write_text(text, encoding="utf-8")
    plan = plan_of(example_org)
    assert ops(plan) == [("update", "permission_set", "ReadOnly", "")]
    change = plan.changes[0]
    assert change.details["fields"] == ["session_duration", "managed_policies"]
    assert change.details["session_duration"] == ["PT8H", "PT4H"]
    assert change.action["provision"] is True
    notes = []
    apply(example_org, progress=lambda p: notes.append(p.message))
    assert "provisioning permission set ReadOnly to its accounts" in notes
    assert plan_of(example_org).changes == ()


def test_aws_managed_policies_are_attached_by_their_arn_with_its_path(example_org: Org) -> None:
    role = example_org.root / "roles" / "developer.yaml"
    text = role.read_text(encoding="utf-8")
    assert "managed_policies: [PowerUserAccess]" in text
    role.write_text(text.replace("managed_policies: [PowerUserAccess]",
                                 "managed_policies: [PowerUserAccess, AWSLambdaBasicExecutionRole, "
                                 "AmazonBedrockFullAccess]"), encoding="utf-8")
    plan = plan_of(example_org)
    change = next(c for c in plan.changes if c.kind == "permission_set" and c.name == "Developer")
    assert change.action["managed_policies"] == [
        "arn:aws:iam::aws:policy/AmazonBedrockFullAccess", "arn:aws:iam::aws:policy/PowerUserAccess",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    # applied: the emulator takes the real ARN with its path (aws/emulator.py mends moto's "path"/"Path" lookup)
    apply(example_org)
    assert plan_of(example_org).changes == ()


def test_stale_saved_plan_is_refused(example_org: Org) -> None:
    saved = load_plan(dump_plan(plan_of(example_org)))
    client = example_org.aws.client("organizations")
    client.create_organizational_unit(ParentId=client.list_roots()["Roots"][0]["Id"], Name="Surprise")
    with pytest.raises(StalePlanError, match="plan is stale: re-run plan"):
        apply(example_org, saved_plan=saved)


def test_saved_plan_applies_when_nothing_moved(example_org: Org) -> None:
    saved = load_plan(dump_plan(plan_of(example_org)))
    result = apply(example_org, saved_plan=saved)
    assert len(result.applied) == len(saved.changes)
    assert plan_of(example_org).changes == ()


def test_missing_account_is_a_plan_error_unless_create_accounts(example_org: Org) -> None:
    new = example_org.root / "accounts" / "Sandbox" / "lab.yaml"
    new.write_text('id: "999999999999"\nemail: aws+lab@example.com\n', encoding="utf-8")
    plan = plan_of(example_org)
    assert any("lab" in e and "--create-accounts" in e for e in plan.errors)
    plan = plan_of(example_org, create_accounts=True)
    assert not plan.errors
    assert ("create", "account", "lab", "ou:Sandbox") in ops(plan)
    notes = []
    apply(example_org, create_accounts=True, progress=lambda p: notes.append(p.message))
    created = [n for n in notes if n.startswith("account lab created with id ")]
    assert created
    # the file still has the old id: matched by email, a clear error (never a second account)
    plan = plan_of(example_org, create_accounts=True)
    assert any("fix the id" in e for e in plan.errors)
    new_id = created[0].split("with id ")[1].split(":")[0]
    new.write_text(f'id: "{new_id}"\nemail: aws+lab@example.com\n', encoding="utf-8")
    # only the alert rules follow the account's new id (their patterns list the accounts they cover)
    assert {(c.op, c.kind) for c in plan_of(example_org).changes} == {("update", "alert_rule")}


def test_unknown_group_is_a_plan_error(example_org: Org) -> None:
    store = example_org.aws.client("identitystore")
    store.delete_group(IdentityStoreId=example_org.seed.identity_store_id,
                       GroupId=example_org.seed.group_ids["everyone"])
    plan = plan_of(example_org)
    assert any("group everyone is not in the IAM Identity Center identity store" in e for e in plan.errors)


def test_static_credentials_are_refused(example_org: Org) -> None:
    import boto3

    akia = boto3.session.Session(aws_access_key_id="AKIAEXAMPLEEXAMPLE12", aws_secret_access_key="x",
                                 region_name="us-east-1")
    from consolezero.integrations.aws.boto import BotoPort

    port = BotoPort(session=akia, endpoint_url=example_org.aws.url, sso_region="eu-west-1")
    with pytest.raises(ApplyError, match="long-term access key"):
        run_apply(example_org.repo(), port)
    result = run_apply(example_org.repo(), port, allow_static_credentials=True)
    assert result.applied


def test_deny_user_waits_for_a_verified_break_glass_user(aws, tmp_path) -> None:
    from aws_helpers import copy_example, seed_for

    from consolezero.devtools.seed import enable_break_glass_mfa

    org = seed_for(aws, copy_example(tmp_path / "repo"), break_glass_mfa=None)  # no break-glass user at all
    plan = plan_of(org)
    assert ("attach", "attachment", "DenyUser", "root") not in ops(plan)
    assert ("attach", "attachment", "DenyLeaveOrganization", "root") in ops(plan)
    assert [(h["change"], h["account"], h["missing"]) for h in plan.held] == [
        ("attach DenyUser to root", "security",
         "its break-glass user break-glass-admin is not ready: user break-glass-admin does not exist")]
    apply(org)
    from consolezero.devtools.seed import seed_break_glass_user

    seed_break_glass_user(aws.url, org.ids["security"], "break-glass-admin", "/break-glass/", mfa=False)
    plan = plan_of(org)
    assert plan.changes == () and "break-glass-admin is not ready: no MFA device" in plan.held[0]["missing"]
    enable_break_glass_mfa(aws.url, org.ids["security"], "break-glass-admin")
    plan = plan_of(org)
    others = [w for w in plan.warnings if "no JIT grants" not in w]  # this copy is not a git repository
    assert ops(plan) == [("attach", "attachment", "DenyUser", "root")] and not others and not plan.held
    assert [p["verdict"] for p in plan.preflight] == ["pass"]
    apply(org)
    assert plan_of(org).changes == ()


def test_a_break_glass_user_outside_the_exemption_does_not_count(aws, tmp_path) -> None:
    from aws_helpers import copy_example, seed_for

    root = copy_example(tmp_path / "repo")
    org_file = root / "accounts" / "organization.yaml"
    org_file.write_text(org_file.read_text().replace("path: /break-glass/", "path: /admins/"), encoding="utf-8")
    org = seed_for(aws, root, break_glass_mfa=True)
    plan = plan_of(org)
    assert ("attach", "attachment", "DenyUser", "root") not in ops(plan)
    assert "DenyUser's conditions do not exempt the break-glass user" in plan.held[0]["missing"]


def test_unmanaged_permission_set_with_a_declared_name_is_a_clash(example_org: Org) -> None:
    sso = example_org.aws.client("sso-admin")
    sso.create_permission_set(InstanceArn=example_org.seed.instance_arn, Name="ReadOnly", SessionDuration="PT1H")
    plan = plan_of(example_org)
    assert any("name clash" in e and "permission set named ReadOnly" in e for e in plan.errors)
    assert not any(c.name == "ReadOnly" for c in plan.changes)


def test_turning_an_attached_scp_into_a_deny_user_waits_for_break_glass_too(aws, tmp_path) -> None:
    from aws_helpers import copy_example, seed_for

    root = copy_example(tmp_path / "repo")
    (root / "scps" / "deny-user.yaml").unlink()
    org = seed_for(aws, root, break_glass_mfa=None)
    apply(org)
    leave = root / "scps" / "deny-leave-org.yaml"  # attached at the root; now also denies IAM users
    leave.write_text(leave.read_text(encoding="utf-8").replace(
        "Action: organizations:LeaveOrganization", "Action: [organizations:LeaveOrganization, iam:CreateUser]"),
        encoding="utf-8")
    plan = plan_of(org)
    assert not any(c.name == "DenyLeaveOrganization" for c in plan.changes)
    assert [h["change"] for h in plan.held] == ["update SCP DenyLeaveOrganization: content"]
