"""Privilege-escalation paths as data, and which of them an evaluated principal reaches.

Each path needs *all* its actions. Sources: Rhino Security Labs' "AWS IAM privilege escalation
methods" (Spencer Gietzen, 2018), and the lists of cloudsplaining, parliament and pmapper, which agree
on these.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

from .catalog import Catalog, load_catalog
from .evaluate import Access, Evaluation
from .patterns import iter_bits

_RHINO = "Rhino Security Labs, AWS IAM privilege escalation methods"


@dataclass(frozen=True)
class EscalationPath:
    name: str
    description: str
    actions: tuple[str, ...]
    source: str = _RHINO


@dataclass(frozen=True)
class EscalationHit:
    path: EscalationPath
    state: str  # "allowed" (every action certain) | "fenced" (every action possible, not all certain)


def _p(name: str, description: str, *actions: str, source: str = _RHINO) -> EscalationPath:
    return EscalationPath(name, description, actions, source)


_PASS = "iam:PassRole"
PATHS: tuple[EscalationPath, ...] = (
    _p("trifecta", "Run an instance with any role, or write a policy for one: become anyone.",
       "ec2:RunInstances", _PASS, "iam:CreatePolicy", source="consolezero design (the trifecta)"),
    _p("create-policy-version", "Write a new default version of a policy attached to oneself.",
       "iam:CreatePolicyVersion"),
    _p("set-default-policy-version", "Switch a policy to an older, broader version.",
       "iam:SetDefaultPolicyVersion"),
    _p("attach-user-policy", "Attach any managed policy (AdministratorAccess) to a user.", "iam:AttachUserPolicy"),
    _p("attach-group-policy", "Attach any managed policy to one's group.", "iam:AttachGroupPolicy"),
    _p("attach-role-policy", "Attach any managed policy to a role one can use.", "iam:AttachRolePolicy"),
    _p("put-user-policy", "Write an inline policy on a user.", "iam:PutUserPolicy"),
    _p("put-group-policy", "Write an inline policy on one's group.", "iam:PutGroupPolicy"),
    _p("put-role-policy", "Write an inline policy on a role one can use.", "iam:PutRolePolicy"),
    _p("create-access-key", "Create access keys for another, more privileged user.", "iam:CreateAccessKey"),
    _p("create-login-profile", "Give a console password to a user that has none.", "iam:CreateLoginProfile"),
    _p("update-login-profile", "Change another user's console password.", "iam:UpdateLoginProfile"),
    _p("add-user-to-group", "Join a more privileged group.", "iam:AddUserToGroup"),
    _p("update-assume-role-policy", "Rewrite a role's trust policy, then assume it.",
       "iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
    _p("passrole-ec2", "Run an instance with a more privileged instance profile.", _PASS, "ec2:RunInstances"),
    _p("passrole-lambda", "Create and invoke a function that runs as a more privileged role.",
       _PASS, "lambda:CreateFunction", "lambda:InvokeFunction"),
    _p("passrole-lambda-event-source", "Create a function with a privileged role, triggered by an event source.",
       _PASS, "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
    _p("passrole-cloudformation", "Create a stack whose service role is more privileged.",
       _PASS, "cloudformation:CreateStack"),
    _p("passrole-glue", "Create a Glue development endpoint with a privileged role and log in to it.",
       _PASS, "glue:CreateDevEndpoint"),
    _p("glue-update-dev-endpoint", "Add one's SSH key to an existing, privileged Glue endpoint.",
       "glue:UpdateDevEndpoint"),
    _p("passrole-codebuild", "Create and start a build project that runs as a privileged role.",
       _PASS, "codebuild:CreateProject", "codebuild:StartBuild"),
    _p("passrole-sagemaker", "Create a notebook with a privileged role and open it.",
       _PASS, "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"),
    _p("passrole-datapipeline", "Create and run a pipeline that executes as a privileged role.",
       _PASS, "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
       "datapipeline:ActivatePipeline"),
    _p("passrole-ecs", "Register and run a task with a privileged task role.",
       _PASS, "ecs:RegisterTaskDefinition", "ecs:RunTask"),
)

# iam actions that change who may do what (the identity-side escalation primitives)
_IAM_GRANTS = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AttachUserPolicy",
               "iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy",
               "iam:PutRolePolicy")
ADMIN_COVERAGE = 0.95


@functools.lru_cache(maxsize=8)
def _masks(catalog: Catalog) -> tuple[tuple[tuple[EscalationPath, int], ...], int, int, int, int]:
    paths = []
    union = 0
    for path in PATHS:
        need = 0
        for action in path.actions:
            i = catalog.lookup(action)
            if i is not None:  # a test asserts every action exists
                need |= 1 << i
        paths.append((path, need))
        union |= need
    iam_pm = catalog.service_mask("iam") & catalog.level_mask("Permissions management")
    writes = catalog.level_mask("Write") | catalog.level_mask("Permissions management") | catalog.level_mask(
        "Tagging")
    return tuple(paths), iam_pm, writes, catalog.all_mask.bit_count(), union


class _Projection:
    """The ~30 catalog bits the paths use, gathered into one small int (a few C calls, no big-int
    operation per path): the bytes of the bit set that hold them, side by side."""

    def __init__(self, catalog: Catalog) -> None:
        paths, _, _, _, union = _masks(catalog)
        self.union = union
        places = sorted({i >> 3 for _, need in paths for i in iter_bits(need)})
        slot = {byte: n for n, byte in enumerate(places)}
        self.nbytes = places[-1] + 1 if places else 1
        # always a tuple, even for one byte (and nothing to gather when no path action is known)
        self.gather = operator.itemgetter(*places, *places[:1]) if places else (lambda _: ())
        self.paths = tuple((path, sum(1 << (slot[i >> 3] * 8 + (i & 7)) for i in iter_bits(need)))
                           for path, need in paths)

    def __call__(self, bits: int) -> int:
        bits &= self.union
        return int.from_bytes(bytes(self.gather(bits.to_bytes(self.nbytes, "little"))), "little") if bits else 0


@functools.lru_cache(maxsize=8)
def _projection(catalog: Catalog) -> _Projection:
    return _Projection(catalog)


_BY_ACCESS: dict[int, tuple[Access, tuple[EscalationHit, ...]]] = {}
_BY_PROJECTION: dict[tuple[int, int, int], tuple[EscalationHit, ...]] = {}


def clear_caches() -> None:
    """Forget the memoized answers (the per-catalog masks stay)."""
    _BY_ACCESS.clear()
    _BY_PROJECTION.clear()


def escalations(access: Access, catalog: Catalog) -> tuple[EscalationHit, ...]:
    """The escalation paths ``access`` reaches (memoized per Access and per relevant bits)."""
    hit = _BY_ACCESS.get(id(access))
    if hit is not None and hit[0] is access:
        return hit[1]
    project = _projection(catalog)
    possible = project(access.possible)
    certain = project(access.certain) if possible else 0
    key = (id(catalog), certain, possible)
    out = _BY_PROJECTION.get(key)
    if out is None:
        found = []
        for path, need in project.paths:
            if need and possible & need == need:
                found.append(EscalationHit(path, "allowed" if certain & need == need else "fenced"))
        out = _BY_PROJECTION[key] = tuple(found)
    if len(_BY_ACCESS) > 200_000:
        _BY_ACCESS.clear()
    _BY_ACCESS[id(access)] = (access, out)
    return out


def find_escalations(evaluation: Evaluation) -> list[EscalationHit]:
    """Escalation paths all of whose actions the principal may use: "allowed" or "fenced"."""
    return list(escalations(evaluation.access, evaluation.catalog))


def is_admin_level(access: Access, catalog: Catalog | None = None) -> bool:
    """Admin-level access, by either of two tests on *certain* (unconditional) access:

    - breadth: at least :data:`ADMIN_COVERAGE` (95 %) of all catalog actions, i.e. effectively ``*``;
      PowerUserAccess (everything but IAM, Organizations and Account, ~99 %) counts: it controls every
      workload; ReadOnlyAccess (~30 %) does not; or
    - IAM control: every IAM "Permissions management" action (IAMFullAccess, ``iam:*``), or any
      single-action IAM escalation primitive (attach or put a policy, create or switch a policy version):
      with any of those a principal can grant itself everything.
    """
    cat = catalog or load_catalog()
    _, iam_pm, _, total, _ = _masks(cat)
    certain = access.certain
    if certain.bit_count() >= ADMIN_COVERAGE * total:
        return True
    if certain & iam_pm == iam_pm:
        return True
    return any(certain >> cat.index[a.lower()] & 1 for a in _IAM_GRANTS)


def writes(access: Access, catalog: Catalog | None = None) -> int:
    """The Write, Permissions management and Tagging actions that are at least possibly allowed."""
    return access.possible & _masks(catalog or load_catalog())[2]
