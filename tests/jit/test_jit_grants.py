"""Grants from git history: a repository built in the test, requests merged at set times (merge commits and
squash merges), grants at set `now`s; the rule request-modified-after-merge; `consolezero grants`."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.core.repository import load_repository
from consolezero.devtools.gitrepo import commit_on_main, git, init_main, merge_branch
from consolezero.jit.grants import compute_grants, repository_grants
from consolezero.jit.history import read_history
from support import ROOT, copy_example, lint

ALICE = "requests/admin/2026-11/alice-prod-app-OPS-1234.yaml"
BOB = "requests/admin/2026-11/bob-staging-app-OPS-2000.yaml"


def request(user: str = "alice@example.com", account: str = "prod-app", duration: str = "PT1H",
            ticket: str = "OPS-1234", role: str = "Admin", reason: str = "Rotate the database credentials") -> str:
    return (f"user: {user}\ngithub: {user.split('@')[0]}\nrole: {role}\naccount: {account}\nduration: {duration}\n"
            f"ticket: {ticket}\nreason: {reason}\n")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example organization on main (committed 2026-11-20T09:00Z), without requests yet."""
    root = copy_example(tmp_path / "repo")
    shutil.rmtree(root / "requests")
    init_main(root, "2026-11-20T09:00:00Z")
    return root


def grants_at(root: Path, now: str, main_ref: str | None = None):
    return repository_grants(load_repository(root), t(now), main_ref)


def states(grants) -> dict[str, tuple[str, str, str, str]]:
    return {g.request.file: (g.state, g.start.strftime("%H:%M"), g.end.strftime("%H:%M"),
                             g.requested_end.strftime("%H:%M")) for g in grants.grants}


def test_the_window_starts_at_the_merge_commit_not_at_the_authored_commit(repo: Path) -> None:
    merge_branch(repo, "alice", {ALICE: request()}, "2026-11-20T10:00:00Z", authored="2026-11-20T09:30:00Z")
    history = read_history(repo)
    assert history.ref == "main" and history.merged[ALICE].time == t("2026-11-20T10:00:00Z")
    assert states(grants_at(repo, "2026-11-20T09:59:59Z")) == {ALICE: ("upcoming", "10:00", "11:00", "11:00")}
    active = grants_at(repo, "2026-11-20T10:00:00Z")
    assert states(active) == {ALICE: ("active", "10:00", "11:00", "11:00")}
    assert [(w.user, w.role, w.account) for w in active.active()] == [("alice@example.com", "Admin", "prod-app")]
    expired = grants_at(repo, "2026-11-20T11:00:00Z")
    assert states(expired) == {ALICE: ("expired", "10:00", "11:00", "11:00")} and expired.active() == []


def test_a_squash_merge_starts_the_window_at_the_squash_commit(repo: Path) -> None:
    merge_branch(repo, "bob", {BOB: request("bob@example.com", "staging-app", "PT2H", "OPS-2000")},
                 "2026-11-20T12:00:00Z", authored="2026-11-19T08:00:00Z", squash=True)
    grants = grants_at(repo, "2026-11-20T13:59:00Z")
    assert states(grants) == {BOB: ("active", "12:00", "14:00", "14:00")}
    assert grants.grants[0].approvers == ("@example/platform-leads",)


def test_overlapping_requests_extend_the_grant_and_never_cut_it_short(repo: Path) -> None:
    first = "requests/admin/2026-11/alice-1.yaml"
    second = "requests/admin/2026-11/alice-2.yaml"
    third = "requests/admin/2026-11/alice-3.yaml"
    merge_branch(repo, "a1", {first: request(duration="PT2H", ticket="OPS-1")}, "2026-11-20T10:00:00Z")
    merge_branch(repo, "a2", {second: request(duration="PT1H", ticket="OPS-2")}, "2026-11-20T10:30:00Z", squash=True)
    merge_branch(repo, "a3", {third: request(duration="PT1H", ticket="OPS-3")}, "2026-11-20T12:00:00Z")
    # the second window (10:30-11:30) lies inside the first (10:00-12:00): it does not cut the grant to 11:30;
    # the third starts exactly when the first ends: one grant, 10:00-13:00
    grants = grants_at(repo, "2026-11-20T11:45:00Z")
    assert states(grants) == {first: ("active", "10:00", "13:00", "12:00"),
                              second: ("active", "10:30", "13:00", "11:30"),
                              third: ("upcoming", "12:00", "13:00", "13:00")}
    assert [(w.start.strftime("%H:%M"), w.end.strftime("%H:%M"), len(w.files)) for w in grants.windows] == [
        ("10:00", "13:00", 3)]
    assert len(grants.active()) == 1
    assert grants_at(repo, "2026-11-20T12:59:59Z").active() and not grants_at(repo, "2026-11-20T13:00:00Z").active()


