"""The repository as it was at a git revision, read through git's plumbing (for ``consolezero diff``).

Only the parts the model is made of are read (``accounts/``, ``roles/``, ``scps/``, ``requests/``,
``.consolezero.yaml``): ``git ls-tree`` lists their blobs at the revision and one ``git cat-file --batch``
reads them all into memory (object names go to git on stdin, never as arguments). Nothing is checked
out or written; the work tree and the index are never touched. A file whose text is the same as in
the work tree is not parsed twice. A revision with no organization yet (the first pull request) is an
empty repository: everything shows as added.

Symbolic links are followed as the work-tree loader follows them: ``git cat-file --batch
--follow-symlinks -z`` (NUL-terminated: a name may hold a newline) resolves ``REV:path`` inside the
revision's tree (a link to a folder only when
it is one of the parts, e.g. ``roles``: the work-tree loader descends into no other). A link that
leaves the repository, points to nothing or loops is not read, with a warning for the caller to show.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .repository import Repository

PARTS = ("accounts", "roles", "scps", "requests", ".consolezero.yaml")
_TIMEOUT = 60
_FILE_MODES = ("100644", "100755")
_LINK_MODE = "120000"


class GitError(Exception):
    """The revision cannot be read (not a git work tree, unknown revision, git missing): one line."""


def run_git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """One git command in ``cwd``: its output, or :class:`GitError` with git's last line (never a hang)."""
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], input=stdin, capture_output=True, timeout=_TIMEOUT,
                              check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (consolezero reads revisions and history through it)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {_TIMEOUT} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


def outside_any_git(path: Path) -> bool:
    """True when git could find no repository for ``path``: no ``.git`` in it or any folder above it, and no
    GIT_DIR in the environment. Then a git command there can only fail, so callers skip starting one."""
    if os.environ.get("GIT_DIR"):
        return False
    try:
        here = path.resolve()
    except OSError:
        return False
    return not any((folder / ".git").exists() for folder in (here, *here.parents))


def head_commit(path: Path) -> str | None:
    """The commit checked out at ``path``, or None when it is not in a git work tree (or git is missing)."""
    try:
        return run_git(path, "rev-parse", "--verify", "--quiet", "HEAD").decode().strip() or None
    except (GitError, OSError):
        return None


def resolve(path: Path, rev: str) -> tuple[Path, str, str]:
    """(top of the work tree, ``path`` relative to it as a prefix, the commit ``rev`` names)."""
    if not path.is_dir():
        raise GitError(f"{path}: no such directory")
    try:
        lines = run_git(path, "rev-parse", "--show-toplevel", "--show-prefix").decode().splitlines()
    except GitError:
        raise GitError(f"{path} is not inside a git work tree (diff compares with a git revision)") from None
    top, prefix = Path(lines[0]), lines[1] if len(lines) > 1 else ""
    if not rev or rev.startswith("-"):
        raise GitError(f"not a revision: {rev!r}")
    try:
        commit = run_git(path, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
        commit = commit.decode().strip()
    except GitError:
        commit = ""
    if not commit:
        raise GitError(f"unknown revision {rev!r} (a commit, branch or tag, e.g. HEAD, main, origin/main)")
    return top, prefix, commit


def changed_files(path: Path, rev: str, under: str) -> list[str]:
    """Files below ``under`` (relative to ``path``) that differ between ``rev`` and the work tree, untracked
    ones included, relative to ``path`` (a pull request's files, seen from its checkout)."""
    top, prefix, commit = resolve(path, rev)
    spec = f"{prefix}{under}"
    names = run_git(top, "diff", "--name-only", "-z", "--no-renames", commit, "--", spec).split(b"\0")
    names += run_git(top, "ls-files", "-z", "--others", "--exclude-standard", "--", spec).split(b"\0")
    found = {n.decode("utf-8", "surrogateescape") for n in names if n}
    return sorted(PurePosixPath(n).relative_to(prefix).as_posix() if prefix else n for n in found)


def read_revision(path: Path, rev: str, warnings: list[str]) -> tuple[dict[str, bytes], str]:
    """The model's files of the repository at ``path`` as of ``rev``: ({path relative to it: bytes}, the commit).
    What could not be read (symbolic links out of the repository, ...) is added to ``warnings``."""
    top, prefix, commit = resolve(path, rev)
    specs = [f"{prefix}{part}" for part in PARTS]
    listing = run_git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *specs)
    blobs: list[tuple[str, str]] = []
    links: list[str] = []
    for mode, kind, sha, name in _entries(listing):
        if kind == "blob" and mode in _FILE_MODES:
            blobs.append((sha, name))
        elif kind == "blob" and mode == _LINK_MODE:
            links.append(name)
    blobs += _follow_links(top, rev, commit, prefix, links, tuple(specs), warnings)
    files: dict[str, bytes] = {}
    if not blobs:
        return files, commit
    wanted = list(dict.fromkeys(sha for sha, _ in blobs))
    data = run_git(top, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in wanted).encode())
    contents: dict[str, bytes] = {}
    pos = 0
    for sha in wanted:
        header_end = data.index(b"\n", pos)
        words = data[pos:header_end].split()
        pos = header_end + 1
        if len(words) != 3:  # "<sha> missing": nothing follows
            continue
        size = int(words[2])
        contents[sha] = data[pos : pos + size]
        pos += size + 1
    for sha, name in blobs:
        rel = PurePosixPath(name).relative_to(prefix) if prefix else PurePosixPath(name)
        if ".." not in rel.parts and sha in contents:
            files[rel.as_posix()] = contents[sha]
    return files, commit


