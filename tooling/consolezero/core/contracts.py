"""The versioned JSON outputs, written one way.

Every JSON document a command prints (lint findings, access matrix and decisions, access diff, plan,
catalog info, and whatever command comes next) carries ``"version": 1`` first and is indented the
same way. Fields may be added within a version, never renamed or removed; each document's shape is a
JSON Schema under ``schemas/output/`` (tests validate real output against them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

VERSION = 1


def versioned(body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` with the contract's version first (a ``version`` already in ``body`` is replaced)."""
    return {"version": VERSION, **{k: v for k, v in body.items() if k != "version"}}


def dump_json(document: Mapping[str, Any]) -> str:
    """The document as printed: two-space indent, UTF-8 text kept as is, a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_versioned(body: Mapping[str, Any]) -> str:
    return dump_json(versioned(body))
