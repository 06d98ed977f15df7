"""The fake keeps its word: the same scenario on BotoPort over the emulator and on FakeAws gives the same
results once ids are named (AWS's ids differ between the two, by design).

Where moto and AWS differ, the fake follows AWS; each difference is spelled out in
test_where_moto_and_aws_differ_the_fake_follows_aws (and normalized nowhere else).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from aws_helpers import Aws, copy_example, seed_for

from consolezero.apply.service import run_apply
from consolezero.integrations.aws.port import FULL_AWS_ACCESS_ID, AwsError, BoundaryRef
from consolezero.integrations.aws.waiter import wait_for
from consolezero.plan.live import LiveState, read_live
from fake_aws import FakeAws, seed_repository

MANAGED = {"managed-by": "consolezero"}
DOC = {"Version": "2012-10-17", "Statement": [{"Sid": "NoBuckets", "Effect": "Deny", "Action": "s3:DeleteBucket",
                                              "Resource": "*"}]}


def names_of(live: LiveState) -> dict[str, str]:
    """Every id the live state holds -> a name that is the same on both sides."""
    names = {live.root_id: "<root>"}
    names.update({o.id: f"<ou:{o.path}>" for o in live.ous})
    names.update({a.id: f"<account:{a.name}>" for a in live.accounts})
    names.update({p.id: f"<scp:{p.name}>" for p in live.policies})
    names.update({p.arn: f"<permission-set:{p.name}>" for p in live.permission_sets})
    names.update({p.id: f"<{p.type.lower()}:{p.name}>" for p in live.principals if p.id})
    if live.sso is not None:
        names.update({live.sso.instance_arn: "<instance>", live.sso.identity_store_id: "<identity-store>"})
    if live.alerts is not None and live.alerts.org_id:
        names[live.alerts.org_id] = "<organization>"
        for s in live.alerts.topic.subscriptions if live.alerts.topic else ():
            names[s.arn] = f"<subscription:{s.protocol}:{s.endpoint}>"
    return names


def normalized(value: Any, names: dict[str, str], collections: tuple[type, ...] = (list, tuple)) -> Any:
    """``value`` with every id replaced by its name (inside ARNs too), ``collections`` in a canonical order
    (other sequences keep theirs), JSON documents (policies, event patterns, templates) compared by what
    they say, as plan compares them."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {normalized(k, names, collections): normalized(v, names, collections) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [normalized(v, names, collections) for v in value]
        if isinstance(value, collections):
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
        return items
    if isinstance(value, str):
        for raw in sorted(names, key=len, reverse=True):
            value = value.replace(raw, names[raw])
        return value
    return value


def snapshot(port: Any, root: Path) -> tuple[Any, list[str], dict[str, str]]:
    """(the live state read as plan reads it, with the complete assignment scan; the changes plan makes of it;
    the names of its ids), ids named. One read of the live state: the plan is built from that same read."""
    from consolezero.apply.safety import guarded_plan
    from consolezero.core.repository import load_repository
    from consolezero.jit.grants import repository_grants

    repo = load_repository(root)
    live = read_live(port, repo.model, full_assignment_scan=True)
    names = names_of(live)
    plan = guarded_plan(repo.model, live, grants=repository_grants(repo))
    return normalized(live.to_json(), names), [c.summary for c in plan.changes], names


def without_stack_role(live_moto: Any) -> Any:
    """moto runs the service-managed StackSet's template in the management account too (AWS never does, and the
    fake runs no template): there the stack's forwarding rule gives apply's target a role."""
    for rule in live_moto["alerts"]["forwarder"]:
        for target in rule["targets"]:
            assert target.pop("role_arn").endswith(":role/consolezero-alerts-forward-us-east-1")
            target["role_arn"] = None
    return live_moto


EDITED = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}


def drift(port: Any, org: Any, user_id: str) -> None:
    """What someone does in the console: DenyUser's content edited, DenyLeaveOrganization detached from the root,
    ReadOnly assigned on prod-app to a user git never names (``user_id``)."""
    scps = {p.name: p.id for p in port.list_scps()}
    port.update_scp(scps["DenyUser"], None, json.dumps(EDITED))
    port.detach_scp(scps["DenyLeaveOrganization"], port.root_id())
    instance = org.seed.instance_arn
    readonly = next(arn for arn in port.list_permission_sets(instance)
                    if port.describe_permission_set(instance, arn).name == "ReadOnly")
    made = port.start_create_assignment(instance, org.ids["prod-app"], readonly, "USER", user_id)
    assert port.assignment_creation_status(instance, made.request_id).state == "SUCCEEDED"


