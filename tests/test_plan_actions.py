"""A plan's typed actions (plan/actions.py, plan/alert_actions.py): written as the saved plan's JSON
and read back, checked. The CLI's refusals of a doctored plan file are in test_gate.py."""

from __future__ import annotations

import dataclasses
import json

import pytest

from consolezero.integrations.aws.port import BoundaryRef
from consolezero.plan import actions as ac
from consolezero.plan import alert_actions as al
from consolezero.plan.action_codec import ACTION_TYPES, ActionError, action_json, read_action
from consolezero.plan.planfile import PlanFileError, load_plan
from consolezero.plan.types import Action

TAGS = {"managed-by": "consolezero"}
WHERE = {"account_id": "222222222222", "region": "us-east-1"}
RULE = {**WHERE, "name": "r", "pattern": "{}", "description": "d", "tags": TAGS,
        "targets": ({"Id": "t", "Arn": "arn:aws:sns:us-east-1:222222222222:t", "InputTransformer": {"A": ["b"]}},)}
PS = {"name": "Admin", "description": "d", "session_duration": "PT1H", "tags": TAGS,
      "managed_policies": ("arn:aws:iam::aws:policy/ReadOnlyAccess",), "customer_policies": (("Audit", "/"),),
      "inline_policy": None, "boundary": BoundaryRef(customer_name="Bound", customer_path="/b/")}

# one example of every action type
EXAMPLES: list[Action] = [
    ac.CreateScp(name="DenyUser", description="d", content="{}", tags=TAGS),
    ac.UpdateScp(policy_id="p-1", name="DenyUser", content="{}"),
    ac.DeleteScp(policy_id="p-1"),
    ac.AttachScp(policy="DenyUser", policy_id=None, target=ac.Target.ou("Workloads/Prod"), target_id=None),
    ac.DetachScp(policy="DenyUser", policy_id="p-1", target=ac.Target.by_id("123456789012"), target_id="123456789012"),
    ac.CreateOu(path="Workloads/Prod", name="Prod", parent=ac.Target.ou("Workloads"), parent_id=None, tags=TAGS),
    ac.CreateAccount(name="app", email="a@example.com", destination=ac.ROOT, tags=TAGS),
    ac.MoveAccount(account_id="111111111111", source_parent_id="r-ab12", destination=ac.Target.ou("Sandbox"),
                   destination_id="ou-ab12-cdefgh12"),
    ac.CreatePermissionSet(**PS),
    ac.UpdatePermissionSet(**PS, arn="arn:ps", managed_add=(), managed_remove=("arn:x",), customer_add=(("A", "/"),),
                           customer_remove=(), inline_changed=True, boundary_changed=False, provision=True,
                           update_settings=False, tags_add={}, tags_remove=("old",)),
    ac.UpdateSessionStatements(name="Admin", arn="arn:ps", inline_changed=True, inline_policy=None, provision=False,
                               provision_now=False),
    ac.DeletePermissionSet(arn="arn:ps"),
    ac.Assign(permission_set="Admin", arn=None, account="app", account_id=None, principal_type="USER",
              principal_id="u-1", principal="user:alice", ticket_fallback=(ac.TicketRef("requests/a.yaml", "OPS-1"),)),
    ac.Unassign(permission_set="Admin", arn="arn:ps", account=ac.Target.account("app (111111111111)"),
                account_id="111111111111", principal_type="GROUP", principal_id="g-1", principal="group:ops"),
    al.CreateAlertBus(**WHERE, name="bus", tags=TAGS, policy="{}"),
    al.UpdateAlertBus(**WHERE, name="bus", arn="arn:bus", tags=TAGS),
    al.CreateAlertTopic(**WHERE, name="topic", tags=TAGS, policy="{}"),
    al.UpdateAlertTopic(**WHERE, arn="arn:topic", policy="{}"),
    al.CreateAlertSubscription(**WHERE, arn="arn:topic", protocol="email", endpoint="a@example.com"),
    al.DeleteAlertSubscription(**WHERE, subscription_arn="arn:topic:1"),
    al.CreateAlertRule(**RULE),
    al.UpdateAlertRule(**RULE),
    al.DeleteAlertRule(**WHERE, name="r"),
    al.CreateAlertStackSet(account_id="", region="us-east-1", name="s", template="{}", tags=TAGS, ou_ids=("r-ab12",),
                           regions=("us-east-1", "eu-west-1")),
    al.UpdateAlertStackSet(account_id="", region="us-east-1", name="s", ou_ids=("r-ab12",), regions=("eu-west-1",)),
    al.CreateAlertForwarder(**RULE),
    al.UpdateAlertForwarder(**RULE),
]


def test_every_action_type_has_an_example() -> None:
    assert {type(a) for a in EXAMPLES} == {cls for classes in ACTION_TYPES.values() for cls in classes}


@pytest.mark.parametrize("action", EXAMPLES, ids=lambda a: type(a).__name__)
def test_an_action_is_written_in_field_order_and_read_back_the_same(action: Action) -> None:
    data = json.loads(json.dumps(action_json(action)))
    expected = [f.name for f in dataclasses.fields(action)
                if not (f.name in action.OMITTED and getattr(action, f.name) is None)]
    assert list(data) == expected
    assert read_action(action.OP, action.KIND, data) == action