def _entries(listing: bytes) -> list[tuple[str, str, str, str]]:
    """(mode, type, sha, path) of each entry of ``git ls-tree -z`` output."""
    out = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        out.append((mode, kind, sha, name.decode("utf-8", "surrogateescape")))
    return out


def _follow_links(top: Path, rev: str, commit: str, prefix: str, links: list[str],
                  folders: tuple[str, ...], warnings: list[str]) -> list[tuple[str, str]]:
    """(blob sha, path) for what the symbolic links ``links`` point to at ``commit``, read at the link's path.

    As the work-tree loader (``os.walk`` without following links) reads them: a link to a file is
    read; a link to a folder is read only when it is one of the ``folders`` themselves (``roles`` ->
    ``../shared/roles``), whose links to files are then read too.
    """
    blobs: list[tuple[str, str]] = []
    while links:
        # NUL-terminated requests (-z): a file name may hold a newline; the answer for a missing name
        # echoes the request, so it is matched whole rather than split at the first newline
        request = "".join(f"{commit}:{name}\0" for name in links).encode("utf-8", "surrogateescape")
        data = run_git(top, "cat-file", "--batch", "--follow-symlinks", "-z", stdin=request)
        pos, nested = 0, []
        for name in links:
            echoed = f"{commit}:{name}".encode("utf-8", "surrogateescape")
            for word in (b" missing\n", b" ambiguous\n"):
                if data.startswith(echoed + word, pos):
                    data = data[:pos] + echoed.replace(b"\n", b" ") + data[pos + len(echoed):]
                    break
            header_end = data.index(b"\n", pos)
            header = data[pos:header_end].decode("utf-8", "surrogateescape")
            pos = header_end + 1
            shown = PurePosixPath(name).relative_to(prefix) if prefix else PurePosixPath(name)
            if header.endswith((" missing", " ambiguous")):
                warnings.append(f"{shown} is a symbolic link that points to nothing at {rev}: not read")
                continue
            words = header.split()
            size = int(words[-1])
            body = data[pos : pos + size]
            pos += size + 1
            if words[0] == "symlink":
                warnings.append(f"{shown} is a symbolic link that leaves the repository at {rev} "
                      f"(-> {body.decode('utf-8', 'replace')}): not read")
            elif words[0] in ("dangling", "loop", "notdir"):
                what = "loops" if words[0] == "loop" else "points to nothing"
                warnings.append(f"{shown} is a symbolic link that {what} at {rev}: not read")
            elif words[1] == "blob":
                blobs.append((words[0], name))
            elif words[1] == "tree" and name in folders:
                for mode, kind, sha, sub in _entries(run_git(top, "ls-tree", "-r", "-z", words[0])):
                    if kind == "blob" and mode in _FILE_MODES:
                        blobs.append((sha, f"{name}/{sub}"))
                    elif kind == "blob" and mode == _LINK_MODE:
                        nested.append(f"{name}/{sub}")
        links, folders = nested, ()
    return blobs


def load_at_revision(path: Path, rev: str, work_tree: Repository | None = None,
                     ) -> tuple[Repository, str, list[str]]:
    """The repository at ``path`` as of ``rev``, the commit, and warnings; read in memory. Documents whose
    text is the same as in ``work_tree`` (read with the same limits) are shared, not parsed again. With no
    organization at ``rev`` (no accounts/, roles/ or scps/ yet) the repository is empty, with a warning."""
    from .config import CONFIG_FILE, Config, config_from_data
    from .layout import classify
    from .loader import decode, load_bytes
    from .repository import assemble

    warnings: list[str] = []
    files, commit = read_revision(path, rev, warnings)
    kinds = classify(files)
    if not any(f.startswith(("accounts/", "roles/", "scps/")) for f in kinds):
        warnings.append(f"{rev} ({commit[:12]}) has no organization at {path} yet (no accounts/, roles/ or scps/): "
                        "everything shows as added")
    config_doc = load_bytes(CONFIG_FILE, files[CONFIG_FILE]) if CONFIG_FILE in files else None
    config = config_from_data(config_doc.data if config_doc.ok else None, CONFIG_FILE) if config_doc else Config()
    limits = config.limits
    same_limits = work_tree is not None and work_tree.config.limits == limits
    documents = {}
    for file in kinds:
        raw = files[file]
        known = work_tree.documents.get(file) if same_limits and work_tree is not None else None
        if known is not None and known.text and decode(raw) == known.text:
            documents[file] = known
        else:
            documents[file] = load_bytes(file, raw, max_bytes=limits.max_file_bytes, max_nodes=limits.max_yaml_nodes)
    return assemble(path, kinds, documents, config, config_doc), commit, warnings