def declared_assignments(port: Any, org: Any, names: dict[str, str]) -> Any:
    """What the fast assignment scan reads: the assignments of the principals the repository names."""
    from consolezero.plan.live import principals_of

    store, instance = org.seed.identity_store_id, org.seed.instance_arn
    read = []
    for kind, name in principals_of(org.repo().model):
        principal = (port.group_id if kind == "GROUP" else port.user_id)(store, name)
        read.append((kind, name, principal and port.assignments_for_principal(instance, kind, principal)))
    return normalized(read, names)


def test_applying_the_example_leaves_the_same_organization_on_both(aws: Aws, tmp_path: Path) -> None:
    """The example applied to both, then the same drift made on both: the same live state and the same plan,
    each time. The drift is the port side of tests/apply/test_plan_apply.py's content edit and detach and of
    tests/cli/test_gate_cli.py's hand-made assignment that only the complete scan finds (both run on the fake)."""
    moto = seed_for(aws, copy_example(tmp_path / "moto"))
    fake = FakeAws()
    twin = seed_repository(fake, copy_example(tmp_path / "fake"))
    moto_port = moto.port()
    run_apply(moto.repo(), moto_port)
    run_apply(twin.repo(), fake)
    fake.confirm_subscriptions()  # moto confirms an email subscription at once; AWS (and the fake) waits for it
    live_moto, plan_moto, _ = snapshot(moto_port, moto.root)
    live_fake, plan_fake, _ = snapshot(fake, twin.root)
    assert plan_moto == plan_fake == []
    assert live_fake == without_stack_role(live_moto)
    assert len(live_fake["policies"]) == 6 and len(live_fake["permission_sets"]) == 3  # it is not empty

    store = aws.client("identitystore")
    jane = store.create_user(IdentityStoreId=moto.seed.identity_store_id, UserName="jane@example.com",
                             DisplayName="jane@example.com", Name={"GivenName": "Jane", "FamilyName": "Doe"})["UserId"]
    drift(moto_port, moto, jane)
    drift(fake, twin, fake.add_user("jane@example.com"))
    live_moto, plan_moto, names_moto = snapshot(moto_port, moto.root)
    live_fake, plan_fake, names_fake = snapshot(fake, twin.root)
    assert plan_moto == plan_fake == ["update SCP DenyUser: content", "attach DenyLeaveOrganization to root",
                                      "unassign ReadOnly from user:jane@example.com on account:prod-app"]
    assert live_fake == without_stack_role(live_moto)
    assert next(p["content"] for p in live_fake["policies"] if p["name"] == "DenyUser") == EDITED  # as read back
    # the fast scan reads the declared principals' assignments only: jane's hand-made one is not among them
    fast = declared_assignments(moto_port, moto, names_moto)
    assert fast == declared_assignments(fake, twin, names_fake)
    assert "<account:prod-app>" in json.dumps(fast) and "<user:jane@example.com>" not in json.dumps(fast)


