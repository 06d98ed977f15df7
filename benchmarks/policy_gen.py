"""Generated IAM policies and SCPs for the engine benchmarks (fixed seeds: wildcards, ``?``, service
wildcards, NotAction, conditions)."""

from __future__ import annotations

import random

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


def gen_policy(rng: random.Random, actions: tuple[str, ...], prefixes: list[str],
               statements_range: tuple[int, int] = (1, 5)) -> dict:
    statements = []
    for n in range(rng.randint(*statements_range)):
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

