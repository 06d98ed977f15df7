"""Approvals: does a pull request carry the reviews a request's role requires?

The rules, for each request file a pull request adds:

- only the latest decisive review of each reviewer counts (APPROVED, CHANGES_REQUESTED or
  DISMISSED; a later COMMENTED review does not undo an approval, as on GitHub);
- an approval counts only for the pull request's head commit: a review of an older commit (before
  the last push) does not count, whatever the branch protection settings;
- the requester never counts, nor does the pull request's author;
- only the role's approvers count: members of an approver team (`@org/team`) or listed users
  (`@login`); each approver team listed must approve at least once (GitHub lets any one owner of
  a CODEOWNERS line approve; this check is what makes "approvals from platform-leads" true);
- at least ``jit.approvals`` approvals, or the ``when_ticket_system_down`` number when the
  request uses the fallback.

Pure: the reviews and team members are read by :mod:`consolezero.integrations.github`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from consolezero.core.model import Jit
from consolezero.integrations.github import Review

DECISIVE = ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")


@dataclass(frozen=True)
class Approver:
    text: str  # as written: "@example/platform-leads" or "@bob"
    org: str | None  # a team's organization; None for a user
    name: str  # team slug or user login

    @property
    def is_team(self) -> bool:
        return self.org is not None


def parse_approver(text: str) -> Approver:
    bare = text.strip().removeprefix("@")
    org, sep, slug = bare.partition("/")
    if sep:
        return Approver(text, org, slug)
    return Approver(text, None, bare)


def teams(jit: Jit) -> list[Approver]:
    return [a for a in map(parse_approver, jit.approvers) if a.is_team]


@dataclass(frozen=True)
class ApprovalResult:
    ok: bool
    needed: int
    counted: tuple[str, ...]
    ignored: tuple[tuple[str, str], ...] = ()  # (login, why it does not count)
    teams_missing: tuple[str, ...] = ()
    summary: str = ""


def latest_decisions(reviews: Iterable[Review]) -> dict[str, Review]:
    """Each reviewer's latest decisive review (reviews come in chronological order), by lower-case login."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.state in DECISIVE and review.reviewer:
            latest[review.reviewer.lower()] = review
    return latest


def count_approvals(jit: Jit, needed: int, requester: str, author: str, head_sha: str, reviews: Sequence[Review],
                    members: Mapping[str, set[str]]) -> ApprovalResult:
    """``members``: each approver team (as written in the role) -> its members' logins."""
    approvers = [parse_approver(a) for a in jit.approvers]
    users = {a.name.lower() for a in approvers if not a.is_team}
    team_members = {a.text: {m.lower() for m in members.get(a.text, set())} for a in approvers if a.is_team}
    not_counting = {requester.lower(), author.lower()} - {""}
    counted: list[str] = []
    ignored: list[tuple[str, str]] = []
    approved_teams: set[str] = set()
    for login, review in latest_decisions(reviews).items():
        if review.state != "APPROVED":
            continue
        name = review.reviewer
        in_teams = {t for t, people in team_members.items() if login in people}
        if login in not_counting:
            ignored.append((name, "the requester" if login == requester.lower() else "the pull request's author"))
        elif review.commit_id != head_sha:
            ignored.append((name, f"approved {review.commit_id[:7]}, before the last push"))
        elif not in_teams and login not in users:
            ignored.append((name, "not an approver"))
        else:
            counted.append(name)
            approved_teams |= in_teams
    missing = tuple(t for t in team_members if t not in approved_teams)
    ok = len(counted) >= needed and not missing
    noun = "approval" if needed == 1 else "approvals"
    if ok:
        parts = [f"{len(counted)} of {needed} {noun}: {', '.join(counted)}"]
    else:
        parts = [f"{len(counted)} of {needed} {noun} from {', '.join(jit.approvers) or 'no approvers'}"
                 + (f" ({', '.join(counted)})" if counted else "")]
        if missing and (len(counted) >= needed or len(team_members) > 1):
            parts.append(f"each approver team must approve: none yet from {', '.join(missing)}")
    if ignored:
        parts.append("not counted: " + ", ".join(f"{who} ({why})" for who, why in ignored))
    return ApprovalResult(ok, needed, tuple(counted), tuple(ignored), missing, "; ".join(parts))


@dataclass
class RequestVerdict:
    """The verdict on one request file of a pull request."""

    file: str
    status: str = "approved"  # approved | not_approved | error
    user: str = ""
    github: str = ""
    role: str = ""
    account: str = ""
    duration: str = ""
    ticket: str = ""
    fallback_used: bool = False
    needed: int = 0
    approvals: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why it is not approved (or could not be checked)
    notes: list[str] = field(default_factory=list)  # what was checked and passed

    def refuse(self, problem: str) -> None:
        self.problems.append(problem)
        if self.status == "approved":
            self.status = "not_approved"

    def error(self, problem: str) -> None:
        self.problems.append(problem)
        self.status = "error"

    def line(self) -> str:
        what = f"{self.role or '?'} in {self.account or '?'} for {self.user or '?'}"
        if self.status == "approved":
            extra = "; ".join(self.notes)
            return f"{self.file}: approved: {what}" + (f" ({extra})" if extra else "")
        label = "not approved" if self.status == "not_approved" else "could not check"
        return f"{self.file}: {label}: {what}: " + "; ".join(self.problems)
