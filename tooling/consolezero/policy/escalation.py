"""Privilege-escalation paths as data, each with its kind and source, and which of them a principal reaches.

Each path needs *all* its actions. Two kinds:

- **grant**: writes identity policy, trust or credentials (a policy version, an attached or inline
  policy, a trust policy, another user's keys or password): the holder can become anyone;
- **borrow**: uses a role that already exists in the account (passes it to a new compute resource,
  runs code where it already runs, assumes it): as strong as the roles deployed there.

Sources, cited per path: Rhino Security Labs' 21 "AWS IAM privilege escalation methods" (Spencer
Gietzen, 2018; method numbers as published), pmapper's edge checkers (nccgroup/PMapper,
``principalmapper/graphing/*_edges.py``), cloudsplaining's ``PRIVILEGE_ESCALATION_METHODS``
(salesforce/cloudsplaining, ``cloudsplaining/shared/constants.py``, names as there), and, where named,
consolezero's own reading of a service that takes a role. cloudsplaining's combinations whose actions
include a single-action path here (``AttachUserPolicyThenCreateAccessKey``, ...) add nothing and are
left out; a path needing an action the catalog lacks is refused by a test.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

from .catalog import Catalog, load_catalog
from .evaluate import Access, Evaluation
from .levels import write_mask
from .patterns import iter_bits

GRANT, BORROW = "grant", "borrow"
_RHINO = "Rhino Security Labs, AWS IAM privilege escalation methods"
_PMAPPER = "pmapper, principalmapper/graphing/{}_edges.py"
_CLOUDSPLAINING = "cloudsplaining, PRIVILEGE_ESCALATION_METHODS {}"


@dataclass(frozen=True)
class EscalationPath:
    name: str
    description: str
    actions: tuple[str, ...]
    source: str = _RHINO
    kind: str = GRANT  # GRANT | BORROW


@dataclass(frozen=True)
class EscalationHit:
    path: EscalationPath
    state: str  # "allowed" (every action certain) | "fenced" (every action possible, not all certain)


def _p(name: str, description: str, *actions: str, source: str, kind: str) -> EscalationPath:
    return EscalationPath(name, description, actions, source, kind)


def _rhino(n: int) -> str:
    return f"{_RHINO}, method {n}"


def _pm(service: str) -> str:
    return _PMAPPER.format(service)


def _cs(*names: str) -> str:
    return _CLOUDSPLAINING.format(", ".join(names))


_PASS = "iam:PassRole"
G, B = GRANT, BORROW
PATHS: tuple[EscalationPath, ...] = (
    # -- grant: identity policy, trust and credentials -------------------------------------------------
    _p("trifecta", "Run an instance with any role, or write a policy for one: become anyone.",
       "ec2:RunInstances", _PASS, "iam:CreatePolicy", source="consolezero design (the trifecta)", kind=G),
    _p("create-policy-version", "Write a new default version of a policy attached to oneself.",
       "iam:CreatePolicyVersion", source=f"{_rhino(1)}; {_cs('CreateNewPolicyVersion')}", kind=G),
    _p("set-default-policy-version", "Switch a policy to an older, broader version.",
       "iam:SetDefaultPolicyVersion", source=f"{_rhino(2)}; {_cs('SetExistingDefaultPolicyVersion')}", kind=G),
    _p("create-access-key", "Create access keys for another, more privileged user.", "iam:CreateAccessKey",
       source=f"{_rhino(4)}; {_pm('iam')}; {_cs('CreateAccessKey')}", kind=G),
    _p("create-login-profile", "Give a console password to a user that has none.", "iam:CreateLoginProfile",
       source=f"{_rhino(5)}; {_pm('iam')}; {_cs('CreateLoginProfile')}", kind=G),
    _p("update-login-profile", "Change another user's console password.", "iam:UpdateLoginProfile",
       source=f"{_rhino(6)}; {_pm('iam')}; {_cs('UpdateLoginProfile')}", kind=G),
    _p("attach-user-policy", "Attach any managed policy (AdministratorAccess) to a user.", "iam:AttachUserPolicy",
       source=f"{_rhino(7)}; {_cs('AttachUserPolicy')}", kind=G),
    _p("attach-group-policy", "Attach any managed policy to one's group.", "iam:AttachGroupPolicy",
       source=f"{_rhino(8)}; {_cs('AttachGroupPolicy')}", kind=G),
    _p("attach-role-policy", "Attach any managed policy to a role one can use.", "iam:AttachRolePolicy",
       source=f"{_rhino(9)}; {_cs('AttachRolePolicy')}", kind=G),
    _p("put-user-policy", "Write an inline policy on a user.", "iam:PutUserPolicy",
       source=f"{_rhino(10)}; {_cs('PutUserPolicy')}", kind=G),
    _p("put-group-policy", "Write an inline policy on one's group.", "iam:PutGroupPolicy",
       source=f"{_rhino(11)}; {_cs('PutGroupPolicy')}", kind=G),
    _p("put-role-policy", "Write an inline policy on a role one can use.", "iam:PutRolePolicy",
       source=f"{_rhino(12)}; {_cs('PutRolePolicy')}", kind=G),
    _p("add-user-to-group", "Join a more privileged group.", "iam:AddUserToGroup",
       source=f"{_rhino(13)}; {_cs('AddUserToGroup')}", kind=G),
    _p("update-assume-role-policy", "Rewrite a role's trust policy to name oneself, then assume it (a trust "
       "policy naming the principal needs no identity Allow in the same account).", "iam:UpdateAssumeRolePolicy",
       source=f"{_rhino(14)}; {_pm('iam')}; {_cs('UpdateRolePolicyToAssumeIt')}", kind=G),
    # -- borrow: pass an existing role to something new ----------------------------------------------------
    _p("passrole-ec2", "Run an instance with a more privileged instance profile.", _PASS, "ec2:RunInstances",
       source=f"{_rhino(3)}; {_pm('ec2')}; {_cs('CreateEC2WithExistingIP')}", kind=B),
    _p("passrole-ec2-spot", "Request a spot instance with a more privileged instance profile.",
       _PASS, "ec2:RequestSpotInstances", source=_cs("PassExistingRoleToNewEC2SpotInstance"), kind=B),
    _p("passrole-ec2-associate-profile", "Attach a privileged instance profile to a running instance.",
       _PASS, "ec2:AssociateIamInstanceProfile", source=_pm("ec2"), kind=B),
    _p("passrole-autoscaling", "Launch instances with a privileged profile through a new Auto Scaling group.",
       _PASS, "autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup",
       source=_pm("autoscaling"), kind=B),
    _p("passrole-lambda", "Create and invoke a function that runs as a more privileged role.",
       _PASS, "lambda:CreateFunction", "lambda:InvokeFunction",
       source=f"{_rhino(15)}; {_pm('lambda')}; {_cs('PassExistingRoleToNewLambdaThenInvoke')}", kind=B),
    _p("passrole-lambda-event-source", "Create a function with a privileged role, triggered by an event source.",
       _PASS, "lambda:CreateFunction", "lambda:CreateEventSourceMapping",
       source=f"{_rhino(16)}; {_cs('PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo')}", kind=B),
    _p("passrole-lambda-add-permission", "Create a function with a privileged role and let oneself invoke it.",
       _PASS, "lambda:CreateFunction", "lambda:AddPermission",
       source=_cs("PassExistingRoleToNewLambdaThenAddPermission"), kind=B),
    _p("passrole-lambda-update-configuration", "Give an existing function a more privileged role.",
       _PASS, "lambda:UpdateFunctionConfiguration", source=_pm("lambda"), kind=B),
    _p("passrole-cloudformation", "Create a stack whose service role is more privileged.",
       _PASS, "cloudformation:CreateStack",
       source=f"{_rhino(20)}; {_pm('cloudformation')}; {_cs('PassExistingRoleToCloudFormation')}", kind=B),
    _p("passrole-cloudformation-stackset", "Create a stack set that runs as a privileged administration role.",
       _PASS, "cloudformation:CreateStackSet", "cloudformation:CreateStackInstances",
       source=_cs("PassExistingRoleToNewCloudFormationStackSet"), kind=B),
    _p("passrole-glue", "Create a Glue development endpoint with a privileged role and log in to it.",
       _PASS, "glue:CreateDevEndpoint", source=f"{_rhino(18)}; {_cs('PassExistingRoleToNewGlueDevEndpoint')}",
       kind=B),
    _p("passrole-glue-job", "Create and run a Glue job that runs as a privileged role.",
       _PASS, "glue:CreateJob", "glue:StartJobRun", source=_cs("PassExistingRoleToNewGlueJobThenRun"), kind=B),
    _p("passrole-codebuild", "Create and start a build project that runs as a privileged role.",
       _PASS, "codebuild:CreateProject", "codebuild:StartBuild",
       source=f"{_pm('codebuild')}; {_cs('PassExistingRoleToNewCodeBuildProjectThenBuild')}", kind=B),
    _p("passrole-sagemaker", "Create a notebook with a privileged role and open it.",
       _PASS, "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl",
       source=f"{_pm('sagemaker')}; {_cs('PassExistingRoleToNewSageMakerNotebookInstance')}", kind=B),
    _p("passrole-sagemaker-training", "Run a training job (one's own code) as a privileged role.",
       _PASS, "sagemaker:CreateTrainingJob",
       source=f"{_pm('sagemaker')}; {_cs('PassExistingRoleToNewSageMakerTrainingJob')}", kind=B),
    _p("passrole-sagemaker-processing", "Run a processing job (one's own code) as a privileged role.",
       _PASS, "sagemaker:CreateProcessingJob",
       source=f"{_pm('sagemaker')}; {_cs('PassExistingRoleToNewSageMakerProcessingJob')}", kind=B),
    _p("passrole-datapipeline", "Create and run a pipeline that executes as a privileged role.",
       _PASS, "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition",
       "datapipeline:ActivatePipeline", source=f"{_rhino(21)}; {_cs('PassExistingRoleToNewDataPipeline')}",
       kind=B),
    _p("passrole-ecs", "Register and run a task with a privileged task role.",
       _PASS, "ecs:RegisterTaskDefinition", "ecs:RunTask",
       source=_cs("PassExistingRoleToNewECSTaskViaRunTask"), kind=B),
    _p("passrole-ecs-service", "Register a task with a privileged task role and run it as a service.",
       _PASS, "ecs:RegisterTaskDefinition", "ecs:CreateService",
       source=_cs("PassExistingRoleToNewECSService"), kind=B),
    _p("passrole-apprunner", "Create an App Runner service whose instance role is privileged.",
       _PASS, "apprunner:CreateService", source=_cs("PassExistingRoleToNewAppRunnerService"), kind=B),
    _p("passrole-bedrock-agentcore", "Create a Bedrock AgentCore code interpreter with a privileged role and "
       "run code in it.", _PASS, "bedrock-agentcore:CreateCodeInterpreter",
       "bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter",
       source=_cs("PassExistingRoleToNewBedrockCodeInterpreter"), kind=B),
    _p("passrole-bedrock-agent", "Create a Bedrock agent whose service role is privileged and invoke it (its "
       "action groups act as that role).", _PASS, "bedrock:CreateAgent", "bedrock:InvokeAgent",
       source="consolezero (bedrock:CreateAgent takes agentResourceRoleArn)", kind=B),
    _p("passrole-stepfunctions", "Create and start a state machine that runs as a privileged role (its tasks "
       "call any AWS API).", _PASS, "states:CreateStateMachine", "states:StartExecution",
       source="consolezero (states:CreateStateMachine takes roleArn)", kind=B),
    # -- borrow: use a role where it already runs ------------------------------------------------------------
    _p("sts-assume-role", "Assume any role whose trust policy lets the account in.", "sts:AssumeRole",
       source=_pm("sts"), kind=B),
    _p("lambda-update-function-code", "Replace the code of an existing function: it runs as the function's "
       "role when invoked or triggered.", "lambda:UpdateFunctionCode",
       source=f"{_rhino(17)}; {_pm('lambda')}; {_cs('EditExistingLambdaFunctionWithRole')}", kind=B),
    _p("glue-update-dev-endpoint", "Add one's SSH key to an existing, privileged Glue endpoint.",
       "glue:UpdateDevEndpoint", source=f"{_rhino(19)}; {_cs('UpdateExistingGlueDevEndpoint')}", kind=B),
    _p("ssm-send-command", "Run commands on an instance as its instance profile.", "ssm:SendCommand",
       source=_pm("ssm"), kind=B),
    _p("ssm-start-session", "Open a shell on an instance and use its instance profile.", "ssm:StartSession",
       source=_pm("ssm"), kind=B),
    _p("ec2-instance-connect", "Push an SSH key to an instance and use its instance profile.",
       "ec2-instance-connect:SendSSHPublicKey", source=_cs("EC2InstanceConnectSendSSHPublicKey"), kind=B),
    _p("ec2-user-data", "Rewrite an instance's user data and restart it: the script runs with its profile.",
       "ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances",
       source=_cs("ModifyEC2InstanceUserDataThenRestart"), kind=B),
    _p("ecs-execute-command", "Open a shell in a running task and use its task role.", "ecs:ExecuteCommand",
       source=_cs("ECSExecuteCommandOnRunningTask"), kind=B),
    _p("codebuild-start-build", "Start a build of an existing project with a buildspec override: one's own "
       "commands run as the project's role.", "codebuild:StartBuild", source=_pm("codebuild"), kind=B),
    _p("cloudformation-update-stack", "Update a stack that has a service role with one's own template.",
       "cloudformation:UpdateStack", source=_pm("cloudformation"), kind=B),
    _p("cloudformation-change-set", "Create and execute a change set on a stack that has a service role.",
       "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet",
       source=f"{_pm('cloudformation')}; {_cs('ExecuteCloudFormationChangeSet')}", kind=B),
    _p("sagemaker-presigned-url", "Open an existing notebook (it runs as its role) through a presigned URL.",
       "sagemaker:CreatePresignedNotebookInstanceUrl", source=_cs("CreatePresignedSageMakerNotebookUrl"), kind=B),
    _p("bedrock-agentcore-session", "Run code in an existing AgentCore code interpreter as its role.",
       "bedrock-agentcore:StartCodeInterpreterSession", "bedrock-agentcore:InvokeCodeInterpreter",
       source=_cs("AccessExistingBedrockCodeInterpreterSession"), kind=B),
)
BY_NAME: dict[str, EscalationPath] = {p.name: p for p in PATHS}


def kind_of(name: str) -> str:
    """The kind (:data:`GRANT` or :data:`BORROW`) of the path named ``name``."""
    return BY_NAME[name].kind

# the IAM actions that write a policy onto a principal: with one of them, a holder grants itself the rest
IAM_GRANTS = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AttachUserPolicy",
              "iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy", "iam:PutGroupPolicy",
              "iam:PutRolePolicy")


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
    grants = 0
    for action in IAM_GRANTS:
        i = catalog.lookup(action)
        grants |= 0 if i is None else 1 << i
    return tuple(paths), iam_pm, grants, catalog.all_mask.bit_count(), union


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
        # the two answers each path can give, made once (immutable: every result shares them)
        self.hits = tuple((need, EscalationHit(path, "allowed"), EscalationHit(path, "fenced"))
                          for path, need in self.paths if need)

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
    certain = (possible if access.certain is access.possible else project(access.certain)) if possible else 0
    key = (id(catalog), certain, possible)
    out = _BY_PROJECTION.get(key)
    if out is None:
        out = _BY_PROJECTION[key] = tuple([(allowed if certain & need == need else fenced)
                                           for need, allowed, fenced in project.hits
                                           if possible & need == need]) if possible else ()
    if len(_BY_ACCESS) > 200_000:
        _BY_ACCESS.clear()
    _BY_ACCESS[id(access)] = (access, out)
    return out


def find_escalations(evaluation: Evaluation) -> list[EscalationHit]:
    """Escalation paths all of whose actions the principal may use: "allowed" or "fenced"."""
    return list(escalations(evaluation.access, evaluation.catalog))


def admin_level(access: Access, catalog: Catalog | None = None) -> bool:
    """Admin level: control of IAM, allowed outright (``certain``). Every IAM "Permissions management"
    action (IAMFullAccess, ``iam:*``, ``*``), or any action of :data:`IAM_GRANTS` (attach or put a user,
    group or role policy, create or switch a policy version): with one of those a holder grants itself
    the rest. Breadth alone is not admin: PowerUserAccess controls every workload but not IAM."""
    _, iam_pm, grants, _, _ = _masks(catalog or load_catalog())
    certain = access.certain
    return certain & iam_pm == iam_pm or bool(certain & grants)


def writes(access: Access, catalog: Catalog | None = None) -> int:
    """The Write, Permissions management and Tagging actions that are at least possibly allowed (AWS's
    mislabelled reads excepted: see :mod:`.levels`)."""
    return access.possible & write_mask(catalog or load_catalog())
