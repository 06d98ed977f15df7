"""The diff alone (no AWS): semantic document comparison, ownership, ordering, the JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

from aws_helpers import copy_example
from hypothesis import given, settings
from hypothesis import strategies as st

from consolezero.core.repository import load_repository
from consolezero.integrations.aws.port import LiveAccount, LiveOu
from consolezero.plan.build import build_plan
from consolezero.plan.live import LivePolicy, LiveState
from consolezero.plan.render import dump_plan, load_plan, render_json
from consolezero.policy.document import minify

_MODELS: dict[str, object] = {}


def example_model(tmp_path: Path):
    """The example's model (read once: it is immutable)."""
    if "example" not in _MODELS:
        _MODELS["example"] = load_repository(copy_example(tmp_path / "repo")).model
    return _MODELS["example"]


def live_for(model, policies=()) -> LiveState:
    """A live organization that already matches the model's OUs and accounts."""
    ous, ids = [], {}
    for i, path in enumerate(sorted(model.ous, key=lambda p: p.count("/"))):
        ids[path] = f"ou-ab12-{i:08d}"
        parent = path.rpartition("/")[0]
        ous.append(LiveOu(id=ids[path], name=path.rsplit("/", 1)[-1], parent_id=ids.get(parent, "r-ab12"),
                          path=path))
    accounts = [LiveAccount(id=a.id, name=a.name, email=a.email, parent_id=ids.get(a.ou, "r-ab12"))
                for a in model.accounts.values()]
    return LiveState(root_id="r-ab12", ous=tuple(ous), accounts=tuple(accounts), policies=tuple(policies))


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                     max_size=3), max_leaves=10)


@settings(max_examples=60, deadline=None)
@given(extra=st.dictionaries(st.text(min_size=1, max_size=5), json_values, max_size=3), indent=st.sampled_from(
    [None, 2, 4]), reverse=st.booleans())
def test_reformatted_live_documents_are_not_drift(tmp_path_factory, extra, indent, reverse) -> None:
    model = example_model(tmp_path_factory.mktemp("m"))
    scp = model.scps["DenyUser"]
    document = json.loads(minify(scp.policy))
    if reverse:
        document = dict(reversed(list(document.items())))
    live = LivePolicy(id="p-11111111", name="DenyUser", description=scp.description, aws_managed=False,
                      tags={"managed-by": "consolezero"}, content=json.dumps(document, indent=indent),
                      targets=("r-ab12",))
    plan = build_plan(model, live_for(model, [live]))
    assert not [c for c in plan.changes if c.name == "DenyUser" and c.kind == "scp"]
    # ...while a real change of content is one update, shown as a diff
    changed = {**document, **{f"X{k}": v for k, v in extra.items()}} if extra else {**document, "Version": "2008"}
    live = LivePolicy(id="p-11111111", name="DenyUser", description=scp.description, aws_managed=False,
                      tags={"managed-by": "consolezero"}, content=json.dumps(changed), targets=("r-ab12",))
    updates = [c for c in build_plan(model, live_for(model, [live])).changes if c.kind == "scp" and c.op == "update"]
    assert [c.name for c in updates] == ["DenyUser"] and updates[0].details["document"].startswith("--- DenyUser")


def test_minified_is_what_json_dumps_gives() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["a:B"], "Resource": "*"}]}
    assert minify(document) == json.dumps(document, separators=(",", ":"))
    assert " " not in minify(document)


def test_plan_round_trips_through_its_file(tmp_path: Path) -> None:
    model = example_model(tmp_path)
    plan = build_plan(model, live_for(model))
    again = load_plan(dump_plan(plan))
    assert again.fingerprint == plan.fingerprint and again.changes == plan.changes
    contract = json.loads(render_json(plan))
    assert set(contract) >= {"version", "fingerprint", "changes"} and contract["version"] == 1
    assert [c["op"] for c in contract["changes"]] == [c.op for c in plan.changes]


def test_fingerprint_is_stable_and_moves_with_the_live_state(tmp_path: Path) -> None:
    model = example_model(tmp_path)
    live = live_for(model)
    reordered = LiveState(root_id=live.root_id, ous=tuple(reversed(live.ous)), accounts=tuple(reversed(live.accounts)),
                          policies=live.policies)
    assert live.fingerprint() == reordered.fingerprint()
    moved = LiveState(root_id=live.root_id, ous=live.ous, accounts=live.accounts[1:], policies=live.policies)
    assert moved.fingerprint() != live.fingerprint()
