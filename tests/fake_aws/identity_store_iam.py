"""Identity store and IAM reads in :class:`fake_aws.FakeAws`: groups, users and memberships; the census's reads.

The identity store's groups and users are seeded (:mod:`fake_aws.seeding`), never written through the port. IAM
users in member accounts are read only, through a role in the account (``blocked_accounts`` are those where no
role can be assumed): a user, its MFA devices and access keys, and the credential report (STARTED, then
COMPLETE), in AWS's CSV columns.
"""

from __future__ import annotations

from consolezero.integrations.aws.port import (
    AccessKeyInfo,
    AwsError,
    CredentialReport,
    IamUser,
)

from .state import REPORT_COLUMNS, FakeState, _IamUser, _iso


class IdentityStoreIamMixin(FakeState):
    """The identity store reads and the IAM reads (users, MFA devices, access keys, credential reports)."""

    # --- identity store: read -----------------------------------------------------------------
    def _store(self, identity_store_id: str, operation: str) -> None:
        if identity_store_id != self.store_id:
            raise AwsError("ValidationException", f"no identity store {identity_store_id}", operation)

    def group_id(self, identity_store_id: str, name: str) -> str | None:
        self._store(identity_store_id, "get_group_id")
        return next((i for i, n in self._groups.items() if n == name), None)

    def list_principals(self, identity_store_id: str) -> list[tuple[str, str, str]]:
        self._store(identity_store_id, "list_groups")
        return ([("GROUP", i, n) for i, n in self._groups.items()]
                + [("USER", i, n) for i, n in self._users.items()])

    def principal_name(self, identity_store_id: str, principal_type: str, principal_id: str) -> str | None:
        self._store(identity_store_id, "describe_group" if principal_type == "GROUP" else "describe_user")
        return (self._groups if principal_type == "GROUP" else self._users).get(principal_id)

    def user_id(self, identity_store_id: str, name: str) -> str | None:
        self._store(identity_store_id, "get_user_id")
        return next((i for i, n in self._users.items() if n == name), None)

    def user_group_ids(self, identity_store_id: str, user_id: str) -> list[str]:
        self._store(identity_store_id, "list_group_memberships_for_member")
        return sorted(g for g, u in self._members if u == user_id)

    # --- IAM in member accounts: read only ---------------------------------------------------
    def _member(self, account_id: str, operation: str) -> dict[str, _IamUser]:
        if account_id in self.blocked_accounts or account_id not in self._accounts:
            raise AwsError("MemberRoleUnavailable", f"cannot assume a role in account {account_id} "
                           "(consolezero-census: AccessDenied; OrganizationAccountAccessRole: AccessDenied)", operation)
        return self._iam.setdefault(account_id, {})

    def _iam_user(self, account_id: str, user: str, operation: str) -> _IamUser:
        found = self._member(account_id, operation).get(user)
        if found is None:
            raise AwsError("NoSuchEntity", f"The user with name {user} cannot be found.", operation)
        return found

    def iam_user(self, account_id: str, user: str) -> IamUser | None:
        found = self._member(account_id, "get_user").get(user)
        if found is None:
            return None
        return IamUser(name=found.name, path=found.path, arn=f"arn:aws:iam::{account_id}:user{found.path}{found.name}")

    def mfa_devices(self, account_id: str, user: str) -> list[str]:
        return list(self._iam_user(account_id, user, "list_mfa_devices").mfa)

    def access_keys(self, account_id: str, user: str) -> list[AccessKeyInfo]:
        return [AccessKeyInfo(id=k.id, status=k.status, created=_iso(k.created))
                for k in self._iam_user(account_id, user, "list_access_keys").keys]

    def generate_credential_report(self, account_id: str) -> str:
        self._member(account_id, "generate_credential_report")
        if account_id in self._reports:
            return "COMPLETE"
        self._reports[account_id] = self.now
        return "STARTED"

    def credential_report(self, account_id: str) -> CredentialReport | None:
        users = self._member(account_id, "get_credential_report")
        if account_id not in self._reports:
            return None
        lines = [REPORT_COLUMNS, f"<root_account>,arn:aws:iam::{account_id}:root,{_iso(self.now)},not_supported,"
                 "N/A,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"]
        for u in users.values():
            row = [u.name, f"arn:aws:iam::{account_id}:user{u.path}{u.name}", _iso(u.created),
                   str(u.password).lower(), "N/A" if u.password else "not_supported",
                   _iso(u.created) if u.password else "N/A", "N/A", str(bool(u.mfa)).lower()]
            for slot in range(2):
                k = u.keys[slot] if slot < len(u.keys) else None
                row += ([str(k.status == "Active").lower(), _iso(k.created),
                         _iso(k.last_used) if k.last_used else "N/A", k.region if k.last_used else "N/A",
                         k.service if k.last_used else "N/A"] if k else ["false", "N/A", "N/A", "N/A", "N/A"])
            lines.append(",".join(row + ["false", "N/A", "false", "N/A"]))
        return CredentialReport(account_id=account_id, content="\n".join(lines) + "\n",
                                generated=_iso(self._reports[account_id]))
