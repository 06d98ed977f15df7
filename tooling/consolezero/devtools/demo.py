"""The whole flow against a local AWS emulator: no AWS account, no credentials.

Starts moto on 127.0.0.1, creates an organization whose member accounts match the example's, the
Identity Store groups the example names (an identity provider would provide them) and the
break-glass IAM user in the JIT account -- still without its MFA device. Then: lint, access
summary (when available), plan and apply (DenyUser is held back: the way out is not verified yet),
plan again (no changes); the security team enables MFA: plan shows DenyUser's attachment, apply,
plan (no changes); a denied CloudTrail event put on the central alerts bus reaches a queue subscribed to
the alerts topic, and explain-denied explains it; a drift round (an SCP detached "in the console" shows
in the plan and apply puts it back); the census of the IAM users and keys seeded as "before console
zero". Then just-in-time elevation, on a clock of its own (``--now``): the copy is a git repository
whose main got the organization at 09:00 and the example's request (alice, Admin on prod-app, PT1H) by
a merge commit at 10:00; at 10:05 the grant is applied (the assignment is created), at 11:05 it has expired (the
assignment is removed and the sessions it issued are ended by a Deny in the permission set), at 12:05
the session duration has passed (the Deny is dropped). Then the emulator stops.

No printing: every line goes through ``emit(kind, text)``; the CLI renders it. Dummy credentials
(an ASIA... key id) are given to the emulator's clients only, never to the environment.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from consolezero.core.model import Organization
    from consolezero.core.repository import Repository
    from consolezero.devtools.seed import SeededOrganization
    from consolezero.integrations.aws.port import AwsPort
    from consolezero.plan.types import Plan

EXAMPLE_PARTS = ("accounts", "roles", "scps", "requests", ".consolezero.yaml")
# the demo's clock: main gets the organization at ORGANIZED and the example's requests at MERGED
ORGANIZED, MERGED = "2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z"
SETUP_NOW, GRANTED_NOW, EXPIRED_NOW, SESSIONS_OVER_NOW = (
    "2026-11-20T09:30:00Z", "2026-11-20T10:05:00Z", "2026-11-20T11:05:00Z", "2026-11-20T12:05:00Z")
Emit = Callable[[str, str], None]  # kind: title | text | plan | ok | error


class DemoFailed(Exception):
    pass


def find_example(explicit: Path | None = None) -> Path:
    """The example organization: the repository this package sits in (or an explicit path)."""
    candidates = [explicit] if explicit else [Path(__file__).resolve().parents[2], Path.cwd()]
    for candidate in candidates:
        if candidate and (candidate / "accounts" / "organization.yaml").is_file():
            return candidate
    if explicit:
        raise DemoFailed(f"--example {explicit}: no accounts/organization.yaml there (--example takes a consolezero "
                         "repository, such as a clone of this one)")
    raise DemoFailed("cannot find the example organization (accounts/organization.yaml); pass --example PATH")


def copy_example(source: Path, dest: Path, parts: tuple[str, ...] = EXAMPLE_PARTS) -> Path:
    """The example organization's files under ``source`` (``parts``: folders and files), copied to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in parts:
        src = source / part
        if src.is_dir():
            shutil.copytree(src, dest / part)
        elif src.is_file():
            shutil.copy2(src, dest / part)
    return dest


def rewrite_account_ids(root: Path, files_to_ids: dict[str, str]) -> None:
    """Point each account file at the id the emulator assigned (comments and layout kept)."""
    for file, account_id in files_to_ids.items():
        path = root / file
        text = path.read_text(encoding="utf-8")
        text, count = re.subn(r'^id:\s*["\']?\d+["\']?', f'id: "{account_id}"', text, count=1, flags=re.M)
        if not count:
            text = f'id: "{account_id}"\n' + text
        path.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class SeededCopy:
    root: Path  # the copy, its account ids rewritten to the emulator's
    organization: Organization
    seed: SeededOrganization
    notes: list[str]  # what was created, one line each


