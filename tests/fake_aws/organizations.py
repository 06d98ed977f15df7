"""Organizations in :class:`fake_aws.FakeAws`: the root, OUs and accounts, SCPs and where they are attached.

AWS's rules here that moto lacks: at least one SCP stays attached to every root, OU and account, at most
``max_attachments`` directly; an SCP over ``scp_max_chars`` characters or not a policy document is refused; SCP
names are unique; AWS managed SCPs cannot be edited; every new OU and account gets FullAWSAccess; OUs nest at
most 5 levels; a move needs the account's real source parent; a second account with an email already in use
fails (EMAIL_ALREADY_EXISTS).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from consolezero.integrations.aws.port import (
    FULL_AWS_ACCESS_ID,
    AsyncStatus,
    AwsError,
    LiveAccount,
    LiveOu,
    PolicySummary,
)

from .state import FakeState, _Policy


class OrganizationsMixin(FakeState):
    """The Organizations methods of the AWS port: the tree, SCPs, account creation, the organization's id."""

    # --- Organizations: read -----------------------------------------------------------------
    def _summary(self, policy_id: str) -> PolicySummary:
        p = self._policies[policy_id]
        return PolicySummary(id=policy_id, name=p.name, description=p.description, aws_managed=p.aws_managed)

    def _policy(self, policy_id: str, operation: str) -> _Policy:
        if policy_id not in self._policies:
            raise AwsError("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.",
                           operation)
        return self._policies[policy_id]

    def root_id(self) -> str:
        return self.root

    def child_ous(self, parent_id: str) -> list[LiveOu]:
        if not self._is_parent(parent_id):
            raise AwsError("ParentNotFoundException", "You specified parent that doesn't exist.", "child_ous")
        return [LiveOu(id=i, name=n, parent_id=parent_id) for i, n in self._ous.items()
                if self._parent[i] == parent_id]

    def child_accounts(self, parent_id: str) -> list[LiveAccount]:
        if not self._is_parent(parent_id):
            raise AwsError("ParentNotFoundException", "You specified parent that doesn't exist.", "child_accounts")
        return [LiveAccount(id=i, name=a["name"], email=a["email"], parent_id=parent_id, status=a["status"])
                for i, a in self._accounts.items() if self._parent[i] == parent_id]

    def list_scps(self) -> list[PolicySummary]:
        return [self._summary(i) for i in self._policies]

    def policy_tags(self, policy_id: str) -> dict[str, str]:
        if policy_id not in self._policies:
            raise AwsError("TargetNotFoundException", "You specified a target that doesn't exist.", "policy_tags")
        return dict(self._policies[policy_id].tags)

    def policy_content(self, policy_id: str) -> str:
        return self._policy(policy_id, "describe_policy").content

    def policy_targets(self, policy_id: str) -> list[str]:
        self._policy(policy_id, "list_targets_for_policy")
        return [t for t, ids in self._attached.items() if policy_id in ids]

    def policies_for_target(self, target_id: str) -> list[PolicySummary]:
        self._target(target_id, "list_policies_for_target")
        return [self._summary(i) for i in self._attached.get(target_id, [])]

    # --- Organizations: write ----------------------------------------------------------------
    def _check_content(self, content: str, operation: str) -> None:
        if len(content) > self.scp_max_chars:
            raise AwsError("ConstraintViolationException", f"the policy document is {len(content)} characters, over "
                           f"{self.scp_max_chars}", operation, "POLICY_CONTENT_LIMIT_EXCEEDED")
        try:
            document = json.loads(content)
        except ValueError:
            document = None
        statements = document.get("Statement") if isinstance(document, dict) else None
        statements = [statements] if isinstance(statements, dict) else statements
        if not isinstance(statements, list) or not statements or any(
                not isinstance(s, dict) or "Principal" in s or "NotPrincipal" in s for s in statements):
            raise AwsError("MalformedPolicyDocumentException", "The provided policy document doesn't meet the "
                           "requirements of the specified policy type.", operation)

    def _editable(self, policy_id: str, operation: str) -> _Policy:
        policy = self._policy(policy_id, operation)
        if policy.aws_managed:
            raise AwsError("AccessDeniedException", "You can't modify an AWS managed policy.", operation)
        return policy

    def create_scp(self, name: str, description: str, content: str, tags: Mapping[str, str]) -> str:
        if any(p.name == name for p in self._policies.values()):
            raise AwsError("DuplicatePolicyException", "A policy with the same name already exists.", "create_policy")
        self._check_content(content, "create_policy")
        policy_id = "p-" + self._token(8)
        self._policies[policy_id] = _Policy(name, description or name, content, dict(tags))
        return policy_id

    def update_scp(self, policy_id: str, description: str | None, content: str | None) -> None:
        policy = self._editable(policy_id, "update_policy")
        if content is not None:
            self._check_content(content, "update_policy")
            policy.content = content
        if description is not None:
            policy.description = description

    def tag_policy(self, policy_id: str, tags: Mapping[str, str]) -> None:
        self.policy_tags(policy_id)
        self._editable(policy_id, "tag_resource").tags.update(tags)

    def untag_policy(self, policy_id: str, keys: list[str]) -> None:
        self.policy_tags(policy_id)
        policy = self._editable(policy_id, "untag_resource")
        for key in keys:
            policy.tags.pop(key, None)

    def delete_scp(self, policy_id: str) -> None:
        if policy_id not in self._policies:
            return  # already gone
        self._editable(policy_id, "delete_policy")
        if self.policy_targets(policy_id):
            raise AwsError("PolicyInUseException", "The policy is attached to one or more entities. You must detach "
                           "it from all roots, OUs, and accounts before performing this operation.", "delete_policy")
        del self._policies[policy_id]

    def attach_scp(self, policy_id: str, target_id: str) -> bool:
        self._policy(policy_id, "attach_policy")
        self._target(target_id, "attach_policy")
        attached = self._attached.setdefault(target_id, [])
        if policy_id in attached:
            return False
        if len(attached) >= self.max_attachments:
            raise AwsError("ConstraintViolationException", f"{target_id} already has {len(attached)} SCPs attached",
                           "attach_policy", "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
        attached.append(policy_id)
        return True

    def detach_scp(self, policy_id: str, target_id: str) -> bool:
        self._policy(policy_id, "detach_policy")
        self._target(target_id, "detach_policy")
        attached = self._attached.get(target_id, [])
        if policy_id not in attached:
            return False
        if len(attached) == 1:
            raise AwsError("ConstraintViolationException", f"{target_id} must keep at least one SCP attached",
                           "detach_policy", "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
        attached.remove(policy_id)
        return True

    def _depth(self, ou_id: str) -> int:
        depth = 0
        while ou_id != self.root:
            ou_id, depth = self._parent[ou_id], depth + 1
        return depth

    def create_ou(self, parent_id: str, name: str, tags: Mapping[str, str]) -> str:
        for ou in self.child_ous(parent_id):
            if ou.name == name:
                return ou.id  # as BotoPort: a duplicate name is the OU already there
        if self._depth(parent_id) >= 5:
            raise AwsError("ConstraintViolationException", "OUs nest at most 5 levels below the root",
                           "create_organizational_unit", "OU_DEPTH_LIMIT_EXCEEDED")
        ou_id = f"ou-{self.root[2:]}-{self._token(8)}"
        self._ous[ou_id] = name
        self._parent[ou_id] = parent_id
        self._attached[ou_id] = [FULL_AWS_ACCESS_ID]
        return ou_id

    def move_account(self, account_id: str, source_parent_id: str, destination_parent_id: str) -> None:
        if account_id not in self._accounts:
            raise AwsError("AccountNotFoundException", "You specified an account that doesn't exist.", "move_account")
        if not self._is_parent(destination_parent_id):
            raise AwsError("DestinationParentNotFoundException", "We can't find the destination container.",
                           "move_account")
        if self._parent[account_id] == destination_parent_id:
            return  # already there
        if self._parent[account_id] != source_parent_id:
            raise AwsError("SourceParentNotFoundException", "We can't find a source root or OU with the ParentId "
                           "that you specified.", "move_account")
        self._parent[account_id] = destination_parent_id

    def start_create_account(self, name: str, email: str, tags: Mapping[str, str]) -> AsyncStatus:
        taken = any(a["email"].lower() == email.lower() for a in self._accounts.values())
        return self._start("create_account", lambda: self._add_account(self._account_id(), name, email, self.root,
                                                                      tags),
                           "EMAIL_ALREADY_EXISTS" if taken else None)

    def create_account_status(self, request_id: str) -> AsyncStatus:
        return self._status(request_id, "create_account")

    def organization_id(self) -> str:
        return self.org_id
