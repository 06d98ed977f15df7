"""The in-memory AWS port itself: the whole AwsPort protocol, AWS's shapes, and AWS's rules that moto lacks."""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path

import pytest

from consolezero.apply.service import make_plan, run_apply
from consolezero.integrations.aws.port import FULL_AWS_ACCESS_ID, AwsError, AwsPort, BoundaryRef
from fake_aws import FakeAws, FakeOrg, seed_repository
from support import AWS_EXAMPLE_PARTS, ROOT, copy_example

DENY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})


def port_methods() -> dict[str, inspect.Signature]:
    return {name: inspect.signature(f) for name, f in vars(AwsPort).items()
            if inspect.isfunction(f) and not name.startswith("_")}


def test_fake_defines_every_port_method_with_the_same_parameters() -> None:
    methods = port_methods()
    assert len(methods) > 80
    missing = [name for name in methods if not callable(getattr(FakeAws, name, None))]
    assert missing == []
    differ = {name: (list(sig.parameters), list(inspect.signature(getattr(FakeAws, name)).parameters))
              for name, sig in methods.items()
              if [(p.name, p.default) for p in sig.parameters.values()]
              != [(p.name, p.default) for p in inspect.signature(getattr(FakeAws, name)).parameters.values()]}
    assert differ == {}


def test_the_fake_keeps_the_package_module_rules() -> None:
    """The fake is held to the package's rule: modules of at most 400 lines, each saying what it holds."""
    modules = sorted((ROOT / "tests" / "fake_aws").glob("*.py"))
    assert len(modules) > 5
    lines = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in modules}
    assert {name: n for name, n in lines.items() if n > 400} == {}
    undocumented = [p.name for p in modules if not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))]
    assert undocumented == []


def test_ids_look_like_aws_and_are_deterministic(fake_org: FakeOrg) -> None:
    fake = fake_org.fake
    ou = fake.create_ou(fake.root_id(), "Lab", {})
    policy = fake.create_scp("Deny", "", DENY, {})
    arn = fake.create_permission_set(fake.instance_arn, "Lab", "", "PT1H", {})
    assert re.fullmatch(r"r-[0-9a-z]{4}", fake.root_id())
    assert re.fullmatch(r"ou-[0-9a-z]{4}-[0-9a-z]{8}", ou) and ou.split("-")[1] == fake.root_id()[2:]
    assert re.fullmatch(r"p-[0-9a-z]{8}", policy)
    assert re.fullmatch(r"arn:aws:sso:::permissionSet/ssoins-[0-9a-z]{16}/ps-[0-9a-z]{16}", arn)
    assert all(re.fullmatch(r"\d{12}", i) for i in fake_org.ids.values())
    assert re.fullmatch(r"o-[0-9a-z]{10}", fake.organization_id())
    again = FakeAws()
    assert (again.root_id(), again.instance_arn) == (FakeAws().root_id(), FakeAws().instance_arn)


def test_aws_attaches_full_aws_access_to_the_root_and_every_new_ou_and_account(fake: FakeAws) -> None:
    root = fake.root_id()
    ou = fake.create_ou(root, "Workloads", {})
    account = fake.add_account("app", "app@example.com", ou)
    for target in (root, ou, account):
        assert [(p.id, p.aws_managed) for p in fake.policies_for_target(target)] == [(FULL_AWS_ACCESS_ID, True)]
    status = fake.start_create_account("new", "new@example.com", {})
    assert [p.id for p in fake.policies_for_target(status.result_id)] == [FULL_AWS_ACCESS_ID]


