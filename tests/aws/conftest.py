"""AWS tests against the emulator: ONE moto server per session on 127.0.0.1 (real HTTP, real boto3), reset
between tests (the ``emulator`` fixture lives in tests/conftest.py; ``aws`` and ``example_org`` here).

What runs where:
- here (tests/aws/): what only real boto3 over HTTP can show -- BotoPort and its error handling, the CLI
  with --endpoint-url, fault injection on the emulator's memory, alerts delivery (EventBridge -> SNS -> SQS),
  the demo's paths -- and test_fake_contract.py, the same scenarios on BotoPort(moto) and on the fake;
- tests/apply/, tests/cli/, tests/jit/, tests/alerts/, tests/census/ (any test taking ``fake`` / ``fake_org`` /
  ``fake_cli``): plan, apply, JIT, alerts and census logic on the FakeAws of tests/fake_aws/, in memory; the port
  calls they rely on are compared on both in test_fake_contract.py, and the JIT identity tests also run on
  the emulator (their ``backend`` fixture, tests/backends.py).

moto enforces none of AWS's rules (no SCP size limit, no last-policy rule, any session duration,
instant async steps): the tests check the rules themselves (support.check_every_target_has_an_allow);
the fake enforces them. Moving a test onto the fake: take ``fake_org`` for ``example_org`` (or
``seed_repository(fake, root, ...)`` for ``seed_for(aws, root, ...)``), ``fake_cli`` for ``cli_environment``,
and rewrite boto3 client calls as port calls (or FakeAws's seeding/inspection helpers).
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from aws_helpers import Aws, Org, copy_example, seed_for

from consolezero.devtools.emulator import Emulator
from consolezero.integrations.aws.boto import EMULATOR_CREDENTIALS


@pytest.fixture(scope="session")
def boto_session() -> object:
    """One boto3 session for the run (a new one re-reads botocore's data files: ~0.1 s)."""
    return boto3.session.Session(region_name="us-east-1", **EMULATOR_CREDENTIALS)


@pytest.fixture
def aws(emulator: Emulator, boto_session: object) -> Aws:
    emulator.reset()
    return Aws(url=emulator.url, session=boto_session)


@pytest.fixture
def example_org(aws: Aws, tmp_path: Path) -> Org:
    """The example organization's accounts and groups in the emulator; the repo's ids rewritten to match."""
    return seed_for(aws, copy_example(tmp_path / "repo"))
