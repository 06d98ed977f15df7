"""The fast schema check (jsonschema-rs) agrees with jsonschema on every file the tests know."""

from __future__ import annotations

from pathlib import Path

import pytest

from consolezero.core.loader import load_text
from consolezero.core.repository import discover
from consolezero.core.schemas import KIND_SCHEMAS, is_valid, validator
from support import FIXTURES, ROOT


def _files() -> list[tuple[str, str, Path]]:
    """(kind, name, path) of every YAML file of a schema kind in the example and the rule fixtures."""
    found = []
    for base in [ROOT, *sorted(p for p in (FIXTURES / "rules").glob("*/*/*") if p.is_dir())]:
        for rel, kind in discover(base).items():
            if kind in KIND_SCHEMAS:
                found.append((kind, f"{base.name}/{rel}", base / rel))
        if (base / ".consolezero.yaml").is_file():
            found.append(("config", f"{base.name}/.consolezero.yaml", base / ".consolezero.yaml"))
    return found


FILES = _files()


def test_the_files_include_invalid_ones() -> None:
    verdicts = {is_valid(kind, load_text("x", path.read_text(encoding="utf-8")).data) for kind, _, path in FILES}
    assert {True, False} <= verdicts


@pytest.mark.parametrize(("kind", "name", "path"), FILES, ids=[f[1] for f in FILES])
def test_fast_and_detailed_validation_agree(kind: str, name: str, path: Path) -> None:
    doc = load_text(name, path.read_text(encoding="utf-8"))
    if not doc.ok:
        pytest.skip("does not parse")
    detailed = not list(validator(kind).iter_errors(doc.data))
    fast = is_valid(kind, doc.data)
    assert fast is None or fast == detailed  # None: the fast check cannot say (the detailed one decides)


@pytest.mark.parametrize("data", [{1: "a"}, {True: 1}, {None: 2}, {"name": float("inf")}, [1, {2: 3}]])
def test_values_json_has_no_word_for_are_left_to_the_detailed_check(data: object) -> None:
    assert is_valid("role", data) in (None, False)
