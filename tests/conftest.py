"""Shared fixtures. Helpers live in support.py (conftest modules are not for importing)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import copy_example  # noqa: E402


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A fresh copy of the example organization."""
    return copy_example(tmp_path / "repo")
