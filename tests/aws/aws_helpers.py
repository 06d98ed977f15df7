"""Helpers for the AWS tests: emulator access, seeding, the AWS invariants moto does not enforce, fault injection.

moto enforces none of AWS's rules (no SCP size limit, no last-policy rule, any session duration,
instant async steps): these tests check the rules themselves (support.check_every_target_has_an_allow,
FaultyPort's invariant check). The in-memory fake (tests/fake_aws/) enforces them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consolezero.core.repository import Repository, load_repository
from consolezero.devtools import demo
from consolezero.devtools.seed import SeededOrganization, seed_break_glass_user, seed_emulator
from consolezero.integrations.aws.boto import BotoPort
from consolezero.integrations.aws.port import MUTATING, AwsError
from support import check_every_target_has_an_allow, set_account_ids  # noqa: F401 - shared with the fake's tests

REGION = "eu-west-1"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_PARTS = ("accounts", "roles", "scps", "requests", ".consolezero.yaml")


def copy_example(dest: Path) -> Path:
    """The example organization (YAML only), copied to ``dest``."""
    return demo.copy_example(ROOT, dest, EXAMPLE_PARTS)


@dataclass
class Aws:
    url: str
    session: Any

    def client(self, service: str) -> Any:
        region = "us-east-1" if service == "organizations" else REGION
        return self.session.client(service, endpoint_url=self.url, region_name=region)

    def port(self, **kwargs: Any) -> BotoPort:
        return BotoPort(session=self.session, endpoint_url=self.url, sso_region=REGION, **kwargs)


@dataclass
class Org:
    aws: Aws
    root: Path
    seed: SeededOrganization
    ids: dict[str, str] = field(default_factory=dict)

    def repo(self) -> Repository:
        return load_repository(self.root)

    def port(self, **kwargs: Any) -> BotoPort:
        return self.aws.port(**kwargs)


def seed_for(aws: Aws, root: Path, users: tuple[str, ...] = (), break_glass_mfa: bool | None = True) -> Org:
    """The repository's accounts, groups and (unless ``break_glass_mfa`` is None) its break-glass users in
    the emulator, with or without their MFA device; the repository's account ids rewritten to match."""
    model = load_repository(root).model
    org = model.organization
    members = [(a.name, a.email) for a in model.accounts.values() if a.name != org.management_account]
    seed = seed_emulator(aws.url, members, org.groups, REGION, users=users)
    ids = {**seed.account_ids, org.management_account: seed.management_id}
    set_account_ids(root, ids)
    if break_glass_mfa is not None:
        for glass in org.break_glass:
            seed_break_glass_user(aws.url, ids[glass.account], glass.user, glass.path, mfa=break_glass_mfa)
    return Org(aws=aws, root=root, seed=seed, ids=ids)


class InjectedFault(AwsError):
    def __init__(self, name: str, n: int) -> None:
        super().__init__("InjectedFault", f"fault injected after mutating call #{n} ({name})", name)


class FaultyPort:
    """Wraps a port: after the Nth mutating call succeeds (or the first for which ``fail_when(calls so far)``
    holds), raise (as if the process or network died)."""

    def __init__(self, inner: Any, fail_at: int | None = None, check: Callable[[], None] | None = None,
                 fail_when: Callable[[list[str]], bool] | None = None) -> None:
        self._inner = inner
        self.fail_at = fail_at
        self.calls: list[str] = []
        self._check = check
        self._fail_when = fail_when

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in MUTATING:
            return attr

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            self.calls.append(name)
            if self._check is not None:
                self._check()
            if self.fail_at is None and self._fail_when is not None and self._fail_when(self.calls):
                self.fail_at = len(self.calls)
            if self.fail_at is not None and len(self.calls) == self.fail_at:
                raise InjectedFault(name, self.fail_at)
            return result

        return wrapped


def check_emulator_targets() -> None:
    """The same invariant, read from the in-process emulator's memory (no HTTP): cheap enough to run
    after every single mutating call. Only for the in-process ThreadedMotoServer of these tests."""
    import json

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for target in [*backend.ou, *backend.accounts]:
        scps = [p for p in target.attached_policies if p.type == "SERVICE_CONTROL_POLICY"]
        assert scps, f"{target.id} was left with no SCP attached"
        allows = []
        for p in scps:
            doc = json.loads(p.content)
            statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
            allows.append(any(s.get("Effect") == "Allow" for s in statements))
        assert any(allows), f"{target.id} was left with no SCP that allows anything"


def cli_environment(monkeypatch: Any, tmp_path: Path, endpoint_url: str | None = None) -> None:
    """Dummy short-term-looking credentials (no config or credential files) and, when given, the emulator
    endpoint, as a user would set them before running the CLI."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIACLITESTEXAMPLE01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "x")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    if endpoint_url:
        monkeypatch.setenv("CONSOLEZERO_ENDPOINT_URL", endpoint_url)
