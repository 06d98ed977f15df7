"""Whole-process lint against parliament: the same generated role policies, each tool as a process.

Generates an organization of N roles (the example's accounts and SCPs; each role an inline policy of 3
to 6 generated statements, benchmarks/policy_gen.py), then runs, alternately, ``consolezero lint
--format json`` on it and parliament's ``analyze_policy_string`` over the same N documents, each as its
own process, and compares the CPU seconds each child used (user + system, from resource.getrusage
RUSAGE_CHILDREN deltas). CPU seconds of alternating pairs are the fair figure on a shared machine: wall
time moves with whatever else runs, CPU time much less. Then the scale curve: consolezero alone at
100, 1,000 and 10,000 roles, CPU time per role and the peak memory (ru_maxrss) of each run.

Usage: python benchmarks/lint_vs_tools.py [--roles N] [--pairs 5] [--scale 100,1000,10000] [--no-scale]
Prints figures; asserts nothing (tests/test_bench_smoke.py runs it small). Parliament is the ``bench``
extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from policy_gen import gen_policy  # noqa: E402

TARGETS = ["ou:Workloads/NonProd", "ou:Sandbox", "ou:Workloads", "account:prod-app", "root"]
PARLIAMENT = """
import json, sys
import parliament
texts = json.load(open(sys.argv[1], encoding="utf-8"))
found = sum(len(parliament.analyze_policy_string(t).findings) for t in texts)
print(json.dumps({"documents": len(texts), "findings": found}))
"""


def _catalog_names() -> tuple[tuple[str, ...], list[str]]:
    from consolezero.policy.catalog import load_catalog

    cat = load_catalog()
    return tuple(cat.actions), list(cat.services)


def generate(dest: Path, roles: int, seed: int = 13) -> Path:
    """The example organization's accounts, SCPs and settings, and ``roles`` generated roles; the
    inline policies are also written, as JSON texts, to dest/policies.json (parliament's input)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for folder in ("accounts", "scps"):
        shutil.copytree(ROOT / folder, dest / folder)
    shutil.copy2(ROOT / ".consolezero.yaml", dest / ".consolezero.yaml")
    (dest / "roles").mkdir()
    rng = random.Random(seed)
    actions, prefixes = _catalog_names()
    texts = []
    for n in range(roles):
        policy = gen_policy(rng, actions, prefixes, statements_range=(3, 6))
        texts.append(json.dumps(policy))
        role = {"name": f"Role{n:05d}", "description": "generated", "session_duration": "PT4H",
                "managed_policies": [], "inline_policy": policy, "access": "standing",
                "assignments": [{"group": "engineers", "targets": [TARGETS[n % len(TARGETS)]]}]}
        (dest / "roles" / f"role-{n:05d}.yaml").write_text(
            yaml.safe_dump(role, sort_keys=False, width=120), encoding="utf-8")
    (dest / "policies.json").write_text(json.dumps(texts), encoding="utf-8")
    return dest


def _run(command: list[str]) -> tuple[float, int, int, bytes]:
    """Run a child to its end: its CPU seconds (user + system, a RUSAGE_CHILDREN delta), its peak
    resident memory in KiB (ru_maxrss of that child alone), its exit code and its standard output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL,
                                env={**os.environ, "NO_COLOR": "1"})
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.seek(0)
        output = out.read()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, usage.ru_maxrss, proc.returncode, output


def _ours(org: Path) -> list[str]:
    return [sys.executable, "-m", "consolezero", "lint", str(org), "--format", "json"]


def _theirs(org: Path) -> list[str]:
    return [sys.executable, "-c", PARLIAMENT, str(org / "policies.json")]


def _findings(output: bytes) -> str:
    try:
        data = json.loads(output)
    except ValueError:
        return "output is not JSON"
    if "summary" in data:
        return f"{len(data['findings'])} findings"
    return f"{data.get('findings')} findings"


def pairs(org: Path, count: int) -> tuple[list[float], list[float], str, str]:
    """``count`` alternating runs of each: the CPU seconds of each run, and what the last run found."""
    ours, theirs, our_found, their_found = [], [], "", ""
    for _ in range(count):
        cpu, _, code, out = _run(_ours(org))
        if code not in (0, 1):
            raise SystemExit(f"consolezero lint exited {code}")
        ours.append(cpu)
        our_found = _findings(out)
        cpu, _, code, out = _run(_theirs(org))
        if code != 0:
            raise SystemExit(f"parliament exited {code} (is the bench extra installed? pip install -e '.[bench]')")
        theirs.append(cpu)
        their_found = _findings(out)
    return ours, theirs, our_found, their_found


def scale(sizes: list[int], work: Path, runs: int) -> list[tuple[int, float, int]]:
    """consolezero alone at each size: median CPU seconds of ``runs`` runs and the largest peak memory."""
    rows = []
    for size in sizes:
        org = generate(work / f"org-{size}", size)
        times, peak = [], 0
        for _ in range(runs if size < 10_000 else max(1, runs // 2)):
            cpu, rss, code, _ = _run(_ours(org))
            if code not in (0, 1):
                raise SystemExit(f"consolezero lint exited {code} at {size} roles")
            times.append(cpu)
            peak = max(peak, rss)
        rows.append((size, statistics.median(times), peak))
        shutil.rmtree(org)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roles", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--scale", default="100,1000,10000", help="role counts of the scale curve")
    parser.add_argument("--scale-runs", type=int, default=3, help="runs per size (half, at least 1, from 10,000)")
    parser.add_argument("--no-scale", action="store_true")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # figures as they come, under make
    print(f"cpus: {os.cpu_count()}  python: {sys.version.split()[0]}  (figures: CPU seconds of each child process)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        org = generate(work / "org", args.roles)
        ours, theirs, our_found, their_found = pairs(org, args.pairs)
        mine, other = statistics.median(ours), statistics.median(theirs)
        print(f"{args.roles:,} roles, {args.pairs} alternating pairs, median CPU seconds:")
        print(f"  consolezero lint --format json : {mine:6.2f} s  ({our_found}; runs {_list(ours)})")
        print(f"  parliament analyze_policy_string: {other:6.2f} s  ({their_found}; runs {_list(theirs)})")
        ratios = [t / o for o, t in zip(ours, theirs, strict=True)]
        print(f"  ratio parliament / consolezero : x{other / mine:.1f} (median of the pair ratios "
              f"x{statistics.median(ratios):.1f}; goal x5.0)")
        if not args.no_scale:
            sizes = [int(s) for s in args.scale.split(",") if s.strip()]
            print("scale curve, consolezero lint alone (median CPU seconds; peak resident memory):")
            previous: tuple[int, float] | None = None
            for size, cpu, peak in scale(sizes, work, args.scale_runs):
                step = "" if previous is None else (
                    f"  {(cpu - previous[1]) / (size - previous[0]) * 1000:5.2f} ms per added role")
                print(f"  {size:>7,} roles: {cpu:7.2f} s  {cpu / size * 1000:6.2f} ms per role{step}  "
                      f"peak {peak / 1024:6.0f} MiB")
                previous = (size, cpu)
    return 0


def _list(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
