"""Guardrail alerts in :class:`fake_aws.FakeAws`: EventBridge buses and rules, SNS topics, StackSets.

Buses, rules and topics live in an account and region ("" is the caller's account; a member account needs a role
to assume, none in ``blocked_accounts``); StackSets are the caller's. AWS's rules here that moto lacks: SNS
email/http(s) subscriptions stay ``PendingConfirmation`` until :meth:`FakeAws.confirm_subscriptions`; a StackSet
name is taken once; a rule has at most 5 targets. Events put on a bus are kept in ``events``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from consolezero.integrations.aws.port import (
    AwsError,
    LiveEventBus,
    LiveEventRule,
    LiveRuleTarget,
    LiveStackSet,
    LiveSubscription,
    LiveTopic,
)

from .state import CONFIRMED_LATER, PENDING, FakeState


class AlertsMixin(FakeState):
    """The alerts methods of the AWS port: EventBridge, SNS and StackSets."""

    # --- guardrail alerts: EventBridge, SNS (in an account and region), StackSets (the caller's) ---------
    def _reach(self, account_id: str) -> str:
        """The account the call runs in ("" is the caller's); a member account needs a role to assume."""
        account = account_id or self.management_id
        if account != self.management_id and (account in self.blocked_accounts or account not in self._accounts):
            raise AwsError("AssumeRoleFailed", f"cannot reach account {account}: no member role could be assumed "
                           "(consolezero-alerts: AccessDenied; OrganizationAccountAccessRole: AccessDenied)",
                           "assume_role")
        return account

    def _bus_map(self, account: str, region: str) -> dict[str, dict[str, Any]]:
        buses = self._buses.setdefault((account, region), {})
        buses.setdefault("default", {"arn": f"arn:aws:events:{region}:{account}:event-bus/default", "policy": None,
                                     "tags": {}})
        return buses

    def _bus(self, account: str, region: str, name: str, operation: str) -> dict[str, Any]:
        bus = self._bus_map(account, region).get(name.rsplit("/", 1)[-1])
        if bus is None:
            raise AwsError("ResourceNotFoundException", f"Event bus {name} does not exist.", operation)
        return bus

    def event_bus(self, account_id: str, region: str, name: str) -> LiveEventBus | None:
        account = self._reach(account_id)
        bus = self._bus_map(account, region).get(name)
        return LiveEventBus(name=name, arn=bus["arn"], policy=bus["policy"], tags=dict(bus["tags"])) if bus else None

    def create_event_bus(self, account_id: str, region: str, name: str, tags: Mapping[str, str]) -> str:
        buses = self._bus_map(self._reach(account_id), region)
        if name not in buses:
            account = account_id or self.management_id
            buses[name] = {"arn": f"arn:aws:events:{region}:{account}:event-bus/{name}", "policy": None,
                           "tags": dict(tags)}
        return str(buses[name]["arn"])

    def put_event_bus_policy(self, account_id: str, region: str, name: str, policy: str) -> None:
        bus = self._bus(self._reach(account_id), region, name, "put_permission")
        json.loads(policy)
        bus["policy"] = policy

    def _by_arn(self, account: str, region: str, arn: str) -> dict[str, Any]:
        for bus in self._bus_map(account, region).values():
            if bus["arn"] == arn:
                return bus
        for (acct, reg, _), rules in self._rules.items():
            for rule in rules.values():
                if (acct, reg) == (account, region) and rule["arn"] == arn:
                    return rule
        raise AwsError("ResourceNotFoundException", f"Resource {arn} does not exist.", "tag_resource")

    def tag_event_resource(self, account_id: str, region: str, arn: str, tags: Mapping[str, str]) -> None:
        self._by_arn(self._reach(account_id), region, arn)["tags"].update(tags)

    def event_rules(self, account_id: str, region: str, bus: str, prefix: str) -> list[LiveEventRule]:
        account = self._reach(account_id)
        self._bus(account, region, bus, "list_rules")
        rules = self._rules.get((account, region, bus), {})
        return [LiveEventRule(name=name, arn=r["arn"], pattern=r["pattern"], description=r["description"],
                              state="ENABLED", tags=dict(r["tags"]), targets=tuple(r["targets"].values()))
                for name, r in sorted(rules.items()) if name.startswith(prefix)]

    def put_event_rule(self, account_id: str, region: str, bus: str, name: str, pattern: str, description: str,
                       tags: Mapping[str, str]) -> str:
        account = self._reach(account_id)
        self._bus(account, region, bus, "put_rule")
        try:
            json.loads(pattern)
        except ValueError:
            raise AwsError("InvalidEventPatternException", "Event pattern is not valid.", "put_rule") from None
        rules = self._rules.setdefault((account, region, bus), {})
        where = name if bus == "default" else f"{bus}/{name}"
        rule = rules.setdefault(name, {"arn": f"arn:aws:events:{region}:{account}:rule/{where}", "tags": {},
                                       "targets": {}})
        rule.update(pattern=pattern, description=description[:512])
        rule["tags"].update(tags)
        return str(rule["arn"])

    def put_event_targets(self, account_id: str, region: str, bus: str, rule: str,
                          targets: list[Mapping[str, object]]) -> None:
        account = self._reach(account_id)
        found = self._rules.get((account, region, bus), {}).get(rule)
        if found is None:
            raise AwsError("ResourceNotFoundException", f"Rule {rule} does not exist on EventBus {bus}.", "put_targets")
        for t in targets:
            transformer: Any = t.get("InputTransformer") or {}
            found["targets"][str(t["Id"])] = LiveRuleTarget(
                id=str(t["Id"]), arn=str(t["Arn"]), role_arn=t.get("RoleArn"),  # type: ignore[arg-type]
                input_paths=dict(transformer.get("InputPathsMap") or {}),
                input_template=transformer.get("InputTemplate"))
        if len(found["targets"]) > 5:
            raise AwsError("LimitExceededException", "a rule has at most 5 targets", "put_targets")

    def delete_event_rule(self, account_id: str, region: str, bus: str, name: str) -> None:
        self._rules.get((self._reach(account_id), region, bus), {}).pop(name, None)

    def put_events(self, account_id: str, region: str, entries: list[Mapping[str, object]]) -> int:
        account = self._reach(account_id)
        for entry in entries:
            target = str(entry.get("EventBusName") or "default")
            if target.startswith("arn:"):
                _, _, _, where, acct, _ = target.split(":", 5)
                self._bus(acct, where, target, "put_events")
            else:
                self._bus(account, region, target, "put_events")
            self.events.append((account, region, dict(entry)))
        return 0

    def _topic(self, arn: str, code: str, operation: str) -> dict[str, Any]:
        if arn not in self._topics:
            raise AwsError(code, "Topic does not exist", operation)
        return self._topics[arn]

    def topic(self, account_id: str, region: str, name: str) -> LiveTopic | None:
        arn = f"arn:aws:sns:{region}:{self._reach(account_id)}:{name}"
        found = self._topics.get(arn)
        if found is None:
            return None
        return LiveTopic(arn=arn, policy=found["policy"], tags=dict(found["tags"]), subscriptions=tuple(
            LiveSubscription(protocol=p, endpoint=e, arn=PENDING if pending else sub_arn)
            for sub_arn, (p, e, pending) in found["subscriptions"].items()))

    def create_topic(self, account_id: str, region: str, name: str, tags: Mapping[str, str]) -> str:
        account = self._reach(account_id)
        arn = f"arn:aws:sns:{region}:{account}:{name}"
        if arn in self._topics:
            if tags and dict(tags) != self._topics[arn]["tags"]:
                raise AwsError("InvalidParameterException", "Invalid parameter: Tags Reason: Topic already exists "
                               "with different tags", "create_topic")
            return arn
        policy = {"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
            "Effect": "Allow", "Sid": "__default_statement_ID", "Principal": {"AWS": "*"},
            "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                       "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic",
                       "SNS:Publish"], "Resource": arn, "Condition": {"StringEquals": {"AWS:SourceOwner": account}}}]}
        self._topics[arn] = {"policy": json.dumps(policy, separators=(",", ":")), "tags": dict(tags),
                             "subscriptions": {}}
        return arn

    def set_topic_policy(self, account_id: str, region: str, arn: str, policy: str) -> None:
        self._reach(account_id)
        topic = self._topic(arn, "NotFound", "set_topic_attributes")
        try:
            json.loads(policy)
        except ValueError:
            raise AwsError("InvalidParameter", "Invalid parameter: Policy", "set_topic_attributes") from None
        topic["policy"] = policy

    def tag_topic(self, account_id: str, region: str, arn: str, tags: Mapping[str, str]) -> None:
        self._reach(account_id)
        self._topic(arn, "ResourceNotFound", "tag_resource")["tags"].update(tags)

    def subscribe(self, account_id: str, region: str, arn: str, protocol: str, endpoint: str) -> str:
        self._reach(account_id)
        subscriptions = self._topic(arn, "NotFound", "subscribe")["subscriptions"]
        for sub_arn, (p, e, _) in subscriptions.items():
            if (p, e) == (protocol, endpoint):
                return str(sub_arn)
        sub_arn = f"{arn}:{self._uuid()}"
        subscriptions[sub_arn] = (protocol, endpoint, protocol in CONFIRMED_LATER)
        return sub_arn

    def unsubscribe(self, account_id: str, region: str, subscription_arn: str) -> None:
        self._reach(account_id)
        for topic in self._topics.values():
            topic["subscriptions"].pop(subscription_arn, None)

    def _stack(self, region: str, name: str, operation: str) -> dict[str, Any]:
        found = self._stack_sets.get((region, name))
        if found is None:
            raise AwsError("StackSetNotFoundException", f"StackSet {name} not found", operation)
        return found

    def stack_set(self, region: str, name: str) -> LiveStackSet | None:
        found = self._stack_sets.get((region, name))
        if found is None:
            return None
        return LiveStackSet(name=name, template=found["template"], tags=dict(found["tags"]),
                            regions=tuple(sorted(found["regions"])))

    def create_stack_set(self, region: str, name: str, description: str, template: str,
                         tags: Mapping[str, str]) -> None:
        if (region, name) in self._stack_sets:
            raise AwsError("NameAlreadyExistsException", f"StackSet {name} already exists", "create_stack_set")
        self._stack_sets[(region, name)] = {"template": template, "tags": dict(tags), "regions": set(),
                                            "ou_ids": set(), "description": description}

    def update_stack_set(self, region: str, name: str, template: str) -> None:
        self._stack(region, name, "update_stack_set")["template"] = template

    def create_stack_instances(self, region: str, name: str, ou_ids: list[str], regions: list[str]) -> None:
        found = self._stack(region, name, "create_stack_instances")
        for ou in ou_ids:
            self._target(ou, "create_stack_instances")
        found["ou_ids"].update(ou_ids)
        found["regions"].update(regions)