def seed_copy(url: str, source: Path, dest: Path, mfa: bool = True) -> SeededCopy:
    """Copy the organization at ``source`` to ``dest`` and create it in the emulator at ``url``: the organization,
    its member accounts (the copy's ids rewritten to the ones the emulator assigned), the Identity Store groups
    and the break-glass users of the JIT account (with an MFA device when ``mfa``)."""
    from consolezero.core.repository import load_repository
    from consolezero.devtools.seed import enable_break_glass_mfa, seed_break_glass_user, seed_emulator

    copy_example(source, dest)
    model = load_repository(dest).model
    organization = model.organization
    if organization is None:
        raise DemoFailed(f"{source} has no accounts/organization.yaml")
    members = [(a.name, a.email) for a in model.accounts.values() if a.name != organization.management_account]
    seed = seed_emulator(url, members, organization.groups, organization.region)
    ids = {a.file: seed.management_id if a.name == organization.management_account else seed.account_ids[a.name]
           for a in model.accounts.values()}
    rewrite_account_ids(dest, ids)
    notes = [f"organization created: management account {seed.management_id} and {len(members)} member accounts; "
             f"Identity Store groups: {', '.join(organization.groups) or '(none)'}"]
    glass_account = seed.account_ids.get(organization.jit_account)
    for g in organization.break_glass:
        if g.account == organization.jit_account and glass_account:
            seed_break_glass_user(url, glass_account, g.user, g.path or "/", mfa=False)
            if mfa:  # a hardware token, as break-glass users should have
                enable_break_glass_mfa(url, glass_account, g.user, hardware=True)
            notes.append(f"break-glass user {g.user} created in {g.account} ({glass_account})")
    return SeededCopy(root=dest, organization=organization, seed=seed, notes=notes)


def run_demo(emit: Emit, access: Callable[[Path], str | None] | None = None, example: Path | None = None) -> bool:
    """Run the walk-through; True when every step did what it should."""
    from consolezero.core.repository import load_repository
    from consolezero.devtools.emulator import start_emulator
    from consolezero.devtools.seed import (
        DEMO_USERS,
        enable_break_glass_mfa,
        seed_break_glass_user,
        seed_emulator,
        seed_iam_users,
    )
    from consolezero.integrations.aws.boto import EMULATOR_CREDENTIALS, make_port

    try:
        import moto  # noqa: F401 - the emulator
    except ImportError:
        emit("error", "the demo needs the AWS emulator moto: pip install 'moto[server]' (or make demo)")
        return False
    try:
        source = find_example(example)
    except DemoFailed as exc:
        emit("error", str(exc))
        return False
    workdir = Path(tempfile.mkdtemp(prefix="consolezero-demo-"))
    emit("title", "Starting a local AWS emulator (moto) on 127.0.0.1")
    emulator = start_emulator()
    try:
        emulator.reset()  # moto keeps its state per process: start from an empty organization
        emit("text", f"emulator at {emulator.url}; the example organization is copied to {workdir}")
        repo_path = copy_example(source, workdir / "repo")
        model = load_repository(repo_path).model
        organization = model.organization
        if organization is None:
            raise DemoFailed("the example has no accounts/organization.yaml")
        members = [(a.name, a.email) for a in model.accounts.values() if a.name != organization.management_account]
        users = sorted({r.user for r in model.requests if r.user})  # the identity provider has them
        seed = seed_emulator(emulator.url, members, organization.groups, organization.region, users=users)
        ids = {a.file: seed.management_id if a.name == organization.management_account else seed.account_ids[a.name]
               for a in model.accounts.values()}
        rewrite_account_ids(repo_path, ids)
        emit("text", f"organization created: management account {seed.management_id} and {len(members)} member "
                     f"accounts; Identity Store groups: {', '.join(organization.groups)}; users: {', '.join(users)}")
        requests = _git_history(repo_path)
        emit("text", f"the copy is a git repository: main got the organization at {ORGANIZED} and "
                     f"{', '.join(requests) or 'no request'} by a merge commit at {MERGED}")
        glass = [g for g in organization.break_glass if g.account == organization.jit_account]
        glass_account = seed.account_ids.get(organization.jit_account)
        for g in glass:
            if glass_account:
                seed_break_glass_user(emulator.url, glass_account, g.user, g.path or "/", mfa=False)
                emit("text", f"break-glass user {g.user} created in {g.account} ({glass_account}), "
                             "without its MFA device yet")
        now = datetime.now(UTC).replace(microsecond=0)
        for name, users in DEMO_USERS.items():
            if name in seed.account_ids:
                seed_iam_users(emulator.url, seed.account_ids[name], users, now)
                emit("text", f"IAM users from before console zero in {name}: "
                             + ", ".join(f"{u.name} ({len(u.keys)} key(s))" for u in users))
        repo = load_repository(repo_path)
        port = make_port(emulator.url, organization.region, credentials=EMULATOR_CREDENTIALS)
        _lint(emit, repo)
        if access is not None:
            emit("title", "consolezero access: who can do what, where")
            text = access(repo_path)
            emit("text", text if text else "(the access command is not available in this build yet; skipped)")
        _plan_apply_round(emit, repo, port, "consolezero plan: the repository vs the empty organization")
        _expect_no_changes(emit, repo, port, "consolezero plan again: nothing left to do")
        if glass and glass_account:
            emit("title", f"The security team enables MFA on {glass[0].user}: the way out is verified")
            for g in glass:
                enable_break_glass_mfa(emulator.url, glass_account, g.user, hardware=True)
            _plan_apply_round(emit, repo, port, "consolezero plan: DenyUser may now be attached")
            _expect_no_changes(emit, repo, port, "consolezero plan again: nothing left to do")
        _alerts(emit, repo, port, emulator.url)
        _drift(emit, repo, port)
        _census(emit, repo, port)
        _jit(emit, repo, port)
        emit("ok", "demo complete: lint, access, plan, apply, alerts, drift repair, census and a just-in-time "
                   "grant from request to ended sessions all worked against the emulator")
        return True
    except DemoFailed as exc:
        emit("error", str(exc))
        return False
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _lint(emit: Emit, repo: Repository) -> None:
    from consolezero.lint.formats.text import format_finding
    from consolezero.lint.runner import run_lint

    emit("title", "consolezero lint: every offline check")
    result = run_lint(repo)
    open_findings = [f for f in result.findings if not f.suppressed]
    errors = [f for f in open_findings if f.severity.label == "error"]
    for f in open_findings:
        emit("text", format_finding(f))  # the same line `consolezero lint` prints
    if errors:
        raise DemoFailed(f"lint found {len(errors)} error(s) in the example")
    emit("ok", f"lint clean ({len(result.rules)} rules, {len(open_findings)} finding(s) below error)")


