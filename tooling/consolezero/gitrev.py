"""The repository as it was at a git revision, read through git's plumbing (for ``consolezero diff``).

Only the parts the model is made of are read (``accounts/``, ``roles/``, ``scps/``, ``requests/``,
``.consolezero.yaml``): ``git ls-tree`` lists their blobs at the revision, one ``git cat-file --batch``
reads them all, and they are written under a temporary folder that :func:`load_at_revision` loads and
removes. Nothing is checked out; the work tree and the index are never touched.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .repository import Repository

PARTS = ("accounts", "roles", "scps", "requests", ".consolezero.yaml")
_TIMEOUT = 60


class GitError(Exception):
    """The revision cannot be read (not a git work tree, unknown revision, git missing): one line."""


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], input=stdin, capture_output=True, timeout=_TIMEOUT,
                              check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (diff reads the base revision through git)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {_TIMEOUT} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


def resolve(path: Path, rev: str) -> tuple[Path, str, str]:
    """(top of the work tree, ``path`` relative to it as a prefix, the commit ``rev`` names)."""
    if not path.is_dir():
        raise GitError(f"{path}: no such directory")
    try:
        lines = _git(path, "rev-parse", "--show-toplevel", "--show-prefix").decode().splitlines()
    except GitError:
        raise GitError(f"{path} is not inside a git work tree (diff compares with a git revision)") from None
    top, prefix = Path(lines[0]), lines[1] if len(lines) > 1 else ""
    if not rev or rev.startswith("-"):
        raise GitError(f"not a revision: {rev!r}")
    try:
        commit = _git(path, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
        commit = commit.decode().strip()
    except GitError:
        commit = ""
    if not commit:
        raise GitError(f"unknown revision {rev!r} (a commit, branch or tag, e.g. HEAD, main, origin/main)")
    return top, prefix, commit


def materialize(path: Path, rev: str, dest: Path) -> tuple[Path, str]:
    """Write the repository at ``path`` as of ``rev`` under ``dest``; -> (its root there, the commit)."""
    top, prefix, commit = resolve(path, rev)
    specs = [f"{prefix}{part}" for part in PARTS]
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *specs)
    blobs: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind == "blob" and mode in ("100644", "100755"):
            blobs.append((sha, name.decode("utf-8", "surrogateescape")))
    root = dest / "repo"
    root.mkdir(parents=True, exist_ok=True)
    if blobs:
        data = _git(top, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha, _ in blobs).encode())
        pos = 0
        for _, name in blobs:
            header_end = data.index(b"\n", pos)
            size = int(data[pos:header_end].split()[2])
            body = data[header_end + 1 : header_end + 1 + size]
            pos = header_end + 1 + size + 1
            rel = PurePosixPath(name).relative_to(prefix) if prefix else PurePosixPath(name)
            if ".." in rel.parts:
                continue
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
    return root, commit


def load_at_revision(path: Path, rev: str) -> tuple[Repository, str]:
    """The repository at ``path`` as of ``rev`` (RepositoryError if there was none), and the commit."""
    from .repository import RepositoryError, load_repository

    tmp = Path(tempfile.mkdtemp(prefix="consolezero-base-"))
    try:
        root, commit = materialize(path, rev, tmp)
        try:
            return load_repository(root), commit
        except RepositoryError:
            raise GitError(f"{rev} ({commit[:12]}) has no consolezero repository at "
                           f"{path} (no accounts/, roles/ or scps/ there)") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
