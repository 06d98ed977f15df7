"""The alert resources plan and apply manage, and their plan changes.

In the alerts account and region (``accounts/organization.yaml`` ``alerts``):
- the central event bus ``consolezero-alerts``, with a resource policy that lets every account of the
  organization put events on it (``aws:PrincipalOrgID``);
- one rule per alert (:mod:`.rules`, :mod:`.always`) on that bus, its target the SNS topic with the
  input transformer that writes the message;
- the SNS topic, its policy (EventBridge may publish, for these rules only) and its subscriptions.
In the management account (the caller):
- the service-managed StackSet ``consolezero-alerts-forwarding`` (instances in every member account
  and region in use, kept up to date by auto-deployment) that forwards events to the bus;
- the same forwarding rule on its own default bus in us-east-1, where organization policy changes are
  recorded (a service-managed StackSet never deploys to the management account).

Everything carries ``managed-by: consolezero``; an existing bus, topic, StackSet or rule of the same
name without it is a plan error (a name clash), never adopted silently. Subscriptions cannot be tagged:
undeclared ``email``/``https`` subscriptions are removed, other protocols (a queue, a function some
other stack subscribed) are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from consolezero.alerts.always import alert_rules
from consolezero.alerts.forwarding import (
    BUS_NAME,
    FORWARD_RULE,
    STACK_SET,
    bus_arn,
    forward_pattern,
    regions_in_use,
    template_body,
)
from consolezero.alerts.rules import RULE_PREFIX, AlertRule
from consolezero.core.model import Model
from consolezero.integrations.aws.port import (
    AwsError,
    AwsPort,
    LiveEventBus,
    LiveEventRule,
    LiveStackSet,
    LiveTopic,
    is_managed,
)
from consolezero.plan import alert_actions as act
from consolezero.plan.documents import document_diff, owned_tags
from consolezero.plan.types import Change

P_ALERT_DEFINE, P_ALERT_RULES, P_ALERT_FORWARD, P_ALERT_DELETE = 91, 92, 93, 94
KINDS = ("alert_bus", "alert_topic", "alert_subscription", "alert_rule", "alert_stackset", "alert_forwarder")
TOPIC_TARGET = "alerts-topic"
FORWARD_REGION = "us-east-1"
_DECLARABLE = frozenset({"email", "https", "http"})
_PROTOCOLS = {"mailto": "email", "https": "https", "http": "http"}


def split_endpoint(subscriber: str) -> tuple[str, str]:
    """``mailto:a@b.c`` -> (email, a@b.c); ``https://x`` -> (https, https://x); an ARN -> (its service, ARN)."""
    if subscriber.startswith("arn:"):
        return subscriber.split(":")[2], subscriber
    scheme, _, rest = subscriber.partition(":")
    protocol = _PROTOCOLS.get(scheme, scheme)
    return protocol, rest if protocol == "email" else subscriber


def policy_equal(live: str | None, desired: str) -> bool:
    """Two policy documents say the same (AWS may re-serialize them)."""
    try:
        return live is not None and json.loads(live) == json.loads(desired)
    except ValueError:
        return False


@dataclass(frozen=True)
class LiveAlerts:
    account_id: str
    region: str
    org_id: str = ""
    root_id: str = ""
    bus: LiveEventBus | None = None
    rules: tuple[LiveEventRule, ...] = ()
    topic: LiveTopic | None = None
    stack_set: LiveStackSet | None = None
    forwarder: tuple[LiveEventRule, ...] = ()
    error: str | None = None


def alerts_location(model: Model) -> tuple[str, str, str] | None:
    """(alerts account id, region, topic name), when organization.yaml declares a usable ``alerts``."""
    org = model.organization
    cfg = org.alerts if org else None
    account = model.accounts.get(cfg.account) if cfg else None
    if cfg is None or account is None or not account.id or not cfg.topic:
        return None
    return account.id, cfg.region or "us-east-1", cfg.topic