def scenario(port: Any, instance: str, store: str, account: str) -> list[Any]:
    """SCPs, an OU, an account move, a permission set's whole life: every answer, in order."""
    out: list[Any] = []
    root = port.root_id()
    wait = (lambda start, poll: wait_for(start, poll, "step", interval=0.01).state)  # noqa: E731
    out.append(("root policies", [p.id for p in port.policies_for_target(root)]))
    pid = port.create_scp("NoBuckets", "first", json.dumps(DOC), {**MANAGED, "extra": "1"})
    port.update_scp(pid, "second", json.dumps({**DOC, "Statement": [{**DOC["Statement"][0], "Action": "s3:*"}]}))
    port.update_scp(pid, None, None)
    port.tag_policy(pid, {"owner": "security"})
    port.untag_policy(pid, ["extra"])
    out.append(("scp", port.policy_tags(pid), json.loads(port.policy_content(pid)),
                [(p.name, p.description, p.aws_managed) for p in port.list_scps() if p.id == pid]))
    out.append(("attach", port.attach_scp(pid, root), port.policy_targets(pid)))
    out.append(("attached", sorted(p.name for p in port.policies_for_target(root))))
    out.append(("detach", port.detach_scp(pid, root), port.policy_targets(pid)))
    port.delete_scp(pid)
    port.delete_scp(pid)
    out.append(("scps", [p.name for p in port.list_scps()]))
    ou = port.create_ou(root, "Lab", MANAGED)
    out.append(("ou", [(o.name, o.parent_id) for o in port.child_ous(root)], port.policies_for_target(ou)))
    port.move_account(account, root, ou)
    port.move_account(account, root, ou)
    out.append(("moved", [a.id for a in port.child_accounts(ou)]))
    group = port.group_id(store, "engineers")
    arn = port.create_permission_set(instance, "Lab", "the lab", "PT2H", MANAGED)
    port.update_permission_set(instance, arn, "the new lab", "PT4H")
    port.tag_permission_set(instance, arn, {"owner": "platform"})
    port.untag_permission_set(instance, arn, ["owner"])
    port.attach_managed_policy(instance, arn, "arn:aws:iam::aws:policy/ReadOnlyAccess")
    port.attach_managed_policy(instance, arn, "arn:aws:iam::aws:policy/ReadOnlyAccess")
    port.attach_customer_policy(instance, arn, "LabPolicy", "/lab/")
    port.put_inline_policy(instance, arn, json.dumps(DOC))
    port.put_boundary(instance, arn, BoundaryRef(managed_arn="arn:aws:iam::aws:policy/PowerUserAccess"))

    def permission_set() -> tuple[Any, ...]:
        info = port.describe_permission_set(instance, arn)
        return (info.name, info.description, info.session_duration, port.permission_set_tags(instance, arn),
                port.permission_set_managed_policies(instance, arn),
                port.permission_set_customer_policies(instance, arn),
                port.permission_set_inline_policy(instance, arn), port.permission_set_boundary(instance, arn))

    out.append(("permission set", permission_set()))
    out.append(("assign", wait(port.start_create_assignment(instance, account, arn, "GROUP", group),
                               lambda rid: port.assignment_creation_status(instance, rid))))
    out.append(("assigned", port.account_assignments(instance, account, arn),
                port.assignments_for_principal(instance, "GROUP", group),
                port.accounts_for_permission_set(instance, arn),
                port.accounts_for_permission_set(instance, arn, outdated_only=True)))
    port.put_inline_policy(instance, arn, json.dumps({**DOC, "Statement": [{**DOC["Statement"][0], "Sid": "B"}]}))
    out.append(("outdated", port.accounts_for_permission_set(instance, arn, outdated_only=True)))
    out.append(("provision", wait(port.start_provision(instance, arn),
                                  lambda rid: port.provision_status(instance, rid)),
                port.accounts_for_permission_set(instance, arn, outdated_only=True)))
    port.delete_inline_policy(instance, arn)
    port.delete_boundary(instance, arn)
    port.detach_managed_policy(instance, arn, "arn:aws:iam::aws:policy/ReadOnlyAccess")
    port.detach_managed_policy(instance, arn, "arn:aws:iam::aws:policy/ReadOnlyAccess")
    port.detach_customer_policy(instance, arn, "LabPolicy", "/lab/")
    out.append(("emptied", permission_set()))
    out.append(("unassign", wait(port.start_delete_assignment(instance, account, arn, "GROUP", group),
                                 lambda rid: port.assignment_deletion_status(instance, rid)),
                port.start_delete_assignment(instance, account, arn, "GROUP", group).state,
                port.account_assignments(instance, account, arn)))
    port.delete_permission_set(instance, arn)
    port.delete_permission_set(instance, arn)
    out.append(("deleted", port.list_permission_sets(instance)))
    names = {root: "<root>", ou: "<ou>", pid: "<scp>", arn: "<permission-set>", account: "<account>",
             group: "<group>", instance: "<instance>"}
    return normalized(tuple(out), names, collections=(list,))


def test_the_port_answers_the_same_on_both(aws: Aws) -> None:
    from consolezero.devtools.seed import seed_emulator

    seeded = seed_emulator(aws.url, [("lab", "lab@example.com")], ["engineers"], "eu-west-1")
    moto = scenario(aws.port(), seeded.instance_arn, seeded.identity_store_id, seeded.account_ids["lab"])
    fake = FakeAws()
    twin = fake.seed_organization([("lab", "lab@example.com")], ["engineers"])
    assert scenario(fake, twin.instance_arn, twin.identity_store_id, twin.account_ids["lab"]) == moto
    assert moto[0] == ["root policies", [FULL_AWS_ACCESS_ID]] and len(moto) == 16


def outcome(call: Any) -> Any:
    try:
        return call()
    except AwsError as exc:
        return exc.code


