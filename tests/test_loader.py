"""The loader: positions, the YAML traps, and the limits that keep bad input from hurting."""

from __future__ import annotations

import time
from pathlib import Path

from consolezero.core.loader import load_file, load_text


def test_positions_of_keys_and_values() -> None:
    doc = load_text("a.yaml", "name: Admin\njit:\n  approvals: 1\n  approvers: [a, b]\n")
    assert doc.ok
    assert doc.position(("jit", "approvals")) == (3, 14)
    assert doc.position(("jit", "approvals"), key=True) == (3, 3)
    assert doc.position(("jit", "approvers", 1)) == (4, 18)
    # an unknown path falls back to its nearest known ancestor
    assert doc.position(("jit", "approvers", 7)) == (4, 14)


def test_unquoted_octal_account_id_keeps_its_source_text() -> None:
    doc = load_text("a.yaml", "id: 012345670123\n")
    assert doc.data == {"id": 0o12345670123}
    assert doc.int_scalars[("id",)] == "012345670123"


def test_duplicate_key_points_at_the_second_occurrence() -> None:
    doc = load_text("a.yaml", "a: 1\nb: 2\na: 3\n")
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("duplicate-key", 3, 1)]
    assert "first at line 1" in doc.problems[0].message
    assert doc.data == {"a": 1, "b": 2}


def test_syntax_error_has_a_line() -> None:
    doc = load_text("a.yaml", "a: 1\nb: [1, 2\nc: 3\n")
    assert not doc.ok
    assert doc.problems[0].rule == "yaml-syntax"
    assert doc.problems[0].line >= 2


def _alias_bomb(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghijkl"[:levels - 1]:
        text += f"{name}: &{name} [" + ",".join(["*" + previous] * 9) + "]\n"
        previous = name
    return text


def test_alias_bomb_is_refused_within_a_second() -> None:
    start = time.perf_counter()
    doc = load_text("bomb.yaml", _alias_bomb())
    elapsed = time.perf_counter() - start
    assert not doc.ok
    assert doc.problems[0].rule == "yaml-syntax"
    assert "alias bomb" in doc.problems[0].message
    assert elapsed < 1.0


def test_recursive_alias_is_refused() -> None:
    doc = load_text("r.yaml", "a: &x [*x]\n")
    assert not doc.ok and doc.problems[0].rule == "yaml-syntax"


def test_ten_megabyte_file_is_refused_within_a_second(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("k: " + "x" * (10 * 1024 * 1024) + "\n")
    start = time.perf_counter()
    doc = load_file(tmp_path, "big.yaml")
    elapsed = time.perf_counter() - start
    assert not doc.ok
    assert "over the limit" in doc.problems[0].message
    assert elapsed < 1.0


def test_not_utf8_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_bytes(b"a: 1\nb: \xff\xfe\n")
    doc = load_file(tmp_path, "x.yaml")
    assert not doc.ok and doc.problems[0].line == 2


def test_python_tags_are_refused_not_executed() -> None:
    doc = load_text("t.yaml", "x: !!python/object/apply:os.system [echo hi]\n")
    assert [p.rule for p in doc.problems] == ["yaml-syntax"]
    assert doc.data == {"x": ["echo hi"]}


def test_inline_ignore_comments_are_collected() -> None:
    doc = load_text("i.yaml", "a: 1  # consolezero: ignore[schema, duplicate-key] legacy file\n")
    assert doc.ignores == {1: (frozenset({"schema", "duplicate-key"}), "legacy file")}


def test_alias_bomb_points_at_the_entry_where_it_starts() -> None:
    doc = load_text("bomb.yaml", "name: x\nok: [1, 2]\n" + _alias_bomb())
    assert not doc.ok
    problem = doc.problems[0]
    assert (problem.line, problem.column) != (1, 1)
    assert problem.line == 3 + "abcdefghijkl".index(problem.path[0])  # the key of the entry that blew up
    assert f"under {problem.path[0]} multiply it" in problem.message


def test_deep_nesting_points_at_the_entry_where_it_starts() -> None:
    deep = "".join("  " * i + "k:\n" for i in range(1, 80))
    doc = load_text("deep.yaml", "name: x\nvalue:\n" + deep)
    assert not doc.ok
    problem = doc.problems[0]
    assert (problem.line, problem.column) == (2, 1)
    assert "nesting deeper than 64 levels: value goes that deep at line 67" in problem.message


def test_nesting_past_what_the_parser_takes_points_at_its_line() -> None:
    doc = load_text("deep.yaml", "a: 1\nb: " + "[" * 5000 + "]" * 5000 + "\n")
    assert not doc.ok and doc.problems[0].line == 2


def test_has_follows_mappings_and_lists_only() -> None:
    doc = load_text("a.yaml", "name: Admin\nl: [1, {a: 2}]\n")
    assert doc.has(("name",)) and doc.has(("l", 1, "a")) and doc.has(())
    assert not doc.has(("name", 0)) and not doc.has(("l", 2)) and not doc.has(("x",))


def test_positions_stay_right_when_many_files_are_asked_about_in_turn() -> None:
    """Node graphs are composed again on demand and only the last few kept: answers never mix files."""
    docs = [load_text(f"f{n}.yaml", "\n" * n + f"k{n}:\n  - a\n  - {{b: {n}}}\n") for n in range(40)]
    for _ in range(2):
        for n, doc in enumerate(docs):
            assert doc.position((f"k{n}", 1, "b")) == (n + 3, 9)
            assert doc.position((f"k{n}",), key=True) == (n + 1, 1)
            assert doc.position((f"k{n}", 9)) == (n + 2, 3)  # the nearest existing ancestor: the list


def test_duplicate_keys_keep_the_first_value_and_its_position() -> None:
    doc = load_text("a.yaml", "a: 1\nb: 2\na: 3\n")
    assert doc.position(("a",)) == (1, 4)


def test_positions_read_as_mappings_without_being_stored() -> None:
    doc = load_text("a.yaml", "name: Admin\njit:\n  approvals: 1\n  approvers: [a, b]\n")
    assert doc.positions[("jit", "approvals")] == (3, 14)
    assert doc.key_positions[("jit", "approvals")] == (3, 3)
    assert ("jit", "approvers", 1) in doc.positions and ("jit", "nope") not in doc.positions
    assert set(doc.positions) >= {(), ("jit",), ("name",)} and len(doc.positions) == 7


def test_the_collector_is_paused_only_while_loading() -> None:
    import gc

    from consolezero.core.files import paused_gc

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
