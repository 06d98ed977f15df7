"""Just-in-time requests: what one may ask for, where its file goes, and writing a new one.

A request lives at ``requests/<role name in lower case>/<YYYY-MM>/<file>.yaml``: the folder names
the role (CODEOWNERS routes the review by it; ``request-path-mismatch`` refuses a file whose folder
does not name the role its content asks for), then the month it was written; the file name is free
(``consolezero request`` writes ``<user>-<account>-<ticket>.yaml``). A request is immutable once it
is on main: to extend a grant, add a new request.

Pure functions, no printing; the command line (:mod:`consolezero.cli.jit`) does the I/O around them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from consolezero.core.model import Assignment, Model, Role, format_duration, parse_duration

REQUESTS_DIR = "requests"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_FOR = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$", re.IGNORECASE)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# A Jira issue key: the project key (a letter, then letters, digits or _), a dash, the issue number.
TICKET_KEY = re.compile(r"^([A-Z][A-Z0-9_]*)-([1-9][0-9]*)$")


class RequestError(ValueError):
    """A request cannot be written as asked (one line for the user)."""


def parse_for(text: str) -> int | None:
    """Seconds in ``--for``: ``1h``, ``90m``, ``1h30m`` or an ISO 8601 duration (``PT1H``); None if neither."""
    text = text.strip()
    iso = parse_duration(text.upper())
    if iso is not None:
        return iso
    m = _FOR.match(text)
    if not m or not any(m.groups()):
        return None
    return int(m.group(1) or 0) * 3600 + int(m.group(2) or 0) * 60


def role_folder(role_name: str) -> str:
    """The folder under requests/ that a role's requests live in: its name in lower case."""
    return role_name.lower()


def request_path(role_name: str, when: datetime, user: str, account: str, ticket: str) -> str:
    """``requests/admin/2026-11/alice-prod-app-OPS-1234.yaml`` (repository-relative)."""
    local = user.split("@", 1)[0]
    parts = [p for p in (local, account, ticket) if p]
    name = _UNSAFE.sub("-", "-".join(parts)).strip("-.") or "request"
    return f"{REQUESTS_DIR}/{role_folder(role_name)}/{when:%Y-%m}/{name}.yaml"


def path_problem(file: str, role_name: str) -> str | None:
    """Why a request file's path does not name its role (then the month), or None when it does."""
    parts = PurePosixPath(file).parts
    want = role_folder(role_name)
    example = f"{REQUESTS_DIR}/{want}/YYYY-MM/<name>.yaml"
    if len(parts) != 4 or parts[0] != REQUESTS_DIR:
        return (f"request files live at {example}: the folder names the role (review is routed by it), "
                f"not {file}")
    folder, month = parts[1], parts[2]
    if folder != want:
        shown = month if _MONTH.match(month) else "YYYY-MM"
        return (f"the request asks for role {role_name}, but it sits under {REQUESTS_DIR}/{folder}/: move it "
                f"to {REQUESTS_DIR}/{want}/{shown}/ so that {role_name}'s approvers review it")
    if not _MONTH.match(month):
        return f"the folder after {REQUESTS_DIR}/{want}/ is the month, YYYY-MM (e.g. 2026-11), not {month!r}"
    return None


def jit_roles(model: Model) -> list[str]:
    return sorted(r.name for r in model.roles.values() if r.access == "jit" and r.jit is not None)


def covering(model: Model, role: Role, account: str, user: str | None = None) -> list[Assignment]:
    """The role's assignments whose targets cover the account: who may request the role there.

    A user assignment counts only for that user (when ``user`` is given); group membership is checked
    online, in the Identity Store (``consolezero check-approvals``).
    """
    target = model.accounts.get(account)
    if target is None:
        return []
    levels = set(target.path())  # root, each OU above the account, the account: what a target may name
    found = []
    for assignment in role.assignments:
        if assignment.principal_type == "USER" and user is not None and assignment.principal != user:
            continue
        if any(t in levels for t in assignment.targets):
            found.append(assignment)
    return found


def eligibility_problem(model: Model, role_name: str, account: str, user: str | None = None) -> tuple[str, str] | None:
    """(field, message) when the role cannot be requested in that account; None when it can.

    The field is ``role`` or ``account``: where the finding points.
    """
    role = model.roles.get(role_name)
    if role is None:
        names = jit_roles(model)
        return "role", (f"no role {role_name!r} is declared under roles/; roles that can be requested: "
                        f"{', '.join(names) or 'none'}")
    if role.access != "jit" or role.jit is None:
        return "role", (f"role {role.name} is not just-in-time (access: {role.access}): it cannot be requested; "
                        f"roles that can: {', '.join(jit_roles(model)) or 'none'}")
    if account not in model.accounts:
        return "account", f"no account {account!r} is declared under accounts/"
    if not covering(model, role, account, user):
        where = sorted({str(t) for a in role.assignments for t in a.targets})
        return "account", (f"role {role.name} cannot be requested in {account}: its jit assignments cover "
                           f"{', '.join(where) or 'no account'}")
    return None


@dataclass(frozen=True)
class Draft:
    """What ``consolezero request`` was asked for."""

    user: str
    github: str
    role: str
    account: str
    duration: int  # seconds
    ticket: str
    reason: str
    ticket_fallback: bool = False


def _quote(text: str) -> str:
    """A YAML scalar that reads back as exactly this string."""
    import yaml

    return yaml.safe_dump(text, default_flow_style=True, allow_unicode=True, width=10_000).removesuffix(
        "\n...\n").rstrip("\n")


def render(draft: Draft, file: str) -> str:
    depth = file.count("/")
    lines = [
        f"# yaml-language-server: $schema={'../' * depth}schemas/request.schema.json",
        f"# JIT request: {draft.user} asks for {draft.role} in {draft.account} for "
        f"{format_duration(draft.duration)}. Immutable once on main: to extend, add a new request.",
        f"user: {_quote(draft.user)}",
        f"github: {_quote(draft.github)}",
        f"role: {_quote(draft.role)}",
        f"account: {_quote(draft.account)}",
        f"duration: {format_duration(draft.duration)}",
        f"ticket: {_quote(draft.ticket)}",
        f"reason: {_quote(draft.reason)}",
    ]
    if draft.ticket_fallback:
        lines.append("ticket_fallback: true  # the tracker is down: the role's when_ticket_system_down applies")
    return "\n".join(lines) + "\n"


def git_config(root: Path, key: str) -> str | None:
    """``git config KEY`` in the repository, or None (no git, not set)."""
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(root), "config", "--get", key], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = done.stdout.strip()
    return value if done.returncode == 0 and value else None


def branch_name(file: str) -> str:
    stem = PurePosixPath(file).stem
    return "jit/" + _UNSAFE.sub("-", stem).strip("-").lower()


def pr_commands(file: str, draft: Draft) -> list[list[str]]:
    """The git and gh commands that open the pull request for a written request file."""
    title = f"JIT: {draft.role} in {draft.account} for {format_duration(draft.duration)} ({draft.ticket})"
    body = (f"{draft.user} asks for {draft.role} in {draft.account} for {format_duration(draft.duration)}, "
            f"ticket {draft.ticket}: {draft.reason} (the grant starts when this reaches main)")
    branch = branch_name(file)
    return [
        ["git", "switch", "-c", branch],
        ["git", "add", file],
        ["git", "commit", "-m", title, "--", file],  # only the request, whatever else is staged
        ["git", "push", "-u", "origin", branch],
        ["gh", "pr", "create", "--title", title, "--body", body],
    ]


def shell_line(argv: Sequence[str]) -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in argv)
