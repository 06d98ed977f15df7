"""Where the organization sits: its root found from a subfolder, and paths as a user or CI sees them.

The organization's root is the nearest folder at or above a path that holds
``accounts/organization.yaml`` (as git finds its root from any subfolder). Findings name files
relative to that root; :func:`prefixes` gives what to put in front of them so that a terminal (relative
to the working directory) and code scanning or annotations (relative to the git repository root)
point at the real file when the organization lives in a subfolder of its repository.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

ORGANIZATION_FILE = "accounts/organization.yaml"


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds accounts/organization.yaml, or None."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / ORGANIZATION_FILE).is_file():
            return folder
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
