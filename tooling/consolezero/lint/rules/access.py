"""Rules on effective access: what each role can do in each account, after the SCPs.

They share one :class:`~consolezero.access.matrix.AccessMatrix` per lint run (``ctx.cache``), built on first
use from the documents :mod:`.policy_docs` parsed (each document is parsed once per run): every role
in every account its assignments reach (standing: where it is held; jit: where it may be requested).
The role rules judge access that is *allowed outright*; what a condition or resource
scope fences is not reported (``consolezero access`` shows it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from consolezero.access.matrix import AccessMatrix, Cell
from consolezero.core.findings import Severity, Where
from consolezero.core.model import Role, Target
from consolezero.policy.escalation import BORROW, GRANT, IAM_GRANTS, PATHS, kind_of
from consolezero.policy.levels import MISLABELLED_READS, WRITE_LEVELS, level_mask, write_mask
from consolezero.policy.patterns import action_names
from consolezero.policy.scp import full_access_scp

from ..context import LintContext
from ..rejected import role_rejected
from .base import Hit, rule
from .policy_docs import parsed_documents

TRIFECTA = ("ec2:RunInstances", "iam:PassRole", "iam:CreatePolicy")
# the escalation paths standing-escalation counts: every named path but the trifecta (trifecta-reachable's)
STANDING_PATHS = frozenset(p.name for p in PATHS) - {"trifecta"}
READONLY_QUIRKS = MISLABELLED_READS  # AWS's reads filed under Write (policy/levels.py)
_READONLY_WORDS = frozenset({"readonly", "viewonly", "audit", "auditor", "auditors", "viewer", "viewers", "reader",
                             "readers"})
_WRITER_WORDS = frozenset({"admin", "administrator", "write", "writer", "writers", "power", "poweruser", "full",
                           "operator", "deploy", "deployer", "manager"})
_READONLY_TAGS = {"read-only": ("true", "yes"), "readonly": ("true", "yes"),
                  "access-level": ("read-only", "readonly", "read")}


def matrix(ctx: LintContext) -> AccessMatrix:
    """The run's access matrix, built once and shared by every rule."""
    found = ctx.cache.get("access.matrix")
    if found is None:
        found = ctx.cache["access.matrix"] = AccessMatrix(ctx.model, ctx.catalog, parsed_documents(ctx))
    return found


def _judged(ctx: LintContext, m: AccessMatrix) -> Iterator[tuple[Role, list[Cell]]]:
    """Each role with its cells, but not a role whose access mode, policies or boundary an input rule
    rejected (schema, unknown-managed-policy): that rule's finding says it, and what the engine makes
    of the rest would be a second finding about the same mistake."""
    for role, cells in m.by_role():
        if not role_rejected(ctx, role):
            yield role, cells


def _names(items: Sequence[str], limit: int = 5) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"


def _where(ctx: LintContext, role: Role, key: str) -> Where:
    for path in ((key,), ("name",)):
        if ctx.has(role.file, *path):
            return Where(role.file, path)
    return Where(role.file)


def _by(cells: list[Cell], actions: Sequence[str]) -> list[str]:
    """The statements that allow ``actions`` outright in the first of ``cells``."""
    return [label for action in actions for label in cells[0].evaluation.decide(action).by]


@rule("trifecta-reachable", Severity.ERROR,
      "No role reaches ec2:RunInstances + iam:PassRole + iam:CreatePolicy with nothing fencing them.", family="roles")
def trifecta_reachable(ctx: LintContext) -> Iterator[Hit]:
    """
    With `ec2:RunInstances`, `iam:PassRole` and `iam:CreatePolicy` together a person can write a
    policy, put it on a role and run an instance as that role: become anyone in the account. No
    right-sizing removes the trifecta and it has legitimate uses, so it must be *fenced*: PassRole
    limited to service roles (`arn:aws:iam::*:role/service/*`), CreatePolicy to a path, by an SCP
    like the example's TrifectaGuardrail or by a permissions boundary. This rule evaluates each role
    in each account it is assigned to (or, for a just-in-time role, may be requested in) after every
    SCP from the root down, and reports a role for which all three are allowed outright somewhere.
    A just-in-time role that is admin-level there anyway (the approved, expiring sudo of
    `admin-must-be-jit`) is not reported. Reported at the role's `name`, naming the accounts and the
    statements that allow the three actions.

    **Fix:** fence `iam:PassRole` and `iam:CreatePolicy` with `Resource`/`NotResource` scopes in the
    role, in its permissions boundary, or in an SCP on the accounts' OU (see
    `scps/trifecta-guardrail.yaml`); `consolezero access --role R --account A --action iam:PassRole`
    shows what decides it.
    """
    m = matrix(ctx)
    for role, cells in _judged(ctx, m):
        hits = [c for c in cells if "trifecta" in m.summary(c.access).escalations
                and not (role.access == "jit" and m.summary(c.access).admin_level)]
        if hits:
            yield Hit(_where(ctx, role, "name"),
                      f"role {role.name} reaches the trifecta ({' + '.join(TRIFECTA)}) with nothing fencing it in "
                      f"{_names([c.account.name for c in hits])}: it can become any role there "
                      f"(allowed by {_names(_by(hits, TRIFECTA), 4)}); fence iam:PassRole and iam:CreatePolicy")


