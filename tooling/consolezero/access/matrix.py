"""Effective access through the OU tree: every role in every account it reaches, after the SCPs.

Pure: a :class:`~consolezero.core.model.Model` and the catalog in, plain objects out; nothing printed,
nothing fetched. ``consolezero access``, ``consolezero diff`` and the access rules all use it.

A role's *identity*:

- AWS managed policies, from the documents shipped with the package (:mod:`.policy.managed`: every
  AWS managed policy of a snapshot), labelled ``aws:NAME`` (so a statement reads
  ``aws:PowerUserAccess#Statement[0]``);
- the inline policy, labelled with the role's file (``roles/developer.yaml#ManageServiceRoles``);
- the permissions boundary: its ``policy`` document when the role declares one (labelled
  ``roles/developer.yaml:permissions_boundary``), or a shipped AWS managed policy.

What the repository cannot show -- customer managed policies (their documents live in the accounts,
not here), a customer managed boundary without its ``policy``, and a name that is no AWS managed
policy of the snapshot (misspelt, or published after it: rule ``unknown-managed-policy``) -- is
*unresolved*: listed with each entry, and evaluated as "fenced at most". An unknown policy may allow
any action, so no decision says "denied" where it might allow, but it never makes an action
"allowed" outright; an unknown boundary may cap anything, so nothing under it is certain. Rules judge
what is allowed outright, so an unresolved document never causes a finding.

The SCP chain of an account is every level from the root through its OUs to the account. FullAWSAccess
is attached at every level (AWS's default, as in the plan) unless an SCP file declares
``aws_managed: FullAWSAccess``: then it is attached exactly at that file's targets (allow-list
strategy). The management account has no chain: SCPs do not restrict it.

The principal is the role Identity Center creates, ``.../aws-reserved/sso.amazonaws.com/REGION/
AWSReservedSSO_NAME_<hash>`` (REGION left out when Identity Center runs in us-east-1), so conditions on
``aws:PrincipalArn`` such as the ``*AWSReservedSSO_Admin_*`` exemption decide.

Inside a lint run the repository's documents are already parsed (:mod:`.rules.policy_docs`): pass them
as ``documents`` (``(file, path in the file) -> Policy``, e.g. ``("roles/developer.yaml",
("inline_policy",))``) so each document is parsed once and the evaluator's compile cache, which keys
on the Policy object, is shared. Without them (``consolezero access``, ``diff``) the matrix parses
what it needs itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from consolezero.core.model import DEFAULT_SESSION_DURATION, Account, Model, Role, Target, format_duration
from consolezero.policy.catalog import LEVELS, Catalog, load_catalog
from consolezero.policy.conditions import Context
from consolezero.policy.document import Policy, parse_policy
from consolezero.policy.escalation import admin_level, escalations
from consolezero.policy.evaluate import Access, ChainHandle, Evaluation, Evaluator, IdentityHandle, Labeled, ScpLevel
from consolezero.policy.levels import level_mask
from consolezero.policy.managed import managed_policy, managed_policy_info, managed_snapshot
from consolezero.policy.scp import FULL_AWS_ACCESS, uses_allow_list

MANAGEMENT_NOTE = "management account: SCPs do not apply"
_UNKNOWN = {"Version": "2012-10-17", "Statement": [{
    "Sid": "Unresolved", "Effect": "Allow", "Action": "*", "Resource": "*",
    # a key no context knows: the statement holds "sometimes", i.e. fenced at most
    "Condition": {"Bool": {"consolezero:DocumentInRepository": "true"}}}]}
ParsedDocuments = Mapping[tuple[str, tuple[str, ...]], Policy]
"""Parsed policy documents by (file, path of the document in the file)."""


@dataclass(frozen=True)
class RoleIdentity:
    """A role's policies and boundary, compiled once."""

    role: Role
    policies: tuple[Labeled[Policy], ...]
    boundary: Labeled[Policy] | None
    unresolved: tuple[str, ...]  # e.g. "customer managed policy /AppPolicy"
    handle: IdentityHandle


@dataclass(frozen=True)
class Summary:
    """What one Access amounts to: counts by access level, escalation paths, admin level."""

    allowed: dict[str, int]
    fenced: dict[str, int]
    escalations: tuple[str, ...]  # paths every action of which is allowed outright
    fenced_escalations: tuple[str, ...]  # paths reachable only where a fence lets them
    admin_level: bool