def test_the_last_scp_of_a_target_cannot_be_detached(fake: FakeAws) -> None:
    root = fake.root_id()
    with pytest.raises(AwsError) as info:
        fake.detach_scp(FULL_AWS_ACCESS_ID, root)
    assert (info.value.code, info.value.reason) == ("ConstraintViolationException",
                                                    "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
    deny = fake.create_scp("Deny", "", DENY, {})
    assert fake.attach_scp(deny, root) is True and fake.attach_scp(deny, root) is False  # idempotent
    assert fake.detach_scp(FULL_AWS_ACCESS_ID, root) is True  # another SCP stays (AWS does not ask that it allows)
    assert fake.detach_scp(FULL_AWS_ACCESS_ID, root) is False
    with pytest.raises(AwsError, match="PolicyInUseException"):
        fake.delete_scp(deny)


def test_scp_documents_are_checked_as_aws_does(fake: FakeAws) -> None:
    statement = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*", "Sid": "x" * 10_300}
    with pytest.raises(AwsError) as info:
        fake.create_scp("Big", "", json.dumps({"Version": "2012-10-17", "Statement": [statement]}), {})
    assert (info.value.code, info.value.reason) == ("ConstraintViolationException", "POLICY_CONTENT_LIMIT_EXCEEDED")
    older = FakeAws(scp_max_chars=5_120)
    with pytest.raises(AwsError, match="POLICY_CONTENT_LIMIT_EXCEEDED"):
        older.create_scp("Big", "", json.dumps({"Version": "2012-10-17", "Statement": [{**statement,
                                                                                        "Sid": "x" * 5_200}]}), {})
    principal = {"Effect": "Deny", "Action": "*", "Resource": "*", "Principal": "*"}
    for bad in ("{not json", json.dumps({"Version": "2012-10-17", "Statement": [principal]})):
        with pytest.raises(AwsError, match="MalformedPolicyDocumentException"):
            fake.create_scp("Bad", "", bad, {})
    fake.create_scp("Deny", "", DENY, {})
    with pytest.raises(AwsError, match="DuplicatePolicyException"):
        fake.create_scp("Deny", "", DENY, {})
    with pytest.raises(AwsError, match="AccessDeniedException"):
        fake.update_scp(FULL_AWS_ACCESS_ID, None, DENY)


def test_organization_structure_rules(fake: FakeAws) -> None:
    root = fake.root_id()
    with pytest.raises(AwsError, match="ParentNotFoundException"):
        fake.create_ou("ou-zzzz-zzzzzzzz", "Lab", {})
    ou = fake.create_ou(root, "Lab", {})
    assert fake.create_ou(root, "Lab", {}) == ou  # as BotoPort: the OU already there
    account = fake.add_account("app", "app@example.com")
    with pytest.raises(AwsError, match="SourceParentNotFoundException"):
        fake.move_account(account, fake.create_ou(root, "Other", {}), ou)
    fake.move_account(account, root, ou)
    fake.move_account(account, root, ou)  # already there: quietly done
    assert fake.parent_of(account) == ou
    failed = fake.start_create_account("copy", "APP@example.com", {})
    assert (failed.state, failed.failure_reason) == ("FAILED", "EMAIL_ALREADY_EXISTS")


def test_permission_set_rules_and_outdated_accounts(fake_org: FakeOrg) -> None:
    fake, instance = fake_org.fake, fake_org.seed.instance_arn
    for duration in ("PT30M", "PT13H", "8h"):
        with pytest.raises(AwsError, match="ValidationException"):
            fake.create_permission_set(instance, "Lab", "", duration, {})
    arn = fake.create_permission_set(instance, "Lab", "", "PT12H", {})
    with pytest.raises(AwsError, match="ConflictException"):
        fake.create_permission_set(instance, "Lab", "", "PT1H", {})
    with pytest.raises(AwsError, match="ResourceNotFoundException"):  # AWS managed: by its ARN with its path
        fake.attach_managed_policy(instance, arn, "arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole")
    fake.attach_managed_policy(instance, arn, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    account, group = fake_org.ids["sandbox"], fake_org.seed.group_ids["engineers"]
    assert fake.start_create_assignment(instance, account, arn, "GROUP", group).state == "SUCCEEDED"
    fake.start_create_assignment(instance, account, arn, "GROUP", group)
    assert len(fake.account_assignments(instance, account, arn)) == 1  # assigning twice keeps one
    assert fake.accounts_for_permission_set(instance, arn, outdated_only=True) == []
    fake.put_boundary(instance, arn, BoundaryRef(customer_name="Boundary"))
    assert fake.accounts_for_permission_set(instance, arn, outdated_only=True) == [account]
    fake.start_provision(instance, arn)
    assert fake.accounts_for_permission_set(instance, arn, outdated_only=True) == []
    with pytest.raises(AwsError, match="ConflictException"):
        fake.delete_permission_set(instance, arn)
    missing = fake.start_create_assignment(instance, account, arn, "GROUP", "no-such-group")
    assert missing.state == "FAILED" and "not in the identity store" in (missing.failure_reason or "")
    fake.start_delete_assignment(instance, account, arn, "GROUP", group)
    assert fake.start_delete_assignment(instance, account, arn, "GROUP", group).request_id == ""  # already gone
    fake.delete_permission_set(instance, arn)
    fake.delete_permission_set(instance, arn)  # gone: quietly done


def test_async_steps_take_the_configured_number_of_polls(fake: FakeAws) -> None:
    fake.polls = 2
    start = fake.start_create_account("lab", "lab@example.com", {})
    assert start.state == "IN_PROGRESS" and start.request_id.startswith("car-")
    assert fake.create_account_status(start.request_id).state == "IN_PROGRESS"
    assert [a.name for a in fake.child_accounts(fake.root_id())] == ["master"]  # not created yet
    done = fake.create_account_status(start.request_id)
    assert done.state == "SUCCEEDED" and re.fullmatch(r"\d{12}", done.result_id or "")
    assert fake.create_account_status(start.request_id) == done
    with pytest.raises(AwsError, match="CreateAccountStatusNotFoundException"):
        fake.create_account_status("car-nope")


def test_member_iam_and_the_credential_report(fake_org: FakeOrg) -> None:
    fake, security = fake_org.fake, fake_org.ids["security"]
    user = fake.iam_user(security, "break-glass-admin")
    assert user is not None and user.arn == f"arn:aws:iam::{security}:user/break-glass/break-glass-admin"
    assert fake.mfa_devices(security, "break-glass-admin") == [f"arn:aws:iam::{security}:mfa/break-glass-admin-mfa"]
    key = fake.create_access_key(security, "break-glass-admin")
    assert [k.id for k in fake.access_keys(security, "break-glass-admin")] == [key]
    assert fake.iam_user(security, "nobody") is None
    assert fake.credential_report(security) is None
    assert [fake.generate_credential_report(security) for _ in range(2)] == ["STARTED", "COMPLETE"]
    report = fake.credential_report(security)
    assert report is not None and "\nbreak-glass-admin,arn:aws:iam::" in report.content
    fake.blocked_accounts.add(security)
    with pytest.raises(AwsError, match="MemberRoleUnavailable"):
        fake.iam_user(security, "break-glass-admin")
    with pytest.raises(AwsError, match="MemberRoleUnavailable"):
        fake.iam_user("999999999999", "x")


def test_email_subscriptions_wait_for_confirmation(fake: FakeAws) -> None:
    arn = fake.create_topic("", "us-east-1", "alerts", {"managed-by": "consolezero"})
    fake.subscribe("", "us-east-1", arn, "email", "a@example.com")
    fake.subscribe("", "us-east-1", arn, "sqs", "arn:aws:sqs:us-east-1:123456789012:q")
    topic = fake.topic("", "us-east-1", "alerts")
    assert topic is not None and [s.arn.startswith("arn:") for s in topic.subscriptions] == [False, True]
    fake.confirm_subscriptions()
    assert all(s.arn.startswith(arn + ":") for s in fake.topic("", "us-east-1", "alerts").subscriptions)


@pytest.mark.parametrize("polls", [0, 2])
def test_apply_converges_on_the_fake_whatever_the_async_steps_take(tmp_path: Path, polls: int) -> None:
    fake = FakeAws(polls=polls)
    org = seed_repository(fake, copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS))
    sleeps: list[float] = []
    result = run_apply(org.repo(), fake, sleep=sleeps.append)
    assert result.summary().startswith("Apply complete: ")
    assert bool(sleeps) == bool(polls)  # apply waited for each step when it took polls
    assert make_plan(org.repo(), fake).changes == ()