@rule("standing-escalation", Severity.ERROR,
      "A standing role reaches no privilege-escalation path, in any account (grant: error, borrow: warning).",
      family="roles")
def standing_escalation(ctx: LintContext) -> Iterator[Hit]:
    """
    A standing role is held all the time, by everyone in its groups, so a stolen session of it is
    enough. The paths are the ones Rhino Security Labs' 21 methods, pmapper's edges and
    cloudsplaining's list name (each path cites its source in `policy/escalation.py`); a path counts
    when every action of it is allowed outright in an account the role is assigned to, after the SCPs
    and the role's permissions boundary. Two kinds, reported separately:

    - **grant** paths write identity policy, trust or credentials (a new policy version, an attached
      or inline policy, a trust policy, another user's access key or password): the holder can
      become anyone. An **error**, reported at the role's `access`.
    - **borrow** paths use a role that already exists in the account: pass it to a new instance,
      function, stack, build, notebook, task, state machine or agent (`iam:PassRole` with
      `ec2:RunInstances`, `lambda:CreateFunction`, ...), or run code where it already runs
      (`lambda:UpdateFunctionCode`, `ssm:SendCommand`, `ssm:StartSession`,
      `ec2-instance-connect:SendSSHPublicKey`, `codebuild:StartBuild` with a buildspec override,
      `cloudformation:UpdateStack`, `sagemaker:CreatePresignedNotebookInstanceUrl`,
      `sts:AssumeRole` on `*`, ...). The holder becomes as strong as the roles deployed there. A
      **warning**, reported at the role's `assignments` (the accounts whose roles it borrows), so a
      suppression with its reason there accepts the borrow paths without hiding a grant path.

    Not reported here: the trifecta (`trifecta-reachable`) and accounts where the role is
    admin-level (`admin-must-be-jit`).

    **Fix:** grant paths: make the role just in time (`access: jit`), or keep IAM policy and trust
    writes behind a permissions boundary or an SCP. Borrow paths: fence them (scope `iam:PassRole`
    to service roles, deny the actions in the boundary, as the example's DeveloperBoundary does for
    `glue:UpdateDevEndpoint`), or accept them where every role in the accounts is itself bounded:
    `# consolezero: ignore[standing-escalation] REASON` on the role's `assignments`.
    """
    m = matrix(ctx)
    for role, cells in _judged(ctx, m):
        if role.access != "standing":
            continue
        found: dict[str, tuple[list[str], list[str]]] = {GRANT: ([], []), BORROW: ([], [])}
        for cell in cells:
            s = m.summary(cell.access)
            if s.admin_level:
                continue
            for kind, (paths, accounts) in found.items():
                hits = [p for p in s.escalations if p in STANDING_PATHS and kind_of(p) == kind]
                if hits:
                    paths += hits
                    accounts.append(cell.account.name)
        paths, accounts = found[GRANT]
        if paths:
            yield Hit(_where(ctx, role, "access"),
                      f"standing role {role.name} reaches privilege-escalation paths that grant (write policy, "
                      f"trust or credentials: it can become anyone) in {_names(accounts)}: {_names(paths, 6)}; "
                      "make it just in time or fence these actions")
        paths, accounts = found[BORROW]
        if paths:
            where = Where(role.file, ("assignments",), key=True) if ctx.has(role.file, "assignments") else \
                _where(ctx, role, "access")
            yield Hit(where,
                      f"standing role {role.name} reaches privilege-escalation paths that borrow a role already "
                      f"in {_names(accounts)} (as strong as the roles deployed there): {_names(paths, 6)}; fence "
                      "them, or accept them with a suppression and its reason where every role there is bounded",
                      Severity.WARNING)


@rule("admin-must-be-jit", Severity.ERROR,
      "Admin-level access (control of IAM) comes only through a just-in-time role.", family="roles")
