"""Generate a large, valid consolezero repository for benchmarks.

Default shape (issue #2): 5,000 accounts in 300 OUs, 200 SCPs, 100 roles, 2,000 requests.
Usage: python benchmarks/generate_org.py DEST [--accounts N --ous N --scps N --roles N --requests N]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = [
    "s3:GetObject", "s3:PutObject", "s3:DeleteBucket", "ec2:RunInstances", "ec2:TerminateInstances",
    "iam:PassRole", "iam:CreatePolicy", "kms:Decrypt", "kms:ScheduleKeyDeletion", "lambda:CreateFunction",
    "dynamodb:DeleteTable", "rds:DeleteDBInstance", "cloudtrail:StopLogging", "guardduty:DeleteDetector",
    "organizations:LeaveOrganization", "ec2:Describe*", "s3:List*", "iam:Get*", "sts:AssumeRole",
    "ssm:GetParameter", "secretsmanager:GetSecretValue", "logs:DeleteLogGroup", "config:DeleteConfigRule",
]


def _ou_paths(count: int) -> list[str]:
    """A tree at most four levels deep: 10 top OUs, then children, then grandchildren."""
    paths: list[str] = []
    frontier = [""]
    i = 0
    while len(paths) < count:
        parent = frontier.pop(0)
        for _ in range(10 if not parent else 5):
            if len(paths) >= count:
                break
            name = f"ou{i:03d}"
            i += 1
            path = f"{parent}/{name}" if parent else name
            paths.append(path)
            if path.count("/") < 3:
                frontier.append(path)
    return paths


def generate(dest: Path, accounts: int = 5000, ous: int = 300, scps: int = 200, roles: int = 100,
             requests: int = 2000, seed: int = 7) -> Path:
    rnd = random.Random(seed)
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "accounts").mkdir(parents=True)
    shutil.copy2(ROOT / "accounts/organization.yaml", dest / "accounts/organization.yaml")
    shutil.copy2(ROOT / "accounts/management.yaml", dest / "accounts/management.yaml")
    for rel in ("accounts/Security/security.yaml", "accounts/Security/log-archive.yaml"):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    paths = _ou_paths(ous)
    for path in paths:
        folder = dest / "accounts" / path
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "_ou.yaml").write_text(f"tags: {{cost-center: cc-{rnd.randint(100, 999)}}}\n")
    names = []
    for n in range(accounts):
        name = f"acct-{n:05d}"
        names.append(name)
        path = rnd.choice(paths)
        (dest / "accounts" / path / f"{name}.yaml").write_text(
            f'id: "{100000000000 + n:012d}"\nemail: aws+{name}@example.com\n'
            f"tags: {{owner: team-{n % 50}, environment: {rnd.choice(['prod', 'staging', 'dev'])}}}\n")
    (dest / "scps").mkdir()
    for n in range(scps):
        statements = []
        alerts = {}
        for s in range(rnd.randint(1, 4)):
            sid = f"Deny{n}x{s}"
            statements.append({"Sid": sid, "Effect": "Deny", "Action": rnd.sample(ACTIONS, rnd.randint(1, 5)),
                               "Resource": "*",
                               "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/break-glass/*"}}})
            alerts[sid] = f"Guardrail {sid} stopped this call. Ask #cloud-platform for the approved way."
        targets = [f"ou:{p}" for p in rnd.sample(paths, rnd.randint(1, 3))]
        doc = {"name": f"Guardrail{n:03d}", "description": "generated", "targets": targets,
               "policy": {"Version": "2012-10-17", "Statement": statements}, "alerts": alerts}
        (dest / "scps" / f"guardrail-{n:03d}.yaml").write_text(json.dumps(doc, indent=1))
    (dest / "roles").mkdir()
    role_names = []
    for n in range(roles):
        name = f"Role{n:03d}"
        role_names.append(name)
        jit = n % 5 == 0
        doc = {"name": name, "description": "generated", "session_duration": "PT1H" if jit else "PT4H",
               "managed_policies": ["ReadOnlyAccess"] if n % 3 else ["PowerUserAccess"],
               "inline_policy": {"Version": "2012-10-17", "Statement": [
                   {"Effect": "Allow", "Action": rnd.sample(ACTIONS, 3), "Resource": "*"}]},
               "permissions_boundary": None, "access": "jit" if jit else "standing",
               "assignments": [{"group": "engineers", "targets": [f"ou:{rnd.choice(paths)}"]}]}
        if jit:
            doc["jit"] = {"max_duration": "PT2H", "approvals": 1, "approvers": ["@example/platform-leads"],
                          "ticket": "required", "when_ticket_system_down": {"approvals": 2}}
        (dest / "roles" / f"role-{n:03d}.yaml").write_text(json.dumps(doc, indent=1))
    folder = dest / "requests" / "2026" / "11"
    folder.mkdir(parents=True)
    for n in range(requests):
        account = rnd.choice(names)
        (folder / f"user{n}-{account}-OPS-{n}.yaml").write_text(
            f"user: user{n}@example.com\ngithub: user{n}\nrole: {rnd.choice(role_names)}\naccount: {account}\n"
            f"duration: PT1H\nticket: OPS-{n + 1}\nreason: generated request {n}\n")
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dest", type=Path)
    for name, default in (("accounts", 5000), ("ous", 300), ("scps", 200), ("roles", 100), ("requests", 2000)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    generate(args.dest, args.accounts, args.ous, args.scps, args.roles, args.requests)
    print(f"generated {args.dest}")


if __name__ == "__main__":
    main()
