"""When each request file reached main, read from git: the clock that just-in-time grants run on.

A grant starts when its request reached main: the commit on main's *first-parent* history that
added the file (a squash merge, a merge commit or a direct push: whichever commit brought it onto
main), at that commit's committer time. Everything comes from ONE ``git log`` over ``requests/``
(``--first-parent``, each commit diffed against its first parent, renames off, blob ids kept), so
the cost does not grow with the number of request files; two ``git rev-parse`` calls find the work
tree and the main ref.

Outside git, in a shallow clone (history cut off: every old request would look freshly merged) or
without a main ref, there is no history: :attr:`History.problem` says why, in one line, and no
grant is made from it (fail closed).

The main ref: ``main_ref`` when given, else ``CONSOLEZERO_MAIN_REF``, else the first of ``main``,
``origin/main`` that exists (a pull request's checkout with full history has ``origin/main``),
else ``HEAD``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from consolezero.core.gitrev import GitError, outside_any_git, run_git

REQUESTS_DIR = "requests"
MAIN_REF_ENV = "CONSOLEZERO_MAIN_REF"
DEFAULT_REFS = ("main", "origin/main", "HEAD")
_TIMEOUT = 60
_YAML = (".yaml", ".yml")
_MARK = "\x1e"  # starts each commit header in the log output


@dataclass(frozen=True)
class Merge:
    """A request file's arrival on main: the commit, its committer time, the file's blob then."""

    file: str  # repository-relative, as the model names it
    time: datetime
    commit: str
    blob: str


@dataclass(frozen=True)
class History:
    """The first arrival on main of every request file main ever held (``merged``), or why there is none."""

    ref: str | None = None
    commit: str | None = None  # what ref pointed at
    merged: Mapping[str, Merge] = field(default_factory=dict)
    contents: Mapping[str, Merge] = field(default_factory=dict)  # blob -> its first arrival, at any path
    problem: str | None = None  # one line: why there is no history (outside git, shallow clone, ...)
    missing_ref: bool = False  # the main ref named explicitly (argument or environment) does not exist
    object_format: str = "sha1"

    @property
    def available(self) -> bool:
        return self.problem is None

    def merge_of(self, file: str) -> Merge | None:
        return self.merged.get(file)


class _GitFailed(Exception):
    pass


def _git(cwd: Path, *args: str) -> str:
    try:
        return run_git(cwd, *args).decode("utf-8", "surrogateescape")
    except GitError as exc:
        raise _GitFailed(str(exc)) from None


def _candidates(main_ref: str | None) -> tuple[str, ...]:
    chosen = main_ref or os.environ.get(MAIN_REF_ENV, "").strip()
    return (chosen,) if chosen else DEFAULT_REFS


def read_history(root: Path | str, main_ref: str | None = None) -> History:
    """The history of ``requests/`` on main's first-parent line, for the repository at ``root``."""
    root = Path(root)
    where = "JIT grants start when a request reaches main, read from git history"
    if outside_any_git(root):  # what git would answer, without starting it
        return History(problem=f"{root} is not inside a git repository: no JIT grants ({where})")
    try:
        top_prefix = _git(root, "rev-parse", "--show-toplevel", "--show-prefix", "--is-shallow-repository",
                          "--show-object-format").split("\n")
    except _GitFailed:
        return History(problem=f"{root} is not inside a git repository: no JIT grants ({where})")
    if len(top_prefix) < 4:
        return History(problem=f"cannot read git's view of {root}: no JIT grants")
    prefix, shallow, object_format = (line.strip() for line in top_prefix[1:4])
    if shallow == "true":
        return History(problem=f"{root} is a shallow git clone: main's history is cut off, so every request would "
                               "look freshly merged; no JIT grants (check out with full history, e.g. "
                               "actions/checkout with fetch-depth: 0)")
    ref = commit = None
    named = bool(main_ref or os.environ.get(MAIN_REF_ENV, "").strip())
    for candidate in _candidates(main_ref):
        if candidate.startswith("-"):
            return History(problem=f"not a git ref: {candidate!r}", missing_ref=True)
        try:
            commit = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{candidate}^{{commit}}")
        except _GitFailed:
            continue
        ref, commit = candidate, commit.strip()
        break
    if ref is None or not commit:
        wanted = " or ".join(_candidates(main_ref))
        return History(problem=f"no {wanted} in the git repository at {root}: no JIT grants (name main with "
                               f"--main-ref or {MAIN_REF_ENV})", missing_ref=named)
    try:
        log = _git(root, "log", "--first-parent", "--diff-merges=first-parent", "--no-renames", "--raw",
                   "--no-abbrev", "-z", f"--format={_MARK}%H %ct", commit, "--", f"{prefix}{REQUESTS_DIR}")
    except _GitFailed as exc:
        return History(ref=ref, commit=commit, problem=f"cannot read the history of {ref}: {exc}; no JIT grants")
    merged, contents = _first_arrivals(log, prefix)
    return History(ref=ref, commit=commit, merged=merged, contents=contents, object_format=object_format or "sha1")


