"""IAM Identity Center in :class:`fake_aws.FakeAws`: permission sets, their policies, provisioning, assignments.

AWS's rules here that moto lacks: permission set names are unique; session duration PT1H..PT12H; AWS managed
policies only by their real ARN (with its path), at most 10 of them; no deleting a set still assigned; an
assignment needs an account of the organization and a principal of the identity store (else the request
FAILS); assigning twice keeps one assignment. A set is outdated in every account it is provisioned to after any
change to it, until provisioned again (``accounts_for_permission_set(outdated_only=True)``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from consolezero.integrations.aws.port import (
    AsyncStatus,
    AwsError,
    BoundaryRef,
    LiveAssignment,
    PermissionSetInfo,
    SsoInstance,
)

from .state import FakeState, _PermissionSet, session_hours


class IdentityCenterMixin(FakeState):
    """The Identity Center methods of the AWS port: the instance, permission sets and account assignments."""

    # --- IAM Identity Center: read -----------------------------------------------------------
    def _instance(self, instance_arn: str, operation: str) -> None:
        if instance_arn != self.instance_arn:
            raise AwsError("ResourceNotFoundException", f"no IAM Identity Center instance {instance_arn}", operation)

    def _set(self, instance_arn: str, arn: str, operation: str) -> _PermissionSet:
        self._instance(instance_arn, operation)
        if arn not in self._sets:
            raise AwsError("ResourceNotFoundException", f"Could not find PermissionSet with id {arn}", operation)
        return self._sets[arn]

    def sso_instance(self, instance_arn: str | None) -> SsoInstance | None:
        if instance_arn is not None and instance_arn != self.instance_arn:
            return None
        return SsoInstance(instance_arn=self.instance_arn, identity_store_id=self.store_id)

    def list_permission_sets(self, instance_arn: str) -> list[str]:
        self._instance(instance_arn, "list_permission_sets")
        return list(self._sets)

    def describe_permission_set(self, instance_arn: str, arn: str) -> PermissionSetInfo:
        ps = self._set(instance_arn, arn, "describe_permission_set")
        return PermissionSetInfo(arn=arn, name=ps.name, description=ps.description,
                                 session_duration=ps.session_duration)

    def permission_set_tags(self, instance_arn: str, arn: str) -> dict[str, str]:
        return dict(self._set(instance_arn, arn, "list_tags_for_resource").tags)

    def permission_set_managed_policies(self, instance_arn: str, arn: str) -> list[str]:
        return sorted(self._set(instance_arn, arn, "list_managed_policies_in_permission_set").managed)

    def permission_set_customer_policies(self, instance_arn: str, arn: str) -> list[tuple[str, str]]:
        return sorted(self._set(instance_arn, arn, "list_customer_managed_policy_references_in_permission_set")
                      .customer)

    def permission_set_inline_policy(self, instance_arn: str, arn: str) -> str | None:
        return self._set(instance_arn, arn, "get_inline_policy_for_permission_set").inline or None

    def permission_set_boundary(self, instance_arn: str, arn: str) -> BoundaryRef | None:
        return self._set(instance_arn, arn, "get_permissions_boundary_for_permission_set").boundary

    def _provisioned(self, arn: str) -> set[str]:
        return {a.account_id for a in self._assignments if a.permission_set_arn == arn}

    def accounts_for_permission_set(self, instance_arn: str, arn: str, outdated_only: bool = False) -> list[str]:
        ps = self._set(instance_arn, arn, "list_accounts_for_provisioned_permission_set")
        accounts = self._provisioned(arn)
        return sorted(accounts & ps.outdated if outdated_only else accounts)

    def assignments_for_principal(self, instance_arn: str, principal_type: str,
                                  principal_id: str) -> list[LiveAssignment]:
        self._instance(instance_arn, "list_account_assignments_for_principal")
        return [a for a in self._assignments if (a.principal_type, a.principal_id) == (principal_type, principal_id)]

    def account_assignments(self, instance_arn: str, account_id: str, arn: str) -> list[LiveAssignment]:
        self._set(instance_arn, arn, "list_account_assignments")
        return [a for a in self._assignments if (a.account_id, a.permission_set_arn) == (account_id, arn)]

    # --- IAM Identity Center: write ----------------------------------------------------------
    def _check_duration(self, duration: str, operation: str) -> None:
        hours = session_hours(duration)
        if hours is None or not 1 <= hours <= 12:
            raise AwsError("ValidationException", f"SessionDuration {duration!r} is not between PT1H and PT12H",
                           operation)

    def _changed(self, ps: _PermissionSet, arn: str) -> None:
        """Any change to a set makes it outdated wherever it is provisioned, until provisioned again."""
        ps.outdated = self._provisioned(arn)

    def create_permission_set(self, instance_arn: str, name: str, description: str, session_duration: str,
                              tags: Mapping[str, str]) -> str:
        self._instance(instance_arn, "create_permission_set")
        if not re.fullmatch(r"[\w+=,.@-]{1,32}", name):
            raise AwsError("ValidationException", f"permission set name {name!r} is not 1-32 of [\\w+=,.@-]",
                           "create_permission_set")
        if any(ps.name == name for ps in self._sets.values()):
            raise AwsError("ConflictException", f"a permission set named {name} already exists",
                           "create_permission_set")
        self._check_duration(session_duration, "create_permission_set")
        arn = f"arn:aws:sso:::permissionSet/{instance_arn.rsplit('/', 1)[-1]}/ps-{self._token(16)}"
        self._sets[arn] = _PermissionSet(name, description, session_duration, dict(tags))
        return arn

    def update_permission_set(self, instance_arn: str, arn: str, description: str, session_duration: str) -> None:
        ps = self._set(instance_arn, arn, "update_permission_set")
        self._check_duration(session_duration, "update_permission_set")
        ps.session_duration = session_duration
        if description:
            ps.description = description
        self._changed(ps, arn)

    def tag_permission_set(self, instance_arn: str, arn: str, tags: Mapping[str, str]) -> None:
        self._set(instance_arn, arn, "tag_resource").tags.update(tags)

    def untag_permission_set(self, instance_arn: str, arn: str, keys: list[str]) -> None:
        ps = self._set(instance_arn, arn, "untag_resource")
        for key in keys:
            ps.tags.pop(key, None)

    def delete_permission_set(self, instance_arn: str, arn: str) -> None:
        self._instance(instance_arn, "delete_permission_set")
        if arn not in self._sets:
            return  # already gone
        if self._provisioned(arn):
            raise AwsError("ConflictException", f"permission set {self._sets[arn].name} is still assigned in "
                           f"{', '.join(sorted(self._provisioned(arn)))}", "delete_permission_set")
        del self._sets[arn]

    def attach_managed_policy(self, instance_arn: str, arn: str, policy_arn: str) -> None:
        from consolezero.policy.managed import managed_policy_info

        ps = self._set(instance_arn, arn, "attach_managed_policy_to_permission_set")
        info = managed_policy_info(policy_arn)
        if info is None or info.get("kind") != "iam" or info["arn"] != policy_arn:
            raise AwsError("ResourceNotFoundException", f"Policy does not exist with ARN: {policy_arn}",
                           "attach_managed_policy_to_permission_set")
        if policy_arn in ps.managed:
            return  # attached already (ConflictException, tolerated)
        if len(ps.managed) >= 10:
            raise AwsError("ServiceQuotaExceededException", "at most 10 managed policies per permission set",
                           "attach_managed_policy_to_permission_set")
        ps.managed.append(policy_arn)
        self._changed(ps, arn)

    def detach_managed_policy(self, instance_arn: str, arn: str, policy_arn: str) -> None:
        ps = self._set(instance_arn, arn, "detach_managed_policy_from_permission_set")
        if policy_arn in ps.managed:
            ps.managed.remove(policy_arn)
            self._changed(ps, arn)

    def attach_customer_policy(self, instance_arn: str, arn: str, name: str, path: str) -> None:
        ps = self._set(instance_arn, arn, "attach_customer_managed_policy_reference_to_permission_set")
        if (name, path) not in ps.customer:
            ps.customer.append((name, path))
            self._changed(ps, arn)

    def detach_customer_policy(self, instance_arn: str, arn: str, name: str, path: str) -> None:
        ps = self._set(instance_arn, arn, "detach_customer_managed_policy_reference_from_permission_set")
        if (name, path) in ps.customer:
            ps.customer.remove((name, path))
            self._changed(ps, arn)

    def put_inline_policy(self, instance_arn: str, arn: str, document: str) -> None:
        ps = self._set(instance_arn, arn, "put_inline_policy_to_permission_set")
        if len(document.encode("utf-8")) > 32_768:
            raise AwsError("ValidationException", "the inline policy is over 32,768 bytes",
                           "put_inline_policy_to_permission_set")
        ps.inline = document
        self._changed(ps, arn)

    def delete_inline_policy(self, instance_arn: str, arn: str) -> None:
        ps = self._set(instance_arn, arn, "delete_inline_policy_from_permission_set")
        if ps.inline is not None:
            ps.inline = None
            self._changed(ps, arn)

    def put_boundary(self, instance_arn: str, arn: str, boundary: BoundaryRef) -> None:
        ps = self._set(instance_arn, arn, "put_permissions_boundary_to_permission_set")
        ps.boundary = boundary if boundary.managed_arn else replace(boundary, customer_path=boundary.customer_path
                                                                    or "/")
        self._changed(ps, arn)

    def delete_boundary(self, instance_arn: str, arn: str) -> None:
        ps = self._set(instance_arn, arn, "delete_permissions_boundary_from_permission_set")
        if ps.boundary is not None:
            ps.boundary = None
            self._changed(ps, arn)

    def start_provision(self, instance_arn: str, arn: str) -> AsyncStatus:
        ps = self._set(instance_arn, arn, "provision_permission_set")
        return self._start("provision", lambda: ps.outdated.clear())

    def provision_status(self, instance_arn: str, request_id: str) -> AsyncStatus:
        self._instance(instance_arn, "describe_permission_set_provisioning_status")
        return self._status(request_id, "provision")

    def start_create_assignment(self, instance_arn: str, account_id: str, arn: str, principal_type: str,
                                principal_id: str) -> AsyncStatus:
        ps = self._set(instance_arn, arn, "create_account_assignment")
        new = LiveAssignment(account_id, arn, principal_type, principal_id)
        failure = None
        if account_id not in self._accounts:
            failure = f"account {account_id} is not in the organization"
        elif principal_id not in (self._groups if principal_type == "GROUP" else self._users):
            failure = f"{principal_type.lower()} {principal_id} is not in the identity store"

        def assign() -> None:
            if new not in self._assignments:
                self._assignments.append(new)
            ps.outdated.discard(account_id)  # a new assignment provisions the latest version to its account

        return self._start("assign", assign, failure)

    def assignment_creation_status(self, instance_arn: str, request_id: str) -> AsyncStatus:
        self._instance(instance_arn, "describe_account_assignment_creation_status")
        return self._status(request_id, "assign")

    def start_delete_assignment(self, instance_arn: str, account_id: str, arn: str, principal_type: str,
                                principal_id: str) -> AsyncStatus:
        self._instance(instance_arn, "delete_account_assignment")
        gone = LiveAssignment(account_id, arn, principal_type, principal_id)
        if gone not in self._assignments:
            return AsyncStatus(state="SUCCEEDED", request_id="")  # already gone

        def unassign() -> None:
            if gone in self._assignments:
                self._assignments.remove(gone)

        return self._start("unassign", unassign)

    def assignment_deletion_status(self, instance_arn: str, request_id: str) -> AsyncStatus:
        self._instance(instance_arn, "describe_account_assignment_deletion_status")
        return self._status(request_id, "unassign")
