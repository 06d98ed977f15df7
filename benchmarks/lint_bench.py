"""Lint speed: the example repository and a large generated organization, startup included.

Prints figures; asserts nothing. Targets (issue #2): the example well under 1 s; 5,000 accounts
in 300 OUs, 200 SCPs, 100 roles and 2,000 requests under 3 s on 2 cores.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_org import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _cli(path: Path, runs: int) -> tuple[float, int, str]:
    """Median wall time, the exit code and the findings (counted from the JSON) of ``runs`` CLI runs."""
    times, code, out = [], 0, ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "consolezero", "lint", str(path), "--format", "json"],
                              capture_output=True, env={**os.environ, "NO_COLOR": "1"})
        times.append(time.perf_counter() - start)
        code, out = done.returncode, done.stdout
    return statistics.median(times), code, _count(out)


def _count(out: bytes | str) -> str:
    """"N findings (error E, warning W, info I)", with the commonest rules when there are any."""
    try:
        data = json.loads(out)
    except ValueError:
        return "findings: the output is not JSON"
    findings = data.get("findings", [])
    summary = ", ".join(f"{k} {v}" for k, v in data.get("summary", {}).items())
    by_rule: dict[str, int] = {}
    for f in findings:
        by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
    top = ", ".join(f"{r} {n}" for r, n in sorted(by_rule.items(), key=lambda rn: -rn[1])[:3])
    return f"{len(findings)} findings ({summary})" + (f": {top}" if top else "")


def _in_process(path: Path) -> dict[str, float]:
    from consolezero.core.repository import load_repository
    from consolezero.lint.runner import run_lint

    start = time.perf_counter()
    repo = load_repository(path)
    loaded = time.perf_counter()
    result = run_lint(repo)
    done = time.perf_counter()
    return {"load": loaded - start, "rules": done - loaded, "findings": len(result.findings)}


def main() -> None:
    print(f"cpus: {os.cpu_count()}  python: {sys.version.split()[0]}")
    median, code, found = _cli(ROOT, 5)
    print(f"example repository      : {median * 1000:7.0f} ms  (CLI, startup included, median of 5, exit {code}; "
          f"{found})")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        big = generate(Path(tmp) / "org")
        print(f"generated large org     : {time.perf_counter() - start:7.2f} s  "
              "(5,000 accounts, 300 OUs, 200 SCPs, 100 roles, 2,000 requests)")
        median, code, found = _cli(big, 3)
        print(f"large org, CLI          : {median:7.2f} s  (median of 3, exit {code}; target < 3 s; {found})")
        parts = _in_process(big)
        print(f"large org, in process   : load {parts['load']:.2f} s + rules {parts['rules']:.2f} s "
              f"({parts['findings']:.0f} findings)")


if __name__ == "__main__":
    main()
