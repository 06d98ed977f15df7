"""Shared fixtures. Helpers live in support.py (conftest modules are not for importing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import copy_example


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of the example organization."""
    return copy_example(tmp_path / "repo")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts or uses the emulator (real HTTP round trips) is slow: `pytest -m 'not slow'` skips it."""
    for item in items:
        if "emulator" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
