"""What apply needs for each change, typed: one frozen dataclass per (op, kind) pair, and ``Target``.

The guardrail alerts' actions are in :mod:`consolezero.plan.alert_actions`. Each class's fields, in
their order, are the keys of the saved plan's ``action`` object (the JSON contract): a field in
``OMITTED`` is left out when None (an SCP update names only what changes), any other None is
``null``. :mod:`consolezero.plan.action_codec` writes an action as JSON and reads it back, checked.
Apply's executor takes each class through its table ``HANDLERS``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from consolezero.integrations.aws.port import BoundaryRef
from consolezero.plan.types import Action, Kind, Op

TargetKind = Literal["root", "ou", "account", "id"]
_AWS_ID = re.compile(r"[A-Za-z0-9-]+")


@dataclass(frozen=True)
class Target:
    """Where an SCP is attached, an OU created or an account moved: the root, an OU by its path, an
    account by its name, or (a live target the repository does not name) its AWS id alone.

    ``label`` is the plan's text for it (``root``, ``ou:Workloads/Prod``, ``account:prod-app``)."""

    kind: TargetKind
    name: str = ""

    @classmethod
    def ou(cls, path: str) -> Target:
        return cls("ou", path)

    @classmethod
    def account(cls, name: str) -> Target:
        return cls("account", name)

    @classmethod
    def by_id(cls, target_id: str) -> Target:
        return cls("id", target_id)

    @property
    def label(self) -> str:
        if self.kind == "root":
            return "root"
        return self.name if self.kind == "id" else f"{self.kind}:{self.name}"

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, label: str) -> Target | None:
        """The Target a label names (the inverse of ``label``); None when it names none."""
        if label == "root":
            return ROOT
        kind, sep, name = label.partition(":")
        if sep and name and kind in ("ou", "account"):
            return cls(kind, name)  # type: ignore[arg-type]
        return cls.by_id(label) if not sep and _AWS_ID.fullmatch(label) else None


ROOT = Target("root")


@dataclass(frozen=True)
class TicketRef:
    """A just-in-time request granted under the ticket-system fallback: its file and its ticket."""

    file: str
    ticket: str


# --- SCPs and their attachments ------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CreateScp(Action):
    OP, KIND = Op.CREATE, Kind.SCP
    name: str
    description: str
    content: str  # the minified policy document
    tags: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class UpdateScp(Action):
    """Only what changes: content, description, and tags to add and remove (each None: unchanged)."""

    OP, KIND = Op.UPDATE, Kind.SCP
    OMITTED = frozenset({"content", "description", "tags_add", "tags_remove"})
    policy_id: str
    name: str
    content: str | None = None
    description: str | None = None
    tags_add: Mapping[str, str] | None = None
    tags_remove: tuple[str, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class DeleteScp(Action):
    OP, KIND = Op.DELETE, Kind.SCP
    policy_id: str


@dataclass(frozen=True, kw_only=True)
class AttachScp(Action):
    """Ids None: created earlier in this apply (looked up by name then)."""

    OP, KIND = Op.ATTACH, Kind.ATTACHMENT
    policy: str
    policy_id: str | None
    target: Target
    target_id: str | None


@dataclass(frozen=True, kw_only=True)
class DetachScp(Action):
    OP, KIND = Op.DETACH, Kind.ATTACHMENT
    policy: str
    policy_id: str | None
    target: Target
    target_id: str | None


# --- OUs and accounts ----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CreateOu(Action):
    OP, KIND = Op.CREATE, Kind.OU
    path: str
    name: str
    parent: Target
    parent_id: str | None  # None: the parent is created earlier in this apply
    tags: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class CreateAccount(Action):
    OP, KIND = Op.CREATE, Kind.ACCOUNT
    name: str
    email: str
    destination: Target
    tags: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class MoveAccount(Action):
    OP, KIND = Op.MOVE, Kind.ACCOUNT
    account_id: str
    source_parent_id: str
    destination: Target
    destination_id: str | None  # None: an OU created earlier in this apply


# --- permission sets -----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class _PermissionSetDefinition(Action):
    """A permission set as declared (the fields of a create, and the first of an update)."""

    name: str
    description: str
    session_duration: str  # ISO 8601 (PT4H)
    tags: Mapping[str, str]
    managed_policies: tuple[str, ...]  # ARNs
    customer_policies: tuple[tuple[str, str], ...]  # (name, path)
    inline_policy: str | None  # minified, with the session-ending statements due now
    boundary: BoundaryRef | None


@dataclass(frozen=True, kw_only=True)
class CreatePermissionSet(_PermissionSetDefinition):
    OP, KIND = Op.CREATE, Kind.PERMISSION_SET


@dataclass(frozen=True, kw_only=True)
class UpdatePermissionSet(_PermissionSetDefinition):
    """The definition, and what differs from the live set."""

    OP, KIND = Op.UPDATE, Kind.PERMISSION_SET
    arn: str
    managed_add: tuple[str, ...]
    managed_remove: tuple[str, ...]
    customer_add: tuple[tuple[str, str], ...]
    customer_remove: tuple[tuple[str, str], ...]
    inline_changed: bool
    boundary_changed: bool
    provision: bool  # provision it to its accounts after the assignments (outdated, or changed and assigned)
    update_settings: bool  # description or session duration
    tags_add: Mapping[str, str]
    tags_remove: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class UpdateSessionStatements(Action):
    """A session-ending statement added or dropped (:mod:`consolezero.plan.sessions`): the whole merged
    inline policy is put, and the set provisioned (at once, ``provision_now``, before an assignment goes)."""

    OP, KIND = Op.UPDATE, Kind.PERMISSION_SET
    FORM = "provision_now"
    name: str
    arn: str
    inline_changed: bool
    inline_policy: str | None
    provision: bool
    provision_now: bool


@dataclass(frozen=True, kw_only=True)
class DeletePermissionSet(Action):
    OP, KIND = Op.DELETE, Kind.PERMISSION_SET
    arn: str


# --- account assignments -------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Assign(Action):
    OP, KIND = Op.ASSIGN, Kind.ASSIGNMENT
    OMITTED = frozenset({"ticket_fallback"})
    permission_set: str
    arn: str | None  # None: the set is created earlier in this apply
    account: str  # the account's name
    account_id: str | None  # None: the account is created earlier in this apply
    principal_type: str  # USER | GROUP
    principal_id: str
    principal: str  # user:NAME | group:NAME
    ticket_fallback: tuple[TicketRef, ...] | None = None  # a JIT grant under the ticket fallback: alert first


@dataclass(frozen=True, kw_only=True)
class Unassign(Action):
    OP, KIND = Op.UNASSIGN, Kind.ASSIGNMENT
    permission_set: str
    arn: str
    account: Target
    account_id: str
    principal_type: str
    principal_id: str
    principal: str


ACTIONS: tuple[type[Action], ...] = (
    CreateScp, UpdateScp, DeleteScp, AttachScp, DetachScp, CreateOu, CreateAccount, MoveAccount,
    CreatePermissionSet, UpdatePermissionSet, UpdateSessionStatements, DeletePermissionSet, Assign, Unassign)
