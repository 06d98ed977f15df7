"""The generated CODEOWNERS section: each just-in-time role's approvers own its request files.

Request files live under `requests/<role name in lower case>/<YYYY-MM>/`, so `/requests/admin/`
routes every Admin request to Admin's approvers for review (`request-path-mismatch` refuses a file
whose folder does not name the role it asks for). GitHub then asks the right people;
`check-approvals` remains the authority (it reads the role from the file's content, not its path).
"""

from __future__ import annotations

import fnmatch
import re

from consolezero.core.model import Model

from .requests import REQUESTS_DIR, role_folder

BEGIN = "# BEGIN consolezero generated"
END = "# END consolezero generated"
CODEOWNERS_FILE = ".github/CODEOWNERS"


class CodeownersError(ValueError):
    """The CODEOWNERS file has no (or a broken) generated section."""


_NON_ASCII = re.compile(r"[^\x21-\x7e]+")


def ascii_pattern(pattern: str) -> str:
    """A CODEOWNERS pattern in ASCII: each run of other characters (or spaces) becomes ``*``."""
    return _NON_ASCII.sub("*", pattern)


def generated_lines(model: Model) -> list[str]:
    lines = []
    for role in sorted(model.roles.values(), key=lambda r: r.name.lower()):
        if role.access != "jit" or role.jit is None or not role.jit.approvers:
            continue
        owners = " ".join(a if a.startswith("@") else f"@{a}" for a in role.jit.approvers)
        lines.append(f"# {role.name}: requests and the role itself are reviewed by its approvers")
        lines.append(f"{ascii_pattern(f'/{REQUESTS_DIR}/{role_folder(role.name)}/')} {owners}")
        lines.append(f"{ascii_pattern(f'/{role.file}')} {owners}")
    return lines


def new_file(lines: list[str]) -> str:
    """A CODEOWNERS file holding only the generated section (for a repository that has none yet)."""
    return splice(f"# Code owners; the section between the markers is written by `consolezero codeowners`.\n"
                  f"{BEGIN}\n{END}\n", lines)


_WHERE = (f"add the two lines '{BEGIN}' and '{END}' where the generated section belongs (the last matching "
          "pattern wins, so lines below the section override it)")


def splice(text: str, lines: list[str]) -> str:
    """Replace what stands between the markers with ``lines``."""
    before, begin, rest = text.partition(BEGIN + "\n")
    if not begin:
        raise CodeownersError(f"{CODEOWNERS_FILE} has no '{BEGIN}' line: {_WHERE}")
    _, end, after = rest.partition(END)
    if not end:
        raise CodeownersError(f"{CODEOWNERS_FILE} has no '{END}' line after '{BEGIN}': {_WHERE}")
    body = "".join(line + "\n" for line in lines)
    return before + begin + body + end + after


# The gate itself: who may change what is applied, how it is checked and with which credentials. Each
# needs two owners (the security team as well as the platform team); `codeowners --check` verifies it.
GATE_PATHS = ("tooling/consolezero/cli/app.py", ".github/workflows/deploy.yml", "bootstrap/bootstrap.yaml",
              ".consolezero.yaml", "scps/deny-user.yaml")


def _matches(pattern: str, path: str) -> bool:
    """GitHub's CODEOWNERS patterns, as far as this file uses them."""
    if pattern in ("*", "/*", "**"):
        return True
    anchored = pattern.startswith("/")
    body = pattern.strip("/")
    if any(c in body for c in "*?["):
        return fnmatch.fnmatchcase(path, body) or (not anchored and fnmatch.fnmatchcase(path, f"*/{body}"))
    return path == body or path.startswith(body + "/")


def owners_of(text: str, path: str) -> list[str]:
    """The owners of ``path``: those of the last line that matches it."""
    found: list[str] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 1 and _matches(words[0], path):
            found = words[1:]
    return found


def gate_problems(text: str) -> list[str]:
    """Gate paths owned by a single owner: one team alone could approve a change to the gate. (A file
    that names no owner for them, such as a new one, leaves them to branch protection's reviews.)"""
    problems = []
    for path in GATE_PATHS:
        owners = owners_of(text, path)
        if len(set(owners)) == 1:
            problems.append(f"{path} is owned by {owners[0]}: the gate needs two teams (security and platform)")
    return problems