def read_alerts(port: AwsPort, model: Model, root_id: str) -> LiveAlerts | None:
    """The alert resources as they are: a handful of calls, plus two per managed rule."""
    where = alerts_location(model)
    if where is None:
        return None
    account_id, region, topic = where
    try:
        bus = port.event_bus(account_id, region, BUS_NAME)
        return LiveAlerts(
            account_id=account_id, region=region, org_id=port.organization_id(), root_id=root_id, bus=bus,
            rules=tuple(port.event_rules(account_id, region, BUS_NAME, RULE_PREFIX)) if bus else (),
            topic=port.topic(account_id, region, topic), stack_set=port.stack_set(region, STACK_SET),
            forwarder=tuple(port.event_rules("", FORWARD_REGION, "default", FORWARD_RULE)))
    except AwsError as exc:
        return LiveAlerts(account_id=account_id, region=region, root_id=root_id, error=str(exc))


# --- what should be there -------------------------------------------------------------------------
def bus_policy(arn: str, org_id: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "OrganizationPutEvents", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
        "Resource": arn, "Condition": {"StringEquals": {"aws:PrincipalOrgID": org_id}}}]}, sort_keys=True)


def topic_arn(account_id: str, region: str, topic: str) -> str:
    return f"arn:aws:sns:{region}:{account_id}:{topic}"


def topic_policy(arn: str, account_id: str, region: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "GuardrailAlertRules", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sns:Publish", "Resource": arn,
        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:events:{region}:{account_id}:rule/{BUS_NAME}/"
                                                   f"{RULE_PREFIX}*"}}}]}, sort_keys=True)


def rule_targets(rule: AlertRule, topic: str) -> list[dict[str, Any]]:
    return [{"Id": TOPIC_TARGET, "Arn": topic, "InputTransformer": rule.input_transformer()}]


