"""What AWS's APIs refuse in names, descriptions, tags and e-mail addresses, refused at lint time.

One table, :data:`FIELDS`, holds the length and character set AWS documents for each value the
tool sends (the API references of IAM Identity Center ``CreatePermissionSet`` and AWS Organizations
``CreatePolicy``, ``CreateOrganizationalUnit``, ``CreateAccount`` and ``Tag``); :func:`problem` is the
one decision. ``permission-set-name`` uses it for role names; ``aws-field-format`` for the rest.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from consolezero.core.findings import Severity, Where

from ..context import LintContext
from .base import Hit, rule

FAMILY = "inputs"


def _ascii_printable(c: str) -> bool:
    return " " <= c <= "~"


def _name_char(c: str) -> bool:  # [\w+=,.@-] as AWS (Java) reads it: ASCII letters, digits, _ and +=,.@-
    return c.isascii() and (c.isalnum() or c in "_+=,.@-")


def _latin1_text(c: str) -> bool:  # [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]
    return c in "\t\n\r" or _ascii_printable(c) or "\u00a1" <= c <= "\u00ff"


def _tag_char(c: str) -> bool:  # [\p{L}\p{Z}\p{N}_.:/=+\-@]
    return unicodedata.category(c)[0] in "LZN" or c in "_.:/=+-@"


def _ascii(c: str) -> bool:
    return c.isascii()


@dataclass(frozen=True)
class Field:
    what: str  # "permission set name"
    low: int
    high: int
    allowed: Callable[[str], bool]
    allowed_text: str  # in the user's words
    example: str


FIELDS: Mapping[str, Field] = {
    "permission_set_name": Field("permission set name", 1, 32, _name_char,
                                 "ASCII letters, digits and + = , . @ _ -", "PlatformAdmin"),
    "permission_set_description": Field("permission set description", 0, 700, _latin1_text,
                                        "printable ASCII and Latin-1 letters (no emoji, no typographic dashes or "
                                        "quotes)", ""),
    "ou_name": Field("OU name", 1, 128, _ascii, "ASCII characters", "Workloads"),
    "account_name": Field("account name", 1, 50, _ascii_printable, "printable ASCII characters", "prod-app"),
    "email": Field("account e-mail address", 6, 64, _ascii_printable, "7-bit ASCII", "aws+prod-app@example.com"),
    "tag_key": Field("tag key", 1, 128, _tag_char, "letters, digits, spaces and _ . : / = + - @", "cost-center"),
    "tag_value": Field("tag value", 0, 256, _tag_char, "letters, digits, spaces and _ . : / = + - @",
                       "team-payments"),
}

_EMAIL_LOCAL_BAD = set(" \t\"'()<>[]:;,\\|%&")
_EMAIL_DOMAIN = re.compile(r"^[A-Za-z0-9.-]+$")


def _char(c: str) -> str:
    """``'('``; ``'ä' (U+00E4 LATIN SMALL LETTER A WITH DIAERESIS)``; ``U+200B ZERO WIDTH SPACE`` (unseen)."""
    if c.isascii() and c.isprintable():
        return repr(c)
    code = f"U+{ord(c):04X}" + (f" {unicodedata.name(c)}" if unicodedata.name(c, "") else " (a tab or control)")
    return f"{c!r} ({code})" if c.isprintable() else code


def problem(kind: str, value: Any, note: str = "", chars_only: bool = False) -> str | None:
    """Why AWS would refuse ``value`` as a field of ``kind`` (a key of :data:`FIELDS`), or None.
    ``note`` follows the value in the message (" (the file name)"). ``chars_only``: only the characters of
    a string within the length (where the schema already says what a wrong type or length is)."""
    field = FIELDS[kind]
    what = field.what
    if chars_only and (not isinstance(value, str) or not field.low <= len(value) <= field.high):
        return None
    if value is None:
        return f"{what} is empty (null): AWS takes text" + (', e.g. ""' if field.low == 0 else "")
    if isinstance(value, list | dict):
        return f"{what}{note} must be text, not a {'list' if isinstance(value, list) else 'map'}"
    if not isinstance(value, str):
        return f"{what} {value!r}{note} is not text to YAML: quote it (\"{value}\")"
    if len(value) < field.low:
        return f"{what} cannot be empty" + (f" (e.g. {field.example})" if field.example else "")
    if len(value) > field.high:
        return f"{what} {_short(value)!r}{note} is {len(value)} characters; AWS takes at most {field.high}"
    bad = list(dict.fromkeys(c for c in value if not field.allowed(c)))
    if bad:
        shown = ", ".join(_char(c) for c in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        return (f"{what} {_short(value)!r}{note} has characters AWS refuses there: {shown}; "
                f"it takes {field.allowed_text}")
    if kind == "email":
        return _email_problem(value)
    return None


def _email_problem(value: str) -> str | None:
    local, at, domain = value.rpartition("@")
    why = None
    if not at or "@" in local or not local:
        why = "it needs exactly one @"
    elif set(local) & _EMAIL_LOCAL_BAD:
        why = f"the part before @ cannot hold {' '.join(sorted(set(local) & _EMAIL_LOCAL_BAD))!r}"
    elif local.startswith("."):
        why = "the part before @ cannot start with a dot"
    elif not _EMAIL_DOMAIN.match(domain) or "." not in domain or domain[0] in ".-" or domain[-1] in ".-":
        why = "the domain takes letters, digits, - and . (with at least one dot, not first or last)"
    if why is None:
        return None
    return f"account e-mail address {value!r} is one AWS refuses: {why} (e.g. aws+prod-app@example.com)"


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def tag_hits(file: str, data: Any, path: tuple = ("tags",)) -> Iterator[Hit]:
    """The characters of the tags at ``path`` of a document (their types, lengths and the reserved ``aws:``
    prefix are the schema's)."""
    tags = data.get(path[0]) if isinstance(data, Mapping) else None
    if not isinstance(tags, Mapping):
        return
    for key, value in tags.items():
        why = problem("tag_key", key, chars_only=True)
        if why:
            yield Hit(Where(file, (*path, key), key=True), why)
        why = problem("tag_value", value, f" of {key}", chars_only=True)
        if why:
            yield Hit(Where(file, (*path, key)), why)


def _field(file: str, data: Any, key: str, kind: str, chars_only: bool = False) -> Iterator[Hit]:
    if not isinstance(data, Mapping) or key not in data:
        return
    why = problem(kind, data.get(key), chars_only=chars_only)
    if why:
        yield Hit(Where(file, (key,)), why)


def _first_file_in(ctx: LintContext, folder: str) -> str | None:
    prefix = folder + "/"
    return next((f for f in ctx.repo.kinds if f.startswith(prefix)), None)


@rule("aws-field-format", Severity.ERROR,
      "Names, descriptions, tags and e-mail addresses are ones AWS's APIs accept (lengths and characters).",
      family=FAMILY)
def aws_field_format(ctx: LintContext) -> Iterator[Hit]:
    """
    AWS checks every name, description and tag it is sent against a documented length and
    character set, and refuses the whole call when one does not fit: at apply time, half-way
    through a deploy. These checks run first, offline:

    - role `description` (the permission set's): printable ASCII, tabs, line breaks and
      Latin-1 (U+00A1-U+00FF): no emoji, no `—`, no curly quotes (at most 700 characters:
      the schema says so, as it says the SCP `description`'s 512);
    - OU name (its folder under `accounts/`): 1 to 128 ASCII characters;
    - account name (its file name under `accounts/`): 1 to 50 printable ASCII characters;
    - account `email`: 6 to 64 characters of 7-bit ASCII with one `@`; before it none of
      `" ' ( ) < > [ ] : ; , \\ | % &` and no leading dot; after it letters, digits, `-` and `.`,
      with at least one dot, not first or last;
    - `tags` of accounts, OUs, SCPs, roles and the organization: letters, digits, spaces and
      `_ . : / = + - @` (the schema checks their lengths, 128 and 256, and the reserved `aws:`).

    The permission set `name` is `permission-set-name`'s; the SCP `name` (ASCII letters, digits and
    `+=,.@_-`, which AWS takes and which alerts can name) is the schema's.

    **Fix:** write the value within what AWS takes; the message names the characters it refuses.
    """
    kinds = ctx.repo.kinds
    for file, kind in kinds.items():
        doc = ctx.repo.documents[file]
        if not doc.ok:
            continue
        data = doc.data
        if kind == "role":
            yield from _field(file, data, "description", "permission_set_description", chars_only=True)
        elif kind == "account":
            name = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            why = problem("account_name", name, " (the file name)")
            if why:
                yield Hit(Where(file), why)
            yield from _field(file, data, "email", "email")
        if kind in ("role", "scp", "account", "ou", "organization"):
            yield from tag_hits(file, data)
    for ou in ctx.model.ous.values():
        name = ou.path.rsplit("/", 1)[-1]
        why = problem("ou_name", name, f" (the folder {ou.folder}/)")
        anchor = ou.file or _first_file_in(ctx, ou.folder)
        if why and anchor:
            yield Hit(Where(anchor), why)


RULES = (aws_field_format,)
