"""The generated CODEOWNERS section: each just-in-time role's approvers own its request files.

Request files live under `requests/<role name in lower case>/<YYYY-MM>/`, so `/requests/admin/`
routes every Admin request to Admin's approvers for review (`request-path-mismatch` refuses a file
whose folder does not name the role it asks for). GitHub then asks the right people;
`check-approvals` remains the authority (it reads the role from the file's content, not its path).
"""

from __future__ import annotations

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
