"""The change of effective access between two versions of the repository: who gains or loses what.

Pure: two :class:`~consolezero.access.matrix.AccessMatrix` in, an :class:`AccessDiff` out. A role x account
pair that exists on both sides is compared action by action (``allowed``/``fenced``/``denied``) and by
who holds the role there (principals gained and lost); a pair that exists on one side only (an
assignment added or removed, a role or account created or deleted) is one ``assigned``/``unassigned``
entry with the access the pair has, not thousands of actions. Accounts whose changes (actions,
principals, escalation paths) are identical are grouped, so a change at the root reads as one group.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from consolezero.access.matrix import AccessMatrix, Cell, level_counts
from consolezero.policy.catalog import Catalog
from consolezero.policy.escalation import PATHS, escalations
from consolezero.policy.evaluate import Access
from consolezero.policy.patterns import iter_bits

MAX_CHANGES = 50_000  # the flat JSON list stops here; the groups stay complete
RANK = {"none": 0, "denied": 0, "fenced": 1, "allowed": 2}
_ORDER = {p.name: i for i, p in enumerate(PATHS)}


@dataclass(frozen=True)
class ActionChange:
    action: str
    level: str
    before: str  # allowed | fenced | denied
    after: str


@dataclass
class Group:
    """Accounts in which one role changes the same way."""

    role: str
    kind: str  # changed | assigned | unassigned
    accounts: list[str]
    mode: tuple[str | None, str | None]
    session: tuple[str | None, str | None]
    actions: list[ActionChange] = field(default_factory=list)  # kind "changed"
    escalations: list[tuple[str, str, str]] = field(default_factory=list)  # (path, before, after): none|fenced|allowed
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # assigned/unassigned: allowed and fenced by level
    # who came to hold the role there and who no longer does (assigned: everyone who holds it; unassigned: who held it)
    principals_gained: tuple[str, ...] = ()
    principals_lost: tuple[str, ...] = ()

    @property
    def gains(self) -> list[tuple[str, str, str]]:
        return [e for e in self.escalations if RANK[e[2]] > RANK[e[1]]]

    @property
    def losses(self) -> list[tuple[str, str, str]]:
        return [e for e in self.escalations if RANK[e[2]] < RANK[e[1]]]

    def transitions(self) -> dict[tuple[str, str, str], int]:
        """(level, before, after) -> how many actions."""
        out: dict[tuple[str, str, str], int] = {}
        for change in self.actions:
            key = (change.level, change.before, change.after)
            out[key] = out.get(key, 0) + 1
        return out


@dataclass
class AccessDiff:
    base: str  # the revision as given
    commit: str  # what it resolved to
    groups: list[Group]
    # files that do not parse, per side ("base", "work_tree"): what they declare is missing from that side,
    # so its roles show up as assigned or unassigned although nothing changed
    unparsed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def pairs(self) -> int:
        return sum(len(g.accounts) for g in self.groups)

    def changes(self, limit: int = MAX_CHANGES) -> tuple[list[dict[str, str]], bool]:
        """The flat per-action list of the contract (pairs on both sides), and whether it was cut."""
        out: list[dict[str, str]] = []
        for group in self.groups:
            for account in group.accounts:
                for c in group.actions:
                    if len(out) >= limit:
                        return out, True
                    out.append({"role": group.role, "account": account, "action": c.action, "from": c.before,
                                "to": c.after})
        return out, False

    def to_json(self, limit: int = MAX_CHANGES) -> dict[str, object]:
        changes, cut = self.changes(limit)
        assignments = [{"role": g.role, "account": a, "change": g.kind, "mode": g.mode[1] or g.mode[0]}
                       for g in self.groups if g.kind != "changed" for a in g.accounts]
        groups = []
        for g in self.groups:
            entry: dict[str, object] = {
                "role": g.role, "kind": g.kind, "accounts": g.accounts,
                "mode": {"from": g.mode[0], "to": g.mode[1]},
                "session_duration": {"from": g.session[0], "to": g.session[1]},
                "escalations": [{"path": p, "from": b, "to": a} for p, b, a in g.escalations],
                "principals": {"gained": list(g.principals_gained), "lost": list(g.principals_lost)}}
            if g.kind == "changed":
                entry["actions"] = [{"action": c.action, "level": c.level, "from": c.before, "to": c.after}
                                    for c in g.actions]
            else:
                entry["counts"] = g.counts
            groups.append(entry)
        return {"base": self.base, "base_commit": self.commit, "changes": changes,
                "changes_truncated": cut, "assignments": assignments, "groups": groups,
                "unparsed": {"base": self.unparsed.get("base", []), "work_tree": self.unparsed.get("work_tree", [])}}


def _decision(certain: int, possible: int, bit: int) -> str:
    return "allowed" if certain & bit else "fenced" if possible & bit else "denied"


def _paths(access: Access | None, catalog: Catalog) -> dict[str, str]:
    return {} if access is None else {h.path.name: h.state for h in escalations(access, catalog)}


def _escalation_changes(before: Access | None, after: Access | None, catalog: Catalog) -> list[tuple[str, str, str]]:
    b, a = _paths(before, catalog), _paths(after, catalog)
    names = sorted(set(b) | set(a), key=lambda n: _ORDER.get(n, len(_ORDER)))
    return [(n, b.get(n, "none"), a.get(n, "none")) for n in names if b.get(n) != a.get(n)]


def _principal_changes(cb: Cell | None, ca: Cell | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(principals that hold the role in the account now and did not, principals that no longer hold it)."""
    b, a = set(cb.principals if cb else ()), set(ca.principals if ca else ())
    return tuple(sorted(a - b)), tuple(sorted(b - a))