def test_separate_windows_and_other_accounts_stay_separate(repo: Path) -> None:
    merge_branch(repo, "a1", {ALICE: request()}, "2026-11-20T10:00:00Z")
    merge_branch(repo, "a2", {"requests/admin/2026-11/alice-later.yaml": request(ticket="OPS-9")},
                 "2026-11-20T11:30:00Z")
    merge_branch(repo, "a3", {"requests/admin/2026-11/alice-staging.yaml": request(account="staging-app")},
                 "2026-11-20T10:15:00Z")
    grants = grants_at(repo, "2026-11-20T11:10:00Z")
    assert [(w.account, w.start.strftime("%H:%M"), w.end.strftime("%H:%M")) for w in grants.windows] == [
        ("prod-app", "10:00", "11:00"), ("prod-app", "11:30", "12:30"), ("staging-app", "10:15", "11:15")]
    assert [w.account for w in grants.active()] == ["staging-app"]
    assert [w.end.strftime("%H:%M") for w in grants.ended()] == ["11:00"]


def test_a_request_not_on_main_is_pending_and_grants_nothing(repo: Path) -> None:
    git(repo, "checkout", "--quiet", "-b", "pr")
    (repo / ALICE).parent.mkdir(parents=True)
    (repo / ALICE).write_text(request(), encoding="utf-8")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "request", when="2026-11-20T10:00:00Z")
    grants = grants_at(repo, "2026-11-20T10:30:00Z")
    assert grants.grants == () and grants.pending == (ALICE,) and grants.warnings == ()
    # the branch itself, named as main, would be a different story: --main-ref decides whose history counts
    assert states(grants_at(repo, "2026-11-20T10:30:00Z", main_ref="pr")) == {ALICE: ("active", "10:00", "11:00",
                                                                                       "11:00")}


def test_a_request_changed_after_merge_grants_nothing_and_lint_points_at_the_line(repo: Path) -> None:
    merge_branch(repo, "alice", {ALICE: request()}, "2026-11-20T10:00:00Z")
    (repo / ALICE).write_text(request(duration="PT2H"), encoding="utf-8")  # the pull request that edits it
    grants = grants_at(repo, "2026-11-20T10:30:00Z")
    assert grants.grants == () and grants.active() == []
    assert grants.warnings == (f"{ALICE}: changed after it reached main: no grant from it (restore it as it was "
                               "merged; to extend or change a grant, add a new request)",)
    found = [(f.rule, f.file, f.line) for f in lint(repo).findings if not f.suppressed]
    assert found == [("request-modified-after-merge", ALICE, 5)]  # duration: the fifth line
    # the same edit pushed straight to main: still the same finding, still no grant
    commit_on_main(repo, {}, "2026-11-20T10:10:00Z", "edit the request on main")
    found = [(f.rule, f.line) for f in lint(repo).findings if not f.suppressed]
    assert found == [("request-modified-after-merge", 5)]
    assert grants_at(repo, "2026-11-20T10:30:00Z").active() == []


def test_deleting_a_merged_request_is_a_finding_moving_it_unchanged_is_not(repo: Path) -> None:
    merge_branch(repo, "alice", {ALICE: request()}, "2026-11-20T10:00:00Z")
    moved = "requests/admin/2026-12/alice.yaml"
    merge_branch(repo, "move", {ALICE: None, moved: request()}, "2026-11-20T10:20:00Z")
    assert [f.rule for f in lint(repo).findings if not f.suppressed] == []
    # the moved file keeps the time its content reached main: no fresh window from a move
    assert states(grants_at(repo, "2026-11-20T10:30:00Z")) == {moved: ("active", "10:00", "11:00", "11:00")}
    # a copy of an old request under a new name is that old request: it does not start a new window
    merge_branch(repo, "copy", {"requests/admin/2026-12/again.yaml": request()}, "2026-11-20T15:00:00Z")
    assert {s[0] for s in states(grants_at(repo, "2026-11-20T15:30:00Z")).values()} == {"expired"}
    (repo / moved).unlink()
    (repo / "requests/admin/2026-12/again.yaml").unlink()
    findings = [(f.rule, f.file, f.line, f.message) for f in lint(repo).findings if not f.suppressed]
    # every path main held the content at is gone now: each one is reported
    rule = "request-modified-after-merge"
    assert [(r, f, n) for r, f, n, _ in findings] == [
        (rule, ALICE, 1), (rule, "requests/admin/2026-12/again.yaml", 1), (rule, moved, 1)]
    assert "was deleted after it reached main" in findings[0][3]
    assert "restore it (git checkout main --" in findings[0][3]


