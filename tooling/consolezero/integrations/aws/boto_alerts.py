"""Guardrail alerts over boto3 clients: EventBridge and SNS in the alerts account, CloudFormation StackSets
in the caller's (management) account. A mixin of :class:`.boto.BotoPort`; no boto3 import here.

The alerts account is reached through a member role (``CONSOLEZERO_MEMBER_ROLES``, else the bootstrap
member roles of the alerts account, else ``OrganizationAccountAccessRole``); when it is the caller's own
account, the caller's credentials are used. Against an emulator the same calls go to the
endpoint (moto keeps one backend per account, selected by the assumed role's credentials).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from .boto_iam import MEMBER_ROLES_ENV, ORG_ACCESS_ROLE
from .boto_identity import tag_list, tag_map
from .port import (
    AwsError,
    LiveEventBus,
    LiveEventRule,
    LiveRuleTarget,
    LiveStackSet,
    LiveSubscription,
    LiveTopic,
)

# bootstrap/member-role.yaml's apply role, then its read role (all plan may assume), then the role AWS
# Organizations creates in every account it creates
ALERT_ROLES = ("consolezero-alerts", "consolezero-alerts-read", ORG_ACCESS_ROLE)


class AlertCalls:
    _clients: dict[str, Any]
    _endpoint: str | None
    _sleep: Callable[[float], None]

    def _call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def _pages(self, service: str, operation: str, key: str, page_size: int | None,
               **params: Any) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    def caller_account_id(self) -> str:  # pragma: no cover
        raise NotImplementedError

    @property
    def session(self) -> Any:  # pragma: no cover
        raise NotImplementedError

    # --- plumbing: a client in (account, region) -------------------------------------------
    def _at(self, service: str, account_id: str, region: str) -> str:
        """The key of a client for ``service`` in ``account_id`` and ``region`` (created on first use)."""
        from .boto import _new_client

        key = f"{service}@{account_id or 'caller'}@{region}"
        if key in self._clients:
            return key
        kwargs: dict[str, Any] = {"region_name": region}
        if self._endpoint:
            kwargs["endpoint_url"] = self._endpoint
        if not account_id or account_id == self.caller_account_id():
            self._clients[key] = _new_client(self.session, service, **kwargs)
            return key
        credentials = self._clients.get(f"credentials@{account_id}")  # one assumed session per account
        if credentials is None:
            roles = [r.strip() for r in os.environ.get(MEMBER_ROLES_ENV, "").split(",") if r.strip()]
            errors = []
            for role in roles or ALERT_ROLES:
                try:
                    credentials = self._call("sts", "assume_role", RoleArn=f"arn:aws:iam::{account_id}:role/{role}",
                                             RoleSessionName="consolezero-alerts", DurationSeconds=3600)["Credentials"]
                    break
                except AwsError as exc:
                    errors.append(f"{role}: {exc.code}")
            if credentials is None:
                raise AwsError("AssumeRoleFailed", f"cannot reach account {account_id}: no member role could be "
                               "assumed (" + "; ".join(errors) + ")", "assume_role")
            self._clients[f"credentials@{account_id}"] = credentials
        kwargs.update(aws_access_key_id=credentials["AccessKeyId"], aws_session_token=credentials["SessionToken"],
                      aws_secret_access_key=credentials["SecretAccessKey"])
        self._clients[key] = _new_client(self.session, service, **kwargs)
        return key

    def organization_id(self) -> str:
        return str(self._call("organizations", "describe_organization")["Organization"]["Id"])

    # --- EventBridge ------------------------------------------------------------------------
    def event_bus(self, account_id: str, region: str, name: str) -> LiveEventBus | None:
        key = self._at("events", account_id, region)
        try:
            found = self._call(key, "describe_event_bus", Name=name)
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            raise
        tags = tag_map(self._call(key, "list_tags_for_resource", ResourceARN=found["Arn"]).get("Tags"))
        return LiveEventBus(name=name, arn=found["Arn"], policy=found.get("Policy") or None, tags=tags)

    def create_event_bus(self, account_id: str, region: str, name: str, tags: Mapping[str, str]) -> str:
        key = self._at("events", account_id, region)
        try:
            return str(self._call(key, "create_event_bus", Name=name, Tags=tag_list(tags))["EventBusArn"])
        except AwsError as exc:
            if exc.code != "ResourceAlreadyExistsException":
                raise
            return str(self._call(key, "describe_event_bus", Name=name)["Arn"])

    def put_event_bus_policy(self, account_id: str, region: str, name: str, policy: str) -> None:
        self._call(self._at("events", account_id, region), "put_permission", EventBusName=name, Policy=policy)

    def tag_event_resource(self, account_id: str, region: str, arn: str, tags: Mapping[str, str]) -> None:
        self._call(self._at("events", account_id, region), "tag_resource", ResourceARN=arn, Tags=tag_list(tags))

    def event_rules(self, account_id: str, region: str, bus: str, prefix: str) -> list[LiveEventRule]:
        key = self._at("events", account_id, region)
        found = self._pages(key, "list_rules", "Rules", None, EventBusName=bus, NamePrefix=prefix,
                            Limit=100)
        rules = []
        for rule in found:
            tags = tag_map(self._call(key, "list_tags_for_resource", ResourceARN=rule["Arn"]).get("Tags"))
            targets = self._pages(key, "list_targets_by_rule", "Targets", None, Rule=rule["Name"],
                                  EventBusName=bus, Limit=100)
            rules.append(LiveEventRule(
                name=rule["Name"], arn=rule["Arn"], pattern=rule.get("EventPattern") or "",
                description=rule.get("Description") or "", state=rule.get("State") or "ENABLED", tags=tags,
                targets=tuple(LiveRuleTarget(
                    id=t["Id"], arn=t["Arn"], role_arn=t.get("RoleArn"),
                    input_paths=dict((t.get("InputTransformer") or {}).get("InputPathsMap") or {}),
                    input_template=(t.get("InputTransformer") or {}).get("InputTemplate")) for t in targets)))
        return rules

    def put_event_rule(self, account_id: str, region: str, bus: str, name: str, pattern: str, description: str,
                       tags: Mapping[str, str]) -> str:
        key = self._at("events", account_id, region)
        arn = str(self._call(key, "put_rule", Name=name, EventBusName=bus, EventPattern=pattern, State="ENABLED",
                             Description=description[:512], Tags=tag_list(tags))["RuleArn"])
        self._call(key, "tag_resource", ResourceARN=arn, Tags=tag_list(tags))  # PutRule tags only new rules
        return arn

    def put_event_targets(self, account_id: str, region: str, bus: str, rule: str,
                          targets: list[Mapping[str, object]]) -> None:
        key = self._at("events", account_id, region)
        response = self._call(key, "put_targets", Rule=rule, EventBusName=bus, Targets=[dict(t) for t in targets])
        if response.get("FailedEntryCount"):
            entry = (response.get("FailedEntries") or [{}])[0]
            raise AwsError(str(entry.get("ErrorCode") or "PutTargetsFailed"), str(entry.get("ErrorMessage") or ""),
                           "put_targets")

    def delete_event_rule(self, account_id: str, region: str, bus: str, name: str) -> None:
        key = self._at("events", account_id, region)
        try:
            ids = [t["Id"] for t in self._pages(key, "list_targets_by_rule", "Targets", None, Rule=name,
                                                EventBusName=bus)]
            if ids:
                self._call(key, "remove_targets", Rule=name, EventBusName=bus, Ids=ids)
            self._call(key, "delete_rule", Name=name, EventBusName=bus)
        except AwsError as exc:
            if exc.code != "ResourceNotFoundException":
                raise

    def put_events(self, account_id: str, region: str, entries: list[Mapping[str, object]]) -> int:
        response = self._call(self._at("events", account_id, region), "put_events", Entries=[dict(e) for e in entries])
        return int(response.get("FailedEntryCount") or 0)

    # --- SNS --------------------------------------------------------------------------------
    def topic(self, account_id: str, region: str, name: str) -> LiveTopic | None:
        key = self._at("sns", account_id, region)
        arn = f"arn:aws:sns:{region}:{account_id or self.caller_account_id()}:{name}"
        try:
            attributes = self._call(key, "get_topic_attributes", TopicArn=arn)["Attributes"]
        except AwsError as exc:
            if exc.code in ("NotFound", "NotFoundException"):
                return None
            raise
        tags = tag_map(self._call(key, "list_tags_for_resource", ResourceArn=arn).get("Tags"))
        subscriptions = self._pages(key, "list_subscriptions_by_topic", "Subscriptions", None, TopicArn=arn)
        return LiveTopic(arn=arn, policy=attributes.get("Policy"), tags=tags, subscriptions=tuple(
            LiveSubscription(protocol=s.get("Protocol", ""), endpoint=s.get("Endpoint", ""),
                             arn=s.get("SubscriptionArn", "")) for s in subscriptions))

    def create_topic(self, account_id: str, region: str, name: str, tags: Mapping[str, str]) -> str:
        return str(self._call(self._at("sns", account_id, region), "create_topic", Name=name,
                              Tags=tag_list(tags))["TopicArn"])

    def set_topic_policy(self, account_id: str, region: str, arn: str, policy: str) -> None:
        self._call(self._at("sns", account_id, region), "set_topic_attributes", TopicArn=arn,
                   AttributeName="Policy", AttributeValue=policy)

    def tag_topic(self, account_id: str, region: str, arn: str, tags: Mapping[str, str]) -> None:
        self._call(self._at("sns", account_id, region), "tag_resource", ResourceArn=arn, Tags=tag_list(tags))

    def subscribe(self, account_id: str, region: str, arn: str, protocol: str, endpoint: str) -> str:
        response = self._call(self._at("sns", account_id, region), "subscribe", TopicArn=arn, Protocol=protocol,
                              Endpoint=endpoint, ReturnSubscriptionArn=True)
        return str(response.get("SubscriptionArn") or "")

    def unsubscribe(self, account_id: str, region: str, subscription_arn: str) -> None:
        try:
            self._call(self._at("sns", account_id, region), "unsubscribe", SubscriptionArn=subscription_arn)
        except AwsError as exc:
            if exc.code not in ("NotFound", "NotFoundException"):
                raise

    # --- CloudFormation StackSets (service-managed, in the caller's account) -------------------
    def stack_set(self, region: str, name: str) -> LiveStackSet | None:
        key = self._at("cloudformation", "", region)
        try:
            found = self._call(key, "describe_stack_set", StackSetName=name)["StackSet"]
        except AwsError as exc:
            if exc.code in ("StackSetNotFoundException", "StackSetNotFound"):
                return None
            raise
        if found.get("Status") == "DELETED":
            return None
        instances = self._pages(key, "list_stack_instances", "Summaries", 100, StackSetName=name)
        return LiveStackSet(name=name, template=found.get("TemplateBody") or "", status=found.get("Status", ""),
                            tags=tag_map(found.get("Tags")), permission_model=found.get("PermissionModel", ""),
                            regions=tuple(sorted({i["Region"] for i in instances})))

    def create_stack_set(self, region: str, name: str, description: str, template: str,
                         tags: Mapping[str, str]) -> None:
        self._call(self._at("cloudformation", "", region), "create_stack_set", StackSetName=name,
                   Description=description, TemplateBody=template, PermissionModel="SERVICE_MANAGED",
                   AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False},
                   Capabilities=["CAPABILITY_NAMED_IAM"], Tags=tag_list(tags))

    def update_stack_set(self, region: str, name: str, template: str) -> None:
        self.wait_stack_set(region, name)
        self._call(self._at("cloudformation", "", region), "update_stack_set", StackSetName=name,
                   TemplateBody=template, Capabilities=["CAPABILITY_NAMED_IAM"])
        self.wait_stack_set(region, name)

    def create_stack_instances(self, region: str, name: str, ou_ids: list[str], regions: list[str]) -> None:
        self.wait_stack_set(region, name)
        self._call(self._at("cloudformation", "", region), "create_stack_instances", StackSetName=name,
                   DeploymentTargets={"OrganizationalUnitIds": list(ou_ids)}, Regions=list(regions))
        self.wait_stack_set(region, name)

    def wait_stack_set(self, region: str, name: str, timeout: float = 900.0, interval: float = 10.0) -> None:
        """Wait while an operation of the StackSet runs (StackSets take one operation at a time)."""
        key = self._at("cloudformation", "", region)
        waited = 0.0
        while True:
            operations = self._call(key, "list_stack_set_operations", StackSetName=name,
                                    MaxResults=10).get("Summaries") or []
            if not any(o.get("Status") in ("RUNNING", "QUEUED", "STOPPING") for o in operations):
                return
            if waited >= timeout:
                raise AwsError("Timeout", f"StackSet {name} is still busy after {timeout:.0f} s", "wait_stack_set")
            self._sleep(interval)
            waited += interval