def _pattern(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


class _Diff:
    def __init__(self, model: Model, live: LiveAlerts, catalog: Any) -> None:
        self.model, self.live = model, live
        self.account_id, self.region, self.topic_name = alerts_location(model)  # type: ignore[misc]
        self.bus_arn = bus_arn(self.region, self.account_id)
        self.topic_arn = topic_arn(self.account_id, self.region, self.topic_name)
        self.tags = owned_tags({})
        self.rules = alert_rules(model, catalog).rules
        self.changes: list[Change] = []
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.label = f"account {model.organization.alerts.account} ({self.region})"  # type: ignore[union-attr]

    def add(self, action: act.AlertAction, name: str, phase: int, summary: str,
            details: Mapping[str, Any] | None = None, target: str = "") -> None:
        self.changes.append(Change(action.OP, action.KIND, name, target or self.label, phase, summary,
                                   dict(details or {}), action))

    def missing_tags(self, tags: Mapping[str, str]) -> dict[str, str]:
        return {k: v for k, v in self.tags.items() if tags.get(k) != v}

    def bus(self) -> None:
        policy = bus_policy(self.bus_arn, self.live.org_id)
        bus = self.live.bus
        if bus is None:
            self.add(act.CreateAlertBus(account_id=self.account_id, region=self.region, name=BUS_NAME, tags=self.tags,
                                        policy=policy), BUS_NAME, P_ALERT_DEFINE, f"create event bus {BUS_NAME}",
                     {"document": document_diff(None, json.loads(policy), f"{BUS_NAME} policy")})
            return
        if not is_managed(bus.tags):
            self.errors.append(f"name clash: the alerts account already has an event bus {BUS_NAME} without the "
                               "managed-by tag; consolezero never changes it (tag it managed-by=consolezero to "
                               "adopt it)")
            return
        fields = [name for name, differs in (("policy", not policy_equal(bus.policy, policy)),
                                             ("tags", bool(self.missing_tags(bus.tags)))) if differs]
        if fields:
            self.add(act.UpdateAlertBus(account_id=self.account_id, region=self.region, name=BUS_NAME, arn=bus.arn,
                                        policy=policy if "policy" in fields else None,
                                        tags=self.tags if "tags" in fields else None),
                     BUS_NAME, P_ALERT_DEFINE, f"update event bus {BUS_NAME}: {', '.join(fields)}", {"fields": fields})

    def topic(self) -> None:
        policy = topic_policy(self.topic_arn, self.account_id, self.region)
        topic = self.live.topic
        if topic is None:
            self.add(act.CreateAlertTopic(account_id=self.account_id, region=self.region, name=self.topic_name,
                                          tags=self.tags, policy=policy),
                     self.topic_name, P_ALERT_DEFINE, f"create SNS topic {self.topic_name}")
        elif not is_managed(topic.tags):
            self.errors.append(f"name clash: the alerts account already has an SNS topic {self.topic_name} without "
                               "the managed-by tag; tag it managed-by=consolezero to adopt it, or rename alerts.topic")
            return
        else:
            fields = [name for name, differs in (("policy", not policy_equal(topic.policy, policy)),
                                                 ("tags", bool(self.missing_tags(topic.tags)))) if differs]
            if fields:
                self.add(act.UpdateAlertTopic(account_id=self.account_id, region=self.region, arn=topic.arn,
                                              policy=policy if "policy" in fields else None,
                                              tags=self.tags if "tags" in fields else None),
                         self.topic_name, P_ALERT_DEFINE, f"update SNS topic {self.topic_name}: {', '.join(fields)}",
                         {"fields": fields})
        subscribers = self.model.organization.alerts.subscribers  # type: ignore[union-attr]
        live = {(s.protocol, s.endpoint): s for s in (topic.subscriptions if topic else ())}
        for subscriber in subscribers:
            protocol, endpoint = split_endpoint(subscriber)
            if (protocol, endpoint) not in live:
                self.add(act.CreateAlertSubscription(account_id=self.account_id, region=self.region, arn=self.topic_arn,
                                                     protocol=protocol, endpoint=endpoint),
                         subscriber, P_ALERT_RULES, f"subscribe {subscriber} to {self.topic_name}",
                         target=self.topic_name)
        wanted = {split_endpoint(s) for s in subscribers}
        for (protocol, endpoint), sub in sorted(live.items()):
            if (protocol, endpoint) in wanted or protocol not in _DECLARABLE:
                continue
            if sub.arn.startswith("arn:"):
                self.add(act.DeleteAlertSubscription(account_id=self.account_id, region=self.region,
                                                     subscription_arn=sub.arn),
                         f"{protocol}:{endpoint}", P_ALERT_DELETE, f"unsubscribe {protocol}:{endpoint} from "
                         f"{self.topic_name}", target=self.topic_name)
            else:
                self.warnings.append(f"{protocol}:{endpoint} is subscribed to {self.topic_name} but not declared; "
                                     "it is still pending confirmation, so it cannot be removed yet")

    def rules_(self) -> None:
        live = {r.name: r for r in self.live.rules}
        wanted = set()
        for rule in self.rules:
            wanted.add(rule.name)
            targets = rule_targets(rule, self.topic_arn)
            description = f"consolezero: {rule.scp} {rule.sid} ({rule.file})"
            definition = {"account_id": self.account_id, "region": self.region, "name": rule.name,
                          "pattern": json.dumps(rule.event_pattern, sort_keys=True), "description": description,
                          "tags": self.tags, "targets": tuple(targets)}
            found = live.get(rule.name)
            if found is None:
                self.add(act.CreateAlertRule(**definition), rule.name, P_ALERT_RULES, f"create alert rule {rule.name}",
                         {"document": document_diff(None, rule.event_pattern, rule.name)})
                continue
            if not is_managed(found.tags):
                self.errors.append(f"{rule.file}: name clash: rule {rule.name} exists on {BUS_NAME} without the "
                                   "managed-by tag; consolezero never changes it")
                continue
            fields = []
            if _pattern(found.pattern) != rule.event_pattern:
                fields.append("pattern")
            if found.description != description:
                fields.append("description")
            if self.missing_tags(found.tags):
                fields.append("tags")
            live_targets = [(t.id, t.arn, dict(t.input_paths), t.input_template) for t in found.targets]
            if live_targets != [(t["Id"], t["Arn"], t["InputTransformer"]["InputPathsMap"],
                                 t["InputTransformer"]["InputTemplate"]) for t in targets]:
                fields.append("target")
            if fields:
                self.add(act.UpdateAlertRule(**definition), rule.name, P_ALERT_RULES,
                         f"update alert rule {rule.name}: {', '.join(fields)}",
                         {"fields": fields, "document": document_diff(_pattern(found.pattern), rule.event_pattern,
                                                                      rule.name)})
        for name, found in sorted(live.items()):
            if name not in wanted and is_managed(found.tags):
                self.add(act.DeleteAlertRule(account_id=self.account_id, region=self.region, name=name), name,
                         P_ALERT_DELETE, f"delete alert rule {name}")

    def forwarding(self) -> None:
        template = template_body(self.model, self.bus_arn)
        regions = regions_in_use(self.model)
        found = self.live.stack_set
        if found is None:  # in the management account (account_id "": the caller)
            self.add(act.CreateAlertStackSet(account_id="", region=self.region, name=STACK_SET, template=template,
                                             tags=self.tags, ou_ids=(self.live.root_id,), regions=tuple(regions)),
                     STACK_SET, P_ALERT_FORWARD, f"create StackSet {STACK_SET} (forwarding rules in "
                     f"{', '.join(regions)})", target="management account")
        elif not is_managed(found.tags):
            self.errors.append(f"name clash: a StackSet {STACK_SET} exists without the managed-by tag")
        else:
            add = tuple(r for r in regions if r not in found.regions)
            fields = [name for name, differs in (("template", _pattern(found.template) != json.loads(template)),
                                                 ("regions", bool(add))) if differs]
            if fields:
                self.add(act.UpdateAlertStackSet(account_id="", region=self.region, name=STACK_SET,
                                                 template=template if "template" in fields else None,
                                                 ou_ids=(self.live.root_id,) if add else None,
                                                 regions=add if add else None),
                         STACK_SET, P_ALERT_FORWARD, f"update StackSet {STACK_SET}: {', '.join(fields)}",
                         {"fields": fields}, target="management account")
        pattern = forward_pattern(self.model)
        target = [{"Id": "central-bus", "Arn": self.bus_arn}]
        if self.region != FORWARD_REGION:
            self.warnings.append(f"alerts.region is {self.region}: the management account's forwarding rule in "
                                 f"{FORWARD_REGION} needs a role to put events across regions; deploy the StackSet "
                                 "template there as a stack instead")
            return
        live = next((r for r in self.live.forwarder if r.name == FORWARD_RULE), None)
        definition = {"account_id": "", "region": FORWARD_REGION, "name": FORWARD_RULE,
                      "pattern": json.dumps(pattern, sort_keys=True), "tags": self.tags, "targets": tuple(target),
                      "description": "consolezero: guardrail alert events to the central bus"}
        if live is None:
            self.add(act.CreateAlertForwarder(**definition), FORWARD_RULE, P_ALERT_FORWARD,
                     f"create forwarding rule {FORWARD_RULE} in the management account ({FORWARD_REGION})",
                     target="management account")
        elif is_managed(live.tags) and (_pattern(live.pattern) != pattern or
                                        [(t.id, t.arn) for t in live.targets] != [("central-bus", self.bus_arn)]):
            self.add(act.UpdateAlertForwarder(**definition), FORWARD_RULE, P_ALERT_FORWARD,
                     f"update forwarding rule {FORWARD_RULE} in the management account", target="management account")


def alert_changes(model: Model, live: LiveAlerts | None, catalog: Any
                  ) -> tuple[list[Change], list[str], list[str]]:
    """(changes, errors, warnings) that bring the alert resources to the repository's state."""
    if live is None:
        return [], [], []
    if live.error:  # the organization's own changes still go ahead; the alerts wait for the account's role
        return [], [], [f"the guardrail alerts are not planned: cannot read them in account {live.account_id} "
                        f"({live.region}): {live.error} (deploy bootstrap/member-role.yaml there)"]
    diff = _Diff(model, live, catalog)
    diff.bus()
    diff.topic()
    diff.rules_()
    diff.forwarding()
    return diff.changes, diff.errors, diff.warnings
