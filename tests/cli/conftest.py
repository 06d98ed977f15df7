"""`consolezero plan` / `apply` from the command line, their output, exit codes and the gate on saved plans:
the CLI talks to the in-memory AWS port (tests/fake_aws/) through ``cli_org``. The port calls these flows
rely on are compared with the emulator's in tests/aws/test_fake_contract.py; what only the emulator can show
(credentials read from the environment, --endpoint-url, the emulator command, the demo) stays in tests/aws/.

``cli_org`` has ``root`` (the example repository, its account ids rewritten), ``ids``, ``seed`` and
``port()`` (the FakeAws): inspect and drift the organization through the port's methods.
"""

from __future__ import annotations

import pytest

from fake_aws import FakeAws, FakeOrg


@pytest.fixture
def cli_org(fake_cli: FakeAws, fake_org: FakeOrg) -> FakeOrg:
    """The example organization seeded into the fake; the CLI's plan and apply talk to that fake."""
    return fake_org
