"""IAM Identity Center and the Identity Store over boto3 clients: a mixin of :class:`BotoPort`.

No boto3 import here: it only calls the port's ``_call``/``_pages`` plumbing (see :mod:`.boto`).
Assignment and provisioning requests are asynchronous; apply polls them (:mod:`.waiter`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .port import AsyncStatus, AwsError, BoundaryRef, LiveAssignment, PermissionSetInfo, SsoInstance

SSO_PAGE = 100  # the largest MaxResults sso-admin and identitystore accept


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_map(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in tags or []}


def async_status(data: Mapping[str, Any], state_key: str = "Status") -> AsyncStatus:
    return AsyncStatus(state=data.get(state_key) or "IN_PROGRESS",
                       request_id=data.get("RequestId") or data.get("Id", ""),
                       failure_reason=data.get("FailureReason"), result_id=data.get("AccountId"))


class IdentityCenterCalls:
    """Permission sets, assignments, provisioning and Identity Store lookups."""

    _sleep: Callable[[float], None]

    def _call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def _pages(self, service: str, operation: str, key: str, page_size: int | None,
               **params: Any) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    def _sso(self, operation: str, **params: Any) -> dict[str, Any]:
        return self._call("sso-admin", operation, **params)

    # --- IAM Identity Center: read --------------------------------------------------------
    def sso_instance(self, instance_arn: str | None) -> SsoInstance | None:
        instances = self._pages("sso-admin", "list_instances", "Instances", SSO_PAGE)
        for inst in instances:
            if instance_arn is None or inst.get("InstanceArn") == instance_arn:
                return SsoInstance(instance_arn=inst["InstanceArn"], identity_store_id=inst["IdentityStoreId"])
        return None

    def list_permission_sets(self, instance_arn: str) -> list[str]:
        return list(self._pages("sso-admin", "list_permission_sets", "PermissionSets", SSO_PAGE,
                                InstanceArn=instance_arn))

    def describe_permission_set(self, instance_arn: str, arn: str) -> PermissionSetInfo:
        ps = self._sso("describe_permission_set", InstanceArn=instance_arn, PermissionSetArn=arn)["PermissionSet"]
        return PermissionSetInfo(arn=arn, name=ps.get("Name", ""), description=ps.get("Description") or "",
                                 session_duration=ps.get("SessionDuration") or "PT1H")

    def permission_set_tags(self, instance_arn: str, arn: str) -> dict[str, str]:
        return tag_map(self._pages("sso-admin", "list_tags_for_resource", "Tags", None, InstanceArn=instance_arn,
                                  ResourceArn=arn))

    def permission_set_managed_policies(self, instance_arn: str, arn: str) -> list[str]:
        found = self._pages("sso-admin", "list_managed_policies_in_permission_set", "AttachedManagedPolicies",
                            SSO_PAGE, InstanceArn=instance_arn, PermissionSetArn=arn)
        return sorted(p["Arn"] for p in found)

    def permission_set_customer_policies(self, instance_arn: str, arn: str) -> list[tuple[str, str]]:
        found = self._pages("sso-admin", "list_customer_managed_policy_references_in_permission_set",
                            "CustomerManagedPolicyReferences", SSO_PAGE, InstanceArn=instance_arn,
                            PermissionSetArn=arn)
        return sorted((p["Name"], p.get("Path") or "/") for p in found)

    def permission_set_inline_policy(self, instance_arn: str, arn: str) -> str | None:
        response = self._sso("get_inline_policy_for_permission_set", InstanceArn=instance_arn, PermissionSetArn=arn)
        return response.get("InlinePolicy") or None

    def permission_set_boundary(self, instance_arn: str, arn: str) -> BoundaryRef | None:
        try:
            response = self._sso("get_permissions_boundary_for_permission_set", InstanceArn=instance_arn,
                                 PermissionSetArn=arn)
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            raise
        boundary = response.get("PermissionsBoundary") or {}
        if boundary.get("ManagedPolicyArn"):
            return BoundaryRef(managed_arn=boundary["ManagedPolicyArn"])
        ref = boundary.get("CustomerManagedPolicyReference")
        if ref:
            return BoundaryRef(customer_name=ref["Name"], customer_path=ref.get("Path") or "/")
        return None

    def accounts_for_permission_set(self, instance_arn: str, arn: str, outdated_only: bool = False) -> list[str]:
        params: dict[str, Any] = {"InstanceArn": instance_arn, "PermissionSetArn": arn}
        if outdated_only:
            params["ProvisioningStatus"] = "LATEST_PERMISSION_SET_NOT_PROVISIONED"
        return sorted(self._pages("sso-admin", "list_accounts_for_provisioned_permission_set", "AccountIds",
                                  SSO_PAGE, **params))

    def assignments_for_principal(self, instance_arn: str, principal_type: str,
                                  principal_id: str) -> list[LiveAssignment]:
        found = self._pages("sso-admin", "list_account_assignments_for_principal", "AccountAssignments", SSO_PAGE,
                            InstanceArn=instance_arn, PrincipalType=principal_type, PrincipalId=principal_id)
        return [LiveAssignment(a["AccountId"], a["PermissionSetArn"], a.get("PrincipalType", principal_type),
                               a.get("PrincipalId", principal_id)) for a in found]

    def account_assignments(self, instance_arn: str, account_id: str, arn: str) -> list[LiveAssignment]:
        found = self._pages("sso-admin", "list_account_assignments", "AccountAssignments", SSO_PAGE,
                            InstanceArn=instance_arn, AccountId=account_id, PermissionSetArn=arn)
        return [LiveAssignment(a["AccountId"], a["PermissionSetArn"], a["PrincipalType"], a["PrincipalId"])
                for a in found]

    def _store_id(self, identity_store_id: str, operation: str, attribute: str, name: str) -> str | None:
        """``get_group_id`` / ``get_user_id`` by a unique attribute; None when there is no such principal."""
        response = self._call("identitystore", operation, IdentityStoreId=identity_store_id,
                              AlternateIdentifier={"UniqueAttribute": {"AttributePath": attribute,
                                                                       "AttributeValue": name}})
        return response["GroupId" if operation == "get_group_id" else "UserId"]

    def group_id(self, identity_store_id: str, name: str) -> str | None:
        try:
            return self._store_id(identity_store_id, "get_group_id", "displayName", name)
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            if exc.code not in ("ValidationException", "UnknownOperationException"):
                raise
        # older emulators and stores without GetGroupId: the filtered list gives the same answer
        groups = self._pages("identitystore", "list_groups", "Groups", SSO_PAGE, IdentityStoreId=identity_store_id,
                             Filters=[{"AttributePath": "DisplayName", "AttributeValue": name}])
        return groups[0]["GroupId"] if groups else None

    def user_id(self, identity_store_id: str, name: str) -> str | None:
        try:
            return self._store_id(identity_store_id, "get_user_id", "userName", name)
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            raise

    def list_principals(self, identity_store_id: str) -> list[tuple[str, str, str]]:
        """Every group and user of the identity store: (GROUP | USER, id, display name | user name)."""
        groups = self._pages("identitystore", "list_groups", "Groups", SSO_PAGE, IdentityStoreId=identity_store_id)
        users = self._pages("identitystore", "list_users", "Users", SSO_PAGE, IdentityStoreId=identity_store_id)
        return ([("GROUP", g["GroupId"], g.get("DisplayName") or g["GroupId"]) for g in groups]
                + [("USER", u["UserId"], u.get("UserName") or u["UserId"]) for u in users])

    def principal_name(self, identity_store_id: str, principal_type: str, principal_id: str) -> str | None:
        """The display name of a group or the user name of a user; None when the store has no such principal."""
        try:
            if principal_type == "GROUP":
                found = self._call("identitystore", "describe_group", IdentityStoreId=identity_store_id,
                                   GroupId=principal_id)
                return found.get("DisplayName") or None
            found = self._call("identitystore", "describe_user", IdentityStoreId=identity_store_id,
                               UserId=principal_id)
            return found.get("UserName") or None
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            raise

    def user_group_ids(self, identity_store_id: str, user_id: str) -> list[str]:
        """The IDs of the Identity Store groups the user is a direct member of (JIT eligibility)."""
        found = self._pages("identitystore", "list_group_memberships_for_member", "GroupMemberships", SSO_PAGE,
                            IdentityStoreId=identity_store_id, MemberId={"UserId": user_id})
        return sorted({m["GroupId"] for m in found if m.get("GroupId")})

    # --- IAM Identity Center: write -------------------------------------------------------
    def create_permission_set(self, instance_arn: str, name: str, description: str, session_duration: str,
                              tags: Mapping[str, str]) -> str:
        params: dict[str, Any] = {"InstanceArn": instance_arn, "Name": name, "SessionDuration": session_duration,
                                  "Tags": tag_list(tags)}
        if description:
            params["Description"] = description
        return self._sso("create_permission_set", **params)["PermissionSet"]["PermissionSetArn"]

    def update_permission_set(self, instance_arn: str, arn: str, description: str, session_duration: str) -> None:
        params: dict[str, Any] = {"InstanceArn": instance_arn, "PermissionSetArn": arn,
                                  "SessionDuration": session_duration}
        if description:
            params["Description"] = description
        self._sso("update_permission_set", **params)

    def tag_permission_set(self, instance_arn: str, arn: str, tags: Mapping[str, str]) -> None:
        self._sso("tag_resource", InstanceArn=instance_arn, ResourceArn=arn, Tags=tag_list(tags))

    def untag_permission_set(self, instance_arn: str, arn: str, keys: list[str]) -> None:
        self._sso("untag_resource", InstanceArn=instance_arn, ResourceArn=arn, TagKeys=list(keys))

    def delete_permission_set(self, instance_arn: str, arn: str) -> None:
        self._tolerate(("ResourceNotFoundException",), "delete_permission_set", InstanceArn=instance_arn,
                       PermissionSetArn=arn)

    def _tolerate(self, codes: tuple[str, ...], operation: str, **params: Any) -> None:
        try:
            self._sso(operation, **params)
        except AwsError as exc:
            if exc.code not in codes:
                raise

    def attach_managed_policy(self, instance_arn: str, arn: str, policy_arn: str) -> None:
        self._tolerate(("ConflictException",), "attach_managed_policy_to_permission_set", InstanceArn=instance_arn,
                       PermissionSetArn=arn, ManagedPolicyArn=policy_arn)

    def detach_managed_policy(self, instance_arn: str, arn: str, policy_arn: str) -> None:
        self._tolerate(("ResourceNotFoundException",), "detach_managed_policy_from_permission_set",
                       InstanceArn=instance_arn, PermissionSetArn=arn, ManagedPolicyArn=policy_arn)

    def attach_customer_policy(self, instance_arn: str, arn: str, name: str, path: str) -> None:
        self._tolerate(("ConflictException",), "attach_customer_managed_policy_reference_to_permission_set",
                       InstanceArn=instance_arn, PermissionSetArn=arn,
                       CustomerManagedPolicyReference={"Name": name, "Path": path})

    def detach_customer_policy(self, instance_arn: str, arn: str, name: str, path: str) -> None:
        self._tolerate(("ResourceNotFoundException",), "detach_customer_managed_policy_reference_from_permission_set",
                       InstanceArn=instance_arn, PermissionSetArn=arn,
                       CustomerManagedPolicyReference={"Name": name, "Path": path})

    def put_inline_policy(self, instance_arn: str, arn: str, document: str) -> None:
        self._sso("put_inline_policy_to_permission_set", InstanceArn=instance_arn, PermissionSetArn=arn,
                  InlinePolicy=document)

    def delete_inline_policy(self, instance_arn: str, arn: str) -> None:
        self._tolerate(("ResourceNotFoundException",), "delete_inline_policy_from_permission_set",
                       InstanceArn=instance_arn, PermissionSetArn=arn)

    def put_boundary(self, instance_arn: str, arn: str, boundary: BoundaryRef) -> None:
        if boundary.managed_arn:
            value: dict[str, Any] = {"ManagedPolicyArn": boundary.managed_arn}
        else:
            value = {"CustomerManagedPolicyReference": {"Name": boundary.customer_name or "",
                                                        "Path": boundary.customer_path or "/"}}
        self._sso("put_permissions_boundary_to_permission_set", InstanceArn=instance_arn, PermissionSetArn=arn,
                  PermissionsBoundary=value)

    def delete_boundary(self, instance_arn: str, arn: str) -> None:
        self._tolerate(("ResourceNotFoundException",), "delete_permissions_boundary_from_permission_set",
                       InstanceArn=instance_arn, PermissionSetArn=arn)

    def start_provision(self, instance_arn: str, arn: str) -> AsyncStatus:
        """Provision to every account the set is provisioned to; retried while another provisioning of
        the same set is still running (ConflictException)."""
        for attempt in range(1, 6):
            try:
                response = self._sso("provision_permission_set", InstanceArn=instance_arn, PermissionSetArn=arn,
                                     TargetType="ALL_PROVISIONED_ACCOUNTS")
            except AwsError as exc:
                if exc.code == "ConflictException" and attempt < 5:
                    self._sleep(2.0 * attempt)
                    continue
                raise
            return async_status(response["PermissionSetProvisioningStatus"])
        raise AssertionError("unreachable")  # pragma: no cover

    def provision_status(self, instance_arn: str, request_id: str) -> AsyncStatus:
        response = self._sso("describe_permission_set_provisioning_status", InstanceArn=instance_arn,
                             ProvisionPermissionSetRequestId=request_id)
        return async_status(response["PermissionSetProvisioningStatus"])

    def start_create_assignment(self, instance_arn: str, account_id: str, arn: str, principal_type: str,
                                principal_id: str) -> AsyncStatus:
        response = self._sso("create_account_assignment", InstanceArn=instance_arn, TargetId=account_id,
                             TargetType="AWS_ACCOUNT", PermissionSetArn=arn, PrincipalType=principal_type,
                             PrincipalId=principal_id)
        return async_status(response["AccountAssignmentCreationStatus"])

    def assignment_creation_status(self, instance_arn: str, request_id: str) -> AsyncStatus:
        response = self._sso("describe_account_assignment_creation_status", InstanceArn=instance_arn,
                             AccountAssignmentCreationRequestId=request_id)
        return async_status(response["AccountAssignmentCreationStatus"])

    def start_delete_assignment(self, instance_arn: str, account_id: str, arn: str, principal_type: str,
                                principal_id: str) -> AsyncStatus:
        try:
            response = self._sso("delete_account_assignment", InstanceArn=instance_arn, TargetId=account_id,
                                 TargetType="AWS_ACCOUNT", PermissionSetArn=arn, PrincipalType=principal_type,
                                 PrincipalId=principal_id)
        except AwsError as exc:
            if exc.code == "ResourceNotFoundException":  # already gone
                return AsyncStatus(state="SUCCEEDED", request_id="")
            raise
        return async_status(response["AccountAssignmentDeletionStatus"])

    def assignment_deletion_status(self, instance_arn: str, request_id: str) -> AsyncStatus:
        response = self._sso("describe_account_assignment_deletion_status", InstanceArn=instance_arn,
                             AccountAssignmentDeletionRequestId=request_id)
        return async_status(response["AccountAssignmentDeletionStatus"])
