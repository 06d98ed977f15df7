"""Every schema finding speaks the user's words: each value of every example file replaced by wrong
ones (a number, text, an empty list or mapping, null, a repeated list, an unknown key) gives messages
with no regular expression and no Python repr in them."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from consolezero.core.loader import load_text
from consolezero.core.repository import discover
from consolezero.core.schemas import validator
from consolezero.lint.rules.inputs import _schema_message, _worth_reporting
from consolezero.lint.rules.schema_words import did_you_mean, show, where
from support import ROOT

REGEX = re.compile(r"\^|\$\)|\(\?|\\[swdS]|\[\^|\{\d+,\d*\}")
REPR = re.compile(r"\{'|\['|': |\bNone\b|\bTrue\b|\bFalse\b|is not of type|should not be valid|was unexpected"
                  r"|is not valid under|is a required property|does not match '")
WRONG = (5, "x y!", [], {}, None, True, "", ["a", "a"], {"zzz": 1})
FILES = sorted((rel, kind) for rel, kind in discover(ROOT).items()
               if kind in ("organization", "account", "ou", "role", "scp", "request"))


def _paths(data: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*path, i))


@pytest.mark.parametrize(("rel", "kind"), FILES, ids=[f[0] for f in FILES])
def test_no_regex_and_no_repr_in_any_schema_message(rel: str, kind: str) -> None:
    data = load_text(rel, (ROOT / rel).read_text(encoding="utf-8")).data
    check = validator(kind)
    worded = 0
    for path in [p for p in _paths(data) if p]:
        for value in WRONG:
            changed = copy.deepcopy(data)
            node = changed
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
            for error in _worth_reporting(list(check.iter_errors(changed))):
                message = _schema_message(error, check.schema)
                worded += 1
                assert not REGEX.search(message), message
                assert not REPR.search(message), message
    assert worded


def test_paths_and_values_as_the_user_writes_them() -> None:
    assert where(("assignments", 0, "targets", 1)) == "assignments[0].targets[1]"
    assert where(("jit", "approvals")) == "jit.approvals"
    assert [show(v) for v in ("one", 5, None, True, [], {"a": 1})] == [
        '"one"', "the number 5", "nothing (null)", "true", "an empty list", "a mapping"]
    assert did_you_mean("sesion_duration", ["session_duration", "description"]) == "; did you mean session_duration?"
    assert did_you_mean("JIT", ["standing", "jit"]) == "; did you mean jit?"
    assert did_you_mean("zzz", ["session_duration"]) == ""


def test_an_unquoted_off_says_to_quote_it(example: Path) -> None:
    from support import lint

    (example / ".consolezero.yaml").write_text("severity: {jit-without-ticket: off}\n")
    messages = [f.message for f in lint(example).findings if f.rule == "schema"]
    assert messages == ["severity.jit-without-ticket must be one of error, warning, info or off; got false: YAML reads "
                        'an unquoted off as a boolean, so quote it: jit-without-ticket: "off"']
