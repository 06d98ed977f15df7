"""Session-ending statements in plan: each one added or dropped is its own step.

The permission set's inline policy is the role's declared policy plus the statements due now
(:mod:`consolezero.jit.sessions`). Plan compares the two parts separately: the declared part as any
other permission-set field (``update permission set Admin (inline_policy)``), and each session-ending
statement as a step of its own ("end sessions of alice@example.com in Admin on prod-app issued before
2026-11-20T11:00:00Z"). Every such step puts the whole merged document (idempotent) and provisions the
set at once, before the assignment is removed, so the Deny reaches every account the set is in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from consolezero.core.model import Model, format_duration
from consolezero.jit.grants import iso, session_duration
from consolezero.jit.sessions import SessionEnd, canonical, describe, size_problem
from consolezero.plan.actions import Target, UpdateSessionStatements
from consolezero.plan.types import P_DEFINE, Change


def session_changes(model: Model, role_name: str, arn: str, ends: Sequence[SessionEnd],
                    live_ends: Mapping[str, Any], merged_inline: str | None, assigned: bool,
                    user_names: Mapping[str, str]) -> list[Change]:
    """The steps that add the due statements and drop the ones whose time has passed."""
    role = model.roles.get(role_name)
    session = format_duration(session_duration(role)) if role else "PT1H"
    account_names = {a.id: a.name for a in model.accounts.values() if a.id}
    action = UpdateSessionStatements(name=role_name, arn=arn, inline_changed=True, inline_policy=merged_inline,
                                     provision=assigned, provision_now=assigned)
    changes: list[Change] = []
    wanted = {end.sid: end for end in ends}
    for sid, end in wanted.items():
        if sid in live_ends and canonical(live_ends[sid]) == canonical(end.statement()):
            continue
        summary = (f"end sessions of {end.user} in {role_name} on {end.account} issued before {iso(end.expiry)}")
        changes.append(Change("update", "permission_set", role_name, Target.account(end.account).label, P_DEFINE,
                              summary,
                              details={"end_sessions": {"user": end.user, "account": end.account,
                                                        "issued_before": iso(end.expiry), "until": iso(end.until),
                                                        "sid": sid, "requests": list(end.files)},
                                       "statement": end.statement()},
                              action=action))
    for sid, statement in sorted(live_ends.items()):
        if sid in wanted:
            continue
        user_id, account_id, before = describe(statement)
        user = user_names.get(user_id or "", f"user {user_id}")
        account = account_names.get(account_id or "", account_id or "every account")
        summary = (f"stop ending sessions of {user} in {role_name} on {account} issued before {before} (its session "
                   f"duration, {session}, has passed)")
        changes.append(Change("update", "permission_set", role_name, Target.account(account).label, P_DEFINE,
                              summary,
                              details={"stop_ending_sessions": {"user": user, "account": account,
                                                                "issued_before": before, "sid": sid}},
                              action=replace(action, provision_now=False)))
    return changes


def size_error(role_file: str, role_name: str, merged_inline: str | None, count: int) -> str | None:
    """A plan error when the merged inline policy would not fit."""
    if not merged_inline or not count:
        return None
    problem = size_problem(merged_inline)
    if problem is None:
        return None
    return (f"{role_file}: the inline policy of permission set {role_name} would be {problem}, with {count} "
            "session-ending statement(s) of expired grants still within their session duration; shorten the "
            "role's session_duration or its declared inline policy (or wait: each statement is dropped once the "
            "session duration since its expiry has passed)")
