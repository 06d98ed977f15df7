"""`consolezero request` as a requester meets it, and lint's pull-request context (--pr-author, --pr-base, --online)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consolezero.cli.app import app
from consolezero.jit.requests import parse_for, path_problem, request_path
from http_stubs import DONE, IN_PROGRESS, Route, jira_path, stub_server

runner = CliRunner()
ARGS = ["--role", "Admin", "--account", "prod-app", "--for", "1h", "--ticket", "OPS-1234", "--reason",
        "Rotate the payments database credentials (incident 42)", "--now", "2026-12-04T10:00:00Z"]
WRITTEN = "requests/admin/2026-12/alice-prod-app-OPS-1234.yaml"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def git_repo(example: Path) -> Path:
    _git(example, "init", "-q", "-b", "main")
    _git(example, "config", "user.email", "alice@example.com")
    _git(example, "config", "user.name", "Alice")
    _git(example, "config", "github.user", "alice")
    _git(example, "add", "-A")
    _git(example, "commit", "-q", "-m", "the example")
    return example


def test_request_writes_a_file_that_lints_clean_and_prints_the_pr_commands(git_repo: Path) -> None:
    result = runner.invoke(app, ["request", str(git_repo), *ARGS])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {WRITTEN} (lints clean)\n")
    assert "once on main the file is immutable" in result.output
    assert f"git add {WRITTEN}" in result.output and "gh pr create --title 'JIT: Admin in prod-app" in result.output
    text = (git_repo / WRITTEN).read_text()
    assert "user: alice@example.com\ngithub: alice\nrole: Admin\naccount: prod-app\nduration: PT1H\n" in text
    assert runner.invoke(app, ["lint", str(git_repo)]).exit_code == 0


def test_request_refuses_to_overwrite(git_repo: Path) -> None:
    assert runner.invoke(app, ["request", str(git_repo), *ARGS]).exit_code == 0
    before = (git_repo / WRITTEN).read_text()
    result = runner.invoke(app, ["request", str(git_repo), *ARGS[:-4], "--reason", "other", "--now",
                                 "2026-12-30T10:00:00Z"])
    assert result.exit_code == 2 and "exists: requests are never rewritten" in result.output
    assert (git_repo / WRITTEN).read_text() == before


def test_flags_win_over_git_config_and_role_case_is_forgiven(git_repo: Path) -> None:
    args = [a if a != "Admin" else "admin" for a in ARGS]
    result = runner.invoke(app, ["request", str(git_repo), *args, "--user", "bob@example.com", "--github", "bob",
                                 "--account", "staging-app", "--for", "90m"])
    assert result.exit_code == 0, result.output
    text = (git_repo / "requests/admin/2026-12/bob-staging-app-OPS-1234.yaml").read_text()
    assert "user: bob@example.com\ngithub: bob\nrole: Admin\naccount: staging-app\nduration: PT1H30M\n" in text


def test_a_request_that_would_fail_review_is_not_written(git_repo: Path) -> None:
    args = ARGS[:]
    args[args.index("1h")] = "3h"
    args[args.index("OPS-1234")] = "OPS 1234"
    result = runner.invoke(app, ["request", str(git_repo), *args])
    assert result.exit_code == 1
    assert ("requests/admin/2026-12/alice-prod-app-OPS-1234.yaml:7:11: error request-duration-too-long: duration PT3H "
            "is longer than role Admin's jit.max_duration PT2H") in result.output
    assert "error request-ticket-format: ticket 'OPS 1234' is not an issue key" in result.output
    assert not (git_repo / "requests/admin/2026-12").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "Administrator"], "request-not-eligible: no role 'Administrator' is declared under roles/; roles "
                                  "that can be requested: Admin"),
    (["--role", "ReadOnly"], "role ReadOnly is not just-in-time"),
    (["--for", "1 day"], "consolezero: --for: not a duration: '1 day' (e.g. 1h, 90m, 1h30m or PT1H)"),
    (["--now", "yesterday"], "consolezero: --now: not an ISO 8601 timestamp: 'yesterday'"),
])
def test_bad_input_is_one_line_or_a_finding(git_repo: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["request", str(git_repo), *ARGS, *args])
    assert result.exit_code in (1, 2) and message in result.output
    assert "Traceback" not in result.output


def test_no_requester_known(example: Path) -> None:
    result = runner.invoke(app, ["request", str(example), *ARGS], env={"GIT_CONFIG_GLOBAL": "/dev/null",
                                                                       "GIT_CONFIG_NOSYSTEM": "1",
                                                                       "GIT_CEILING_DIRECTORIES": str(example.parent)})
    assert result.exit_code == 2 and "no requester: pass --user" in result.output


def test_open_without_gh_prints_the_commands(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    result = runner.invoke(app, ["request", str(git_repo), *ARGS, "--open", "--user", "alice@example.com",
                                 "--github", "alice"])
    assert result.exit_code == 0 and "`gh` is not installed" in result.output


def test_open_runs_git_and_gh(git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    _git(git_repo, "remote", "add", "origin", str(remote))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text("#!/bin/sh\necho \"https://github.com/example/org/pull/7 ($*)\" | cut -c1-60\n")
    gh.chmod(0o755)
    (git_repo / "unrelated.txt").write_text("staged, not part of the request\n")
    _git(git_repo, "add", "unrelated.txt")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    result = runner.invoke(app, ["request", str(git_repo), *ARGS, "--open"])
    assert result.exit_code == 0, result.output
    assert "https://github.com/example/org/pull/7" in result.output
    assert _git(git_repo, "branch", "--show-current").strip() == "jit/alice-prod-app-ops-1234"
    committed = _git(git_repo, "show", "--stat", "HEAD")
    assert WRITTEN in committed and "unrelated.txt" not in committed
    assert "jit/alice-prod-app-ops-1234" in subprocess.run(["git", "-C", str(remote), "branch"], capture_output=True,
                                                           text=True, check=True).stdout


def test_lint_pr_author_checks_only_the_pull_requests_files(git_repo: Path) -> None:
    assert runner.invoke(app, ["request", str(git_repo), *ARGS, "--ticket", "OPS-2"]).exit_code == 0
    mine = "requests/admin/2026-12/alice-prod-app-OPS-2.yaml"
    ok = runner.invoke(app, ["lint", str(git_repo), "--pr-author", "alice", "--pr-base", "main"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app, ["lint", str(git_repo), "--pr-author", "mallory", "--pr-base", "main"])
    assert bad.exit_code == 1
    assert bad.output.splitlines()[0] == (f"{mine}:4:9: error request-author-mismatch: the pull request is opened by "
                                          "mallory, but the request is alice's: the requester opens their own request")
    assert "alice-prod-app-OPS-1234" not in bad.output  # on main already: not this pull request's
    alone = runner.invoke(app, ["lint", str(git_repo), "--pr-author", "mallory"])
    assert alone.exit_code == 2 and "--pr-author needs --pr-base" in alone.output
    unknown = runner.invoke(app, ["lint", str(git_repo), "--pr-author", "alice", "--pr-base", "nope"])
    assert unknown.exit_code == 2 and "unknown revision 'nope'" in unknown.output


def test_lint_online_asks_the_tracker(git_repo: Path) -> None:
    routes = {jira_path("OPS-1234"): Route(200, DONE), jira_path("OPS-7"): Route(200, IN_PROGRESS)}
    with stub_server(routes) as stub:
        assert runner.invoke(app, ["lint", str(git_repo), "--online", "--jira-url", stub.url]).exit_code == 0
        assert runner.invoke(app, ["request", str(git_repo), *ARGS, "--ticket", "OPS-7"]).exit_code == 0
        result = runner.invoke(app, ["lint", str(git_repo), "--online", "--jira-url", stub.url])
        assert result.exit_code == 1
        assert ("requests/admin/2026-12/alice-prod-app-OPS-7.yaml:8:9: error request-ticket-not-done: ticket OPS-7 is "
                "'In Progress', not done") in result.output
        stub.routes[jira_path("OPS-7")] = Route(403, {"errorMessages": ["Forbidden"]})
        result = runner.invoke(app, ["lint", str(git_repo), "--online", "--jira-url", stub.url])
    assert result.exit_code == 2 and "a configuration error" in result.output


def test_path_helpers() -> None:
    from datetime import UTC, datetime

    assert parse_for("1h") == 3600 and parse_for("90m") == 5400 and parse_for("1h30m") == 5400
    assert parse_for("PT2H") == 7200 and parse_for("pt45m") == 2700 and parse_for("soon") is None
    when = datetime(2026, 11, 3, tzinfo=UTC)
    assert request_path("Admin", when, "alice@example.com", "prod-app", "OPS-1234") == \
        "requests/admin/2026-11/alice-prod-app-OPS-1234.yaml"
    assert request_path("Admin", when, "a.b@x", "prod-app", "OPS 1/2") == \
        "requests/admin/2026-11/a.b-prod-app-OPS-1-2.yaml"
    assert path_problem("requests/admin/2026-11/whatever.yaml", "Admin") is None
    assert "sits under requests/readonly/" in path_problem("requests/readonly/2026-11/x.yaml", "Admin")
    assert "the month, YYYY-MM" in path_problem("requests/admin/2026-13/x.yaml", "Admin")
    assert "request files live at requests/admin/YYYY-MM/" in path_problem("requests/admin/x.yaml", "Admin")


def test_ticket_fallback_is_recorded_in_the_file(git_repo: Path) -> None:
    result = runner.invoke(app, ["request", str(git_repo), *ARGS, "--ticket-fallback"])
    assert result.exit_code == 0, result.output
    assert "(tracker down: fallback used)" in result.output
    assert "\nticket_fallback: true" in (git_repo / WRITTEN).read_text()
