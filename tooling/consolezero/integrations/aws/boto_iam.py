"""IAM in member accounts, read only, through a role assumed in each account (a mixin of BotoPort).

Used by apply's break-glass preflight (the user, its MFA devices, its access keys, in the JIT account)
and by the census (each account's credential report). The role tried first is the least privileged one
that bootstrap/ deploys (``consolezero-census`` in every account; the alerts account's read and apply
roles for the break-glass check), then ``OrganizationAccountAccessRole``, the role AWS Organizations
creates in every account it creates. Whatever the role may do, the session is limited by a session
policy to the reads below: nothing here can change an account.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from .port import AccessKeyInfo, AwsError, CredentialReport, IamUser

MEMBER_ROLES_ENV = "CONSOLEZERO_MEMBER_ROLES"
ORG_ACCESS_ROLE = "OrganizationAccountAccessRole"
# Roles tried, in order: bootstrap's census role (every account), bootstrap/member-role.yaml's read role (plan)
# and apply role (the alerts / JIT account), then the role AWS Organizations creates in every new account.
DEFAULT_MEMBER_ROLES = ("consolezero-census", "consolezero-alerts-read", "consolezero-alerts", ORG_ACCESS_ROLE)
READ_ACTIONS = ("iam:GetUser", "iam:ListMFADevices", "iam:ListAccessKeys", "iam:GenerateCredentialReport",
                "iam:GetCredentialReport")
SESSION_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": list(READ_ACTIONS), "Resource": "*"}]}, separators=(",", ":"))
_LOCK = threading.Lock()


def _iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else str(value or "")


class MemberIamCalls:
    """Read-only IAM calls in member accounts. Needs ``_call``, ``_clients``, ``session``, ``_endpoint``,
    ``caller_account_id`` from BotoPort."""

    _clients: dict[str, Any]
    _endpoint: str | None
    _member_errors: dict[str, str]

    def _member_roles(self) -> list[str]:
        configured = [r.strip() for r in os.environ.get(MEMBER_ROLES_ENV, "").split(",") if r.strip()]
        roles = configured or list(DEFAULT_MEMBER_ROLES)
        first = getattr(self, "_member_role_that_worked", None)
        return [first, *[r for r in roles if r != first]] if first in roles else roles

    def _member_key(self, account_id: str) -> str:
        """The client key of IAM in ``account_id`` (ours if it is the caller's account, else through a member
        role); raises AwsError ``MemberRoleUnavailable`` when no role can be assumed there."""
        key = f"iam@{account_id}"
        with _LOCK:  # the first call creates the shared clients (boto3 sessions are not thread-safe)
            if account_id == self.caller_account_id():  # type: ignore[attr-defined]
                self.client("iam")  # type: ignore[attr-defined]
                return "iam"
            self.client("sts")  # type: ignore[attr-defined]
            if key in self._clients:
                return key
        from .boto import ORGANIZATIONS_REGION, _new_client

        errors = []
        for role in self._member_roles():
            try:
                credentials = self._call(  # type: ignore[attr-defined]
                    "sts", "assume_role", RoleArn=f"arn:aws:iam::{account_id}:role/{role}",
                    RoleSessionName="consolezero-read", DurationSeconds=900, Policy=SESSION_POLICY)["Credentials"]
            except AwsError as exc:
                errors.append(f"{role}: {exc.code}")
                continue
            kwargs: dict[str, Any] = {"region_name": ORGANIZATIONS_REGION,
                                      "aws_access_key_id": credentials["AccessKeyId"],
                                      "aws_secret_access_key": credentials["SecretAccessKey"],
                                      "aws_session_token": credentials["SessionToken"]}
            if self._endpoint:
                kwargs["endpoint_url"] = self._endpoint
            with _LOCK:  # boto3 sessions are not thread-safe; clients are
                self._clients[key] = _new_client(self.session, "iam", **kwargs)  # type: ignore[attr-defined]
                self._member_role_that_worked = role
            return key
        raise AwsError("MemberRoleUnavailable", f"cannot assume a role in account {account_id} ("
                       + "; ".join(errors) + ")", "assume_role")

    def iam_user(self, account_id: str, user: str) -> IamUser | None:
        key = self._member_key(account_id)
        try:
            found = self._call(key, "get_user", UserName=user)["User"]  # type: ignore[attr-defined]
        except AwsError as exc:
            if exc.code == "NoSuchEntity":
                return None
            raise
        return IamUser(name=found["UserName"], path=found.get("Path") or "/", arn=found.get("Arn") or "")

    def mfa_devices(self, account_id: str, user: str) -> list[str]:
        key = self._member_key(account_id)
        devices = self._call(key, "list_mfa_devices", UserName=user).get("MFADevices") or []  # type: ignore[attr-defined]
        return [str(d.get("SerialNumber", "")) for d in devices]

    def access_keys(self, account_id: str, user: str) -> list[AccessKeyInfo]:
        key = self._member_key(account_id)
        found = self._call(key, "list_access_keys", UserName=user).get("AccessKeyMetadata") or []  # type: ignore[attr-defined]
        return [AccessKeyInfo(id=k["AccessKeyId"], status=k.get("Status", "Active"), created=_iso(k.get("CreateDate")))
                for k in found]

    def generate_credential_report(self, account_id: str) -> str:
        key = self._member_key(account_id)
        return str(self._call(key, "generate_credential_report").get("State", ""))  # type: ignore[attr-defined]

    def credential_report(self, account_id: str) -> CredentialReport | None:
        key = self._member_key(account_id)
        try:
            found = self._call(key, "get_credential_report")  # type: ignore[attr-defined]
        except AwsError as exc:
            if exc.code in ("ReportNotPresent", "ReportInProgress", "ReportExpired"):
                return None
            raise
        content = found.get("Content") or b""
        text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
        return CredentialReport(account_id=account_id, content=text, generated=_iso(found.get("GeneratedTime")))
