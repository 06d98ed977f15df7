"""Effective-access speed on the generated large organization (5,000 accounts, 300 OUs, 200 SCPs, 100 roles).

Prints figures; asserts nothing.

1. ``consolezero access --format json`` as a user runs it (startup and loading included): every role in the
   accounts its assignments reach;
2. in process: the same matrix, then every role x every account (500,000 pairs, as if each role were
   assigned at the root), each pair with its counts by access level, escalation paths and admin level.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_org import generate  # noqa: E402


def main() -> None:
    from consolezero.access.matrix import AccessMatrix
    from consolezero.core.repository import load_repository
    from consolezero.policy.catalog import load_catalog

    print(f"cpus: {os.cpu_count()}  python: {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        org = generate(Path(tmp) / "org")
        times = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "consolezero", "access", str(org), "--format", "json", "--report",
                            str(Path(tmp) / "matrix.json")], check=True)
            times.append(time.perf_counter() - start)
        print(f"access --format json, CLI : {statistics.median(times):6.2f} s  (median of 3, with startup and load)")
        catalog = load_catalog()
        model = load_repository(org).model
        gc.collect()
        gc.freeze()
        start = time.perf_counter()
        matrix = AccessMatrix(model, catalog)
        cells = matrix.cells()
        for cell in cells:
            matrix.summary(cell.access)
        print(f"assigned pairs, in process: {time.perf_counter() - start:6.2f} s  ({len(cells):,} pairs)")
        start = time.perf_counter()
        matrix = AccessMatrix(model, catalog)
        accounts = list(model.accounts.values())
        for role in model.roles.values():
            for account in accounts:
                matrix.summary(matrix.cell(role, account, ("group:everyone",)).access)
        took = time.perf_counter() - start
        pairs = len(accounts) * len(model.roles)
        print(f"every role x account      : {took:6.2f} s  ({pairs:,} pairs, {took / pairs * 1e6:.1f} us/pair; "
              f"{matrix.evaluator.distinct_evaluations:,} distinct evaluations)")


if __name__ == "__main__":
    main()
