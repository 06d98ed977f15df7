"""The AWS a test talks to, when it runs on both: the in-memory fake and the emulator (the ``backend`` fixture
of tests/conftest.py: the fake, then the emulator, that run marked slow), so that the fake stays honest.

``backend.seed(root, users=(), break_glass_mfa=True)`` seeds a repository (its account ids rewritten) and
returns an org with ``root``, ``ids``, ``seed``, ``repo()`` and ``port()``; ``seed_break_glass_user`` and
``enable_break_glass_mfa`` stand in for the JIT account's admins, ``add_user`` for the identity provider,
``seed_iam_users`` for an account's own IAM users and keys; ``cli(monkeypatch, tmp_path)`` points the CLI at
it and returns the arguments an AWS-reading command takes (``--endpoint-url URL`` for the emulator).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from fake_aws import FakeAws, seed_repository


class FakeBackend:
    name = "fake"

    def __init__(self, fake: FakeAws) -> None:
        self.fake = fake

    def seed(self, root: Path, users: tuple[str, ...] = (), break_glass_mfa: bool | None = True) -> Any:
        return seed_repository(self.fake, root, users, break_glass_mfa)

    def seed_break_glass_user(self, account_id: str, user: str, path: str, mfa: bool = True) -> None:
        self.fake.seed_break_glass_user(account_id, user, path, mfa)

    def enable_break_glass_mfa(self, account_id: str, user: str) -> None:
        self.fake.enable_break_glass_mfa(account_id, user)

    def add_user(self, org: Any, name: str, groups: Sequence[str] = ()) -> None:
        self.fake.add_user(name, groups)

    def seed_iam_users(self, account_id: str, users: Sequence[Any], now: datetime) -> None:
        self.fake.seed_iam_users(account_id, users, now)

    def cli(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
        import consolezero.cli.app

        monkeypatch.setattr(consolezero.cli.app, "_aws_port", lambda repo, endpoint_url: self.fake)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
        monkeypatch.delenv("CONSOLEZERO_ENDPOINT_URL", raising=False)
        return []


class EmulatorBackend:
    name = "emulator"

    def __init__(self, emulator: Any) -> None:
        from aws_helpers import Aws

        from consolezero.integrations.aws.boto import EMULATOR_CREDENTIALS, emulator_session

        emulator.reset()
        self.aws = Aws(url=emulator.url, session=emulator_session(EMULATOR_CREDENTIALS))

    def seed(self, root: Path, users: tuple[str, ...] = (), break_glass_mfa: bool | None = True) -> Any:
        from aws_helpers import seed_for

        return seed_for(self.aws, root, users, break_glass_mfa)

    def seed_break_glass_user(self, account_id: str, user: str, path: str, mfa: bool = True) -> None:
        from consolezero.devtools.seed import seed_break_glass_user

        seed_break_glass_user(self.aws.url, account_id, user, path, mfa=mfa)

    def enable_break_glass_mfa(self, account_id: str, user: str) -> None:
        from consolezero.devtools.seed import enable_break_glass_mfa

        enable_break_glass_mfa(self.aws.url, account_id, user)

    def add_user(self, org: Any, name: str, groups: Sequence[str] = ()) -> None:
        store, store_id = self.aws.client("identitystore"), org.seed.identity_store_id
        user_id = store.create_user(IdentityStoreId=store_id, UserName=name, DisplayName=name,
                                    Name={"GivenName": name.split("@")[0], "FamilyName": "Example"})["UserId"]
        for group in groups:
            store.create_group_membership(IdentityStoreId=store_id, GroupId=org.seed.group_ids[group],
                                          MemberId={"UserId": user_id})

    def seed_iam_users(self, account_id: str, users: Sequence[Any], now: datetime) -> None:
        from consolezero.devtools.seed import seed_iam_users

        seed_iam_users(self.aws.url, account_id, users, now)

    def cli(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
        from aws_helpers import cli_environment

        cli_environment(monkeypatch, tmp_path)
        return ["--endpoint-url", self.aws.url]


def make_backend(request: pytest.FixtureRequest) -> FakeBackend | EmulatorBackend:
    """The fake, or the emulator (one moto server per session, reset here)."""
    if request.param == "fake":
        return FakeBackend(request.getfixturevalue("fake"))
    return EmulatorBackend(request.getfixturevalue("emulator"))
