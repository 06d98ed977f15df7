"""Where the organization sits: which files are what, its root found from a subfolder, and paths as a user
or CI sees them.

The organization's root is the nearest folder at or above a path that holds
``accounts/organization.yaml`` (as git finds its root from any subfolder). Findings name files
relative to that root; :func:`prefixes` gives what to put in front of them so that a terminal (relative
to the working directory) and code scanning or annotations (relative to the git repository root)
point at the real file when the organization lives in a subfolder of its repository.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

ORGANIZATION_FILE = "accounts/organization.yaml"
OU_FILE = "_ou.yaml"
KIND_DIRS = {"roles": "role", "scps": "scp", "requests": "request"}
YAML_SUFFIXES = (".yaml", ".yml")


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds accounts/organization.yaml, or None."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / ORGANIZATION_FILE).is_file():
            return folder
    return None


def find_below(start: Path, depth: int = 3) -> Path | None:
    """An organization in a subfolder at most ``depth`` levels below ``start`` (the first in sorted order)."""
    for level in range(1, depth + 1):
        found = sorted(start.glob("/".join(["*"] * level) + "/" + ORGANIZATION_FILE))
        if found:
            return found[0].parent.parent
    return None


def git_top(start: Path) -> Path | None:
    """The top of the git work tree holding ``start`` (a ``.git`` folder or file), or None. No git needed."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _relative(root: Path, base: Path) -> str | None:
    """``root`` relative to ``base`` as a posix prefix ("" when equal), or None when root is not inside base."""
    try:
        rel = root.resolve().relative_to(base.resolve())
    except ValueError:
        return None
    text = PurePosixPath(*rel.parts).as_posix() if rel.parts else ""
    return "" if text == "." else text


def prefixes(root: Path, cwd: Path | None = None) -> tuple[str, str]:
    """(for text: the root from the working directory, for SARIF/annotations: the root from the git
    repository root). Each "" when the root is that folder; a root outside the working directory keeps
    paths relative to itself, as before. The git prefix falls back to the working-directory one."""
    cwd = cwd or Path(os.getcwd())
    text = _relative(root, cwd)
    if text is None:  # the working directory inside the organization: ../ as git status shows it
        inside = _relative(cwd, root)
        text = "/".join([".."] * len(PurePosixPath(inside).parts)) if inside else ""
    top = git_top(root)
    repo = _relative(root, top) if top is not None else None
    return text, (repo if repo is not None else text)


def join(prefix: str, file: str) -> str:
    return f"{prefix}/{file}" if prefix else file


def is_yaml(name: str, suffixes: tuple[str, ...]) -> bool:
    """``.yaml``/``.yml`` in any case (``ROLE.YAML`` is read, not skipped), never a hidden file."""
    return name.lower().endswith(suffixes) and not name.startswith(".")


def _kind_of(file: str) -> str | None:
    """The kind of the file at this repository-relative path, or None when no part of the tool reads it."""
    top, _, rest = file.partition("/")
    name = file.rsplit("/", 1)[-1]
    if top == "accounts" and rest and is_yaml(name, YAML_SUFFIXES) and "/." not in f"/{rest}":
        return "organization" if file == ORGANIZATION_FILE else "ou" if name == OU_FILE else "account"
    if top in KIND_DIRS and rest and is_yaml(name, YAML_SUFFIXES) and "/." not in f"/{rest}":
        return KIND_DIRS[top]
    return None


def _walk_order(file: str) -> tuple:
    """Sort key that orders paths as the work-tree walk does: a folder's files, then its subfolders."""
    parts = file.split("/")
    return (*((1, d) for d in parts[:-1]), (0, parts[-1]))


_TOP_ORDER = {"accounts": 0, **{top: i + 1 for i, top in enumerate(KIND_DIRS)}}


def classify(files: Iterable[str]) -> dict[str, str]:
    """The model's files among repository-relative ``files`` (e.g. a git revision's), with their kinds, in
    the order :func:`discover` gives them. Workflows and bootstrap templates are left out."""
    found = {f: k for f in files if (k := _kind_of(f)) is not None}
    order = sorted(found, key=lambda f: (_TOP_ORDER[f.partition("/")[0]], _walk_order(f)))
    return {f: found[f] for f in order}