def admin_must_be_jit(ctx: LintContext) -> Iterator[Hit]:
    """
    Admin is sudo: requested when needed, approved by someone else, tied to a ticket, expiring by
    itself. A standing role must not be admin-level in any account it is assigned to, after the
    SCPs. Admin level means control of IAM, allowed outright: every IAM "Permissions management"
    action (`iam:*`, `*`, IAMFullAccess), or any action that writes a policy onto a principal
    (`iam:AttachRolePolicy`, `iam:PutUserPolicy`, `iam:CreatePolicyVersion`, ...), with which the
    holder grants themselves the rest. Breadth alone is not admin: PowerUserAccess controls every
    workload but not IAM. Reported at the role's `access`.

    **Fix:** set `access: jit` with a `jit` block (approvals, approvers, ticket, max_duration), and
    keep a standing role for everyday work without IAM control.
    """
    m = matrix(ctx)
    for role, cells in _judged(ctx, m):
        if role.access != "standing":
            continue
        admin = [c for c in cells if m.summary(c.access).admin_level]
        if admin:
            grants = [a for a in IAM_GRANTS if admin[0].evaluation.decide(a).decision == "allowed"][:4]
            how = f" (e.g. {', '.join(grants)})" if grants else ""
            yield Hit(_where(ctx, role, "access"),
                      f"standing role {role.name} is admin-level in {_names([c.account.name for c in admin])}: it "
                      f"can write IAM policies{how}; admin access must be just in time (access: jit)")


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)]


def read_only_claim(role: Role) -> str | None:
    """Why ``role`` claims to be read-only (its name, or a tag), or None."""
    for key, values in _READONLY_TAGS.items():
        if str(role.tags.get(key, "")).strip().lower() in values:
            return f"tagged {key}: {role.tags[key]}"
    words = _words(role.name)
    joined = {a + b for a, b in zip(words, words[1:], strict=False)} | set(words)
    if joined & _READONLY_WORDS and not set(words) & _WRITER_WORDS:
        return "named read-only"
    return None


@rule("readonly-not-readonly", Severity.ERROR,
      "A role named or tagged read-only can only read: no Write, Permissions management or Tagging.",
      family="roles")
def readonly_not_readonly(ctx: LintContext) -> Iterator[Hit]:
    """
    Reviewers trust names: a role called ReadOnly, ViewOnly, Audit, Auditor, Viewer or Reader (any
    case, also as part of a longer name such as `SecurityAuditors`, unless the name also says Admin,
    Write, Power, Full, Operator, Deploy or Manager), or tagged `read-only: "true"` or
    `access-level: read-only`, is assumed harmless and handed out widely. This rule evaluates it in
    every account it is assigned to and reports the actions of the Write, Permissions management and
    Tagging access levels it may use (allowed or fenced).

    AWS's own read-only policies (ReadOnlyAccess, ViewOnlyAccess, SecurityAudit) grant a few actions
    the service authorization reference files under Write or Permissions management although they
    read (`iot:ListSubscriptions`, `billing:GetResourcePolicy`, `quicksight:Describe*Permissions`,
    read-only `s3express:CreateSession` sessions, ...): those are tolerated. Reported at the role's
    `name` (or its `tags` when the tag makes the claim).

    **Fix:** drop the writing permissions (use `ReadOnlyAccess` or `ViewOnlyAccess`), or rename the
    role so that its name says what it does.
    """
    m = matrix(ctx)
    cat = m.catalog
    writes = write_mask(cat)  # AWS's mislabelled reads are not in it
    for role, cells in _judged(ctx, m):
        claim = read_only_claim(role)
        if claim is None:
            continue
        found = 0
        accounts = []
        for cell in cells:
            bits = cell.access.possible & writes
            if bits:
                found |= bits
                accounts.append(cell.account.name)
        if not found:
            continue
        counts = ", ".join(f"{level} {(found & level_mask(cat, level)).bit_count()}" for level in WRITE_LEVELS
                           if found & level_mask(cat, level))
        # Permissions management first: the most dangerous of the writes
        examples = sorted(action_names(cat, found),
                          key=lambda a: (cat.access_level(cat.lookup(a)) != "Permissions management", a))
        where = _where(ctx, role, "tags" if claim.startswith("tagged") else "name")
        yield Hit(where, f"role {role.name} is {claim} but can change things in {_names(accounts)}: "
                         f"{found.bit_count()} action(s) ({counts}), e.g. {_names(examples, 4)}")


@rule("scp-lockout", Severity.ERROR,
      "Every root, OU and account keeps an Allow through its SCPs (some action can still be used).", family="scps")
