"""Apply's steps for the guardrail alerts: one function per alert action (:mod:`consolezero.plan.alert_actions`).

Every step reaches its goal state, so re-running converges. Apply's executor lists them in its table
``HANDLERS``; nothing is printed here.
"""

from __future__ import annotations

from consolezero.alerts.forwarding import BUS_NAME
from consolezero.integrations.aws.port import AwsPort
from consolezero.plan.alert_actions import (
    CreateAlertBus,
    CreateAlertForwarder,
    CreateAlertRule,
    CreateAlertStackSet,
    CreateAlertSubscription,
    CreateAlertTopic,
    DeleteAlertRule,
    DeleteAlertSubscription,
    UpdateAlertBus,
    UpdateAlertForwarder,
    UpdateAlertRule,
    UpdateAlertStackSet,
    UpdateAlertTopic,
)

FORWARDER_BUS = "default"  # the forwarding rule lives on the management account's default bus


def create_bus(port: AwsPort, a: CreateAlertBus) -> None:
    port.create_event_bus(a.account_id, a.region, a.name, a.tags)
    port.put_event_bus_policy(a.account_id, a.region, a.name, a.policy)


def update_bus(port: AwsPort, a: UpdateAlertBus) -> None:
    if a.policy:
        port.put_event_bus_policy(a.account_id, a.region, a.name, a.policy)
    if a.tags:
        port.tag_event_resource(a.account_id, a.region, a.arn, a.tags)


def create_topic(port: AwsPort, a: CreateAlertTopic) -> None:
    arn = port.create_topic(a.account_id, a.region, a.name, a.tags)
    port.set_topic_policy(a.account_id, a.region, arn, a.policy)


def update_topic(port: AwsPort, a: UpdateAlertTopic) -> None:
    if a.policy:
        port.set_topic_policy(a.account_id, a.region, a.arn, a.policy)
    if a.tags:
        port.tag_topic(a.account_id, a.region, a.arn, a.tags)


def subscribe(port: AwsPort, a: CreateAlertSubscription) -> None:
    port.subscribe(a.account_id, a.region, a.arn, a.protocol, a.endpoint)


def unsubscribe(port: AwsPort, a: DeleteAlertSubscription) -> None:
    port.unsubscribe(a.account_id, a.region, a.subscription_arn)


def put_rule(port: AwsPort, a: CreateAlertRule | UpdateAlertRule) -> None:
    _put_rule(port, a, BUS_NAME)


def put_forwarder(port: AwsPort, a: CreateAlertForwarder | UpdateAlertForwarder) -> None:
    _put_rule(port, a, FORWARDER_BUS)


def _put_rule(port: AwsPort, a: CreateAlertRule | UpdateAlertRule | CreateAlertForwarder | UpdateAlertForwarder,
              bus: str) -> None:
    port.put_event_rule(a.account_id, a.region, bus, a.name, a.pattern, a.description, a.tags)
    port.put_event_targets(a.account_id, a.region, bus, a.name, list(a.targets))


def delete_rule(port: AwsPort, a: DeleteAlertRule) -> None:
    port.delete_event_rule(a.account_id, a.region, BUS_NAME, a.name)


def create_stack_set(port: AwsPort, a: CreateAlertStackSet) -> None:
    port.create_stack_set(a.region, a.name, "consolezero guardrail alerts: forwarding rules", a.template, a.tags)
    if a.regions:
        port.create_stack_instances(a.region, a.name, list(a.ou_ids), list(a.regions))


def update_stack_set(port: AwsPort, a: UpdateAlertStackSet) -> None:
    if a.template:
        port.update_stack_set(a.region, a.name, a.template)
    if a.regions:
        port.create_stack_instances(a.region, a.name, list(a.ou_ids or ()), list(a.regions))
