"""Shared fixtures. Helpers live in support.py (conftest modules are not for importing).

AWS in the tests (what runs where):
- ``fake`` / ``fake_org``: :class:`fake_aws.FakeAws`, the AWS port in memory (no HTTP, strict about AWS's
  rules; see tests/fake_aws/). Plan and apply logic is tested on it: tests/apply/, tests/cli/, tests/plan/.
- ``emulator`` (one moto server per session) and, in tests/aws/, ``aws`` / ``example_org``: real boto3 over
  HTTP. For what only the emulator can show -- BotoPort itself, the CLI's endpoint handling, fault
  injection, the demo -- and the contract tests that keep the fake honest (tests/aws/test_fake_contract.py).
- ``backend``: the fake, then the emulator (tests/backends.py), for the few tests that run on both.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backends import EmulatorBackend, FakeBackend, make_backend
from fake_aws import FakeAws, FakeOrg, seed_repository
from support import AWS_EXAMPLE_PARTS, copy_example


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of the example organization."""
    return copy_example(tmp_path / "repo")


@pytest.fixture
def fake() -> FakeAws:
    """An empty organization in memory: the root, FullAWSAccess, the management account, an Identity Center
    instance with an empty identity store. Seed it with its seed_* / add_* methods or seed_repository()."""
    return FakeAws()


@pytest.fixture
def fake_org(fake: FakeAws, tmp_path: Path) -> FakeOrg:
    """The example organization (its YAML) in tmp_path/repo, seeded into ``fake``: member accounts, groups and the
    break-glass user with a virtual MFA device; the account files carry the fake's ids (``fake_org.ids``).
    Plan with ``make_plan(fake_org.repo(), fake_org.port())``; the twin of tests/aws's ``example_org``."""
    return seed_repository(fake, copy_example(tmp_path / "repo", AWS_EXAMPLE_PARTS))


@pytest.fixture
def fake_cli(fake: FakeAws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeAws:
    """The CLI's plan and apply talk to ``fake`` (no endpoint, no credentials read)."""
    import consolezero.cli.app

    monkeypatch.setattr(consolezero.cli.app, "_aws_port", lambda repo, endpoint_url: fake)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.delenv("CONSOLEZERO_ENDPOINT_URL", raising=False)
    return fake


@pytest.fixture
def fake_backend(fake: FakeAws) -> FakeBackend:
    """The fake alone, behind the ``backend`` interface: for a test whose emulator run other tests already make
    (the contract tests apply the example to both; the demo test grants JIT access and deploys alerts on it)."""
    return FakeBackend(fake)


@pytest.fixture(params=["fake", pytest.param("emulator", marks=pytest.mark.slow)])
def backend(request: pytest.FixtureRequest) -> FakeBackend | EmulatorBackend:
    """The fake, then the emulator: for the few tests that keep the fake honest (see tests/backends.py)."""
    return make_backend(request)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Any]:
    """ONE moto server per session on 127.0.0.1 (tests reset it); started only when a test asks for it."""
    from consolezero.devtools.emulator import start_emulator

    emu = start_emulator()
    yield emu
    emu.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts or uses the emulator (real HTTP round trips) is slow: `pytest -m 'not slow'` skips it."""
    for item in items:
        if "emulator" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


# -- the garbage collector: each worker imports every test module and builds ~1,600 items that live to the end
@pytest.hookimpl(hookwrapper=True)
def pytest_collection(session: pytest.Session) -> Iterator[None]:
    """No cyclic collection while the test modules are imported and collected (nothing made then is garbage);
    what exists after it is frozen, so later collections never walk it again (about 0.35 s less per worker)."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """The run is over and reported: the process ends without walking its heap for garbage (a worker that
    loaded moto and boto3 took about 0.9 s more to exit)."""
    gc.disable()
    gc.freeze()
