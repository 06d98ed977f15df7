"""Sessions end at expiry: the Deny statements that end the sessions an expired grant issued.

Removing an account assignment stops new sign-ins, but a session already issued lives on for up to
the permission set's session duration. So, from a grant's end until its role's ``session_duration``
has passed, the permission set's inline policy carries one statement per (user, account)::

    {"Sid": "EndSessions<12 hex>", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"StringEquals": {"identitystore:UserId": "<the user's identity-store ID>",
                                    "aws:PrincipalAccount": "<the account's ID>"},
                   "DateLessThan": {"aws:TokenIssueTime": "2026-11-20T11:00:00Z"}}}

``identitystore:UserId`` is the key AWS's Identity Center guide recommends (it survives re-syncs of a
user's name or email, ``aws:userid`` does not); ``aws:PrincipalAccount`` keeps the statement to the
account whose grant ended (the same user's grant of the same role elsewhere is untouched); sessions
issued after the expiry (a new grant) are not affected. Afterwards the statement is dropped: no session
issued before the expiry can still be alive. The Sid is a digest of (user ID, account ID, expiry):
the same grant always gives the same statement, so plans are stable between reconciles.

Nothing here enters lint or ``consolezero access``: they read the repository, where these statements
never are; the role stays what it was for everyone else.

Size: Identity Center takes an inline policy of up to 32,768 bytes, and the IAM role it becomes in
each account holds at most 10,240 characters of inline policy, whitespace not counted. Both are
checked on the minified document; a flood of expiries that would exceed them is a plan error.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from consolezero.jit.grants import Grants, iso, session_duration

SID_PREFIX = "EndSessions"
INLINE_POLICY_MAX_BYTES = 32_768  # IAM Identity Center: one inline policy per permission set
ROLE_POLICY_MAX_CHARS = 10_240  # IAM: a role's inline policies, whitespace not counted
_SID = re.compile(rf"^{SID_PREFIX}[0-9a-f]{{12}}$")
USER_KEY = "identitystore:UserId"
ACCOUNT_KEY = "aws:PrincipalAccount"
TIME_KEY = "aws:TokenIssueTime"


@dataclass(frozen=True)
class SessionEnd:
    """Sessions of ``user`` in ``role`` on ``account`` issued before ``expiry`` end, until ``until``."""

    user: str
    user_id: str
    role: str
    account: str
    account_id: str
    expiry: datetime
    until: datetime  # expiry + the role's session duration: then the statement is dropped
    files: tuple[str, ...]

    @property
    def sid(self) -> str:
        return statement_sid(self.user_id, self.account_id, self.expiry)

    def statement(self) -> dict[str, Any]:
        return session_statement(self.user_id, self.account_id, self.expiry)


def statement_sid(user_id: str, account_id: str, expiry: datetime) -> str:
    digest = hashlib.sha256(f"{user_id}|{account_id}|{iso(expiry)}".encode()).hexdigest()
    return f"{SID_PREFIX}{digest[:12]}"


def session_statement(user_id: str, account_id: str, expiry: datetime) -> dict[str, Any]:
    return {"Sid": statement_sid(user_id, account_id, expiry), "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {USER_KEY: user_id, ACCOUNT_KEY: account_id},
                          "DateLessThan": {TIME_KEY: iso(expiry)}}}


def session_ends(grants: Grants, model: Any, user_ids: Mapping[str, str | None],
                 live_sessions: Mapping[str, int] | None = None) -> tuple[list[SessionEnd], list[str]]:
    """The statements due at ``grants.now`` (one per user, role and account: the latest expiry), and
    warnings for ended grants whose sessions cannot be ended (the user is not in the identity store).

    A statement stays for the role's session duration after the expiry, or the live permission set's
    (``live_sessions``, seconds by role) when that is longer: sessions issued before the role's
    duration was shortened may last that long."""
    latest: dict[tuple[str, str, str], SessionEnd] = {}
    warnings: list[str] = []
    for window in grants.ended():
        role = model.roles.get(window.role)
        account = model.accounts.get(window.account)
        if role is None or account is None or not account.id:
            continue
        seconds = max(session_duration(role), (live_sessions or {}).get(role.name) or 0)
        until = window.end + timedelta(seconds=seconds)
        if grants.now >= until:
            continue
        user_id = user_ids.get(window.user)
        if not user_id:
            warnings.append(f"{window.files[-1]}: cannot end the sessions of {window.user} in {window.role}: the "
                            "user is not in the IAM Identity Center identity store")
            continue
        end = SessionEnd(user=window.user, user_id=user_id, role=window.role, account=window.account,
                         account_id=account.id, expiry=window.end, until=until, files=window.files)
        key = (window.user, window.role, window.account)
        if key not in latest or latest[key].expiry < end.expiry:
            latest[key] = end  # sessions issued before the later expiry include those before the earlier one
    return sorted(latest.values(), key=lambda e: (e.role, e.expiry, e.sid)), warnings


def is_session_statement(statement: Any) -> bool:
    return isinstance(statement, Mapping) and isinstance(statement.get("Sid"), str) \
        and bool(_SID.match(statement["Sid"])) and statement.get("Effect") == "Deny"


def _statements(document: Any) -> list[Any]:
    if not isinstance(document, Mapping):
        return []
    found = document.get("Statement")
    return list(found) if isinstance(found, list) else [found] if found is not None else []


def split(document: Any) -> tuple[Any, dict[str, Any]]:
    """(the document without session-ending statements, or None if nothing else is left; those
    statements by Sid)."""
    if not isinstance(document, Mapping):
        return document, {}
    rest, ends = [], {}
    for statement in _statements(document):
        if is_session_statement(statement):
            ends[statement["Sid"]] = statement
        else:
            rest.append(statement)
    if not ends:
        return document, {}
    if not rest:
        return None, ends
    kept = dict(document)
    kept["Statement"] = rest
    return kept, ends


def merge(declared: Mapping[str, Any] | None, statements: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The role's declared inline policy with the session-ending statements after its own."""
    if not statements:
        return declared
    base = dict(declared) if isinstance(declared, Mapping) else {"Version": "2012-10-17"}
    base.setdefault("Version", "2012-10-17")
    base["Statement"] = _statements(declared) + [dict(s) for s in statements]
    return base


def describe(statement: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(user ID, account ID, expiry) of a session-ending statement, as far as it says."""
    condition = statement.get("Condition") if isinstance(statement.get("Condition"), Mapping) else {}
    equals = condition.get("StringEquals") if isinstance(condition.get("StringEquals"), Mapping) else {}
    before = condition.get("DateLessThan") if isinstance(condition.get("DateLessThan"), Mapping) else {}

    def one(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    return one(equals.get(USER_KEY)), one(equals.get(ACCOUNT_KEY)), one(before.get(TIME_KEY))


def size_problem(minified: str) -> str | None:
    """Why a minified inline policy is too large for Identity Center, or None."""
    size = len(minified.encode("utf-8"))
    chars = sum(1 for c in minified if not c.isspace())
    if size > INLINE_POLICY_MAX_BYTES:
        return f"{size:,} bytes, over Identity Center's inline policy limit of {INLINE_POLICY_MAX_BYTES:,} bytes"
    if chars > ROLE_POLICY_MAX_CHARS:
        return (f"{chars:,} characters, over the {ROLE_POLICY_MAX_CHARS:,} non-whitespace characters IAM allows in "
                "the inline policy of the role each account gets")
    return None


def canonical(statement: Any) -> str:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"))