def test_the_json_is_todays_saved_plan_format() -> None:
    assert action_json(EXAMPLES[3]) == {"policy": "DenyUser", "policy_id": None, "target": "ou:Workloads/Prod",
                                        "target_id": None}
    assert action_json(ac.UpdateScp(policy_id="p-1", name="X", tags_add={"a": "b"}, tags_remove=())) == {
        "policy_id": "p-1", "name": "X", "tags_add": {"a": "b"}, "tags_remove": []}
    assert action_json(EXAMPLES[8])["boundary"] == {"managed_arn": None, "customer_name": "Bound",
                                                    "customer_path": "/b/"}
    assert action_json(EXAMPLES[8])["customer_policies"] == [["Audit", "/"]]
    assert action_json(EXAMPLES[12])["ticket_fallback"] == [{"file": "requests/a.yaml", "ticket": "OPS-1"}]
    assert "ticket_fallback" not in action_json(ac.Assign(**{**EXAMPLES[12].__dict__, "ticket_fallback": None}))
    assert action_json(EXAMPLES[13])["account"] == "account:app (111111111111)"


@pytest.mark.parametrize(("label", "target"), [
    ("root", ac.ROOT), ("ou:Workloads/Prod", ac.Target.ou("Workloads/Prod")), ("account:app", ac.Target.account("app")),
    ("ou-ab12-cdefgh12", ac.Target.by_id("ou-ab12-cdefgh12")), ("", None), ("ou:", None), ("galaxy:far", None),
    ("two words", None)])
def test_a_target_label_is_parsed_once_or_refused(label: str, target: ac.Target | None) -> None:
    assert ac.Target.parse(label) == target
    if target is not None:
        assert target.label == label == str(target)


def _read(action: Action, **edits: object) -> Action:
    data = {**action_json(action), **edits}
    return read_action(action.OP, action.KIND, {k: v for k, v in data.items() if v is not _DROP})


_DROP = object()


@pytest.mark.parametrize(("action", "edits", "message"), [
    (EXAMPLES[3], {"target": "galaxy:far"},
     "action.target 'galaxy:far' is not a target (root, ou:PATH, account:NAME or an AWS id)"),
    (EXAMPLES[3], {"target": 3}, "action.target is an integer, expected a string"),
    (EXAMPLES[3], {"target_id": _DROP}, "action.target_id is missing"),
    (EXAMPLES[3], {"target_id": ["x"]}, "action.target_id is a list, expected a string or null"),
    (EXAMPLES[1], {"content": None}, "action.content is null, expected a string"),  # left out, never null
    (EXAMPLES[1], {"tags_remove": "old"}, "action.tags_remove is a string, expected a list"),
    (EXAMPLES[8], {"customer_policies": [["Audit"]]}, "action.customer_policies[0] has 1 item(s), expected 2"),
    (EXAMPLES[8], {"managed_policies": ["a", 2]}, "action.managed_policies[1] is an integer, expected a string"),
    (EXAMPLES[8], {"boundary": {"managed_arn": None, "customer_name": "B", "customer_path": "/", "x": 1}},
     "action.boundary.x is not a field of action.boundary (its fields: managed_arn, customer_name, customer_path)"),
    (EXAMPLES[8], {"boundary": {"managed_arn": None}}, "action.boundary.customer_name is missing"),
    (EXAMPLES[9], {"provision": "yes"}, "action.provision is a string, expected a boolean"),
    (EXAMPLES[9], {"tags_remove": _DROP}, "action.tags_remove is missing"),
    (EXAMPLES[12], {"ticket_fallback": [{"file": "f"}]}, "action.ticket_fallback[0].ticket is missing"),
    (EXAMPLES[20], {"targets": ["arn"]}, "action.targets[0] is a string, expected an object"),
])
def test_a_doctored_action_is_refused_naming_the_field(action: Action, edits: dict, message: str) -> None:
    with pytest.raises(ActionError) as info:
        _read(action, **edits)
    assert str(info.value) == message


def test_the_session_step_is_told_apart_from_a_definition_update_by_its_key() -> None:
    session = EXAMPLES[10]
    assert type(_read(session)) is ac.UpdateSessionStatements
    with pytest.raises(ActionError, match=r"^action.description is missing$"):
        _read(session, provision_now=_DROP)  # without its key: read as the full update, which it is not


def test_a_saved_plan_with_a_doctored_action_names_the_entry_and_the_field() -> None:
    changes = [{"op": a.OP.value, "kind": a.KIND.value, "name": f"n{i}", "phase": 10, "action": action_json(a)}
               for i, a in enumerate(EXAMPLES)]
    plan = {"version": 1, "fingerprint": "f" * 64, "context": {}, "changes": changes}
    assert [c.action for c in load_plan(json.dumps(plan)).changes] == EXAMPLES
    del changes[6]["action"]["email"]
    with pytest.raises(PlanFileError, match=r"^changes\[6\] \(create account n6\): action.email is missing$"):
        load_plan(json.dumps(plan))