def _git_history(root: Path) -> list[str]:
    """Make the copy a git repository: the organization on main at ORGANIZED, its requests merged at MERGED."""
    from consolezero.devtools.gitrepo import init_main, merge_branch

    files = {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
             for p in sorted((root / "requests").rglob("*.yaml"))} if (root / "requests").is_dir() else {}
    for name in files:
        (root / name).unlink()
    init_main(root, ORGANIZED)
    if files:
        merge_branch(root, "request-admin", files, MERGED, message="Request Admin on prod-app (OPS-1234)")
    return list(files)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _plan(repo: Repository, port: AwsPort, now: str = SETUP_NOW) -> Plan:
    from consolezero.apply.service import make_plan
    from consolezero.plan.service import PlanOptions

    return make_plan(repo, port, PlanOptions(now=_at(now)))


def _show_plan(emit: Emit, title: str, plan: Plan) -> None:
    from consolezero.plan.render import render_text

    emit("title", title)
    emit("plan", render_text(plan))


def _expect_no_changes(emit: Emit, repo: Repository, port: AwsPort, title: str, now: str = SETUP_NOW) -> None:
    plan = _plan(repo, port, now)
    _show_plan(emit, title, plan)
    if plan.changes:
        raise DemoFailed("this plan should show no changes")


def _plan_apply_round(emit: Emit, repo: Repository, port: AwsPort, title: str, now: str = SETUP_NOW) -> Plan:
    from consolezero.apply.executor import ApplyError
    from consolezero.apply.service import run_apply

    plan = _plan(repo, port, now)
    _show_plan(emit, title, plan)
    if plan.errors:
        raise DemoFailed("the plan has errors")
    emit("title", "consolezero apply --auto-approve (the plan above, refused if the organization moved since)")
    try:
        result = run_apply(repo, port, saved_plan=plan, now=_at(now),
                           progress=lambda p: emit("text", f"  {p.message}") if p.event == "note" else None)
    except ApplyError as exc:
        raise DemoFailed(f"apply failed: {exc}") from exc
    emit("ok", result.summary())
    if plan.held:
        from consolezero.plan.render import held_line

        emit("text", f"apply exits 1: {held_line(plan)}")
    return plan


