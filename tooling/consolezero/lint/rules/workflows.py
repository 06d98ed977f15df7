"""CI rules on the pipeline itself: the GitHub workflows under .github/workflows/.

No static AWS keys, OIDC where AWS is reached, every action pinned to a commit, and the deploy
protected (environment, a non-cancelling concurrency group, minimal token permissions). The
bootstrap/ trust policies are checked in :mod:`consolezero.lint.rules.oidc`.

YAML 1.1 reads a bare ``on:`` key as the boolean ``True``: both spellings are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from consolezero.core.findings import Path, Severity, Where

from ..context import LintContext
from .base import Hit, rule
from .workflow_reader import (
    Workflow,
    action_name,
    env_blocks,
    jobs,
    script_matches,
    step_inputs,
    step_label,
    steps,
    workflows,
)

FAMILY = "workflows"

CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials"
STATIC_INPUTS = ("aws-access-key-id", "aws-secret-access-key")
STATIC_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")
_CONFIGURE_SET = re.compile(
    r"\baws\s+configure\s+set\b.*?\b(aws_access_key_id|aws_secret_access_key|aws_session_token)\b")
_RUNS_CONSOLEZERO = re.compile(r"\bconsolezero\s+(plan|apply)\b")
_SECRET_OR_VAR = re.compile(r"\b(secrets|vars)\s*[.\[]")
_FULL_SHA = re.compile(r"[0-9a-fA-F]{40}")
_SHORT_SHA = re.compile(r"[0-9a-fA-F]{7,39}")
_DIGEST = re.compile(r"@sha256:[0-9a-fA-F]{64}$")
_VERSION_COMMENT = re.compile(r"#\s*v?\d")
_PR_HEAD = re.compile(r"github\.event\.pull_request\.head\.(sha|ref)|github\.head_ref|GITHUB_HEAD_REF|refs/pull/")
_GIT_FETCH = re.compile(r"\b(git\s+(checkout|fetch|switch|pull|reset|worktree)|gh\s+pr\s+checkout)\b")


def _static_source(value: Any) -> str | None:
    """What an AWS credential variable is set from, when that is a long-lived value."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or "${{" not in value:
        return "a literal"
    match = _SECRET_OR_VAR.search(value)
    if match:
        return "a repository secret" if match.group(1) == "secrets" else "a repository variable"
    return None


@rule("workflow-static-credentials", Severity.ERROR,
      "Workflows hold no long-lived AWS access keys: no key inputs, no key variables, no AKIA literals.",
      family=FAMILY)
def workflow_static_credentials(ctx: LintContext) -> Iterator[Hit]:
    """
    A long-lived access key in CI is the credential attackers look for first: it works from
    anywhere, it does not expire, and every workflow, fork and log that can read the secret can
    leak it. The pipeline gets short-lived credentials through GitHub's OIDC token instead, for
    a role whose trust policy names this repository and environment (bootstrap/).

    Reported:

    - `aws-access-key-id` / `aws-secret-access-key` inputs (`with:`) of any action or reusable workflow;
    - `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` or `AWS_SESSION_TOKEN` set from a literal, a
      secret or a variable in `env:` at workflow, job, container, service or step level, or
      passed on as a reusable workflow's `secrets:`;
    - anything that looks like an access key ID (`AKIA...`, `ASIA...`, 20 characters) anywhere
      in a workflow, comments included;
    - `aws configure set aws_access_key_id ...` (or the secret key or token) in a `run:` script.

    **Fix:** delete the key (deactivate it in IAM first), grant the job `id-token: write` and use
    `aws-actions/configure-aws-credentials` with `role-to-assume:` (docs/setup.md).
    """
    for wf in workflows(ctx):
        for block, path, label in env_blocks(wf):
            for key, value in block.items():
                if isinstance(key, str) and key.upper() in STATIC_ENV:
                    source = _static_source(value)
                    if source:
                        yield Hit(wf.where((*path, key), key=True),
                                  f"{label}: {key} is set from {source}; long-lived AWS keys do not belong in CI, "
                                  "use OIDC (role-to-assume)")
        for name, job, jpath in jobs(wf):
            holders = [(job, jpath, f"job {name!r}")]
            holders += [(step, spath, f"job {name!r} {step_label(step, spath)}") for step, spath in steps(job, jpath)]
            for holder, hpath, label in holders:
                inputs = step_inputs(holder)
                for key in inputs:
                    if isinstance(key, str) and key.lower() in STATIC_INPUTS and inputs[key] not in (None, ""):
                        yield Hit(wf.where((*hpath, "with", key), key=True),
                                  f"{label} passes {key}: a long-lived access key; use role-to-assume with OIDC")
            for step, spath in steps(job, jpath):
                run = step.get("run")
                if isinstance(run, str):
                    for where, match in script_matches(wf, (*spath, "run"), run, _CONFIGURE_SET):
                        yield Hit(where, f"job {name!r} {step_label(step, spath)} writes {match.group(1)} into "
                                         "the AWS CLI configuration: a long-lived key; use OIDC instead")
        for number, text in enumerate(wf.doc.text.splitlines(), start=1):  # values, keys and comments alike
            for match in _KEY_ID.finditer(text):
                yield Hit(Where(wf.file, (), line=number, column=match.start() + 1),
                          f"{match.group(0)[:4]}... looks like an AWS access key ID written into the workflow: "
                          "deactivate the key and use OIDC")


# --- workflow-oidc-missing ---------------------------------------------------------------------


def _permissions(wf: Workflow, job: Mapping, jpath: Path) -> tuple[Any, Path | None]:
    """The job's effective token permissions (a job's own block replaces the workflow's), and where they are
    written (None: GitHub's default permissions)."""
    if "permissions" in job:
        return job["permissions"], (*jpath, "permissions")
    if "permissions" in wf.data:
        return wf.data["permissions"], ("permissions",)
    return None, None


def _permissions_source(wf: Workflow, path: Path | None) -> str:
    """Where the permissions come from, in words (the line is looked up only for a finding)."""
    if path is None:
        return "the default token permissions (no permissions: block)"
    whose = "the workflow's" if path == ("permissions",) else "its"
    return f"{whose} permissions (line {wf.line(path)})"


def _grants_id_token(permissions: Any) -> bool:
    if permissions == "write-all":
        return True
    return isinstance(permissions, Mapping) and permissions.get("id-token") == "write"


@rule("workflow-oidc-missing", Severity.ERROR,
      "Jobs that reach AWS use OIDC: role-to-assume, and id-token: write in their permissions.", family=FAMILY)
def workflow_oidc_missing(ctx: LintContext) -> Iterator[Hit]:
    """
    A job gets an OIDC token from GitHub only when its effective permissions grant
    `id-token: write`; a job's own `permissions:` replaces the workflow's entirely, and the
    default token permissions never include it. Without it `configure-aws-credentials` fails,
    or, worse, someone "fixes" the job with static keys. `configure-aws-credentials` without
    `role-to-assume` has no role to assume with the token: it can only use keys.

    Reported on the `uses:` of a `configure-aws-credentials` step without `role-to-assume`, and on
    the first step that needs the token (`configure-aws-credentials`, or a `run:` line calling
    `consolezero plan` or `consolezero apply` when the job configures no credentials) in a job
    whose effective permissions lack `id-token: write`.

    **Fix:** give the job its own minimal block, e.g.
    `permissions: {contents: read, id-token: write}`, and pass `role-to-assume:` (the plan or
    apply role from bootstrap/).
    """
    for wf in workflows(ctx):
        for name, job, jpath in jobs(wf):
            need: tuple[Where, str] | None = None
            credential_steps = [(s, p) for s, p in steps(job, jpath)
                                if action_name(s.get("uses")) == CREDENTIALS_ACTION]
            for step, spath in credential_steps:
                where = wf.where((*spath, "uses"))
                if not step_inputs(step).get("role-to-assume"):
                    yield Hit(where, f"job {name!r}: configure-aws-credentials without role-to-assume can only use "
                                     "long-lived keys; assume the plan or apply role with OIDC")
                elif need is None:
                    need = (where, "assumes a role with OIDC")
            if not credential_steps:
                for step, spath in steps(job, jpath):
                    run = step.get("run")
                    if isinstance(run, str):
                        found = next(script_matches(wf, (*spath, "run"), run, _RUNS_CONSOLEZERO), None)
                        if found:
                            need = (found[0], f"runs consolezero {found[1].group(1)}")
                            break
            if need is None:
                continue
            permissions, written = _permissions(wf, job, jpath)
            if not _grants_id_token(permissions):
                source = _permissions_source(wf, written)
                yield Hit(need[0], f"job {name!r} {need[1]}, but {source} do not grant id-token: write, so it "
                                   "gets no OIDC token; add id-token: write to the job's permissions")


# --- workflow-unpinned-action ------------------------------------------------------------------


def _uses(wf: Workflow) -> Iterator[tuple[str, Path]]:
    for _name, job, jpath in jobs(wf):
        if isinstance(job.get("uses"), str):
            yield job["uses"], (*jpath, "uses")
        for step, spath in steps(job, jpath):
            if isinstance(step.get("uses"), str):
                yield step["uses"], (*spath, "uses")


def _has_version_comment(wf: Workflow, path: Path, ref: str) -> bool:
    line, column = wf.doc.position(path)
    lines = wf.doc.text.splitlines()
    if not 0 < line <= len(lines):
        return False
    text = lines[line - 1]
    end = text.find(ref, column - 1)
    return end >= 0 and bool(_VERSION_COMMENT.search(text, end + len(ref)))


@rule("workflow-unpinned-action", Severity.ERROR,
      "Every action and reusable workflow is pinned to a full commit SHA (with a # vX comment).", family=FAMILY)
def workflow_unpinned_action(ctx: LintContext) -> Iterator[Hit]:
    """
    A tag or a branch is a moving pointer: whoever controls the action's repository (or steals
    a maintainer's token, as in the tj-actions/changed-files compromise of March 2025) can point
    `@v4` at new code, and the next run executes it with this job's token and OIDC identity,
    including the apply role's. A full 40-character commit SHA cannot move. A short SHA is
    not a pin: it is resolved like any other ref and may become ambiguous.

    Local actions (`./...`) and container images pinned by digest (`docker://...@sha256:...`)
    are fine. A full SHA without a version comment is a warning: keep `# v4.2.1` after it, so
    that readers and update bots (Dependabot, Renovate) know what it is.

    **Fix:** `uses: actions/checkout@<40-hex SHA> # v4.2.1` (`git ls-remote --tags` or the
    release page gives the commit of a tag); let Dependabot keep the pins current.
    """
    for wf in workflows(ctx):
        for uses, path in _uses(wf):
            value = uses.strip()
            where = wf.where(path)
            if value.startswith("./"):
                continue
            if value.startswith("docker://"):
                if not _DIGEST.search(value):
                    yield Hit(where, f"{value} is a container image without a digest; pin it as "
                                     "docker://IMAGE@sha256:DIGEST")
                continue
            name, at, ref = value.partition("@")
            if not at or not ref:
                yield Hit(where, f"{value} names no version at all; pin it to a full commit SHA")
            elif _FULL_SHA.fullmatch(ref):
                if not _has_version_comment(wf, path, ref):
                    yield Hit(where, f"{name} is pinned to {ref[:12]}... without a version comment; add the tag it "
                                     "stands for, e.g. # v4.2.1", Severity.WARNING)
            elif _SHORT_SHA.fullmatch(ref):
                yield Hit(where, f"{name}@{ref} is a short SHA, not a pin; use the full 40-character commit SHA")
            else:
                yield Hit(where, f"{name}@{ref} follows a tag or branch that can be moved to other code; "
                                 "pin the full commit SHA and keep the tag as a comment")


# --- workflow-deploy-unprotected ---------------------------------------------------------------


def _triggers(wf: Workflow) -> Iterator[tuple[str, Where]]:
    key = wf.on_key
    if key is None:
        return
    on = wf.data[key]
    if isinstance(on, str):
        yield on, wf.where((key,))
    elif isinstance(on, list):
        for i, item in enumerate(on):
            if isinstance(item, str):
                yield item, wf.where((key, i))
    elif isinstance(on, Mapping):
        for name in on:
            if isinstance(name, str):
                yield name, wf.where((key, name), key=True)


def _applies(wf: Workflow, job: Mapping, jpath: Path) -> Where | None:
    """Where the job runs `consolezero apply` or assumes the apply role, if it does."""
    for step, spath in steps(job, jpath):
        run = step.get("run")
        if isinstance(run, str):
            found = next((w for w, m in script_matches(wf, (*spath, "run"), run, _RUNS_CONSOLEZERO)
                          if m.group(1) == "apply"), None)
            if found:
                return found
        role = step_inputs(step).get("role-to-assume")
        if action_name(step.get("uses")) == CREDENTIALS_ACTION and isinstance(role, str) and "apply" in role.lower():
            return wf.where((*spath, "with", "role-to-assume"))
    return None


def _may_cancel(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false")
    return bool(value)


def _checks_out_head(wf: Workflow) -> Iterator[Where]:
    for _name, job, jpath in jobs(wf):
        for step, spath in steps(job, jpath):
            if action_name(step.get("uses")) == "actions/checkout":
                for key in ("ref", "repository"):
                    value = step_inputs(step).get(key)
                    if isinstance(value, str) and _PR_HEAD.search(value):
                        yield wf.where((*spath, "with", key))
            run = step.get("run")
            if isinstance(run, str):
                for where, _match in script_matches(wf, (*spath, "run"), run, _GIT_FETCH):
                    line = wf.doc.text.splitlines()[where.line - 1] if where.line else ""
                    if "gh pr checkout" in line or _PR_HEAD.search(line):
                        yield where


@rule("workflow-deploy-unprotected", Severity.ERROR,
      "The deploy runs in a protected environment, never cancelled midway; no pull_request_target, "
      "no write-all tokens.", family=FAMILY)
def workflow_deploy_unprotected(ctx: LintContext) -> Iterator[Hit]:
    """
    `consolezero apply` changes the live organization, so the job that runs it (or assumes the
    apply role) must:

    - run in a deployment **environment** (`environment: production`): its protection rules
      (required reviewers, branches) gate the deploy, and the apply role's trust policy accepts
      only that environment's OIDC subject;
    - belong to a **concurrency** group (job or workflow level) with `cancel-in-progress: false`:
      two applies at once race each other, and an apply cancelled midway leaves half a change
      (a detached SCP, a permission set not yet provisioned) behind. A workflow-level
      `cancel-in-progress: true` cancels the deploy job too.

    Every workflow, not only the deploy, must also avoid:

    - the **pull_request_target** trigger: it runs with the base repository's secrets and a
      writable token on events from forks; checking out the pull request's head
      (`github.event.pull_request.head.sha`/`head.ref`, `gh pr checkout`) then runs a stranger's
      code with them ("pwn request");
    - **`permissions: write-all`**, and a missing top-level `permissions:` block, which leaves
      every job without its own block on the repository's default token permissions.

    **Fix:** `environment: production` on the apply job; `concurrency: {group: consolezero-deploy,
    cancel-in-progress: false}`; trigger on `pull_request`; `permissions: {}` at the top and
    minimal `permissions:` per job.
    """
    for wf in workflows(ctx):
        workflow_concurrency = wf.data.get("concurrency")
        reported: set[Path] = set()
        for name, job, jpath in jobs(wf):
            apply_at = _applies(wf, job, jpath)
            if apply_at is None:
                continue
            apply_line = apply_at.line or wf.line(apply_at.path)
            environment = job.get("environment")
            if isinstance(environment, Mapping):
                environment = environment.get("name")
            if not environment:
                yield Hit(wf.job_where(name), f"job {name!r} applies to the live organization (line {apply_line}) "
                                              "without a deployment environment; add environment: production")
            job_concurrency = job.get("concurrency")
            if not job_concurrency and not workflow_concurrency:
                yield Hit(wf.job_where(name), f"job {name!r} applies (line {apply_line}) without a concurrency "
                                              "group: two deploys can run at once; add concurrency with "
                                              "cancel-in-progress: false")
            for concurrency, cpath in ((workflow_concurrency, ("concurrency",)),
                                       (job_concurrency, (*jpath, "concurrency"))):
                if isinstance(concurrency, Mapping) and _may_cancel(concurrency.get("cancel-in-progress")):
                    path = (*cpath, "cancel-in-progress")
                    if path not in reported:
                        reported.add(path)
                        yield Hit(wf.where(path), f"cancel-in-progress can cancel job {name!r} in the middle of an "
                                                  "apply, leaving a half-made change; set it to false")
        targets = [where for trigger, where in _triggers(wf) if trigger == "pull_request_target"]
        for where in targets:
            yield Hit(where, "pull_request_target runs fork pull requests with this repository's secrets and a "
                             "writable token; use pull_request")
        if targets:
            for where in _checks_out_head(wf):
                yield Hit(where, "checks out the pull request's head in a pull_request_target workflow: a fork's "
                                 "code runs with this repository's secrets and token")
        if "permissions" not in wf.data:
            where = wf.where((wf.on_key,), key=True) if wf.on_key is not None else wf.where(())
            yield Hit(where, "no top-level permissions: jobs without their own block get the repository's default "
                             "token permissions; add permissions: {} and grant each job what it needs")
        elif wf.data["permissions"] == "write-all":
            yield Hit(wf.where(("permissions",)), "permissions: write-all gives every job every scope, id-token "
                                                  "included; grant each job only what it needs")
        for name, job, jpath in jobs(wf):
            if job.get("permissions") == "write-all":
                yield Hit(wf.where((*jpath, "permissions")), f"job {name!r}: permissions: write-all grants every "
                                                             "scope; list only what the job needs")


RULES = (workflow_static_credentials, workflow_oidc_missing, workflow_unpinned_action, workflow_deploy_unprotected)
