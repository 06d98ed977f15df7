"""The AWS port: what plan and apply need from AWS Organizations and IAM Identity Center.

Our own frozen types only; no boto3 type ever crosses this line. :mod:`consolezero.integrations.aws.boto`
implements it with boto3; tests wrap it (fault injection, call counting). Read methods return
complete, paginated results. Write methods are idempotent where AWS allows it: attaching what is
already attached, detaching what is not attached or deleting what is gone succeed quietly.

Errors are :class:`AwsError` with the AWS error code, so callers never import botocore.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from consolezero.policy.scp import FULL_AWS_ACCESS, FULL_AWS_ACCESS_ID  # noqa: F401 - re-exported

MANAGED_TAG = ("managed-by", "consolezero")  # the ownership marker on everything we create

AsyncState = Literal["IN_PROGRESS", "SUCCEEDED", "FAILED"]
PrincipalType = Literal["GROUP", "USER"]


class AwsError(Exception):
    """An AWS API error: its code (``ConstraintViolationException``), message and operation."""

    def __init__(self, code: str, message: str, operation: str = "", reason: str | None = None) -> None:
        super().__init__(f"{code}: {message}" + (f" ({reason})" if reason else ""))
        self.code = code
        self.message = message
        self.operation = operation
        self.reason = reason


class AwsTimeout(AwsError):
    """An asynchronous step did not finish in time."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__("Timeout", f"{what} did not finish within {seconds:.0f} s", "poll")


def is_managed(tags: Mapping[str, str]) -> bool:
    return tags.get(MANAGED_TAG[0]) == MANAGED_TAG[1]


@dataclass(frozen=True)
class LiveOu:
    id: str
    name: str
    parent_id: str
    path: str = ""  # "Workloads/Prod", filled in while walking the tree


@dataclass(frozen=True)
class LiveAccount:
    id: str
    name: str
    email: str
    parent_id: str
    status: str = "ACTIVE"


@dataclass(frozen=True)
class PolicySummary:
    id: str
    name: str
    description: str
    aws_managed: bool


@dataclass(frozen=True)
class AsyncStatus:
    """The state of an asynchronous request (account creation, assignment, provisioning)."""

    state: AsyncState
    request_id: str
    failure_reason: str | None = None
    result_id: str | None = None  # e.g. the new account's id


@dataclass(frozen=True)
class SsoInstance:
    instance_arn: str
    identity_store_id: str


@dataclass(frozen=True)
class PermissionSetInfo:
    arn: str
    name: str
    description: str
    session_duration: str  # ISO 8601 as AWS returns it ("PT1H")


@dataclass(frozen=True)
class BoundaryRef:
    """A permissions boundary: an AWS managed policy ARN, or a customer managed (name, path)."""

    managed_arn: str | None = None
    customer_name: str | None = None
    customer_path: str = "/"

    def describe(self) -> str:
        if self.managed_arn:
            return self.managed_arn
        return f"customer managed {self.customer_path}{self.customer_name}"


@dataclass(frozen=True)
class LiveAssignment:
    account_id: str
    permission_set_arn: str
    principal_type: str
    principal_id: str


@dataclass(frozen=True)
class LivePermissionSet:
    arn: str
    name: str
    description: str
    session_duration: str
    tags: Mapping[str, str] = field(default_factory=dict)
    managed_policies: tuple[str, ...] = ()  # ARNs, sorted
    customer_policies: tuple[tuple[str, str], ...] = ()  # (name, path), sorted
    inline_policy: str | None = None
    boundary: BoundaryRef | None = None
    outdated_accounts: tuple[str, ...] = ()  # provisioned, but not with the latest definition
    read: bool = True  # False for unmanaged sets: only name and tags were read

    @property
    def managed(self) -> bool:
        return is_managed(self.tags)


@dataclass(frozen=True)
class IamUser:
    """An IAM user of a member account (read through the organization access role)."""

    name: str
    path: str
    arn: str


@dataclass(frozen=True)
class AccessKeyInfo:
    id: str
    status: str  # Active | Inactive
    created: str  # ISO 8601


@dataclass(frozen=True)
class CredentialReport:
    """An account's IAM credential report: the CSV text AWS returns, and when it was generated."""

    account_id: str
    content: str
    generated: str | None = None


# --- guardrail alerts (EventBridge, SNS, CloudFormation StackSets) --------------------------------
@dataclass(frozen=True)
class LiveRuleTarget:
    id: str
    arn: str
    input_paths: Mapping[str, str] = field(default_factory=dict)
    input_template: str | None = None
    role_arn: str | None = None


@dataclass(frozen=True)
class LiveEventRule:
    name: str
    arn: str
    pattern: str  # the EventPattern as AWS returns it (JSON)
    description: str = ""
    state: str = "ENABLED"
    tags: Mapping[str, str] = field(default_factory=dict)
    targets: tuple[LiveRuleTarget, ...] = ()


@dataclass(frozen=True)
class LiveEventBus:
    name: str
    arn: str
    policy: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LiveSubscription:
    protocol: str
    endpoint: str
    arn: str  # "PendingConfirmation" until the endpoint confirms


