"""Git repositories with a made-up past, for the demo and the tests: requests merged to main at set
times, by a merge commit or a squash merge, as GitHub would. Never touches the user's git config
(author, committer and config come from the environment of each call)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path


class GitRepoError(Exception):
    pass


def _env(when: str | None) -> dict[str, str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "consolezero", "GIT_AUTHOR_EMAIL": "consolezero@example.com",
           "GIT_COMMITTER_NAME": "consolezero", "GIT_COMMITTER_EMAIL": "consolezero@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if when:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
    return env


def git(root: Path, *args: str, when: str | None = None) -> str:
    """Run git in ``root``; ``when`` (ISO 8601) is the author and committer time of what it commits."""
    try:
        done = subprocess.run(["git", "-C", str(root), "-c", "commit.gpgsign=false", *args], capture_output=True,
                              env=_env(when), timeout=60, check=False)
    except FileNotFoundError:
        raise GitRepoError("git is not installed") from None
    if done.returncode != 0:
        raise GitRepoError(f"git {' '.join(args)}: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout.decode("utf-8", "replace")


def init_main(root: Path, when: str, message: str = "The organization") -> None:
    """``git init`` with branch main, and everything under ``root`` committed at ``when``."""
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "--allow-empty", "-m", message, when=when)


def write(root: Path, files: Mapping[str, str | None]) -> None:
    """Write files (``None`` deletes one)."""
    for name, text in files.items():
        path = root / name
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def merge_branch(root: Path, branch: str, files: Mapping[str, str | None], when: str, *, squash: bool = False,
                 authored: str | None = None, message: str | None = None) -> str:
    """A pull request: ``files`` committed on ``branch`` (at ``authored``, default ``when``), then merged
    into main at ``when`` with a merge commit, or squashed into one commit. Returns main's new commit."""
    git(root, "checkout", "--quiet", "-b", branch, "main")
    write(root, files)
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", message or f"Request on {branch}", when=authored or when)
    git(root, "checkout", "--quiet", "main")
    if squash:
        git(root, "merge", "--quiet", "--squash", branch)
        git(root, "commit", "--quiet", "-m", f"{message or branch} (#squash)", when=when)
    else:
        git(root, "merge", "--quiet", "--no-ff", "-m", f"Merge branch {branch}", branch, when=when)
    git(root, "branch", "--quiet", "-D", branch)
    return git(root, "rev-parse", "HEAD").strip()


def commit_on_main(root: Path, files: Mapping[str, str | None], when: str, message: str = "Direct push") -> str:
    """A commit straight on main (what branch protection should prevent)."""
    write(root, files)
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", message, when=when)
    return git(root, "rev-parse", "HEAD").strip()
