"""Regenerate the AWS managed policies shipped with consolezero, from the installed moto.

    .venv/bin/python tooling/scripts/refresh_managed_policies.py [--out DIR] [--chunks N]

moto (a test dependency) carries a snapshot of every AWS managed IAM policy
(``moto.iam.aws_managed_policies``): name, path, default version, update date and document. These are
AWS's documents, not moto's code; moto is only where a current copy is found. Upgrade moto
(``.venv/bin/python -m pip install -U 'moto[server]'``), run this, review the summary it prints (policies
added, removed and updated), run the tests, and update the snapshot date in the docstring of the
``unknown-managed-policy`` rule (``tooling/consolezero/lint/rules/roles.py``; a test checks it) and then
``consolezero rules --write-docs docs/rules``.

It writes two files into ``tooling/consolezero/data/aws-managed-policies/`` (see
:mod:`consolezero.policy.managed`, which reads them): ``index.json`` and ``documents.jsonl.gz``, and
removes any other ``*.json`` there (the per-policy files of earlier versions). The output depends only
on the moto data: running it twice gives the same files.

FullAWSAccess, the default SCP of AWS Organizations, is not an IAM policy and not in moto; its
document is the one the AWS Organizations User Guide gives, written here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tooling"))

from consolezero.policy.managed import BUNDLE_FILE, DATA_DIR, FORMAT, INDEX_FILE  # noqa: E402

CHUNKS = 32  # gzip members in the bundle: a lookup decompresses one (about 100 KB of text, 0.2 ms)

FULL_AWS_ACCESS = {
    "name": "FullAWSAccess",
    "id": "p-FullAWSAccess",
    "arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
    "source": "AWS Organizations User Guide: the FullAWSAccess SCP (p-FullAWSAccess), attached by default to "
              "the root, every OU and every account",
    "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
}


def _minify(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def load_moto() -> tuple[str, dict[str, dict]]:
    """-> (moto's version, {name: moto's entry}) from the installed moto."""
    try:
        import moto
        from moto.iam.aws_managed_policies import aws_managed_policies_data
    except ImportError as e:
        raise SystemExit(f"moto is not installed ({e}); install the test extras: pip install -e '.[test]'") from e
    return moto.__version__, json.loads(aws_managed_policies_data)


def _cut(rows: list[list[str]], lines: list[str], chunks: int) -> list[tuple[str, list[str]]]:
    """Consecutive runs of lines of about equal text size: [(first name, lines)]."""
    total = sum(map(len, lines))
    found: list[tuple[str, list[str]]] = []
    size = 0
    for row, line in zip(rows, lines, strict=True):
        if not found or (size >= total * len(found) / chunks and len(found) < chunks):
            found.append((row[0], []))
        found[-1][1].append(line)
        size += len(line)
    return found


def build(version: str, policies: dict[str, dict], chunks: int = CHUNKS) -> tuple[dict, bytes]:
    """-> (the index, the bundle's bytes)."""
    rows, lines = [], []
    for name in sorted(policies):
        entry = policies[name]
        path, document = entry["Path"], entry["Document"]
        if isinstance(document, str):
            document = json.loads(document)
        if not name or '"' in name or "\\" in name or not path.startswith("/") or not path.endswith("/"):
            raise SystemExit(f"unexpected policy name or path in the moto data: {name!r} {path!r}")
        rows.append([name, path, entry["DefaultVersionId"], entry["UpdateDate"]])
        lines.append(_minify({"name": name, "document": document}) + "\n")
    bundle = bytearray()
    spans = []
    for first, chunk in _cut(rows, lines, chunks):
        member = gzip.compress("".join(chunk).encode("utf-8"), compresslevel=9, mtime=0)
        spans.append([first, len(bundle), len(member)])
        bundle += member
    newest = max((row[3] for row in rows), default="")
    index = {
        "format": FORMAT,
        "source": f"moto {version}",
        "source_detail": "moto.iam.aws_managed_policies.aws_managed_policies_data: moto's snapshot of AWS's "
                         "managed IAM policies (AWS's documents); written by tooling/scripts/"
                         "refresh_managed_policies.py",
        "snapshot": newest[:10],
        "count": len(rows),
        "columns": ["name", "path", "version_id", "update_date"],
        "bundle": {"file": BUNDLE_FILE, "chunks": spans,
                   "note": "chunks: [first name, byte offset, byte length] of independent gzip members"},
        "scps": [FULL_AWS_ACCESS],
        "policies": rows,
    }
    return index, bytes(bundle)


def render_index(index: dict) -> str:
    """JSON with one policy row per line (diffs show exactly the policies that changed)."""
    head = {k: v for k, v in index.items() if k not in ("policies", "bundle")}
    text = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    bundle = index["bundle"]
    chunks = ",\n".join("   " + json.dumps(chunk, ensure_ascii=False) for chunk in bundle["chunks"])
    rows = ",\n".join("  " + json.dumps(row, ensure_ascii=False) for row in index["policies"])
    file, note = json.dumps(bundle["file"]), json.dumps(bundle["note"])
    return (f'{text},\n "bundle": {{\n  "file": {file},\n  "note": {note},\n  "chunks": [\n{chunks}\n  ]\n }},\n'
            f' "policies": [\n{rows}\n ]\n}}\n')


def summary(old: dict, new: dict) -> list[str]:
    before = {row[0]: row for row in old.get("policies", ()) if isinstance(row, list) and row}
    after = {row[0]: row for row in new["policies"]}
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    updated = sorted(n for n in after.keys() & before.keys() if after[n] != before[n])
    out = [f"{new['count']} AWS managed policies from {new['source']}, snapshot {new['snapshot']} "
           f"(was {old.get('count', '?')} from {old.get('source', '?')}, {old.get('snapshot', '?')})"]
    for label, names in (("added", added), ("removed", removed), ("updated", updated)):
        if names:
            shown = ", ".join(names[:20]) + (f", ... ({len(names) - 20} more)" if len(names) > 20 else "")
            out.append(f"  {label} {len(names)}: {shown}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="the data directory (default: the package's)")
    parser.add_argument("--chunks", type=int, default=CHUNKS, help="gzip members in the bundle")
    args = parser.parse_args(argv)
    index, bundle = build(*load_moto(), chunks=args.chunks)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    try:
        old = json.loads((out / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    (out / BUNDLE_FILE).write_bytes(bundle)
    (out / INDEX_FILE).write_text(render_index(index), encoding="utf-8")
    for stale in sorted(out.glob("*.json")):
        if stale.name != INDEX_FILE:
            stale.unlink()
    print("\n".join(summary(old, index)))
    print(f"wrote {out / INDEX_FILE} and {out / BUNDLE_FILE} ({len(bundle):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
