"""What SCPs mean, decided once: FullAWSAccess, the allow-list strategy, DenyUser and whom it exempts.

Lint (``deny-user-missing``, ``break-glass-*``), plan's hold-back, apply's invariants and the census
all ask these functions; nobody else matches statements by hand.

**DenyUser** is not a name: it is any SCP with a Deny statement that stops ordinary principals of a
member account (an IAM user, an assumed role; not only the root user) from creating IAM users, on
any user. Its *user-denying statements* are the Deny statements that cover ``iam:CreateUser``,
``iam:CreateAccessKey`` or ``iam:CreateLoginProfile`` for some user; a principal is *exempt* when
the engine evaluates every such statement's conditions, with that principal's ARN, to false.
Conditions the engine cannot decide (``aws:SourceIp``, tags, ...) do not exempt anyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .conditions import Context, evaluate_conditions
from .document import Policy, Statement, parse_policy
from .globs import glob_match

if TYPE_CHECKING:
    from consolezero.core.model import Model, Scp

    from .catalog import Catalog

FULL_AWS_ACCESS = "FullAWSAccess"
FULL_AWS_ACCESS_ID = "p-FullAWSAccess"

CREATE_USER = "iam:CreateUser"
USER_ACTIONS = (CREATE_USER, "iam:CreateAccessKey", "iam:CreateLoginProfile")

_PROBE_ACCOUNT = "000000000000"
# ordinary principals of a member account: DenyUser must apply to them (not only to the root user)
ORDINARY = (Context(f"arn:aws:iam::{_PROBE_ACCOUNT}:user/someone", _PROBE_ACCOUNT, "User"),
            Context(f"arn:aws:iam::{_PROBE_ACCOUNT}:role/someone", _PROBE_ACCOUNT, "AssumedRole"))
_NEW_USER = "arn:aws:iam::{account}:user/someone-new"


def is_full_access(name: str | None, aws_managed: bool = True) -> bool:
    """AWS's default SCP, by name (or id)."""
    return aws_managed and name in (FULL_AWS_ACCESS, FULL_AWS_ACCESS_ID)


def uses_allow_list(model: Model) -> bool:
    """True when scps/ declares ``aws_managed: FullAWSAccess``: it is then attached exactly at its targets,
    and every other target needs an Allow SCP of its own (the allow-list strategy)."""
    return any(scp.aws_managed == FULL_AWS_ACCESS for scp in model.scps.values())


def full_access_scp(model: Model) -> Scp | None:
    """The declared FullAWSAccess file of the allow-list strategy, if any."""
    return next((s for s in model.scps.values() if s.aws_managed == FULL_AWS_ACCESS), None)


def _catalog(catalog: Catalog | None) -> Catalog:
    if catalog is not None:
        return catalog
    from .catalog import load_catalog

    return load_catalog()


def as_policy(document: Policy | Mapping[str, Any] | str | None) -> Policy | None:
    """A parsed document from a parsed one, a mapping, or JSON text (None when there is none)."""
    if document is None or isinstance(document, Policy):
        return document
    if isinstance(document, str):
        import json

        try:
            document = json.loads(document)
        except ValueError:
            return None
    return parse_policy(document) if isinstance(document, Mapping) else None


def _user_bits(catalog: Catalog) -> int:
    bits = 0
    for action in USER_ACTIONS:
        index = catalog.lookup(action)
        if index is not None:
            bits |= 1 << index
    return bits


def _covers_new_user(statement: Statement, account: str = _PROBE_ACCOUNT) -> bool:
    arn = _NEW_USER.format(account=account)
    if statement.not_resources is not None:
        return not any(glob_match(p, arn) for p in statement.not_resources)
    return any(glob_match(p, arn) for p in statement.resources or ())


def user_denying_statements(document: Policy | Mapping[str, Any] | str | None,
                            catalog: Catalog | None = None) -> list[Statement]:
    """The Deny statements of a document that cover iam:CreateUser, iam:CreateAccessKey or
    iam:CreateLoginProfile on some user, whatever their conditions."""
    from .patterns import statement_bits

    policy = as_policy(document)
    if policy is None:
        return []
    cat = _catalog(catalog)
    wanted = _user_bits(cat)
    return [st for st in policy.statements
            if st.effect == "Deny" and statement_bits(cat, st) & wanted and _covers_new_user(st)]


