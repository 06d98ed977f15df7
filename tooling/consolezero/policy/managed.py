"""AWS managed policy documents shipped as data (``consolezero/data/aws-managed-policies``).

Every AWS managed IAM policy of a snapshot (names, paths, versions, dates and documents), plus the
``FullAWSAccess`` SCP. Resolved by name (``ReadOnlyAccess``; case-sensitive, as AWS is), by ARN
(``arn:aws:iam::aws:policy/ReadOnlyAccess``, with its path where it has one:
``arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole``; any partition), or by path and
name (``job-function/ViewOnlyAccess``). ``FullAWSAccess`` resolves also as ``p-FullAWSAccess`` or its
Organizations ARN.

Two files, written by ``tooling/scripts/refresh_managed_policies.py``:

- ``index.json``: the snapshot's source and date, one row per policy (name, path, version id, update
  date), the SCP with its document, and where the bundle's chunks start;
- ``documents.jsonl.gz``: the documents, minified, one ``{"name": ..., "document": ...}`` per line
  (``zcat`` reads it whole), sorted by name. The lines are cut into independent gzip members
  ("chunks", about 100 KB of text each); the index gives each chunk's first name and byte span, so a
  lookup decompresses one chunk and parses only the document asked for.

Nothing is read until a policy is asked for; the bundle only when a document is.
"""

from __future__ import annotations

import bisect
import functools
import json
import zlib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "aws-managed-policies"
INDEX_FILE = "index.json"
BUNDLE_FILE = "documents.jsonl.gz"
FORMAT = 2  # of index.json; 1 was one file per policy
_IAM_ARN = ":iam::aws:policy/"  # arn:PARTITION:iam::aws:policy/PATH/NAME
_SCP_ARN = "arn:aws:organizations::aws:policy/service_control_policy/"
_LINE_PREFIX = '{"name":"'
#: the ``aws-service-role`` path: policies of service-linked roles, which IAM attaches to nothing else
SERVICE_LINKED_PATH = "/aws-service-role/"


class _Index:
    """index.json, read (a plain class: this module is imported by every lint)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.meta = {k: data.get(k) for k in ("format", "source", "snapshot", "count")}
        #: name -> (path, version id, update date)
        self.iam: dict[str, tuple[str, str, str]] = {r[0]: (r[1], r[2], r[3]) for r in data.get("policies", ())}
        #: name -> {name, id, arn, source, document}
        self.scps: dict[str, dict[str, Any]] = {scp["name"]: scp for scp in data.get("scps", ())}
        chunks = data.get("bundle", {}).get("chunks", ())
        #: the first name in each chunk (gzip member) of the bundle, ascending; and its (offset, length)
        self.firsts: list[str] = [str(c[0]) for c in chunks]
        self.chunks: list[tuple[int, int]] = [(int(c[1]), int(c[2])) for c in chunks]


@functools.cache
def _index() -> _Index:
    try:
        data = json.loads((DATA_DIR / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    return _Index(data if isinstance(data, dict) and data.get("format") == FORMAT else {})


@functools.cache
def _lower() -> dict[str, str]:
    index = _index()
    return {name.lower(): name for name in (*index.iam, *index.scps)}


@functools.cache
def _chunk(number: int) -> dict[str, str]:
    """name -> that policy's line (its minified JSON) in one chunk of the bundle."""
    offset, length = _index().chunks[number]
    with (DATA_DIR / BUNDLE_FILE).open("rb") as f:
        f.seek(offset)
        text = zlib.decompress(f.read(length), 31).decode("utf-8")  # 31: one gzip member
    found = {}
    for line in text.splitlines():
        if line.startswith(_LINE_PREFIX):
            found[line[len(_LINE_PREFIX):line.index('"', len(_LINE_PREFIX))]] = line
    return found


def _split(name_or_arn: str) -> tuple[str | None, str]:
    """-> (path or None when not given, name)."""
    ref = name_or_arn  # as written: AWS takes no surrounding spaces
    if ref.startswith(_SCP_ARN) or ref.startswith("p-"):  # the SCP form: FullAWSAccess only
        name = ref[len(_SCP_ARN):] if ref.startswith(_SCP_ARN) else ref
        return (None, name[2:]) if name in ("p-FullAWSAccess",) else (None, "")
    if ref.startswith("arn:aws") and _IAM_ARN in ref:
        ref = ref[ref.index(_IAM_ARN) + len(_IAM_ARN) - 1:]
    if "/" in ref:
        head, _, name = ref.rpartition("/")
        return "/" + head.strip("/") + "/" if head.strip("/") else "/", name
    return None, ref


def managed_policy_info(name_or_arn: str) -> dict[str, Any] | None:
    """The entry (name, arn, path, version_id, update_date, kind: iam|scp, source) or None.

    Names are case-sensitive, as in AWS; a path, when given, must be the policy's.
    """
    if not isinstance(name_or_arn, str) or not name_or_arn.strip():
        return None
    path, name = _split(name_or_arn)
    index = _index()
    row = index.iam.get(name)
    if row is not None:
        if path is not None and path != row[0]:
            return None
        return {"name": name, "arn": f"arn:aws:iam::aws:policy{row[0]}{name}", "path": row[0],
                "version_id": row[1], "update_date": row[2], "kind": "iam", "source": index.meta.get("source")}
    scp = index.scps.get(name)
    if scp is not None:
        return {"name": name, "arn": scp["arn"], "path": "/", "version_id": None, "update_date": None,
                "kind": "scp", "source": scp.get("source")}
    return None


def managed_policy(name_or_arn: str) -> dict[str, Any] | None:
    """A fresh copy of the managed policy document, or None if it is not an AWS managed policy."""
    entry = managed_policy_info(name_or_arn)
    if entry is None:
        return None
    name = entry["name"]
    index = _index()
    if entry["kind"] == "scp":
        return json.loads(json.dumps(index.scps[name]["document"]))
    number = bisect.bisect_right(index.firsts, name) - 1
    if number < 0:
        return None
    try:
        line = _chunk(number).get(name)
    except (OSError, zlib.error, ValueError):
        return None
    return json.loads(line)["document"] if line is not None else None


def managed_names() -> list[str]:
    """Names of every shipped managed policy (IAM and SCP), sorted."""
    index = _index()
    return sorted((*index.iam, *index.scps))


def managed_arn(name_or_arn: str) -> str | None:
    """The canonical ARN of a shipped managed policy."""
    entry = managed_policy_info(name_or_arn)
    return entry["arn"] if entry else None


def managed_snapshot() -> dict[str, Any]:
    """Where the shipped policies come from: ``{"source", "snapshot" (a date), "count"}`` (IAM policies)."""
    meta = _index().meta
    return {"source": meta.get("source") or "", "snapshot": meta.get("snapshot") or "",
            "count": len(_index().iam)}


def managed_case_match(name_or_arn: str) -> str | None:
    """The policy's name when ``name_or_arn`` names one but in another case (``readonlyaccess``)."""
    if not isinstance(name_or_arn, str):
        return None
    _, name = _split(name_or_arn)
    found = _lower().get(name.lower())
    return found if found is not None and found != name else None


def similar_managed_names(name_or_arn: str, n: int = 3) -> list[str]:
    """Managed policy names close to the one given (ignoring case), best first: for "did you mean"."""
    if not isinstance(name_or_arn, str):
        return []
    import difflib  # only on the way to an error message

    _, name = _split(name_or_arn)
    lower = _lower()
    return [lower[m] for m in difflib.get_close_matches(name.lower(), list(lower), n=n, cutoff=0.75)]