@dataclass(frozen=True)
class LiveTopic:
    arn: str
    policy: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    subscriptions: tuple[LiveSubscription, ...] = ()


@dataclass(frozen=True)
class LiveStackSet:
    name: str
    template: str
    status: str = "ACTIVE"
    tags: Mapping[str, str] = field(default_factory=dict)
    permission_model: str = "SERVICE_MANAGED"
    regions: tuple[str, ...] = ()  # regions with stack instances


class AwsPort(Protocol):
    """Everything plan and apply ask of AWS. Implemented by :class:`consolezero.integrations.aws.boto.BotoPort`."""

    # --- credentials and pace -------------------------------------------------------------
    def access_key_id(self) -> str | None: ...
    # calls per second that parallel reads (the complete assignment scan) may start; 0: no limit (an emulator)
    def read_rate(self) -> float: ...
    def caller_arn(self) -> str | None: ...  # sts:GetCallerIdentity: who the credentials are

    # --- Organizations: read --------------------------------------------------------------
    def root_id(self) -> str: ...
    def child_ous(self, parent_id: str) -> list[LiveOu]: ...
    def child_accounts(self, parent_id: str) -> list[LiveAccount]: ...
    def list_scps(self) -> list[PolicySummary]: ...
    def policy_tags(self, policy_id: str) -> dict[str, str]: ...
    def policy_content(self, policy_id: str) -> str: ...
    def policy_targets(self, policy_id: str) -> list[str]: ...
    def policies_for_target(self, target_id: str) -> list[PolicySummary]: ...

    # --- Organizations: write -------------------------------------------------------------
    def create_scp(self, name: str, description: str, content: str, tags: Mapping[str, str]) -> str: ...
    def update_scp(self, policy_id: str, description: str | None, content: str | None) -> None: ...
    def tag_policy(self, policy_id: str, tags: Mapping[str, str]) -> None: ...
    def untag_policy(self, policy_id: str, keys: list[str]) -> None: ...
    def delete_scp(self, policy_id: str) -> None: ...
    def attach_scp(self, policy_id: str, target_id: str) -> bool: ...
    def detach_scp(self, policy_id: str, target_id: str) -> bool: ...
    def create_ou(self, parent_id: str, name: str, tags: Mapping[str, str]) -> str: ...
    def move_account(self, account_id: str, source_parent_id: str, destination_parent_id: str) -> None: ...
    def start_create_account(self, name: str, email: str, tags: Mapping[str, str]) -> AsyncStatus: ...
    def create_account_status(self, request_id: str) -> AsyncStatus: ...

    # --- IAM in member accounts (through the organization access role): read only -----------
    def iam_user(self, account_id: str, user: str) -> IamUser | None: ...
    def mfa_devices(self, account_id: str, user: str) -> list[str]: ...  # serial numbers
    def access_keys(self, account_id: str, user: str) -> list[AccessKeyInfo]: ...
    def generate_credential_report(self, account_id: str) -> str: ...  # STARTED | INPROGRESS | COMPLETE
    def credential_report(self, account_id: str) -> CredentialReport | None: ...  # None: not ready yet

    # --- IAM Identity Center: read --------------------------------------------------------
    def sso_instance(self, instance_arn: str | None) -> SsoInstance | None: ...
    def list_permission_sets(self, instance_arn: str) -> list[str]: ...
    def describe_permission_set(self, instance_arn: str, arn: str) -> PermissionSetInfo: ...
    def permission_set_tags(self, instance_arn: str, arn: str) -> dict[str, str]: ...
    def permission_set_managed_policies(self, instance_arn: str, arn: str) -> list[str]: ...
    def permission_set_customer_policies(self, instance_arn: str, arn: str) -> list[tuple[str, str]]: ...
    def permission_set_inline_policy(self, instance_arn: str, arn: str) -> str | None: ...
    def permission_set_boundary(self, instance_arn: str, arn: str) -> BoundaryRef | None: ...
    def accounts_for_permission_set(self, instance_arn: str, arn: str, outdated_only: bool = False) -> list[str]: ...
    def assignments_for_principal(self, instance_arn: str, principal_type: str,
                                  principal_id: str) -> list[LiveAssignment]: ...
    def account_assignments(self, instance_arn: str, account_id: str, arn: str) -> list[LiveAssignment]: ...
    def group_id(self, identity_store_id: str, name: str) -> str | None: ...
    def list_principals(self, identity_store_id: str) -> list[tuple[str, str, str]]: ...  # (type, id, name)
    def principal_name(self, identity_store_id: str, principal_type: str, principal_id: str) -> str | None: ...
    def user_id(self, identity_store_id: str, name: str) -> str | None: ...
    def user_group_ids(self, identity_store_id: str, user_id: str) -> list[str]: ...  # groups the user is in

    # --- IAM Identity Center: write -------------------------------------------------------
    def create_permission_set(self, instance_arn: str, name: str, description: str, session_duration: str,
                              tags: Mapping[str, str]) -> str: ...
    def update_permission_set(self, instance_arn: str, arn: str, description: str,
                              session_duration: str) -> None: ...
    def tag_permission_set(self, instance_arn: str, arn: str, tags: Mapping[str, str]) -> None: ...
    def untag_permission_set(self, instance_arn: str, arn: str, keys: list[str]) -> None: ...
    def delete_permission_set(self, instance_arn: str, arn: str) -> None: ...
    def attach_managed_policy(self, instance_arn: str, arn: str, policy_arn: str) -> None: ...
    def detach_managed_policy(self, instance_arn: str, arn: str, policy_arn: str) -> None: ...
    def attach_customer_policy(self, instance_arn: str, arn: str, name: str, path: str) -> None: ...
    def detach_customer_policy(self, instance_arn: str, arn: str, name: str, path: str) -> None: ...
    def put_inline_policy(self, instance_arn: str, arn: str, document: str) -> None: ...
    def delete_inline_policy(self, instance_arn: str, arn: str) -> None: ...
    def put_boundary(self, instance_arn: str, arn: str, boundary: BoundaryRef) -> None: ...
    def delete_boundary(self, instance_arn: str, arn: str) -> None: ...
    def start_provision(self, instance_arn: str, arn: str) -> AsyncStatus: ...
    def provision_status(self, instance_arn: str, request_id: str) -> AsyncStatus: ...
    def start_create_assignment(self, instance_arn: str, account_id: str, arn: str, principal_type: str,
                                principal_id: str) -> AsyncStatus: ...
    def assignment_creation_status(self, instance_arn: str, request_id: str) -> AsyncStatus: ...
    def start_delete_assignment(self, instance_arn: str, account_id: str, arn: str, principal_type: str,
                                principal_id: str) -> AsyncStatus: ...
    def assignment_deletion_status(self, instance_arn: str, request_id: str) -> AsyncStatus: ...

    # --- guardrail alerts: EventBridge and SNS in (account, region), StackSets in the caller's account -----
    def organization_id(self) -> str: ...
    def event_bus(self, account_id: str, region: str, name: str) -> LiveEventBus | None: ...
    def create_event_bus(self, account_id: str, region: str, name: str, tags: Mapping[str, str]) -> str: ...
    def put_event_bus_policy(self, account_id: str, region: str, name: str, policy: str) -> None: ...
    def tag_event_resource(self, account_id: str, region: str, arn: str, tags: Mapping[str, str]) -> None: ...
    def event_rules(self, account_id: str, region: str, bus: str, prefix: str) -> list[LiveEventRule]: ...
    def put_event_rule(self, account_id: str, region: str, bus: str, name: str, pattern: str, description: str,
                       tags: Mapping[str, str]) -> str: ...
    def put_event_targets(self, account_id: str, region: str, bus: str, rule: str,
                          targets: list[Mapping[str, object]]) -> None: ...
    def delete_event_rule(self, account_id: str, region: str, bus: str, name: str) -> None: ...
    def put_events(self, account_id: str, region: str, entries: list[Mapping[str, object]]) -> int: ...
    def topic(self, account_id: str, region: str, name: str) -> LiveTopic | None: ...
    def create_topic(self, account_id: str, region: str, name: str, tags: Mapping[str, str]) -> str: ...
    def set_topic_policy(self, account_id: str, region: str, arn: str, policy: str) -> None: ...
    def tag_topic(self, account_id: str, region: str, arn: str, tags: Mapping[str, str]) -> None: ...
    def subscribe(self, account_id: str, region: str, arn: str, protocol: str, endpoint: str) -> str: ...
    def unsubscribe(self, account_id: str, region: str, subscription_arn: str) -> None: ...
    def stack_set(self, region: str, name: str) -> LiveStackSet | None: ...
    def create_stack_set(self, region: str, name: str, description: str, template: str,
                         tags: Mapping[str, str]) -> None: ...
    def update_stack_set(self, region: str, name: str, template: str) -> None: ...
    def create_stack_instances(self, region: str, name: str, ou_ids: list[str], regions: list[str]) -> None: ...


# The port methods that change AWS (fault injection and dry runs wrap exactly these).
MUTATING = frozenset({
    "create_scp", "update_scp", "tag_policy", "untag_policy", "delete_scp", "attach_scp", "detach_scp",
    "create_ou", "move_account", "start_create_account",
    "create_permission_set", "update_permission_set", "tag_permission_set", "untag_permission_set",
    "delete_permission_set", "attach_managed_policy", "detach_managed_policy", "attach_customer_policy",
    "detach_customer_policy", "put_inline_policy", "delete_inline_policy", "put_boundary", "delete_boundary",
    "start_provision", "start_create_assignment", "start_delete_assignment",
    "create_event_bus", "put_event_bus_policy", "tag_event_resource", "put_event_rule", "put_event_targets",
    "delete_event_rule", "put_events", "create_topic", "set_topic_policy", "tag_topic", "subscribe", "unsubscribe",
    "create_stack_set", "update_stack_set", "create_stack_instances",
})
