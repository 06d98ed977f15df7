"""Policy documents for plan and apply: minified as uploaded, compared as parsed JSON, shown as diffs."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from consolezero.integrations.aws.port import MANAGED_TAG
from consolezero.policy.document import jsonable, minify  # noqa: F401  (the document as uploaded: one place)
from consolezero.policy.scp import has_allow  # noqa: F401 - the one definition, re-exported


def parse_document(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text  # compared as text; shown as is


def pretty(document: Any) -> str:
    if document is None:
        return ""
    if isinstance(document, str):
        return document
    return json.dumps(document, indent=2)


def document_diff(live: Any, desired: Any, name: str) -> str:
    lines = difflib.unified_diff(pretty(live).splitlines(), pretty(desired).splitlines(),
                                 fromfile=f"{name} (live)", tofile=f"{name} (desired)", lineterm="")
    return "\n".join(lines)


def managed_policy_arn(ref: str) -> str:
    """An AWS managed policy ARN from a name (``ReadOnlyAccess``), path/name or ARN.

    A shipped policy gets its ARN with its path (``AWSLambdaBasicExecutionRole`` ->
    ``arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole``); any other name the plain
    ``arn:aws:iam::aws:policy/NAME`` (lint reports it: ``unknown-managed-policy``).
    """
    ref = ref.strip()
    if ref.startswith("arn:"):
        return ref
    try:
        from consolezero.policy.managed import managed_policy_info

        info = managed_policy_info(ref)
    except Exception:  # the shipped data is optional here; fall back to the plain ARN
        info = None
    if info and info.get("kind") == "iam" and isinstance(info.get("arn"), str):
        return info["arn"]
    return f"arn:aws:iam::aws:policy/{ref.lstrip('/')}"


def owned_tags(tags: Mapping[str, str]) -> dict[str, str]:
    return {**{str(k): str(v) for k, v in tags.items()}, MANAGED_TAG[0]: MANAGED_TAG[1]}