def _first_arrivals(log: str, prefix: str) -> tuple[dict[str, Merge], dict[str, Merge]]:
    """Each file's earliest addition, and each content's earliest arrival (added or changed to), in
    ``git log --raw -z`` output (newest commit first)."""
    merged: dict[str, Merge] = {}
    contents: dict[str, Merge] = {}
    for chunk in reversed(log.split(_MARK)):  # oldest first
        if not chunk.strip("\0\n"):
            continue
        header, _, body = chunk.partition("\n")
        sha, _, stamp = header.partition(" ")
        try:
            when = datetime.fromtimestamp(int(stamp.strip().strip("\0")), UTC)
        except ValueError:
            continue
        fields = body.strip("\0\n").split("\0")
        i = 0
        while i + 1 < len(fields):
            meta, path = fields[i].lstrip("\n"), fields[i + 1]
            i += 2
            parts = meta.split()
            if len(parts) < 5 or not parts[0].startswith(":"):
                continue
            status, new_blob = parts[4], parts[3]
            if status[:1] not in ("A", "M", "T") or not path.startswith(prefix) or not path.endswith(_YAML):
                continue
            arrival = Merge(file=path[len(prefix):], time=when, commit=sha, blob=new_blob)
            contents.setdefault(new_blob, arrival)
            if status.startswith("A"):
                merged.setdefault(arrival.file, arrival)
    return merged, contents


def blob_id(data: bytes, object_format: str = "sha1") -> str:
    """The id git gives a file's content (``git hash-object``, without filters)."""
    digest = hashlib.sha256 if object_format == "sha256" else hashlib.sha1
    return digest(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass(frozen=True)
class AfterMerge:
    """A request file that is not as it reached main: ``changed`` (``line``: the first line that differs)
    or ``deleted``."""

    file: str
    merge: Merge
    kind: str  # changed | deleted
    line: int = 1


def work_tree_blobs(root: Path | str, files: Iterable[str], object_format: str = "sha1") -> dict[str, str]:
    """file -> blob id of its content in the work tree (files that cannot be read are left out)."""
    root = Path(root)
    found = {}
    for file in files:
        try:
            found[file] = blob_id((root / file).read_bytes(), object_format)
        except OSError:
            continue
    return found


def changed_after_merge(root: Path | str, history: History, present: Mapping[str, str]) -> list[AfterMerge]:
    """Request files main ever held whose work-tree content differs from the content they reached main
    with, or that are gone (``present``: the work tree's request files and their blob ids, from
    :func:`work_tree_blobs`). A file moved with its content unchanged is neither: its grant keeps
    the time its content first reached main."""
    if not history.available:
        return []
    root = Path(root)
    here = set(present.values())
    found: list[AfterMerge] = []
    changed = [(file, merge) for file, merge in sorted(history.merged.items())
               if file in present and present[file] != merge.blob]
    original = _blobs(root, [merge.blob for _, merge in changed])
    for file, merge in sorted(history.merged.items()):
        if file not in present:
            if merge.blob not in here:
                found.append(AfterMerge(file, merge, "deleted"))
        elif present[file] != merge.blob:
            data = (root / file).read_bytes()
            found.append(AfterMerge(file, merge, "changed", _first_difference(original.get(merge.blob), data)))
    return found


def _blobs(root: Path, shas: list[str]) -> dict[str, str]:
    """The text of blobs, by id (one ``git cat-file --batch``); empty when git cannot say."""
    if not shas:
        return {}
    try:
        done = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"], input="".join(f"{s}\n" for s in shas)
                              .encode(), capture_output=True, timeout=_TIMEOUT, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return {}
    data, pos, out = done.stdout, 0, {}
    for sha in shas:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3:
            continue
        size = int(header[2])
        out[sha] = data[pos:pos + size].decode("utf-8", "replace")
        pos += size + 1
    return out


def _first_difference(before: str | None, after: bytes) -> int:
    if before is None:
        return 1
    old, new = before.splitlines(), after.decode("utf-8", "replace").splitlines()
    for number, (a, b) in enumerate(zip(old, new, strict=False), 1):
        if a != b:
            return number
    return min(len(old), len(new)) + 1 if len(new) > len(old) else max(len(new), 1)
