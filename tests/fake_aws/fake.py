"""The class :class:`FakeAws`: the AWS port in memory, one class composed of one mixin per AWS area.

Each area's methods live in its module (:mod:`fake_aws.organizations`, :mod:`fake_aws.identity_center`,
:mod:`fake_aws.identity_store_iam`, :mod:`fake_aws.alerts`), the seeding helpers in :mod:`fake_aws.seeding`, and
the state they share, with ``__init__``, in :mod:`fake_aws.state`. See the package docstring for the rules.
"""

from __future__ import annotations

from .alerts import AlertsMixin
from .identity_center import IdentityCenterMixin
from .identity_store_iam import IdentityStoreIamMixin
from .organizations import OrganizationsMixin
from .seeding import SeedingMixin


class FakeAws(OrganizationsMixin, IdentityCenterMixin, IdentityStoreIamMixin, AlertsMixin, SeedingMixin):
    """The AWS port in memory (see the package docstring). One instance is one organization."""