def scp_lockout(ctx: LintContext) -> Iterator[Hit]:
    """
    An action is usable in an account only if an SCP at *every* level from the root down to the
    account allows it and no SCP on the way denies it. A level with no Allow (under the allow-list
    strategy, a target FullAWSAccess is not attached to and no other Allow SCP is), Allow SCPs that
    allow nothing the level above lets through, or a Deny of `*` leave the target and everything
    below it with nothing at all: nobody but the management account can work there, the
    break-glass user included. The SCPs are evaluated for any principal (conditions unknown, so a
    conditional Deny never locks out). Reported once, at the topmost locked-out target: at
    the FullAWSAccess file's `targets` when the level has no Allow, else at the SCP attached there
    that allows nothing or denies everything. A quarantine OU that denies everything on purpose is
    the one legitimate case: suppress the finding with the reason.

    **Fix:** attach FullAWSAccess (add the target to `scps/full-aws-access.yaml`) or an Allow SCP to
    the target, or narrow the Deny.
    """
    m = matrix(ctx)
    model = m.model
    targets = [Target("root")] + [ou.target for ou in model.ous.values()]
    targets += [a.target for a in model.accounts.values() if not m.is_management(a)]
    possible: dict[Target, int] = {}
    for target in targets:
        parent = _parent(model, target)
        bits = possible[target] = m.scp_possible(target)
        if bits or (parent is not None and not possible.get(parent, 1)):
            continue
        below = [a.name for a in (model.accounts_under(target) if target.kind != "root" else model.accounts.values())
                 if not m.is_management(a)]
        where, why = _lockout_cause(ctx, m, target, possible.get(parent, m.catalog.all_mask) if parent else None)
        yield Hit(where, f"{target} is locked out: the SCPs from the root down to it let no action through "
                         f"({why}); {len(below)} account(s) there could do nothing"
                         + (f": {_names(below)}" if below else ""))


def _parent(model: object, target: Target) -> Target | None:
    if target.kind == "root":
        return None
    if target.kind == "ou":
        head = target.name.rpartition("/")[0]
        return Target("ou", head) if head else Target("root")
    account = model.accounts[target.name]  # type: ignore[attr-defined]
    return Target("ou", account.ou) if account.ou else Target("root")


def _lockout_cause(ctx: LintContext, m: AccessMatrix, target: Target, above: int | None) -> tuple[Where, str]:
    attached = m.attached(target)
    evaluator = m.evaluator
    stmts = [(p, s) for p in attached for s in evaluator.compile(p)]
    allow = 0
    for _, s in stmts:
        if s.allow:
            allow |= s.bits
    scps = {scp.file: scp for scp in m.model.scps.values()}
    if not allow:
        full = full_access_scp(m.model)
        if full is not None and ctx.has(full.file, "targets"):
            return Where(full.file, ("targets",), key=True), "no SCP attached there allows anything: FullAWSAccess " \
                                                            "is not attached there and no Allow SCP is"
        return _target_where(m, target), "no SCP attached there allows anything"
    if above is not None and not above & allow:
        first = next(p for p, s in stmts if s.allow)
        return _scp_where(ctx, scps, first.label), "its Allow SCPs allow nothing the level above lets through"
    denies = [(p, s) for p, s in stmts if not s.allow and not s.conditions and not s.scoped]
    if denies:
        p, s = max(denies, key=lambda ps: ps[1].bits.bit_count())
        return _scp_where(ctx, scps, p.label, s.label.rpartition("#")[2]), f"{s.label} denies everything left"
    return _target_where(m, target), "its SCPs deny everything left"


def _scp_where(ctx: LintContext, scps: dict, file: str, sid: str | None = None) -> Where:
    """The statement named ``sid`` (a Sid or ``Statement[i]``) of the SCP in ``file``, found through the
    parsed document; else the policy itself."""
    policy = parsed_documents(ctx).get((file, ("policy",))) if file in scps and sid is not None else None
    for st in policy.statements if policy is not None else ():
        if st.name == sid:
            return Where(file, ("policy", *st.path))
    return Where(file, ("policy",), key=True) if ctx.has(file, "policy") else Where(file)


def _target_where(m: AccessMatrix, target: Target) -> Where:
    model = m.model
    if target.kind == "account" and target.name in model.accounts:
        return Where(model.accounts[target.name].file)
    if target.kind == "ou" and target.name in model.ous and model.ous[target.name].file:
        return Where(model.ous[target.name].file or "")
    return Where(model.organization.file if model.organization else "accounts/organization.yaml")


RULES = (trifecta_reachable, standing_escalation, admin_must_be_jit, readonly_not_readonly, scp_lockout)
