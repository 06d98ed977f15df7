"""Property tests: whatever the input, lint answers with findings, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import copy_example, lint

FILES = [
    "accounts/organization.yaml",
    "accounts/Workloads/Prod/prod-app.yaml",
    "accounts/Security/_ou.yaml",
    "roles/admin.yaml",
    "roles/developer.yaml",
    "scps/trifecta-guardrail.yaml",
    "scps/deny-user.yaml",
    "requests/admin/2026-11/alice-prod-app-OPS-1234.yaml",
    ".consolezero.yaml",
]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("prop") / "repo")


def _lint_with(repo: Path, rel: str, content: str | bytes) -> None:
    path = repo / rel
    original = path.read_bytes()
    try:
        path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
        findings = lint(repo).findings
    finally:
        path.write_bytes(original)
    for f in findings:
        assert f.line >= 1 and f.column >= 1
        assert f.file and f.rule and f.message
        assert f.severity.label in ("error", "warning", "info")


@SETTINGS
@given(rel=st.sampled_from(FILES), text=st.text(max_size=300))
def test_random_text_never_crashes(repo: Path, rel: str, text: str) -> None:
    _lint_with(repo, rel, text)


@SETTINGS
@given(rel=st.sampled_from(FILES), data=json_values)
def test_random_documents_never_crash(repo: Path, rel: str, data: object) -> None:
    _lint_with(repo, rel, yaml.safe_dump(data))


@SETTINGS
@given(rel=st.sampled_from(FILES), data=st.data())
def test_mutations_of_the_example_never_crash(repo: Path, rel: str, data: st.DataObject) -> None:
    original = yaml.safe_load((repo / rel).read_text())
    mutated = _mutate(original, data)
    _lint_with(repo, rel, yaml.safe_dump(mutated, sort_keys=False))


@SETTINGS
@given(rel=st.sampled_from(FILES), data=st.data())
def test_line_edits_of_the_example_never_crash(repo: Path, rel: str, data: st.DataObject) -> None:
    lines = (repo / rel).read_text().splitlines(keepends=True)
    i = data.draw(st.integers(0, len(lines) - 1))
    op = data.draw(st.sampled_from(["delete", "duplicate", "dedent", "indent", "truncate", "insert"]))
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "dedent":
        lines[i] = lines[i].lstrip()
    elif op == "indent":
        lines[i] = "  " + lines[i]
    elif op == "truncate":
        lines[i] = lines[i][: data.draw(st.integers(0, max(0, len(lines[i]) - 1)))] + "\n"
    else:
        lines.insert(i, data.draw(st.sampled_from(["- x\n", "? a\n", "&a b: *a\n", "}\n", "'\n", "key: [\n"])))
    _lint_with(repo, rel, "".join(lines))


def _mutate(value: object, data: st.DataObject, depth: int = 0) -> object:
    """Replace, drop or retype one node somewhere in the document."""
    if isinstance(value, dict) and value and depth < 6:
        key = data.draw(st.sampled_from(sorted(value, key=str)))
        action = data.draw(st.sampled_from(["descend", "drop", "replace"]))
        copy = dict(value)
        if action == "drop":
            del copy[key]
        elif action == "replace":
            copy[key] = data.draw(json_values)
        else:
            copy[key] = _mutate(value[key], data, depth + 1)
        return copy
    if isinstance(value, list) and value and depth < 6:
        i = data.draw(st.integers(0, len(value) - 1))
        copy = list(value)
        copy[i] = _mutate(value[i], data, depth + 1)
        return copy
    return data.draw(json_values)


def test_json_round_trip_of_the_example_is_clean(repo: Path) -> None:
    """YAML is a superset of JSON: the same documents written as JSON lint the same."""
    rel = "roles/admin.yaml"
    data = yaml.safe_load((repo / rel).read_text())
    path = repo / rel
    original = path.read_bytes()
    try:
        path.write_text(json.dumps(data, indent=2))
        assert [f for f in lint(repo).findings if not f.suppressed] == []
    finally:
        path.write_bytes(original)


SPECIALS = ["link-to-passwd", "link-to-dev-zero", "fifo", "link-loop", "dangling-link", "link-to-folder",
            "link-out-of-the-repository"]


@SETTINGS
@given(rel=st.sampled_from(FILES), special=st.sampled_from(SPECIALS))
def test_links_and_devices_are_findings_never_reads(repo: Path, rel: str, special: str) -> None:
    """Any file of the example replaced by a link or a device: a finding on that file, never a read or a hang."""
    import os
    import shutil
    import tempfile

    path = repo / rel
    original = path.read_bytes()
    outside = Path(tempfile.mkdtemp(prefix="consolezero-outside-"))
    path.unlink()
    try:
        if special == "link-to-passwd":
            path.symlink_to("/etc/passwd")
        elif special == "link-to-dev-zero":
            path.symlink_to("/dev/zero")
        elif special == "fifo":
            os.mkfifo(path)
        elif special == "link-loop":
            path.symlink_to(path)
        elif special == "dangling-link":
            path.symlink_to(path.parent / "nothing-here.yaml")
        elif special == "link-to-folder":
            path.symlink_to(path.parent)
        else:
            (outside / "x.yaml").write_bytes(original)
            path.symlink_to(outside / "x.yaml")
        findings = lint(repo).findings
    finally:
        path.unlink()
        path.write_bytes(original)
        shutil.rmtree(outside, ignore_errors=True)
    mine = [f for f in findings if f.file == rel and f.rule == "yaml-syntax"]
    assert [f.message.split(" (")[0] for f in mine][:1] and mine[0].message.startswith("not read: "), findings
