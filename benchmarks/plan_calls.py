"""How many AWS API calls does `consolezero plan` make? Organizations of 10, 100 and 1,000 accounts,
each with the same 20 SCPs, 10 permission sets and 10 OUs, in a local moto server.

    python benchmarks/plan_calls.py [--sizes 10,100,1000] [--by-operation]

For each size: build the organization in the emulator and a matching repository in a temporary
directory, apply it (the setup), then count the calls of one plan of the converged organization
(the steady state that every pull request and every scheduled reconcile sees) with botocore's
``before-call`` event, and its wall time. Page sizes are AWS's maximums (20 for Organizations lists,
100 for Identity Center), so the counts are what real AWS would see, not moto's defaults.

The shape (see consolezero/plan_live.py): SCP state costs calls per policy, never per account; the
OU walk costs 2 calls per OU plus one per 20 accounts; permission sets cost 7 calls each; account
assignments are read per principal (ListAccountAssignmentsForPrincipal, 100 per page), so they grow
with the number of assignments / 100, not with accounts x permission sets: that is the fast path a
pull request's plan may take. The complete assignment scan (the default of apply and reconcile:
every assignment of every managed set, so a hand-made one is found) is measured too, after one
assignment is made by hand to a user the repository never names (each complete plan must show
exactly its removal): the cheapest way consolezero picks, and the by-account way (one
ListAccountAssignments per provisioned account and set) for comparison. Both run 8 reads in flight
under the scan's rate limit of 20 calls per second. Target: a 1,000-account plan under 300 calls.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tooling"))

REGION = "eu-west-1"
LEAF_OUS = ["Security", "Infrastructure", "Workloads/Prod", "Workloads/NonProd", "Workloads/Dev", "Sandbox",
            "Platform", "Data", "Suspended"]  # with Workloads: 10 OUs
GROUPS = ["everyone", "engineers", "platform", "security", "finance", "data", "support", "network", "oncall",
          "auditors"]
SERVICES = ["ec2", "s3", "rds", "lambda", "dynamodb", "kms", "sns", "sqs", "cloudtrail", "guardduty", "config",
            "iam", "organizations", "route53", "cloudfront", "ecs", "eks", "glue", "athena", "redshift"]
SCP_TARGETS = ["root", "ou:Workloads", "ou:Workloads/Prod", "ou:Sandbox", "ou:Security", "ou:Data",
               "ou:Platform", "ou:Infrastructure", "ou:Workloads/NonProd", "ou:Suspended"]
ROLES = [  # name, access, managed policy, assignments (group, targets)
    ("ReadOnly", "standing", "ReadOnlyAccess", [("everyone", ["root"])]),
    ("SecurityAudit", "standing", "SecurityAudit", [("security", ["root"])]),
    ("Support", "standing", "AWSSupportAccess", [("support", ["root"])]),
    ("Developer", "standing", "PowerUserAccess",
     [("engineers", ["ou:Workloads/NonProd", "ou:Workloads/Dev", "ou:Sandbox"])]),
    ("PlatformOps", "standing", "PowerUserAccess", [("platform", ["ou:Infrastructure", "ou:Platform"])]),
    ("DataEngineer", "standing", "PowerUserAccess", [("data", ["ou:Data"])]),
    ("Billing", "standing", "AWSBillingReadOnlyAccess", [("finance", ["account:management"])]),
    ("Admin", "jit", "AdministratorAccess", [("oncall", ["ou:Workloads"])]),
    ("NetworkAdmin", "jit", "PowerUserAccess", [("network", ["ou:Infrastructure"])]),
    ("BreakFix", "jit", "AdministratorAccess", [("oncall", ["root"])]),
]


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def build_repository(root: Path, management_id: str, accounts: dict[str, tuple[str, str]]) -> None:
    """accounts: name -> (OU path, id)."""
    write(root, "accounts/organization.yaml", f"""
        management_account: management
        jit_account: security-0
        identity_center: {{region: {REGION}}}
        groups: [{", ".join(GROUPS)}]
    """)
    write(root, "accounts/management.yaml", f'id: "{management_id}"\nemail: aws+management@example.com\n')
    for name, (ou, account_id) in accounts.items():
        write(root, f"accounts/{ou}/{name}.yaml", f'id: "{account_id}"\nemail: aws+{name}@example.com\n')
    for i in range(20):
        service = SERVICES[i]
        targets = [SCP_TARGETS[i % len(SCP_TARGETS)]]
        if i == 19:
            targets.append("account:security-0")
        write(root, f"scps/guard-{i:02d}.yaml", f"""
            name: Guard{i:02d}
            description: Guardrail {i} for {service}.
            targets: [{", ".join(f'"{t}"' for t in targets)}]
            policy:
              Version: "2012-10-17"
              Statement:
                - Sid: Deny{service.capitalize()}
                  Effect: Deny
                  Action: ["{service}:Delete*", "{service}:Disable*"]
                  Resource: "*"
            alerts:
              Deny{service.capitalize()}: "Deleting {service} resources goes through the platform team."
        """)
    for name, access, policy, assignments in ROLES:
        lines = "\n".join(f'  - {{group: {g}, targets: [{", ".join(repr(t) for t in ts)}]}}' for g, ts in assignments)
        jit = "jit: {max_duration: PT2H, approvals: 1, approvers: ['@example/leads'], ticket: required}\n" \
            if access == "jit" else ""
        text = (f"name: {name}\ndescription: The {name} role.\nsession_duration: PT1H\n"
                f"managed_policies: [{policy}]\naccess: {access}\nassignments:\n{lines}\n{jit}")
        (root / "roles").mkdir(parents=True, exist_ok=True)
        (root / "roles" / f"{name.lower()}.yaml").write_text(text, encoding="utf-8")


def account_layout(size: int) -> dict[str, str]:
    """name -> OU, spread over the leaf OUs; security-0 is the JIT account."""
    return {f"{ou.split('/')[-1].lower()}-{i // len(LEAF_OUS)}": ou
            for i, ou in ((i, LEAF_OUS[i % len(LEAF_OUS)]) for i in range(size - 1))}


class Counter:
    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()

    def __call__(self, event_name: str, **_: object) -> None:
        _, service, operation = event_name.split(".", 2)
        self.calls[f"{service}.{operation}"] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def counted_port(url: str) -> tuple[object, Counter]:
    import boto3

    from consolezero.integrations.aws.boto import EMULATOR_CREDENTIALS, READ_RATE, BotoPort

    class PacedAsAws(BotoPort):
        """Paced as against AWS (a local emulator gets no limit), so the wall times show what the scan's
        client-side rate limit costs on a real organization."""

        def read_rate(self) -> float:
            return READ_RATE

    session = boto3.session.Session(region_name="us-east-1", **EMULATOR_CREDENTIALS)
    counter = Counter()
    session.events.register("before-call.*.*", counter)
    return PacedAsAws(session=session, endpoint_url=url, sso_region=REGION), counter


def measure(emulator: object, size: int, by_operation: bool, scan_all: bool) -> dict[str, object]:
    from consolezero.apply.executor import run_apply
    from consolezero.core.repository import load_repository
    from consolezero.devtools.seed import seed_emulator
    from consolezero.plan import assignment_scan
    from consolezero.plan.build import build_plan
    from consolezero.plan.live import read_live

    emulator.reset()  # type: ignore[attr-defined]
    layout = account_layout(size)
    started = time.monotonic()
    seed = seed_emulator(emulator.url, [(n, f"aws+{n}@example.com") for n in layout], GROUPS, REGION)  # type: ignore
    with tempfile.TemporaryDirectory(prefix="consolezero-bench-") as tmp:
        root = Path(tmp)
        build_repository(root, seed.management_id, {n: (ou, seed.account_ids[n]) for n, ou in layout.items()})
        repo = load_repository(root)
        port, counter = counted_port(emulator.url)  # type: ignore[attr-defined]
        first = build_plan(repo.model, read_live(port, repo.model))
        first_calls = counter.total
        assert not first.errors, first.errors[:3]
        counter.calls.clear()
        run_apply(repo, port, saved_plan=None)
        apply_calls = counter.total
        setup = time.monotonic() - started
        counter.calls.clear()
        t0 = time.monotonic()
        plan = build_plan(repo.model, read_live(port, repo.model))
        wall = time.monotonic() - t0
        steady = dict(counter.calls)
        assert plan.changes == (), [c.summary for c in plan.changes][:5]
        scan = scan_by_account = None
        if scan_all:
            stranger = hand_made_assignment(emulator.url, seed, layout)  # type: ignore[attr-defined]
            for way, limit in (("cheapest", assignment_scan.LIST_PRINCIPALS_ABOVE), ("by account", 10**9)):
                assignment_scan.LIST_PRINCIPALS_ABOVE = limit
                counter.calls.clear()
                t0 = time.monotonic()
                complete = build_plan(repo.model, read_live(port, repo.model, full_assignment_scan=True))
                found = {"calls": counter.total, "wall": time.monotonic() - t0,
                         "unassign": [c.summary for c in complete.changes]}
                expected = f"unassign ReadOnly from user:{stranger} on account:{layout_first(layout)}"
                assert found["unassign"] == [expected], found["unassign"]
                if way == "cheapest":
                    scan = found
                else:
                    scan_by_account = found
            assignment_scan.LIST_PRINCIPALS_ABOVE = 100
    return {"size": size, "first": first_calls, "apply": apply_calls, "steady": sum(steady.values()), "wall": wall,
            "setup": setup, "by_operation": steady if by_operation else None, "scan": scan,
            "scan_by_account": scan_by_account,
            "assignments": sum(c.op == "assign" for c in first.changes)}


def layout_first(layout: dict[str, str]) -> str:
    """The account the hand-made assignment is made in: the first one the layout names."""
    return next(iter(layout))


def hand_made_assignment(url: str, seed: object, layout: dict[str, str]) -> str:
    """Someone assigns ReadOnly by hand, in the console, to a user the repository never names."""
    import boto3

    from consolezero.integrations.aws.boto import EMULATOR_CREDENTIALS

    session = boto3.session.Session(region_name=REGION, **EMULATOR_CREDENTIALS)
    store = session.client("identitystore", endpoint_url=url)
    user = store.create_user(IdentityStoreId=seed.identity_store_id, UserName="stranger@example.com",  # type: ignore
                             DisplayName="Stranger", Name={"GivenName": "S", "FamilyName": "T"})["UserId"]
    sso = session.client("sso-admin", endpoint_url=url)
    instance = seed.instance_arn  # type: ignore[attr-defined]
    arn = next(a for a in sso.list_permission_sets(InstanceArn=instance, MaxResults=100)["PermissionSets"]
               if sso.describe_permission_set(InstanceArn=instance, PermissionSetArn=a)["PermissionSet"]["Name"]
               == "ReadOnly")
    sso.create_account_assignment(InstanceArn=instance, TargetId=seed.account_ids[layout_first(layout)],  # type: ignore
                                  TargetType="AWS_ACCOUNT", PermissionSetArn=arn, PrincipalType="USER",
                                  PrincipalId=user)
    return "stranger@example.com"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="comma-separated account counts")
    parser.add_argument("--by-operation", action="store_true", help="break the steady-state calls down")
    parser.add_argument("--no-scan-all-assignments", dest="scan_all_assignments", action="store_false",
                        help="skip the complete assignment scan (the default of apply and reconcile)")
    args = parser.parse_args(argv)
    from consolezero.devtools.emulator import start_emulator

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    emulator = start_emulator()
    rows = []
    try:
        for size in sizes:
            rows.append(measure(emulator, size, args.by_operation, args.scan_all_assignments))
            print(f"measured {size} accounts", file=sys.stderr)
    finally:
        emulator.stop()
    header = ("| accounts | assignments | plan calls (steady state) | plan wall time | first plan calls (empty org) "
              "| apply calls (setup) |" + (" complete scan: calls, wall (cheapest way) | by account: calls, wall |"
                                           if args.scan_all_assignments else ""))
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for r in rows:
        line = (f"| {r['size']:>8,} | {r['assignments']:>11,} | {r['steady']:>25} | {r['wall']:>12.2f} s "
                f"| {r['first']:>28} | {r['apply']:>19,} |")
        if args.scan_all_assignments:
            a, b = r["scan"], r["scan_by_account"]
            line += f" {a['calls']:>5,}, {a['wall']:.2f} s | {b['calls']:>5,}, {b['wall']:.2f} s |"
        print(line)
    for r in rows:
        if r["by_operation"]:
            print(f"\ncalls by operation, {r['size']:,} accounts:")
            for op, n in sorted(r["by_operation"].items(), key=lambda kv: (-kv[1], kv[0])):
                print(f"  {n:>5}  {op}")
    biggest = max(rows, key=lambda r: r["size"])
    ok = biggest["size"] < 1000 or biggest["steady"] < 300
    print(f"\ntarget: a 1,000-account plan under 300 calls -- {'met' if ok else 'NOT met'} "
          f"({biggest['steady']} calls at {biggest['size']:,} accounts)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