def deny_user_statements(document: Policy | Mapping[str, Any] | str | None,
                         catalog: Catalog | None = None) -> list[Statement]:
    """The user-denying statements that apply to ordinary principals (a user or a role of a member
    account; a statement limited to the root user does not count)."""
    return [st for st in user_denying_statements(document, catalog)
            if any(evaluate_conditions(st.conditions, c) is not False for c in ORDINARY)]


def is_deny_user(document: Policy | Mapping[str, Any] | str | None, catalog: Catalog | None = None) -> bool:
    """DenyUser, by what it does: a statement denies iam:CreateUser to ordinary principals."""
    cat = _catalog(catalog)
    index = cat.lookup(CREATE_USER)
    if index is None:
        return False
    from .patterns import statement_bits

    return any(statement_bits(cat, st) >> index & 1 for st in deny_user_statements(document, cat))


def scp_is_deny_user(scp: Scp, catalog: Catalog | None = None) -> bool:
    return scp.policy is not None and is_deny_user(scp.policy, catalog)


def principal_context(arn: str) -> Context:
    """The engine's context for a principal ARN (user or role)."""
    parts = arn.split(":", 5)
    account = parts[4] if len(parts) == 6 and parts[4] else None
    kind = "User" if len(parts) == 6 and parts[5].startswith("user/") else "AssumedRole"
    return Context(arn, account, kind)


def denying(document: Policy | Mapping[str, Any] | str | None, arn: str,
            catalog: Catalog | None = None) -> list[Statement]:
    """The DenyUser statements that apply (or may apply: an undecidable condition) to this principal."""
    context = principal_context(arn)
    return [st for st in deny_user_statements(document, catalog)
            if evaluate_conditions(st.conditions, context) is not False]


def exempts(document: Policy | Mapping[str, Any] | str | None, arn: str, catalog: Catalog | None = None) -> bool:
    """No DenyUser statement of the document applies to this principal: its conditions, evaluated by the
    engine with this ARN, are false for every one (the break-glass way out)."""
    return not denying(document, arn, catalog)


WAY_OUT_SERVICES = ("iam", "sts", "sso", "identitystore")
_WAY_OUT: dict[int, int] = {}


def way_out_mask(catalog: Catalog | None = None) -> int:
    """The actions a break-glass user needs to repair access (IAM, STS, Identity Center, the identity
    store): an SCP that takes any of them away from it narrows the way out."""
    cat = _catalog(catalog)
    mask = _WAY_OUT.get(id(cat))
    if mask is None:
        mask = 0
        for i, action in enumerate(cat.actions):
            if action.split(":", 1)[0].lower() in WAY_OUT_SERVICES:
                mask |= 1 << i
        _WAY_OUT[id(cat)] = mask
    return mask


def break_glass_arn(account_id: str, path: str, user: str) -> str:
    path = path or "/"
    return f"arn:aws:iam::{account_id}:user{path}{user}"


def escape_probes(account_ids: Iterable[str], declared: Sequence[str]) -> list[str]:
    """Principals that must never be exempt from DenyUser: other users (outside the break-glass ARNs),
    roles, Identity Center roles, in each given account."""
    probes = []
    for account in dict.fromkeys(account_ids):
        probes += [f"arn:aws:iam::{account}:user/someone",
                   f"arn:aws:iam::{account}:user/automation/deploy",
                   f"arn:aws:iam::{account}:role/someone",
                   f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"]
    return [p for p in probes if p not in declared]


@dataclass(frozen=True)
class DenyAll:
    """A Deny of every action (``*``) and whether it spares a given principal."""

    statement: Statement
    spares: bool


def denies_everything(document: Policy | Mapping[str, Any] | str | None, arn: str,
                      catalog: Catalog | None = None) -> list[DenyAll]:
    """The Deny statements of a document that cover every action on every resource, each with whether
    its conditions exempt ``arn`` (evaluated by the engine: false = exempt)."""
    from .patterns import statement_bits

    policy = as_policy(document)
    if policy is None:
        return []
    cat = _catalog(catalog)
    context = principal_context(arn)
    found = []
    for st in policy.statements:
        if st.effect != "Deny" or statement_bits(cat, st) != cat.all_mask:
            continue
        if st.not_resources is not None or not any(r == "*" for r in st.resources or ()):
            continue
        found.append(DenyAll(st, evaluate_conditions(st.conditions, context) is False))
    return found


def has_allow(document: Policy | Mapping[str, Any] | str | None) -> bool:
    """The document has an Allow statement (a target keeps something to allow)."""
    policy = as_policy(document)
    return policy is not None and any(st.effect == "Allow" for st in policy.statements)
