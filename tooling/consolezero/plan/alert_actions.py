"""The guardrail alerts' actions, typed: one frozen dataclass per (op, kind) pair.

Planned by :mod:`consolezero.alerts.deployment`, carried out by :mod:`consolezero.alerts.steps`. Every
one says where: ``account_id`` (empty: the caller, the management account) and ``region``. As in
:mod:`consolezero.plan.actions`, the fields in order are the saved plan's ``action`` keys, and a field
in ``OMITTED`` is left out when None (unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from consolezero.plan.types import Action, Kind, Op


@dataclass(frozen=True, kw_only=True)
class AlertAction(Action):
    account_id: str  # "": the management account (the caller)
    region: str


# --- the central event bus and its SNS topic -----------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CreateAlertBus(AlertAction):
    OP, KIND = Op.CREATE, Kind.ALERT_BUS
    name: str
    tags: Mapping[str, str]
    policy: str


@dataclass(frozen=True, kw_only=True)
class UpdateAlertBus(AlertAction):
    OP, KIND = Op.UPDATE, Kind.ALERT_BUS
    OMITTED = frozenset({"policy", "tags"})
    name: str
    arn: str
    policy: str | None = None
    tags: Mapping[str, str] | None = None


@dataclass(frozen=True, kw_only=True)
class CreateAlertTopic(AlertAction):
    OP, KIND = Op.CREATE, Kind.ALERT_TOPIC
    name: str
    tags: Mapping[str, str]
    policy: str


@dataclass(frozen=True, kw_only=True)
class UpdateAlertTopic(AlertAction):
    OP, KIND = Op.UPDATE, Kind.ALERT_TOPIC
    OMITTED = frozenset({"policy", "tags"})
    arn: str
    policy: str | None = None
    tags: Mapping[str, str] | None = None


@dataclass(frozen=True, kw_only=True)
class CreateAlertSubscription(AlertAction):
    OP, KIND = Op.CREATE, Kind.ALERT_SUBSCRIPTION
    arn: str  # the topic's
    protocol: str
    endpoint: str


@dataclass(frozen=True, kw_only=True)
class DeleteAlertSubscription(AlertAction):
    OP, KIND = Op.DELETE, Kind.ALERT_SUBSCRIPTION
    subscription_arn: str


# --- rules on the bus ----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class _RuleDefinition(AlertAction):
    name: str
    pattern: str  # the event pattern (JSON)
    description: str
    tags: Mapping[str, str]
    targets: tuple[Mapping[str, Any], ...]  # EventBridge targets (Id, Arn, InputTransformer)


@dataclass(frozen=True, kw_only=True)
class CreateAlertRule(_RuleDefinition):
    OP, KIND = Op.CREATE, Kind.ALERT_RULE


@dataclass(frozen=True, kw_only=True)
class UpdateAlertRule(_RuleDefinition):
    OP, KIND = Op.UPDATE, Kind.ALERT_RULE


@dataclass(frozen=True, kw_only=True)
class DeleteAlertRule(AlertAction):
    OP, KIND = Op.DELETE, Kind.ALERT_RULE
    name: str


# --- forwarding: the StackSet in member accounts, the rule in the management account ------------
@dataclass(frozen=True, kw_only=True)
class CreateAlertStackSet(AlertAction):
    OP, KIND = Op.CREATE, Kind.ALERT_STACKSET
    name: str
    template: str
    tags: Mapping[str, str]
    ou_ids: tuple[str, ...]
    regions: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class UpdateAlertStackSet(AlertAction):
    """A new template, and instances in regions added (ou_ids and regions go together)."""

    OP, KIND = Op.UPDATE, Kind.ALERT_STACKSET
    OMITTED = frozenset({"template", "ou_ids", "regions"})
    name: str
    template: str | None = None
    ou_ids: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class _ForwarderDefinition(AlertAction):
    name: str
    pattern: str
    tags: Mapping[str, str]
    targets: tuple[Mapping[str, Any], ...]
    description: str


@dataclass(frozen=True, kw_only=True)
class CreateAlertForwarder(_ForwarderDefinition):
    OP, KIND = Op.CREATE, Kind.ALERT_FORWARDER


@dataclass(frozen=True, kw_only=True)
class UpdateAlertForwarder(_ForwarderDefinition):
    OP, KIND = Op.UPDATE, Kind.ALERT_FORWARDER


ALERT_ACTIONS: tuple[type[Action], ...] = (
    CreateAlertBus, UpdateAlertBus, CreateAlertTopic, UpdateAlertTopic, CreateAlertSubscription,
    DeleteAlertSubscription, CreateAlertRule, UpdateAlertRule, DeleteAlertRule, CreateAlertStackSet,
    UpdateAlertStackSet, CreateAlertForwarder, UpdateAlertForwarder)
