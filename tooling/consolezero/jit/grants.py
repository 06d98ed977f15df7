"""Just-in-time grants: a pure function of (the repository's requests, their history on main, now).

A request's window starts when its content reached main (:mod:`consolezero.jit.history`) and lasts
its ``duration``. Windows of the same user, role and account that overlap (or touch) are one grant:
the union, so a second request extends the first and never cuts it short. At ``now`` a request is
*upcoming* (its window has not started), *active* (the grant it belongs to holds now) or *expired*.

No grant, and a warning, for a request that:
- is not on main yet (``pending``: the pull request is still open);
- changed after it reached main (what was approved is no longer what is there: fail closed);
- names a role that is not just-in-time, an unknown role or account, an account outside the role's
  just-in-time assignment targets, or has no readable duration.
A duration over the role's ``jit.max_duration`` is granted for ``max_duration`` only (lint refuses it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from consolezero.core.model import DEFAULT_SESSION_DURATION, Model, Request, Role, format_duration
from consolezero.jit.history import History, Merge, work_tree_blobs


def iso(when: datetime) -> str:
    """``2026-11-20T11:00:00Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc(when: datetime | None) -> datetime:
    if when is None:
        return datetime.now(UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Grant:
    """One request's share of a grant: its own window, and the end of the grant it belongs to."""

    request: Request
    start: datetime  # when the request reached main
    requested_end: datetime  # start + duration (capped at the role's max_duration)
    end: datetime  # the end of the grant (union of overlapping windows of the same user, role, account)
    state: str  # active | upcoming | expired
    approvers: tuple[str, ...]
    commit: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.request.user, self.request.role, self.request.account)


@dataclass(frozen=True)
class Window:
    """A grant: one user, role and account, from the first window's start to the union's end."""

    user: str
    role: str
    account: str
    start: datetime
    end: datetime
    files: tuple[str, ...]  # the requests that make it up, earliest first


@dataclass(frozen=True)
class Grants:
    now: datetime
    grants: tuple[Grant, ...] = ()
    windows: tuple[Window, ...] = ()
    pending: tuple[str, ...] = ()  # request files not on main yet
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # a main ref named explicitly does not exist: plan refuses rather than guess
    history: History = field(default_factory=History)

    def active(self) -> list[Window]:
        """The grants that hold at ``now``: one assignment each."""
        return [w for w in self.windows if w.start <= self.now < w.end]

    def ended(self) -> list[Window]:
        """The grants that have ended at ``now``."""
        return [w for w in self.windows if w.end <= self.now]

    def counts(self) -> dict[str, int]:
        counts = {"active": 0, "upcoming": 0, "expired": 0}
        for grant in self.grants:
            counts[grant.state] += 1
        return counts


def _problem(model: Model, request: Request) -> str | None:
    """Why a merged request grants nothing (the rules say the same in review: request-not-eligible)."""
    from consolezero.jit.requests import eligibility_problem

    found = eligibility_problem(model, request.role, request.account, request.user or None)
    if found is not None:
        return found[1]
    if not request.user:
        return "no user"
    if not request.duration or request.duration <= 0:
        return "no readable duration"
    return None


def compute_grants(model: Model, history: History, now: datetime | None, root: Path | str | None = None,
                   blobs: dict[str, str] | None = None) -> Grants:
    """Every request's grant at ``now``. ``blobs`` (file -> blob id) defaults to the work tree under ``root``."""
    now = utc(now)
    if not history.available:
        if history.missing_ref:
            return Grants(now=now, errors=(f"--main-ref (or CONSOLEZERO_MAIN_REF): {history.problem}",),
                          history=history)
        warnings = (history.problem,) if model.requests and history.problem else ()
        return Grants(now=now, warnings=warnings, history=history)
    if blobs is None:
        blobs = work_tree_blobs(root or ".", [r.file for r in model.requests], history.object_format)
    warnings: list[str] = []
    pending: list[str] = []
    windows_of: list[tuple[Request, Merge, datetime]] = []
    for request in sorted(model.requests, key=lambda r: r.file):
        arrival = _arrival(history, request.file, blobs.get(request.file))
        if arrival is None:
            pending.append(request.file)
            continue
        if arrival == "changed":
            warnings.append(f"{request.file}: changed after it reached main: no grant from it (restore it as it "
                            "was merged; to extend or change a grant, add a new request)")
            continue
        problem = _problem(model, request)
        if problem:
            warnings.append(f"{request.file}: {problem}: no grant from it")
            continue
        role = model.roles[request.role]
        seconds = request.duration or 0
        cap = role.jit.max_duration if role.jit else None
        if cap and seconds > cap:
            warnings.append(f"{request.file}: duration {format_duration(seconds)} is over {role.name}'s "
                            f"max_duration {format_duration(cap)}: granted for {format_duration(cap)}")
            seconds = cap
        windows_of.append((request, arrival, arrival.time + timedelta(seconds=seconds)))
    windows = _union(windows_of)
    end_of = {file: w.end for w in windows for file in w.files}
    grants = []
    for request, arrival, requested_end in windows_of:
        end = end_of[request.file]
        state = "upcoming" if now < arrival.time else "active" if now < end else "expired"
        role = model.roles[request.role]
        grants.append(Grant(request=request, start=arrival.time, requested_end=requested_end, end=end, state=state,
                            approvers=role.jit.approvers if role.jit else (), commit=arrival.commit))
    return Grants(now=now, grants=tuple(grants), windows=tuple(windows), pending=tuple(pending),
                  warnings=tuple(warnings), history=history)


def _arrival(history: History, file: str, blob: str | None) -> Merge | str | None:
    """When this request (its content) first reached main; "changed" if main holds it with other content."""
    by_path = history.merged.get(file)
    if by_path is not None and blob is not None and by_path.blob != blob:
        return "changed"
    by_content = history.contents.get(blob) if blob else None
    found = [m for m in (by_path, by_content) if m is not None]
    return min(found, key=lambda m: m.time) if found else None


def _union(items: Iterable[tuple[Request, Merge, datetime]]) -> list[Window]:
    """Overlapping or touching windows of the same (user, role, account) become one."""
    by_key: dict[tuple[str, str, str], list[tuple[datetime, datetime, str]]] = {}
    for request, arrival, end in items:
        by_key.setdefault((request.user, request.role, request.account), []).append((arrival.time, end, request.file))
    windows: list[Window] = []
    for (user, role, account), spans in sorted(by_key.items()):
        spans.sort()
        current: list[tuple[datetime, datetime, str]] = []
        for span in spans:
            if current and span[0] <= max(e for _, e, _ in current):
                current.append(span)
                continue
            if current:
                windows.append(_window(user, role, account, current))
            current = [span]
        if current:
            windows.append(_window(user, role, account, current))
    return windows


def _window(user: str, role: str, account: str, spans: Sequence[tuple[datetime, datetime, str]]) -> Window:
    return Window(user=user, role=role, account=account, start=spans[0][0], end=max(e for _, e, _ in spans),
                  files=tuple(f for _, _, f in spans))


def session_duration(role: Role) -> int:
    return role.session_duration or DEFAULT_SESSION_DURATION


def repository_grants(repo: Any, now: datetime | None = None, main_ref: str | None = None) -> Grants:
    """The grants of a loaded repository (:class:`consolezero.core.repository.Repository`) at ``now``,
    from the history of its main ref."""
    from consolezero.jit.history import read_history

    return compute_grants(repo.model, read_history(repo.root, main_ref), now, repo.root)