class Cell:
    """One role in one account: who holds it there, its access, and (on demand) why each action is decided."""

    __slots__ = ("role", "account", "assigned", "principals", "access", "unresolved", "_matrix", "_chain",
                 "_evaluation")

    def __init__(self, matrix: AccessMatrix, role: Role, account: Account, principals: tuple[str, ...],
                 access: Access, chain: ChainHandle | None, unresolved: tuple[str, ...]) -> None:
        self.role, self.account, self.assigned, self.principals = role, account, bool(principals), principals
        self.access, self._matrix, self._chain, self.unresolved = access, matrix, chain, unresolved
        self._evaluation: Evaluation | None = None

    @property
    def evaluation(self) -> Evaluation:
        """The full evaluation (``decide``, ``explain``), built when first asked for."""
        if self._evaluation is None:
            m = self._matrix
            self._evaluation = m.evaluator.run(m.identity(self.role).handle, self._chain,
                                               m.context(self.role, self.account))
        return self._evaluation

    @property
    def scps_apply(self) -> bool:
        return self._chain is not None

    @property
    def session(self) -> str:
        return format_duration(self.role.session_duration or DEFAULT_SESSION_DURATION)


def _unknown_managed(name: str) -> str:
    """Why an AWS managed policy named by a role has no document, for its "unresolved" entry."""
    info = managed_policy_info(name)
    if info is not None and info["kind"] != "iam":
        return "a service control policy, not an IAM policy"
    snapshot = managed_snapshot()
    return f"not an AWS managed policy in consolezero's snapshot of {snapshot['snapshot'] or 'unknown date'}"


def level_counts(bits: int, catalog: Catalog) -> dict[str, int]:
    """How many of ``bits`` fall in each access level (and ``total``); AWS's mislabelled reads count as Read."""
    counts = {level: (bits & level_mask(catalog, level)).bit_count() for level in LEVELS}
    return {"total": sum(counts.values()), **counts}


