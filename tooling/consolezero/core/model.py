"""The organization as declared in the repository: frozen, plain, no I/O.

Every object remembers the repository-relative ``file`` it came from, so rules can point
back at it. Names are what files call each other by: account names are file names, OU
paths are folder paths (``Workloads/Prod``), roles and SCPs by their ``name`` field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

TargetKind = Literal["root", "ou", "account"]

_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


DEFAULT_SESSION_DURATION = 3600  # IAM Identity Center's session duration when a permission set sets none (PT1H)


def parse_duration(text: object) -> int | None:
    """Seconds in an ISO 8601 time duration (``PT1H``, ``PT90M``, ``PT1H30M``); None if not one."""
    if not isinstance(text, str):
        return None
    m = _DURATION.match(text.strip())
    if not m or not any(m.groups()):
        return None
    hours, minutes, seconds = (int(g or 0) for g in m.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    return text if text != "PT" else "PT0S"


@dataclass(frozen=True, order=True)
class Target:
    """``root``, ``ou:Workloads/Prod`` or ``account:prod-app``."""

    kind: TargetKind
    name: str = ""

    @classmethod
    def parse(cls, text: object) -> Target | None:
        if not isinstance(text, str):
            return None
        text = text.strip()
        if text == "root":
            return cls("root")
        kind, sep, name = text.partition(":")
        name = name.strip().strip("/")
        if not sep or not name:
            return None
        if kind == "ou" and all(part.strip() for part in name.split("/")):
            return cls("ou", name)
        if kind == "account":
            return cls("account", name)
        return None

    def __str__(self) -> str:
        return "root" if self.kind == "root" else f"{self.kind}:{self.name}"


ROOT = Target("root")


@dataclass(frozen=True)
class Ou:
    path: str  # "Workloads/Prod"
    file: str | None  # accounts/Workloads/Prod/_ou.yaml, when there is one
    folder: str  # accounts/Workloads/Prod
    tags: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def parent(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1

    @property
    def target(self) -> Target:
        return Target("ou", self.path)


@dataclass(frozen=True)
class Account:
    name: str
    id: str
    email: str
    ou: str  # "" for directly under the root
    file: str
    tags: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def target(self) -> Target:
        return Target("account", self.name)

    def path(self) -> list[Target]:
        """The levels whose SCPs apply, from the root down to the account itself."""
        levels = [ROOT]
        if self.ou:
            parts = self.ou.split("/")
            levels += [Target("ou", "/".join(parts[: i + 1])) for i in range(len(parts))]
        levels.append(self.target)
        return levels


@dataclass(frozen=True)
class BreakGlass:
    account: str
    user: str
    path: str = "/"
    mfa: str = "hardware"  # hardware (a hardware token or passkey) | any (a virtual device does)

    @property
    def arn_pattern(self) -> str:
        return f"arn:aws:iam::*:user{self.path}{self.user}"


@dataclass(frozen=True)
class AlertsConfig:
    account: str
    region: str
    topic: str
    subscribers: tuple[str, ...] = ()


@dataclass(frozen=True)
class TicketsConfig:
    system: str
    url: str
    done_categories: tuple[str, ...] = ("done",)
    project_keys: tuple[str, ...] = ()
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class Organization:
    file: str
    management_account: str
    jit_account: str
    region: str
    instance_arn: str | None = None
    groups: tuple[str, ...] = ()
    break_glass: tuple[BreakGlass, ...] = ()
    alerts: AlertsConfig | None = None
    tickets: TicketsConfig | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    principal_type: Literal["GROUP", "USER"]
    principal: str
    targets: tuple[Target, ...]
    index: int  # position in the role file's assignments list


@dataclass(frozen=True)
class Jit:
    max_duration: int | None  # seconds
    approvals: int
    approvers: tuple[str, ...]
    ticket: Literal["required", "optional", "none"]
    fallback_approvals: int | None  # when_ticket_system_down; None = fail closed


@dataclass(frozen=True)
class Boundary:
    managed: str | None = None  # AWS managed policy name or ARN
    customer_managed: tuple[str, str] | None = None  # (name, path)
    policy: Mapping[str, Any] | None = None  # the boundary's document, when declared


@dataclass(frozen=True)
class Role:
    name: str
    file: str
    access: Literal["standing", "jit"]
    session_duration: int | None  # seconds; None when absent (AWS default PT1H) or unreadable
    description: str = ""
    managed_policies: tuple[str, ...] = ()
    customer_managed_policies: tuple[tuple[str, str], ...] = ()
    inline_policy: Mapping[str, Any] | None = None
    boundary: Boundary | None = None
    assignments: tuple[Assignment, ...] = ()
    jit: Jit | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scp:
    name: str
    file: str
    targets: tuple[Target, ...]
    policy: Mapping[str, Any] | None = None
    aws_managed: str | None = None  # "FullAWSAccess" for the allow-list strategy
    description: str = ""
    alerts: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    file: str
    user: str
    github: str
    role: str
    account: str
    duration: int | None
    ticket: str
    reason: str
    ticket_fallback: bool = False  # the tracker was down: the role's when_ticket_system_down applies


@dataclass(frozen=True)
class Model:
    """The whole declared organization. Collections keep declaration order."""

    organization: Organization | None
    ous: Mapping[str, Ou]
    accounts: Mapping[str, Account]
    roles: Mapping[str, Role]
    scps: Mapping[str, Scp]
    requests: tuple[Request, ...] = ()

    def target_exists(self, target: Target) -> bool:
        if target.kind == "root":
            return True
        if target.kind == "ou":
            return target.name in self.ous
        return target.name in self.accounts

    def accounts_under(self, target: Target) -> list[Account]:
        """Every account a target covers (an OU covers everything below it)."""
        if target.kind == "root":
            return list(self.accounts.values())
        if target.kind == "account":
            account = self.accounts.get(target.name)
            return [account] if account else []
        prefix = target.name + "/"
        return [a for a in self.accounts.values() if a.ou == target.name or a.ou.startswith(prefix)]
