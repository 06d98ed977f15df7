"""``consolezero diff --base REV`` on the generated large organization (5,000 accounts, 300 OUs, 200 SCPs,
100 roles, 2,000 requests), as a user runs it: CLI startup, the work tree, the base revision read from git
in memory, effective access on both sides, the comparison.

Two changes are timed: one role edited (the usual pull request), and a base with no organization yet
(the first pull request: everything shows as added). Prints wall-clock and CPU time (the machine may be
shared: CPU time is what the command itself costs); asserts nothing.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_org import generate  # noqa: E402

GIT = ["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench", "-c", "commit.gpgsign=false"]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(org: Path, base: str, runs: int = 3) -> tuple[float, float, str]:
    walls, cpus, out = [], [], ""
    for _ in range(runs):
        cpu, start = _cpu(), time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "consolezero", "diff", "--base", base, str(org)],
                              capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
        out = done.stdout.splitlines()[0] if done.stdout else ""
    return statistics.median(walls), statistics.median(cpus), out


def main() -> None:
    print(f"cpus: {os.cpu_count()}  python: {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp) / "repo"
        top.mkdir()
        subprocess.run([*GIT, "init", "-q", str(top)], check=True)
        (top / "README.md").write_text("before the organization\n")
        subprocess.run([*GIT, "-C", str(top), "add", "-A"], check=True)
        subprocess.run([*GIT, "-C", str(top), "commit", "-qm", "empty"], check=True)
        org = generate(top / "org")
        subprocess.run([*GIT, "-C", str(top), "add", "-A"], check=True)
        subprocess.run([*GIT, "-C", str(top), "commit", "-qm", "organization"], check=True)
        files = sum(1 for _ in org.rglob("*.yaml"))
        role = sorted((org / "roles").glob("*.yaml"))[0]
        role.write_text(role.read_text().replace('"s3:DeleteBucket"', '"s3:DeleteBucket", "iam:PassRole"', 1))
        wall, cpu, line = _time(org, "HEAD")
        print(f"diff --base HEAD, one role edited ({files:,} files): {wall:5.2f} s wall, {cpu:5.2f} s CPU "
              f"(median of 3, CLI)\n  {line}")
        wall, cpu, line = _time(org, "HEAD~1")
        print(f"diff --base HEAD~1, no organization at the base : {wall:5.2f} s wall, {cpu:5.2f} s CPU "
              f"(median of 3, CLI)\n  {line}")


if __name__ == "__main__":
    main()
