"""One mistake, one finding, in the user's words: each classic first-hour mistake made in a copy of
the example organization gives exactly one finding, whose message is checked word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support import copy_example, lint


def _edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{rel} no longer holds {old!r}: update the case"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# (case, file, old text, new text, the one finding expected: "file:line: rule: message")
CASES = [
    ("misspelled-managed-policy", "roles/readonly.yaml", "[ReadOnlyAccess]", "[ReadOnlyAcess]",
     "roles/readonly.yaml:6: unknown-managed-policy: ReadOnlyAcess is not an AWS managed policy (none of the 1,582 "
     "in consolezero's snapshot of 2026-09-30); did you mean ReadOnlyAccess, OAMReadOnlyAccess or IVSReadOnlyAccess?"),
    ("access-in-capitals", "roles/admin.yaml", "\naccess: jit", "\naccess: JIT",
     'roles/admin.yaml:9: schema: access is "JIT": write access: jit (case matters; one of standing or jit)'),
    ("approvals-as-a-word", "roles/admin.yaml", "approvals: 1 ", 'approvals: "one" ',
     'roles/admin.yaml:15: schema: jit.approvals must be a whole number, e.g. approvals: 1; got "one"'),
    ("empty-scp-file", "scps/deny-user.yaml", None, "",
     "scps/deny-user.yaml:1: schema: the file is empty (or holds only comments): it needs the fields its schema "
     "requires"),
    ("misspelled-key", "roles/admin.yaml", "\nsession_duration:", "\nsesion_duration:",
     "roles/admin.yaml:5: schema: unknown key sesion_duration; did you mean session_duration?"),
    ("misspelled-reference", "accounts/organization.yaml", "jit_account: security", "jit_account: secuirty",
     "accounts/organization.yaml:4: unknown-reference: jit_account: no account 'secuirty' is declared under "
     "accounts/; did you mean security?"),
    ("effect-in-lower-case", "scps/deny-user.yaml", "Effect: Deny", "Effect: deny",
     'scps/deny-user.yaml:10: invalid-policy: DenyIamUsers: Effect is "deny": write Effect: Deny (case matters: '
     "IAM takes only Allow and Deny)"),
    ("misspelled-target", "scps/deny-leave-org.yaml", "targets: [root]", "targets: [ou:Workload]",
     "scps/deny-leave-org.yaml:5: unknown-reference: target ou:Workload: no OU 'Workload' (no folder "
     "accounts/Workload/); did you mean Workloads?"),
]


@pytest.mark.parametrize(("case", "rel", "old", "new", "expected"), CASES, ids=[c[0] for c in CASES])
def test_one_mistake_gives_one_finding(case: str, rel: str, old: str | None, new: str, expected: str,
                                       tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "repo")
    if old is None:
        (repo / rel).write_text(new, encoding="utf-8")
    else:
        _edit(repo, rel, old, new)
    findings = [f for f in lint(repo).findings if not f.suppressed]
    assert [f"{f.file}:{f.line}: {f.rule}: {f.message}" for f in findings] == [expected]


def test_the_example_is_clean_before_the_mistakes(tmp_path: Path) -> None:
    """The cases above start from a clean organization: every finding is the mistake's."""
    assert [f for f in lint(copy_example(tmp_path / "repo")).findings if not f.suppressed] == []


_REGEX = re.compile(r"\^|\$\)|\(\?|\\[swdS]|\[\^|\{\d+,\d*\}")
_REPR = re.compile(r"\{'|\['|': |\bNone\b|\bTrue\b|\bFalse\b|is not of type|should not be valid|was unexpected")

# (what the role file says, the finding expected at which line); each message is the golden wording
SCHEMA_CASES = [
    ("name: ReadOnly\naccess: standing\ndescription: 5\n",
     'roles/readonly.yaml:3: description must be text, e.g. description: "text"; got the number 5'),
    ("name: ReadOnly\naccess: standing\nmanaged_policies: ReadOnlyAccess\n",
     "roles/readonly.yaml:3: managed_policies must be a list, e.g. managed_policies: [ReadOnlyAccess]; got "
     '"ReadOnlyAccess"'),
    ("name: ReadOnly\naccess: standing\nassignments:\n  - {targets: [root]}\n",
     "roles/readonly.yaml:4: assignments[0] needs one of group or user"),
    ("name: ReadOnly\naccess: standing\nassignments:\n  - {group: everyone, user: a@example.com, targets: [root]}\n",
     "roles/readonly.yaml:4: assignments[0] has both group and user: give only one of them"),
    ("name: ReadOnly\naccess: standing\nassignments:\n  - {group: everyone, targets: [root, root]}\n",
     'roles/readonly.yaml:4: assignments[0].targets lists "root" more than once'),
    ("name: ReadOnly\n",
     "roles/readonly.yaml:1: the file is missing access, e.g. access: standing (`standing`: the assigned groups and "
     "users always have the role. `jit`: they may request it for a while, through a request file (see `jit`))"),
    ("name: ReadOnly\naccess: standing\nassignments:\n  - {group: everyone, targets: [everywhere]}\n",
     'roles/readonly.yaml:4: assignments[0].targets[0] "everywhere" is not a valid target, e.g. root '
     "(Where a policy is attached or a role assigned: `root` (the whole organization), `ou:PATH` (an OU by its "
     "path from the root, OU names separated by `/`, e.g. `ou:Workloads/Prod`; covers everything below it) or "
     "`account:NAME` (an account by its file name, e.g. `account:prod-app`))"),
]


@pytest.mark.parametrize(("text", "expected"), SCHEMA_CASES)
def test_schema_findings_speak_the_users_words(text: str, expected: str, tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "repo")
    (repo / "roles/readonly.yaml").write_text(text, encoding="utf-8")
    found = [f for f in lint(repo).findings if f.rule == "schema"]
    messages = [f"{f.file}:{f.line}: {f.message}" for f in found]
    assert messages == [expected]
    assert not _REGEX.search(found[0].message), found[0].message
    assert not _REPR.search(found[0].message), found[0].message
