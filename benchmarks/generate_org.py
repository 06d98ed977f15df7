"""Generate a large, valid consolezero repository for benchmarks.

Default shape (issue #2): 5,000 accounts in 300 OUs, 200 SCPs, 100 roles, 2,000 requests.
Usage: python benchmarks/generate_org.py DEST [--accounts N --ous N --scps N --roles N --requests N]

Built like the example organization, so that it lints clean: the example's organization-wide SCPs
(DenyUser, DenyLeaveOrganization, ProtectSecurityServices at the root; DenyRootUser and the
TrifectaGuardrail on every top-level OU) count towards the SCPs, the rest are generated guardrails;
power-user roles carry the example's DeveloperBoundary; requests ask for just-in-time roles in
accounts the role may be requested in.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# the example's SCPs, copied; None: keep the file's targets, else attach it to every top-level OU
EXAMPLE_SCPS = {"deny-user.yaml": None, "deny-leave-org.yaml": None, "protect-security-services.yaml": None,
                "deny-root-user.yaml": "top", "trifecta-guardrail.yaml": "top"}
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


def _example_scps(dest: Path, top: list[str]) -> None:
    """The example's SCPs; those aimed at the example's own OUs go to every top-level OU instead."""
    targets = "targets: " + json.dumps(["ou:Security", *(f"ou:{ou}" for ou in top)])
    for name, retarget in EXAMPLE_SCPS.items():
        lines = (ROOT / "scps" / name).read_text(encoding="utf-8").splitlines()
        if retarget:
            at = next(i for i, line in enumerate(lines) if line.startswith("targets:"))
            lines[at] = targets
        (dest / "scps" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


BORROW_ACCEPTED = ("# consolezero: ignore[standing-escalation] borrow paths only: every role there carries the "
                   "DeveloperBoundary\n")


def _developer_boundary() -> dict:
    """The example's DeveloperBoundary (its document included), for the generated power users."""
    return yaml.safe_load((ROOT / "roles" / "developer.yaml").read_text(encoding="utf-8"))["permissions_boundary"]


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
    under: dict[str, list[str]] = {}  # OU path -> the accounts at or below it
    for n in range(accounts):
        name = f"acct-{n:05d}"
        path = rnd.choice(paths)
        parts = path.split("/")
        for i in range(len(parts)):
            under.setdefault("/".join(parts[: i + 1]), []).append(name)
        (dest / "accounts" / path / f"{name}.yaml").write_text(
            f'id: "{100000000000 + n:012d}"\nemail: aws+{name}@example.com\n'
            f"tags: {{owner: team-{n % 50}, environment: {rnd.choice(['prod', 'staging', 'dev'])}}}\n")
    (dest / "scps").mkdir()
    _example_scps(dest, [p for p in paths if "/" not in p])
    for n in range(max(0, scps - len(EXAMPLE_SCPS))):
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
    boundary = _developer_boundary()
    eligible: list[tuple[str, str]] = []  # (jit role, the OU it may be requested in)
    for n in range(roles):
        name = f"Role{n:03d}"
        jit = n % 5 == 0
        power = n % 3 == 0
        ou = rnd.choice([p for p in paths if p in under])
        doc = {"name": name, "description": "generated", "session_duration": "PT1H" if jit else "PT4H",
               "managed_policies": ["PowerUserAccess"] if power else ["ReadOnlyAccess"],
               "inline_policy": {"Version": "2012-10-17", "Statement": [
                   {"Effect": "Allow", "Action": rnd.sample(ACTIONS, 3), "Resource": "*"}]},
               "permissions_boundary": boundary if power else None, "access": "jit" if jit else "standing",
               "assignments": [{"group": "engineers", "targets": [f"ou:{ou}"]}]}
        if jit:
            eligible.append((name, ou))
            doc["jit"] = {"max_duration": "PT2H", "approvals": 1, "approvers": ["@example/platform-leads"],
                          "ticket": "required", "when_ticket_system_down": {"approvals": 2}}
        text = json.dumps(doc, indent=1)
        if power and not jit:  # as the example's Developer: borrow paths accepted, with the reason
            text = yaml.safe_dump(doc, sort_keys=False)
            text = text.replace("\nassignments:", "\n" + BORROW_ACCEPTED + "assignments:")
        (dest / "roles" / f"role-{n:03d}.yaml").write_text(text)
    for n in range(requests if eligible else 0):
        role, ou = rnd.choice(eligible)
        account = rnd.choice(under[ou])
        folder = dest / "requests" / role.lower() / "2026-11"  # the folder names the role (request-path-mismatch)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"user{n}-{account}-OPS-{n + 1}.yaml").write_text(
            f"user: user{n}@example.com\ngithub: user{n}\nrole: {role}\naccount: {account}\n"
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
