"""The side-by-side part of engine_bench: parliament, policyuniverse and cloudsplaining, each beside our
code doing the same task, over the same policies, one cold pass each (imported by engine_bench.py)."""

from __future__ import annotations

import copy
import fnmatch
import functools
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
try:
    import consolezero.policy  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT / "tooling"))

from policy_gen import ms  # noqa: E402

from consolezero.lint.context import LintContext  # noqa: E402
from consolezero.lint.rules.iam import RULES as IAM_RULES  # noqa: E402
from consolezero.lint.rules.policy_docs import CACHE_KEY, PolicyDoc  # noqa: E402
from consolezero.policy import clear_caches, patterns  # noqa: E402
from consolezero.policy.catalog import load_catalog  # noqa: E402
from consolezero.policy.document import parse_policy  # noqa: E402
from consolezero.policy.escalation import PATHS, escalations  # noqa: E402
from consolezero.policy.evaluate import Evaluator, Labeled  # noqa: E402


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
    condition helpers. The catalog and its search tables stay (data, loaded once per process)."""
    fnmatch._compile_pattern.cache_clear()  # type: ignore[attr-defined]
    re.purge()
    if ours:
        assert cat is load_catalog()  # the catalog whose memos clear_caches clears
        clear_caches()


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

def _guarded(fn):
    """Another tool failing on a valid policy is a result too: count it, do not stop."""
    def call(arg):
        try:
            return fn(arg)
        except Exception as exc:
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