def _group(catalog: Catalog, kind: str, role: str, cb: Cell | None, ca: Cell | None, changed: int,
           esc: list[tuple[str, str, str]], principals: tuple[tuple[str, ...], tuple[str, ...]]) -> Group:
    mode = (cb.role.access if cb else None, ca.role.access if ca else None)
    session = (cb.session if cb else None, ca.session if ca else None)
    before, after = (cb.access if cb else None), (ca.access if ca else None)
    group = Group(role, kind, [], mode, session, escalations=esc, principals_gained=principals[0],
                  principals_lost=principals[1])
    if kind == "changed":
        assert before is not None and after is not None
        for i in iter_bits(changed):
            bit = 1 << i
            group.actions.append(ActionChange(catalog.actions[i], catalog.access_level(i),
                                              _decision(before.certain, before.possible, bit),
                                              _decision(after.certain, after.possible, bit)))
    else:
        side = after if after is not None else before
        assert side is not None
        group.counts = {"allowed": level_counts(side.certain, catalog), "fenced": level_counts(side.fenced, catalog)}
    return group


def diff_matrices(before: AccessMatrix, after: AccessMatrix, base: str = "", commit: str = "") -> AccessDiff:
    """Compare every assigned role x account pair of ``before`` (the base) and ``after`` (the work tree)."""
    catalog = after.catalog

    def pairs(m: AccessMatrix) -> dict[tuple[str, str], Cell]:
        return {(c.role.name, c.account.name): c for c in m.cells()}

    b, a = pairs(before), pairs(after)
    groups: dict[tuple[object, ...], Group] = {}
    for key in list(a) + [k for k in b if k not in a]:
        role, account = key
        cb, ca = b.get(key), a.get(key)
        changed = 0
        principals = _principal_changes(cb, ca)
        if cb is not None and ca is not None:
            x, y = cb.access, ca.access
            changed = (x.certain ^ y.certain) | (x.possible ^ y.possible)
            if (not changed and cb.role.access == ca.role.access and cb.session == ca.session
                    and principals == ((), ())):
                continue
            # the escalation changes depend on the whole access, not only on the changed bits: two accounts
            # with the same action change may still differ there, so they are part of the key
            esc = _escalation_changes(x, y, catalog) if changed else []
            gkey: tuple[object, ...] = ("changed", role, cb.role.access, ca.role.access, cb.session, ca.session,
                                        changed, x.certain & changed, x.possible & changed, y.certain & changed,
                                        y.possible & changed, tuple(esc), principals)
            kind = "changed"
        else:
            cell = ca if ca is not None else cb
            assert cell is not None
            kind = "assigned" if ca is not None else "unassigned"
            esc = _escalation_changes(cb.access if cb else None, ca.access if ca else None, catalog)
            gkey = (kind, role, cell.role.access, cell.session, cell.access.certain, cell.access.possible, principals)
        group = groups.get(gkey)
        if group is None:
            group = groups[gkey] = _group(catalog, kind, role, cb, ca, changed, esc, principals)
        group.accounts.append(account)
    return AccessDiff(base, commit, _ordered(groups.values()))


def _ordered(groups: Iterable[Group]) -> list[Group]:
    """Roles that gain an escalation path first; within a role, groups that gain one first."""
    by_role: dict[str, list[Group]] = {}
    for g in groups:
        by_role.setdefault(g.role, []).append(g)
    roles = sorted(by_role, key=lambda r: not any(g.gains for g in by_role[r]))
    return [g for r in roles for g in sorted(by_role[r], key=lambda g: not g.gains)]