def test_outside_git_and_in_a_shallow_clone_there_are_no_grants_and_one_warning(tmp_path: Path, repo: Path) -> None:
    plain = copy_example(tmp_path / "plain")
    grants = repository_grants(load_repository(plain), t("2026-11-20T10:30:00Z"))
    assert grants.grants == () and len(grants.warnings) == 1
    assert "is not inside a git repository: no JIT grants" in grants.warnings[0]
    assert [f.rule for f in lint(plain).findings if not f.suppressed] == []  # nothing to compare with: silent
    merge_branch(repo, "alice", {ALICE: request()}, "2026-11-20T10:00:00Z")
    merge_branch(repo, "later", {"README.md": "x\n"}, "2026-11-20T10:05:00Z")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{repo}", str(shallow))
    grants = grants_at(shallow, "2026-11-20T10:30:00Z")
    assert grants.grants == () and "shallow git clone" in grants.warnings[0] and "fetch-depth: 0" in grants.warnings[0]
    findings = [f for f in lint(shallow).findings if not f.suppressed]  # the rule cannot check: one warning
    assert [(f.rule, f.severity.label, f.file, f.line) for f in findings] == [
        ("request-modified-after-merge", "warning", ALICE, 1)]
    assert "cannot check that merged requests are unchanged" in findings[0].message


def test_outside_git_is_known_without_starting_git_and_says_what_git_would(tmp_path: Path, repo: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from consolezero.core import gitrev
    from consolezero.jit import history

    plain = copy_example(tmp_path / "plain")
    (repo / "sub").mkdir()
    worktree_like = tmp_path / "linked"
    worktree_like.mkdir()
    (worktree_like / ".git").write_text("gitdir: /nowhere\n", encoding="utf-8")  # a linked work tree's .git file
    assert gitrev.outside_any_git(plain) and gitrev.outside_any_git(plain / "accounts")
    assert not gitrev.outside_any_git(repo / "sub") and not gitrev.outside_any_git(worktree_like)
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))  # git would use it wherever it runs
    assert not gitrev.outside_any_git(plain)
    monkeypatch.delenv("GIT_DIR")
    skipped = read_history(plain).problem
    started: list[tuple[str, ...]] = []
    real_git = history._git

    def asked(cwd: Path, *args: str) -> str:
        started.append(args)
        return real_git(cwd, *args)

    monkeypatch.setattr(history, "_git", asked)
    assert read_history(plain).problem == skipped and started == []
    monkeypatch.setattr(history, "outside_any_git", lambda _: False)  # git asked after all: the same answer
    assert read_history(plain).problem == skipped and len(started) == 1


def test_ineligible_requests_grant_nothing_and_say_why(repo: Path) -> None:
    merge_branch(repo, "bad", {
        "requests/readonly/2026-11/ro.yaml": request(role="ReadOnly"),
        "requests/admin/2026-11/mgmt.yaml": request(account="management", ticket="OPS-7"),
        "requests/admin/2026-11/long.yaml": request(duration="PT5H", ticket="OPS-8", account="staging-app"),
    }, "2026-11-20T10:00:00Z")
    grants = grants_at(repo, "2026-11-20T10:30:00Z")
    long, readonly = sorted(grants.warnings)
    assert long == "requests/admin/2026-11/long.yaml: duration PT5H is over Admin's max_duration PT2H: granted for PT2H"
    assert readonly.startswith("requests/readonly/2026-11/ro.yaml: role ReadOnly is not just-in-time")
    assert readonly.endswith(": no grant from it")
    # management is under the root, a target of platform-leads' assignment: eligible
    assert states(grants)["requests/admin/2026-11/long.yaml"] == ("active", "10:00", "12:00", "12:00")
    assert "requests/admin/2026-11/mgmt.yaml" in states(grants)


