"""No way around the gate, offline: configuration cannot silence it, saved plan files are checked, files
stay inside the repository, SARIF survives any file name, git reads survive any link name."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.core.findings import Severity
from support import lint

ADMIN = "roles/admin.yaml"


def _ticket_optional(repo: Path, extra: str = "") -> None:
    path = repo / ADMIN
    path.write_text(path.read_text().replace("ticket: required ", f"ticket: optional {extra}"))


def _open(repo: Path, rule: str | None = None):
    return [f for f in lint(repo).findings if not f.suppressed and (rule is None or f.rule == rule)]


# --- configuration cannot silence the gate --------------------------------------------------------
def test_a_wildcard_ignore_suppresses_nothing_and_its_schema_error_stays(example: Path) -> None:
    _ticket_optional(example)
    (example / ".consolezero.yaml").write_text('ignore:\n  - {rule: "*", reason: everything}\n')
    findings = _open(example)
    assert {(f.rule, f.file) for f in findings} >= {("jit-without-ticket", ADMIN), ("schema", ".consolezero.yaml")}


def test_findings_about_the_config_file_are_never_suppressed(example: Path) -> None:
    (example / ".consolezero.yaml").write_text(
        "severity: {schema: 'off', unknown-reference: info}\n"
        "ignore:\n  - {rule: schema, file: .consolezero.yaml, reason: quiet please}\n"
        "bogus_key: 1\n")
    schema = [f for f in lint(example).findings if f.rule == "schema" and f.file == ".consolezero.yaml"]
    assert schema and not any(f.suppressed for f in schema)
    assert all(f.severity is Severity.ERROR for f in schema)


def test_an_ignore_needs_an_existing_rule_and_a_reason(example: Path) -> None:
    _ticket_optional(example, "# consolezero: ignore[jit-without-ticket]")
    assert _open(example, "jit-without-ticket")  # no reason: not suppressed
    [refusal] = _open(example, "invalid-suppression")
    assert (refusal.file, refusal.severity) == (ADMIN, Severity.ERROR) and "needs a reason" in refusal.message
    path = example / ADMIN
    path.write_text(path.read_text().replace("ignore[jit-without-ticket]", "ignore[all] migration"))
    assert _open(example, "jit-without-ticket")
    assert "name the rule" in _open(example, "invalid-suppression")[0].message
    path.write_text(path.read_text().replace("ignore[all]", "ignore[jit-without-tickets]"))
    assert "no rule is named" in _open(example, "invalid-suppression")[0].message


def test_safety_rules_can_be_raised_never_lowered_without_the_flag(example: Path) -> None:
    from consolezero.core.repository import load_repository
    from consolezero.lint.rules import all_rules
    from consolezero.lint.runner import run_lint
    from consolezero.lint.suppression import weakenings

    lockout = example / "scps" / "freeze.yaml"
    lockout.write_text('name: Freeze\ndescription: Nothing at all.\ntargets: ["ou:Sandbox"]\npolicy:\n'
                       '  Version: "2012-10-17"\n  Statement:\n    - {Sid: DenyAll, Effect: Deny, Action: "*", '
                       'Resource: "*"}\nalerts: {DenyAll: "Sandbox is frozen."}\n')
    (example / ".consolezero.yaml").write_text(
        "severity: {scp-lockout: warning, trifecta-reachable: error}\n"
        "ignore:\n  - {rule: deny-user-missing, reason: later}\n")
    repo = load_repository(example)
    findings = [f for f in run_lint(repo).findings if not f.suppressed]
    assert [f.severity for f in findings if f.rule == "scp-lockout"] == [Severity.ERROR]  # not lowered
    refused = sorted(f.message.split(":")[0] for f in findings if f.rule == "invalid-suppression")
    assert refused == ["deny-user-missing is a safety rule", "scp-lockout is a safety rule"]
    weakened = run_lint(repo, allow_weakened_safety=True).findings
    assert [f.severity for f in weakened if f.rule == "scp-lockout"] == [Severity.WARNING]
    assert not [f for f in weakened if f.rule == "invalid-suppression"]
    shown = weakenings(repo.config, repo.documents, {r.name: r for r in all_rules()})
    assert shown == [".consolezero.yaml: severity scp-lockout: warning (default error)",
                     ".consolezero.yaml: ignore deny-user-missing (later)"]


# --- saved plan files -----------------------------------------------------------------------------
def _saved_plan() -> dict:
    return {"version": 1, "fingerprint": "f" * 64, "context": {}, "changes": [
        {"op": "create", "kind": "scp", "name": "DenyUser", "target": "", "phase": 10, "summary": "create scp",
         "action": {"name": "DenyUser", "description": "d", "content": "{}", "tags": {}}}]}


@pytest.mark.parametrize(("edit", "message"), [
    (lambda c: c.update(op="explode"), "changes[0] (explode scp DenyUser): unknown op 'explode'"),
    (lambda c: c.update(kind="universe"), "changes[0] (create universe DenyUser): unknown kind 'universe'"),
    (lambda c: c.pop("action"), "changes[0] (create scp DenyUser): missing field 'action'"),
    (lambda c: c.update(phase="10"), "changes[0] (create scp DenyUser): 'phase' is a string, expected an integer"),
    (lambda c: c.update(action=["x"]), "changes[0] (create scp DenyUser): 'action' is a list, expected an object"),
    # the action is read back as its typed class (plan/actions.py), field by field
    (lambda c: c.update(op="attach"), "changes[0] (attach scp DenyUser): attach scp is not a change consolezero makes"),
    (lambda c: c["action"].pop("content"), "changes[0] (create scp DenyUser): action.content is missing"),
    (lambda c: c["action"].update(tags=["a"]), "changes[0] (create scp DenyUser): action.tags is a list, expected an "
                                               "object"),
    (lambda c: c["action"].update(tags={"team": 7}), "changes[0] (create scp DenyUser): action.tags.team is an "
                                                     "integer, expected a string"),
    (lambda c: c["action"].update(content=None), "changes[0] (create scp DenyUser): action.content is null, "
                                                 "expected a string"),
    # an unknown field is refused, never ignored: a misspelling, or a field only another version would act on
    (lambda c: c["action"].update(contents="{}"), "changes[0] (create scp DenyUser): action.contents is not a field "
                                                  "of create scp (its fields: name, description, content, tags)"),
])
def test_a_malformed_plan_file_is_one_line_naming_the_entry(tmp_path: Path, edit, message: str) -> None:
    from consolezero.plan.planfile import PlanFileError, load_plan

    data = _saved_plan()
    edit(data["changes"][0])
    with pytest.raises(PlanFileError) as info:
        load_plan(json.dumps(data))
    assert str(info.value).startswith(message)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(data))
    (tmp_path / "repo" / "scps").mkdir(parents=True)
    result = CliRunner().invoke(app, ["apply", str(tmp_path / "repo"), "--plan", str(plan_file), "--auto-approve"])
    assert result.exit_code == 1
    assert result.stderr == f"consolezero: {plan_file}: {message}" + result.stderr.split(message, 1)[1]
    assert "internal error" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_apply_dispatches_every_change_the_planner_makes_through_its_table() -> None:
    from consolezero.apply.executor import HANDLERS
    from consolezero.plan.action_codec import ACTION_TYPES
    from consolezero.plan.actions import CreateScp, DeleteScp
    from consolezero.plan.types import Change, Kind, Op

    every_action = {cls for classes in ACTION_TYPES.values() for cls in classes}
    assert set(HANDLERS) == every_action  # one step per action type, and no step for anything else
    assert all(isinstance(cls.OP, Op) and isinstance(cls.KIND, Kind) for cls in HANDLERS)
    with pytest.raises(ValueError):
        Change("explode", "scp", "x")  # type: ignore[arg-type]
    assert json.dumps({"op": Change("create", "scp", "x").op}) == '{"op": "create"}'  # the contract stays strings
    create = CreateScp(name="x", description="x", content="{}", tags={})
    assert Change("create", "scp", "x", action=create).action is create
    with pytest.raises(TypeError, match="a delete scp change cannot carry a create scp action"):
        Change("delete", "scp", "x", action=create)  # the pair and the action's class agree
    with pytest.raises(TypeError, match="cannot carry dict"):
        Change("delete", "scp", "x", action={"policy_id": "p-1"})  # type: ignore[arg-type]
    assert Change("delete", "scp", "x", action=DeleteScp(policy_id="p-1")).action == DeleteScp(policy_id="p-1")


# --- files stay inside the repository -------------------------------------------------------------
@pytest.mark.parametrize("case", ["passwd", "zero", "fifo", "loop", "dangling"])
def test_the_loader_never_reads_outside_the_repository_or_a_special_file(example: Path, case: str) -> None:
    target = example / "roles" / "evil.yaml"
    if case == "passwd":
        target.symlink_to("/etc/passwd")
    elif case == "zero":
        target.symlink_to("/dev/zero")
    elif case == "fifo":
        os.mkfifo(target)
    elif case == "loop":
        target.symlink_to(example / "roles" / "evil2.yaml")
        (example / "roles" / "evil2.yaml").symlink_to(target)
    else:
        target.symlink_to(example / "roles" / "gone.yaml")
    findings = [f for f in lint(example).findings if f.file == "roles/evil.yaml"]
    assert [(f.rule, f.line) for f in findings] == [("yaml-syntax", 1)]
    assert findings[0].message.startswith("not read: ")
    assert "root:" not in findings[0].message


def test_a_config_link_out_of_the_repository_is_a_finding_nothing_suppresses(example: Path) -> None:
    (example / ".consolezero.yaml").unlink()
    (example / ".consolezero.yaml").symlink_to("/etc/passwd")
    [finding] = [f for f in lint(example).findings if f.file == ".consolezero.yaml"]
    assert finding.message.startswith("not read: a symbolic link that leaves the repository")


def test_codeowners_never_writes_through_a_link(example: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    (example / ".github" / "CODEOWNERS").unlink()
    (example / ".github" / "CODEOWNERS").symlink_to(outside)
    result = CliRunner().invoke(app, ["codeowners", str(example)])
    assert result.exit_code == 2 and "is a symbolic link" in result.stderr
    assert outside.read_text() == "precious\n"


def test_sarif_handles_a_file_name_that_is_not_utf8(example: Path) -> None:
    name = os.fsencode(example / "roles") + b"/caf\xe9.yaml"
    with open(name, "wb") as handle:
        handle.write(b"name: Caf\nsession_duration: PT30H\n")
    result = CliRunner().invoke(app, ["lint", str(example), "--format", "sarif"])
    assert result.exit_code == 1, result.output
    log = json.loads(result.stdout_bytes.decode("utf-8"))  # valid UTF-8
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert "roles/caf%E9.yaml" in uris


def test_git_reads_survive_a_link_name_with_a_newline(example: Path) -> None:
    from consolezero.core.gitrev import load_at_revision

    git = ["git", "-C", str(example), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    (example / "roles" / "odd\nname.yaml").symlink_to("readonly.yaml")
    (example / "roles" / "gone\nlink.yaml").symlink_to("nothing.yaml")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    repo, _, warnings = load_at_revision(example, "HEAD")
    assert "roles/odd\nname.yaml" in repo.documents and repo.documents["roles/odd\nname.yaml"].ok
    assert any("gone\nlink.yaml" in w and "points to nothing" in w for w in warnings)


def test_every_promise_of_plan_and_apply_links_a_test_that_exists() -> None:
    import re

    from support import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Plan and apply", 1)[1].split("\n## ", 1)[0]
    promises = section.split("\n- ")[1:]
    assert len(promises) >= 8
    for promise in promises:
        links = re.findall(r"\[`(test_[a-z0-9_]+)`\]\(([^)]+)\)", promise)
        assert links, f"a promise without a test: {promise[:80]}"
        for name, path in links:
            assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), (name, path)


def test_text_output_handles_a_file_name_that_is_not_utf8(example: Path) -> None:
    with open(os.fsencode(example / "roles") + b"/caf\xe9.yaml", "wb") as handle:
        handle.write(b"name: Caf\nsession_duration: PT30H\n")
    result = CliRunner().invoke(app, ["lint", str(example)])
    assert result.exit_code == 1 and "internal error" not in result.stderr
    assert "roles/caf\ufffd" in result.stdout


def test_a_saved_plan_without_its_fingerprint_says_it_is_missing() -> None:
    from consolezero.plan.planfile import PlanFileError, load_plan

    data = _saved_plan()
    del data["fingerprint"]
    with pytest.raises(PlanFileError) as info:
        load_plan(json.dumps(data))
    assert str(info.value) == "'fingerprint' is missing: save the plan again with `consolezero plan --out FILE`"
