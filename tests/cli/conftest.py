"""`consolezero plan` / `apply` from the command line, their output, exit codes and the gate on saved plans:
the CLI talks to the in-memory AWS port (tests/fake_aws.py) through ``cli_org``; the few tests that take
``cli_org_on_both`` run against the emulator as well (real boto3 over HTTP, marked slow), so that the fake
stays honest. What only the emulator can show (credentials read from the environment, --endpoint-url, the
demo) stays in tests/aws/.

Both orgs have ``root`` (the example repository, its account ids rewritten), ``ids``, ``seed`` and
``port()`` (FakeAws or BotoPort): inspect and drift the organization through the port's methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fake_aws import FakeAws, FakeOrg


@pytest.fixture
def cli_org(fake_cli: FakeAws, fake_org: FakeOrg) -> FakeOrg:
    """The example organization seeded into the fake; the CLI's plan and apply talk to that fake."""
    return fake_org


@pytest.fixture(params=["fake", pytest.param("emulator", marks=pytest.mark.slow)])
def cli_org_on_both(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``cli_org``, then the same on the emulator (reset; short-term-looking credentials and its endpoint in the
    environment, as a user would set them)."""
    if request.param == "fake":
        return request.getfixturevalue("cli_org")
    from aws_helpers import Aws, cli_environment, copy_example, seed_for

    from consolezero.integrations.aws.boto import EMULATOR_CREDENTIALS, emulator_session

    emulator = request.getfixturevalue("emulator")
    emulator.reset()
    aws = Aws(url=emulator.url, session=emulator_session(EMULATOR_CREDENTIALS))
    org = seed_for(aws, copy_example(tmp_path / "repo"))
    cli_environment(monkeypatch, tmp_path, emulator.url)
    return org