def test_compute_grants_is_a_pure_function_of_model_history_and_now(repo: Path) -> None:
    merge_branch(repo, "alice", {ALICE: request()}, "2026-11-20T10:00:00Z")
    loaded = load_repository(repo)
    history = read_history(repo)
    blobs = {ALICE: history.merged[ALICE].blob}
    a = compute_grants(loaded.model, history, t("2026-11-20T10:30:00Z"), blobs=blobs)
    b = compute_grants(loaded.model, history, t("2026-11-20T10:30:00Z"), blobs=blobs)
    assert a == b and a.now == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


# --- consolezero grants ------------------------------------------------------------------------------------------
def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_grants_json_is_the_contract_plus_added_fields(repo: Path) -> None:
    merge_branch(repo, "alice", {ALICE: request()}, "2026-11-20T10:00:00Z")
    result = run("grants", str(repo), "--now", "2026-11-20T10:30:00Z", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    schema = json.loads((ROOT / "schemas" / "output" / "grants.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert [e.message for e in Draft202012Validator(schema).iter_errors(data)] == []
    assert next(iter(data)) == "version"
    assert data["version"] == 1 and data["now"] == "2026-11-20T10:30:00Z" and data["main"]["ref"] == "main"
    grant = data["grants"][0]
    assert {k: grant[k] for k in ("user", "role", "account", "start", "end", "state", "ticket", "file")} == {
        "user": "alice@example.com", "role": "Admin", "account": "prod-app", "start": "2026-11-20T10:00:00Z",
        "end": "2026-11-20T11:00:00Z", "state": "active", "ticket": "OPS-1234", "file": ALICE}
    assert grant["approvers"] == ["@example/platform-leads"] and grant["fallback_used"] is False
    assert data["summary"] == {"active": 1, "upcoming": 0, "expired": 0}


def test_grants_text_and_markdown(repo: Path) -> None:
    fallback = request("bob@example.com", "staging-app", "PT2H", "OPS-2000") + "ticket_fallback: true\n"
    merge_branch(repo, "alice", {ALICE: request()}, "2026-11-20T10:00:00Z")
    merge_branch(repo, "bob", {BOB: fallback}, "2026-11-20T10:45:00Z", squash=True)
    text = run("grants", str(repo), "--now", "2026-11-20T11:30:00Z").stdout
    lines = text.splitlines()
    assert lines[0].startswith("JIT grants at 2026-11-20T11:30:00Z, from main (")
    assert lines[2].split() == ["STATE", "USER", "ROLE", "ACCOUNT", "START", "END", "TICKET", "APPROVERS", "FALLBACK",
                                "FILE"]
    assert lines[3].split() == ["active", "bob@example.com", "Admin", "staging-app", "2026-11-20T10:45:00Z",
                                "2026-11-20T12:45:00Z", "OPS-2000", "@example/platform-leads", "yes", BOB]
    assert lines[4].split()[:2] == ["expired", "alice@example.com"]
    assert lines[-1] == "1 active, 0 upcoming, 1 expired"
    markdown = run("grants", str(repo), "--now", "2026-11-20T11:30:00Z", "--format", "markdown").stdout
    assert markdown.startswith("### JIT grants at 2026-11-20T11:30:00Z")
    assert "| active | bob@example.com | Admin | staging-app |" in markdown and f"`{BOB}`" in markdown


def test_grants_bad_input_is_one_line(repo: Path, tmp_path: Path) -> None:
    result = run("grants", str(repo), "--now", "tomorrow")
    assert (result.exit_code, result.stderr) == (2, "consolezero: --now: not an ISO 8601 timestamp: 'tomorrow'\n")
    result = run("grants", str(repo), "--main-ref", "trunk")
    assert result.exit_code == 2
    assert result.stderr.startswith("consolezero: --main-ref (or CONSOLEZERO_MAIN_REF): no trunk in the git")
    plain = copy_example(tmp_path / "plain")
    result = run("grants", str(plain))
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert result.stderr.count("warning:") == 1 and "not inside a git repository" in result.stderr
    assert "No grants." in result.stdout
