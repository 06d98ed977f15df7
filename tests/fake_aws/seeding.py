"""Seeding :class:`fake_aws.FakeAws`: what an organization, an identity provider or an account's admins already did.

Never through the port (it mirrors :mod:`consolezero.devtools.seed`): member accounts, identity store groups and
users, IAM users with MFA devices and access keys (the break-glass user among them), and SNS endpoints that
confirm their subscriptions. :func:`fake_aws.seed_repository` seeds a whole repository with these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from consolezero.integrations.aws.port import AwsError

from .state import FakeSeed, FakeState, _IamUser, _Key


class SeedingMixin(FakeState):
    """The seeding helpers and out-of-band IAM and identity store edits, beside the port's methods."""

    # --- seeding (what an organization, an identity provider or an account's admins already did) --------
    def add_account(self, name: str, email: str, parent_id: str | None = None,
                    tags: Mapping[str, str] | None = None) -> str:
        """An existing member account (at the root unless ``parent_id``); its id."""
        return self._add_account(self._account_id(), name, email, parent_id or self.root, tags or {})

    def add_group(self, name: str) -> str:
        group_id = self._uuid()
        self._groups[group_id] = name
        return group_id

    def add_user(self, name: str, groups: Iterable[str] = ()) -> str:
        """An identity store user (``name`` is its user name), in the named groups."""
        user_id = self._uuid()
        self._users[user_id] = name
        for group in groups:
            self._members.add((next(i for i, n in self._groups.items() if n == group), user_id))
        return user_id

    def delete_group(self, name: str) -> None:
        group_id = next(i for i, n in self._groups.items() if n == name)
        del self._groups[group_id]
        self._members = {(g, u) for g, u in self._members if g != group_id}

    def seed_organization(self, accounts: Sequence[tuple[str, str]], groups: Sequence[str],
                          users: Sequence[str] = ()) -> FakeSeed:
        """Member accounts (name, email), identity store groups and users: seed_emulator's fake twin."""
        account_ids = {name: self.add_account(name, email) for name, email in accounts}
        group_ids = {g: self.add_group(g) for g in groups}
        for user in users:
            self.add_user(user)
        return FakeSeed(management_id=self.management_id, account_ids=account_ids, instance_arn=self.instance_arn,
                        identity_store_id=self.store_id, group_ids=group_ids)

    def create_iam_user(self, account_id: str, user: str, path: str = "/", password: bool = False) -> None:
        users = self._iam.setdefault(account_id, {})
        if user in users:
            raise AwsError("EntityAlreadyExists", f"User with name {user} already exists.", "create_user")
        users[user] = _IamUser(user, path, self.now, password=password)

    def _seeded_user(self, account_id: str, user: str) -> _IamUser:
        return self._iam[account_id][user]

    def update_iam_user_path(self, account_id: str, user: str, path: str) -> None:
        self._seeded_user(account_id, user).path = path

    def seed_break_glass_user(self, account_id: str, user: str, path: str, mfa: bool = True) -> None:
        """The break-glass IAM user (with a virtual MFA device unless ``mfa`` is False), as devtools.seed."""
        self.create_iam_user(account_id, user, path)
        if mfa:
            self.enable_break_glass_mfa(account_id, user)

    def enable_break_glass_mfa(self, account_id: str, user: str, hardware: bool = False) -> str:
        """A virtual MFA device (``arn:...:mfa/USER-mfa``) or a hardware token's serial number; the serial."""
        serial = f"GAHT{self._next():08d}" if hardware else f"arn:aws:iam::{account_id}:mfa/{user}-mfa"
        self._seeded_user(account_id, user).mfa.append(serial)
        return serial

    def deactivate_mfa_device(self, account_id: str, user: str, serial: str) -> None:
        self._seeded_user(account_id, user).mfa.remove(serial)

    def create_access_key(self, account_id: str, user: str, created: datetime | None = None,
                          last_used: datetime | None = None, service: str = "s3", active: bool = True) -> str:
        found = self._seeded_user(account_id, user)
        if len(found.keys) >= 2:
            raise AwsError("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", "create_access_key")
        key_id = f"AKIAFAKE{self._next():012d}"
        found.keys.append(_Key(key_id, created or self.now, "Active" if active else "Inactive", last_used, service))
        return key_id

    def delete_access_key(self, account_id: str, user: str, key_id: str) -> None:
        found = self._seeded_user(account_id, user)
        found.keys = [k for k in found.keys if k.id != key_id]

    def seed_iam_users(self, account_id: str, users: Sequence[Any], now: datetime) -> None:
        """devtools.seed's SeedUser/SeedKey (name, path, password, keys of given age and last use)."""
        for user in users:
            self.create_iam_user(account_id, user.name, user.path, user.password)
            for key in user.keys:
                used = now - timedelta(days=key.last_used_days_ago) if key.last_used_days_ago is not None else None
                self.create_access_key(account_id, user.name, now - timedelta(days=key.age_days), used, key.service,
                                       key.active)

    def confirm_subscriptions(self) -> None:
        """Every pending SNS subscription's endpoint confirms it."""
        for topic in self._topics.values():
            topic["subscriptions"] = {a: (p, e, False) for a, (p, e, _) in topic["subscriptions"].items()}
