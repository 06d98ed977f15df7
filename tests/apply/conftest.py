"""Plan and apply against AWS's port: on the in-memory fake (``fake``, ``fake_org``, ``fake_cli`` from
tests/conftest.py), and, for the few tests that take ``backend``, on the emulator as well, so that the fake
stays honest (the emulator run is marked slow).

``backend.seed(root, users=(), break_glass_mfa=True)`` seeds a repository (its account ids rewritten) and
returns an org with ``root``, ``ids``, ``seed``, ``repo()`` and ``port()``; ``backend.seed_break_glass_user``
and ``backend.enable_break_glass_mfa`` stand in for the JIT account's admins.
"""

from __future__ import annotations

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


@pytest.fixture(params=["fake", pytest.param("emulator", marks=pytest.mark.slow)])
def backend(request: pytest.FixtureRequest) -> FakeBackend | EmulatorBackend:
    """The fake, then the emulator (one moto server per session, reset here)."""
    if request.param == "fake":
        return FakeBackend(request.getfixturevalue("fake"))
    return EmulatorBackend(request.getfixturevalue("emulator"))
