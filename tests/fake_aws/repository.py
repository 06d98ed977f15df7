"""A repository seeded into :class:`fake_aws.FakeAws`: :class:`FakeOrg` and :func:`seed_repository`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .fake import FakeAws
from .state import FakeSeed


@dataclass
class FakeOrg:
    """A repository seeded into a :class:`FakeAws` (example_org's fake twin): ``ids`` maps account names to ids."""

    fake: FakeAws
    root: Path
    seed: FakeSeed
    ids: dict[str, str] = field(default_factory=dict)

    def repo(self) -> Any:
        from consolezero.core.repository import load_repository

        return load_repository(self.root)

    def port(self) -> FakeAws:
        return self.fake


def seed_repository(fake: FakeAws, root: Path, users: Sequence[str] = (),
                    break_glass_mfa: bool | None = True) -> FakeOrg:
    """The repository's member accounts and groups (and ``users``) in ``fake``, and, unless ``break_glass_mfa``
    is None, its break-glass users with (True: a virtual one) or without an MFA device; the repository's
    account files get the ids the fake assigned (the management account's too). aws_helpers.seed_for's twin."""
    from consolezero.core.repository import load_repository
    from support import set_account_ids

    org = load_repository(root).model.organization
    model = load_repository(root).model
    members = [(a.name, a.email) for a in model.accounts.values() if a.name != org.management_account]
    seed = fake.seed_organization(members, org.groups, users)
    ids = {**seed.account_ids, org.management_account: seed.management_id}
    set_account_ids(root, ids)
    if break_glass_mfa is not None:
        for glass in org.break_glass:
            fake.seed_break_glass_user(ids[glass.account], glass.user, glass.path, mfa=break_glass_mfa)
    return FakeOrg(fake=fake, root=root, seed=seed, ids=ids)