class AccessMatrix:
    """Every role x account it is assigned in (standing) or eligible for (jit), evaluated once.

    Identities and SCP chains are compiled once; accounts whose chains hold the same policies share one
    compiled chain, and the evaluator memoizes by what of the context its conditions look at, so the
    matrix costs one evaluation per distinct (identity, chain, condition outcomes).
    """

    def __init__(self, model: Model, catalog: Catalog | None = None, documents: ParsedDocuments | None = None,
                 now: datetime | None = None) -> None:
        self.model = model
        self.now = now or datetime.now(UTC)  # aws:CurrentTime of every session (see conditions.session_keys)
        self.catalog = catalog or load_catalog()
        self._documents: ParsedDocuments = documents or {}
        self.evaluator = Evaluator(self.catalog)
        org = model.organization
        self.management = org.management_account if org else ""
        self.region = org.region if org and org.region and org.region != "us-east-1" else None
        self._unknown = parse_policy(_UNKNOWN)
        self._managed: dict[str, Labeled[Policy] | None] = {}
        self._identities: dict[str, RoleIdentity] = {}
        self._chains: dict[tuple[object, ...], ChainHandle] = {}
        self._by_account: dict[str, tuple[Account, ChainHandle | None]] = {}
        self._shared: dict[tuple[object, ...], Access] = {}
        self._per_account: dict[int, bool] = {}
        self._summaries: dict[int, tuple[Access, Summary]] = {}
        self._by_value: dict[tuple[int, int], Summary] = {}
        self._cells: list[Cell] | None = None
        self.allow_list = uses_allow_list(model)
        self._attached: dict[Target, list[Labeled[Policy]]] = {}
        for scp in model.scps.values():
            labeled = self._scp(scp.aws_managed, scp.policy, scp.file)
            if labeled is not None:
                for target in dict.fromkeys(scp.targets):
                    self._attached.setdefault(target, []).append(labeled)
        self._default = () if self.allow_list else (self._aws(FULL_AWS_ACCESS),)

    # -- building blocks ----------------------------------------------------------------------------
    def _aws(self, name: str, iam: bool = False) -> Labeled[Policy] | None:
        """The shipped AWS managed policy ``name``; ``iam``: only an IAM policy (not the FullAWSAccess SCP)."""
        info = managed_policy_info(name)
        if iam and info is not None and info["kind"] != "iam":
            return None
        key = info["name"] if info else name
        if key not in self._managed:
            doc = managed_policy(name)
            self._managed[key] = Labeled(f"aws:{key}", parse_policy(doc)) if doc is not None else None
        return self._managed[key]

    def _parsed(self, file: str, path: tuple[str, ...], doc: object) -> Policy:
        """The document at ``path`` in ``file``: the one parsed by the caller, else parsed here."""
        found = self._documents.get((file, path))
        return found if found is not None else parse_policy(doc)

    def _scp(self, aws_managed: str | None, policy: object, file: str) -> Labeled[Policy] | None:
        if aws_managed:
            shipped = self._aws(aws_managed)  # one parse of the shipped document, shared with the default
            return Labeled(file, shipped.policy) if shipped is not None else None
        return Labeled(file, self._parsed(file, ("policy",), policy)) if policy is not None else None

    def identity(self, role: Role) -> RoleIdentity:
        """The role's compiled identity (memoized by role name)."""
        found = self._identities.get(role.name)
        if found is not None and found.role is role:
            return found
        policies: list[Labeled[Policy]] = []
        unresolved: list[str] = []
        for name in role.managed_policies:
            labeled = self._aws(name, iam=True)
            if labeled is None:
                unresolved.append(f"AWS managed policy {name} ({_unknown_managed(name)})")
                labeled = Labeled(f"aws:{name}", self._unknown)
            policies.append(labeled)
        for name, path in role.customer_managed_policies:
            unresolved.append(f"customer managed policy {path}{name}")
            policies.append(Labeled(f"customer-managed:{path}{name}", self._unknown))
        if role.inline_policy is not None:
            policies.append(Labeled(role.file, self._parsed(role.file, ("inline_policy",), role.inline_policy)))
        boundary = None
        b = role.boundary
        if b is not None and b.policy is not None:
            boundary = Labeled(f"{role.file}:permissions_boundary",
                               self._parsed(role.file, ("permissions_boundary", "policy"), b.policy))
        elif b is not None and b.managed:
            boundary = self._aws(b.managed, iam=True)
            if boundary is None:
                unresolved.append(f"permissions boundary {b.managed} ({_unknown_managed(b.managed)})")
                boundary = Labeled(f"aws:{b.managed}", self._unknown)
        elif b is not None and b.customer_managed:
            name, path = b.customer_managed
            unresolved.append(f"permissions boundary {path}{name} (no policy document in the role file)")
            boundary = Labeled(f"customer-managed:{path}{name}", self._unknown)
        handle = self.evaluator.identity(policies, boundary)
        found = RoleIdentity(role, tuple(policies), boundary, tuple(unresolved), handle)
        self._identities[role.name] = found
        return found

    def levels(self, target: Target | Account) -> list[ScpLevel]:
        """The SCPs at each level from the root down to ``target`` (an OU, an account or the root)."""
        if isinstance(target, Account):
            path = target.path()
        elif target.kind == "ou":
            parts = target.name.split("/")
            path = [Target("root")] + [Target("ou", "/".join(parts[: i + 1])) for i in range(len(parts))]
        elif target.kind == "account" and target.name in self.model.accounts:
            path = self.model.accounts[target.name].path()
        else:
            path = [target]
        return [ScpLevel(str(t), (*self._default, *self._attached.get(t, ()))) for t in path]

    def is_management(self, account: Account) -> bool:
        return bool(self.management) and account.name == self.management

    def chain(self, account: Account) -> ChainHandle | None:
        """The compiled SCP chain of ``account``; None for the management account."""
        if self.is_management(account):
            return None
        found = self._by_account.get(account.name)
        if found is not None and found[0] is account:
            return found[1]
        own = tuple(id(p.policy) for p in self._attached.get(account.target, ()))
        key = (account.ou, own)
        shared = self._chains.get(key)
        if shared is None:
            chain = shared = self._chains[key] = self.evaluator.chain(self.levels(account))
        else:
            labels = shared.labels[:-1] + (str(account.target),)
            chain = shared if labels == shared.labels else ChainHandle(shared.core, labels)
        self._by_account[account.name] = (account, chain)
        return chain

    def context(self, role: Role, account: Account) -> Context:
        return Context.for_permission_set(account.id, role.name, self.region, self.now)

    # -- the matrix -------------------------------------------------------------------------------
    def assigned(self, role: Role) -> dict[str, tuple[str, ...]]:
        """Account name -> who holds (standing) or may request (jit) ``role`` there, in model order."""
        holders: dict[str, list[str]] = {}
        for assignment in role.assignments:
            who = f"{assignment.principal_type.lower()}:{assignment.principal}"
            for target in assignment.targets:
                for account in self.model.accounts_under(target):
                    names = holders.setdefault(account.name, [])
                    if who not in names:
                        names.append(who)
        return {a: tuple(holders[a]) for a in self.model.accounts if a in holders}

    def cell(self, role: Role, account: Account, principals: tuple[str, ...] | None = None) -> Cell:
        """One pair; ``principals=None`` looks the assignment up (a pair may be hypothetical: not assigned)."""
        if principals is None:
            principals = self.assigned(role).get(account.name, ())
        ident = self.identity(role)
        chain = self.chain(account)
        return Cell(self, role, account, principals, self._access(role, ident, account, chain), chain,
                    ident.unresolved)

    def _access(self, role: Role, ident: RoleIdentity, account: Account, chain: ChainHandle | None) -> Access:
        """The pair's Access; shared by every account of one chain when no condition looks at the account."""
        core = chain.core if chain is not None else None
        key = (role.name, id(ident.handle.core), id(core))
        access = self._shared.get(key)
        if access is not None:
            return access
        run = self.evaluator.run(ident.handle, chain, self.context(role, account)).access
        if not self._reads_account(ident.handle.core) and (core is None or not self._reads_account(core)):
            self._shared[key] = run
        return run

    def _reads_account(self, core: object) -> bool:
        """Do the conditions of a compiled identity or chain look at the account (in the ARN or as a key)?"""
        found = self._per_account.get(id(core))
        if found is None:
            found = False
            for key, parts in core.principal_specs:  # type: ignore[attr-defined]
                if key == "aws:principalaccount" or (key == "aws:principalarn" and (parts is None or 4 in parts[0])):
                    found = True
            self._per_account[id(core)] = found
        return found

    def cells(self) -> list[Cell]:
        """Every assigned pair: roles in declaration order, then accounts in model order."""
        if self._cells is None:
            accounts = self.model.accounts
            self._cells = [self.cell(role, accounts[name], who)
                           for role in self.model.roles.values()
                           for name, who in self.assigned(role).items()]
        return self._cells

    def by_role(self) -> Iterator[tuple[Role, list[Cell]]]:
        cells: dict[str, list[Cell]] = {}
        for cell in self.cells():
            cells.setdefault(cell.role.name, []).append(cell)
        for role in self.model.roles.values():
            if role.name in cells:
                yield role, cells[role.name]

    def summary(self, access: Access) -> Summary:
        """Counts, escalation paths and admin level of ``access`` (memoized per distinct Access)."""
        hit = self._summaries.get(id(access))
        if hit is not None and hit[0] is access:
            return hit[1]
        key = (access.certain, access.possible)  # equal sets from different evaluations share one summary
        summary = self._by_value.get(key)
        if summary is None:
            cat = self.catalog
            hits = escalations(access, cat)
            summary = self._by_value[key] = Summary(
                allowed=level_counts(access.certain, cat),
                fenced=level_counts(access.possible ^ access.certain, cat),  # certain is within possible
                escalations=tuple(h.path.name for h in hits if h.state == "allowed"),
                fenced_escalations=tuple(h.path.name for h in hits if h.state == "fenced"),
                admin_level=admin_level(access, cat))
        self._summaries[id(access)] = (access, summary)
        return summary

    # -- SCPs alone ---------------------------------------------------------------------------------
    def scp_possible(self, target: Target) -> int:
        """The actions the SCPs from the root down to ``target`` let through for some principal."""
        if target.kind == "account" and target.name in self.model.accounts:
            chain = self.chain(self.model.accounts[target.name])
            if chain is None:
                return self.catalog.all_mask
            return chain.core.result(_NOBODY).possible
        return self.evaluator.scp_access(self.levels(target), _NOBODY).possible

    def attached(self, target: Target) -> list[Labeled[Policy]]:
        """The SCPs attached directly at ``target`` (FullAWSAccess included where it is)."""
        return [*self._default, *self._attached.get(target, ())]


_NOBODY = Context()