def _jit(emit: Emit, repo: Repository, port: AwsPort) -> None:
    """A grant from merge to ended sessions, on the demo's clock."""
    from consolezero.jit.grants import repository_grants
    from consolezero.jit.grants_render import render_text

    if not repo.model.requests:
        return
    emit("title", f"consolezero grants --now {GRANTED_NOW}: the request reached main at {MERGED}")
    emit("plan", render_text(repository_grants(repo, _at(GRANTED_NOW))))
    plan = _plan_apply_round(emit, repo, port, f"consolezero plan --now {GRANTED_NOW}: the grant is active",
                             GRANTED_NOW)
    if not any(c.op == "assign" for c in plan.changes):
        raise DemoFailed("the active grant should be assigned")
    plan = _plan_apply_round(emit, repo, port, f"consolezero plan --now {EXPIRED_NOW}: the grant has expired "
                             "(the scheduled reconcile)", EXPIRED_NOW)
    ended = [c for c in plan.changes if "end_sessions" in c.details]
    if not ended or not any(c.op == "unassign" for c in plan.changes):
        raise DemoFailed("at expiry the assignment should go and the sessions it issued should end")
    emit("text", "the statement added to the permission set's inline policy:\n"
                 + json.dumps(ended[0].details["statement"], indent=2))
    plan = _plan_apply_round(emit, repo, port, f"consolezero plan --now {SESSIONS_OVER_NOW}: the session duration "
                             "since the expiry has passed", SESSIONS_OVER_NOW)
    if not any("stop_ending_sessions" in c.details for c in plan.changes):
        raise DemoFailed("once the session duration has passed the statement should be dropped")
    _expect_no_changes(emit, repo, port, f"consolezero plan --now {SESSIONS_OVER_NOW}: converged again",
                       SESSIONS_OVER_NOW)


def _census(emit: Emit, repo: Repository, port: AwsPort) -> None:
    """Every IAM user and key left in the organization: how far it is from console zero."""
    from consolezero.breakglass.census import take_census
    from consolezero.breakglass.render import render_text

    emit("title", "consolezero census: every IAM user and access key, and which accounts are ready for DenyUser")
    census = take_census(port, repo.model)
    emit("text", render_text(census))
    if any(a.error for a in census.accounts):
        raise DemoFailed("the census could not read every account")


def _alerts(emit: Emit, repo: Repository, port: AwsPort, endpoint_url: str) -> None:
    """A denied CloudTrail event put on the central bus reaches the alerts topic's subscriber."""
    from consolezero.devtools.demo_alerts import alerts_round

    emit("title", "Guardrail alerts: a denied CloudTrail event on the central event bus")
    try:
        message = alerts_round(emit, repo, port, endpoint_url)
    except Exception as exc:  # noqa: BLE001 - any failure of this step is a failed demo, one line
        raise DemoFailed(f"alerts: {exc}") from exc
    if "What to do:" not in message:
        raise DemoFailed("alerts: the message has no guidance")
    emit("ok", "the alert reached the subscriber with its guidance")
    _expect_no_changes(emit, repo, port, "consolezero plan again: the demo's queue subscription is left alone")


def _drift(emit: Emit, repo: Repository, port: AwsPort) -> None:
    """Someone detaches DenyUser from the root in the console; plan shows it, apply puts it back."""
    context = _plan(repo, port).context
    policy_id = context["policy_ids"].get("DenyUser")
    if not policy_id:
        return
    emit("title", "Drift: someone detaches DenyUser from the root in the AWS console")
    port.detach_scp(policy_id, context["root_id"])
    _plan_apply_round(emit, repo, port, "consolezero plan: the drift shows")
    _expect_no_changes(emit, repo, port, "consolezero plan: converged again")
