"""AWS managed policy documents shipped as data (``consolezero/data/aws-managed-policies``).

Resolved by name (``ReadOnlyAccess``), by ARN (``arn:aws:iam::aws:policy/ReadOnlyAccess``, also with
a path such as ``arn:aws:iam::aws:policy/job-function/ViewOnlyAccess``), or by path and name
(``job-function/ViewOnlyAccess``). ``FullAWSAccess`` (the default SCP) resolves too, also as
``p-FullAWSAccess`` or its Organizations ARN. ``index.json`` records each document's version, date and
source.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

_DIR = Path(__file__).resolve().parent.parent / "data" / "aws-managed-policies"
_IAM_ARN = "arn:aws:iam::aws:policy"
_SCP_ARN = "arn:aws:organizations::aws:policy/service_control_policy/"


@functools.cache
def _index() -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((_DIR / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {entry["name"]: entry for entry in data.get("policies", ())}


@functools.cache
def _lower() -> dict[str, str]:
    return {name.lower(): name for name in _index()}


@functools.cache
def _text(file: str) -> str:
    return (_DIR / file).read_text(encoding="utf-8")


def _split(name_or_arn: str) -> tuple[str | None, str]:
    """-> (path or None when not given, name)."""
    ref = name_or_arn.strip()
    if ref.startswith(_SCP_ARN):
        ref = ref[len(_SCP_ARN):]
    if ref.startswith("p-"):
        return None, ref[2:]
    if ref.startswith(_IAM_ARN):
        ref = ref[len(_IAM_ARN):]
    if "/" in ref:
        head, _, name = ref.rpartition("/")
        return "/" + head.strip("/") + "/" if head.strip("/") else "/", name
    return None, ref


def managed_policy_info(name_or_arn: str) -> dict[str, Any] | None:
    """The index entry (name, arn, path, version_id, update_date, kind, source) or None."""
    if not isinstance(name_or_arn, str) or not name_or_arn.strip():
        return None
    path, name = _split(name_or_arn)
    entry = _index().get(name) or _index().get(_lower().get(name.lower(), ""))
    if entry is None:
        return None
    if path is not None and entry["kind"] == "iam" and path != entry["path"]:
        return None
    return dict(entry)


def managed_policy(name_or_arn: str) -> dict[str, Any] | None:
    """A fresh copy of the managed policy document, or None if it is not shipped."""
    entry = managed_policy_info(name_or_arn)
    if entry is None:
        return None
    return json.loads(_text(entry["file"]))


def managed_names() -> list[str]:
    """Names of every shipped managed policy, sorted."""
    return sorted(_index())


def managed_arn(name_or_arn: str) -> str | None:
    """The canonical ARN of a shipped managed policy."""
    entry = managed_policy_info(name_or_arn)
    return entry["arn"] if entry else None
