"""Fixtures for the policy engine tests (the engine is pure: no AWS, no network)."""

from __future__ import annotations

import pytest

from consolezero.policy.catalog import Catalog, load_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()