def test_where_moto_and_aws_differ_the_fake_follows_aws(aws: Aws) -> None:
    from consolezero.devtools.seed import seed_emulator

    seeded = seed_emulator(aws.url, [("lab", "lab@example.com")], ["engineers"], "eu-west-1")
    fake = FakeAws()
    twin = fake.seed_organization([("lab", "lab@example.com")], ["engineers"])

    def both(call: Any) -> tuple[Any, Any]:
        return outcome(lambda: call(aws.port(), seeded)), outcome(lambda: call(fake, twin))

    # attaching what is attached, detaching what is not: AWS says so (Duplicate.../PolicyNotAttachedException)
    # and the port answers False ("nothing to do"); moto attaches and detaches again
    assert both(lambda p, s: [p.attach_scp(FULL_AWS_ACCESS_ID, p.root_id()),
                              p.detach_scp(p.create_scp("X", "", json.dumps(DOC), {}), p.root_id())]) == (
        [True, True], [False, False])
    # an SCP over AWS's size limit (10,240 characters)
    big = json.dumps({**DOC, "Statement": [{**DOC["Statement"][0], "Sid": "x" * 10_300}]})
    assert both(lambda p, s: p.create_scp("Big", "", big, {}) and "created") == (
        "created", "ConstraintViolationException")
    # the last SCP of a target: AWS keeps at least one attached
    assert both(lambda p, s: p.detach_scp(FULL_AWS_ACCESS_ID, s.account_ids["lab"])) == (
        True, "ConstraintViolationException")
    # an OU name taken under the parent: AWS refuses (DuplicateOrganizationalUnitException), so the port
    # answers the OU already there; moto makes a second OU of the same name
    assert both(lambda p, s: p.create_ou(p.root_id(), "Lab", {}) == p.create_ou(p.root_id(), "Lab", {})) == (
        False, True)
    # moving an account from a parent it is not in
    assert both(lambda p, s: p.move_account(s.account_ids["lab"], p.create_ou(p.root_id(), "Other", {}),
                                            p.create_ou(p.root_id(), "Third", {}))) == (
        None, "SourceParentNotFoundException")
    # a session duration outside PT1H..PT12H, and a permission set name already taken
    assert both(lambda p, s: p.create_permission_set(s.instance_arn, "Long", "", "PT13H", {}) and "created") == (
        "created", "ValidationException")
    assert both(lambda p, s: [p.create_permission_set(s.instance_arn, "Twice", "", "PT1H", {}) for _ in "12"]
                and "created") == ("created", "ConflictException")
    # an email subscription is pending until its recipient confirms it
    assert both(lambda p, s: p.topic("", "us-east-1", "t").subscriptions[0].arn.split(":")[0] if p.subscribe(
        "", "us-east-1", p.create_topic("", "us-east-1", "t", {}), "email", "a@example.com") else None) == (
        "arn", "PendingConfirmation")
    # a second account with an email already in use fails
    assert both(lambda p, s: p.start_create_account("copy", "lab@example.com", {}).state) == ("SUCCEEDED", "FAILED")
    # the permission set ARN: AWS's arn:aws:sso:::permissionSet/ssoins-.../ps-...; moto writes instance/ for it
    assert both(lambda p, s: p.create_permission_set(s.instance_arn, "Arn", "", "PT1H", {}).split("/")[0]) == (
        "arn:aws:sso:::instance", "arn:aws:sso:::permissionSet")


def test_the_census_reads_the_same_on_both(aws: Aws, tmp_path: Path) -> None:
    """The example with its break-glass user and the demo's IAM users and keys on both: the census (credential
    reports, access keys and their last use, MFA devices, in every account) reads the same. The port side of
    tests/census/test_census.py's census of a seeded organization (which runs on the fake)."""
    from datetime import UTC, datetime

    from consolezero.breakglass.census import take_census, to_json
    from consolezero.devtools.seed import DEMO_USERS, seed_iam_users

    now = datetime(2026, 12, 1, tzinfo=UTC)
    moto = seed_for(aws, copy_example(tmp_path / "moto"))
    fake = FakeAws()
    twin = seed_repository(fake, copy_example(tmp_path / "fake"))
    for name, users in DEMO_USERS.items():
        seed_iam_users(aws.url, moto.ids[name], users, now)
        fake.seed_iam_users(twin.ids[name], users, now)

    def census(port: Any, org: Any) -> Any:
        data = to_json(take_census(port, org.repo().model, now=now))
        names = {account_id: f"<account:{name}>" for name, account_id in org.ids.items()}
        for account in data["accounts"]:
            for user in account["users"]:
                assert all(k["id"].startswith("AKIA") for k in user["access_keys"])
                names.update({k["id"]: f"<key:{user['name']}:{k['created']}>" for k in user["access_keys"]})
        return normalized(data, names)

    seen = census(moto.port(), moto)
    assert seen == census(fake, twin)
    assert seen["summary"]["users"] == 5 and seen["summary"]["keys_used_30d"] == 2  # it is not empty
