"""The break-glass preflight: before anything could close the way out, check the user in its account.

Read (through the organization access role, :mod:`consolezero.integrations.aws.boto_iam`): the user
exists at the declared path, has an MFA device (hardware or passkey, unless the declaration says
``mfa: any``; a virtual device is a warning), and has no active access key. :func:`judge` turns what was
read into a verdict with what is missing and the fix; pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from consolezero.integrations.aws.port import AwsError

if TYPE_CHECKING:
    from consolezero.core.model import BreakGlass
    from consolezero.integrations.aws.port import AwsPort

RUNBOOK = "docs/runbooks/break-glass.md"


@dataclass(frozen=True)
class BreakGlassState:
    """The break-glass IAM user as found in its account."""

    account_id: str
    user: str
    path: str
    exists: bool = False
    arn: str | None = None
    actual_path: str | None = None
    mfa_serials: tuple[str, ...] = ()
    active_keys: tuple[str, ...] = ()
    error: str | None = None  # why it could not be read (no role to assume, access denied, ...)


def mfa_kind(serial: str) -> str:
    """``virtual`` (an authenticator app: ``arn:...:mfa/NAME``), ``passkey`` (FIDO security key or passkey:
    ``arn:...:u2f/...``) or ``hardware`` (a hardware TOTP token: its serial number, not an ARN)."""
    if serial.startswith("arn:"):
        return "passkey" if ":u2f/" in serial else "virtual"
    return "hardware"


def read_break_glass(port: AwsPort, account_id: str, glass: BreakGlass) -> BreakGlassState:
    """Read the user, its MFA devices and its access keys (3 calls after the role is assumed)."""
    path = glass.path or "/"
    try:
        user = port.iam_user(account_id, glass.user)
        if user is None:
            return BreakGlassState(account_id, glass.user, path)
        serials = tuple(port.mfa_devices(account_id, glass.user))
        keys = tuple(k.id for k in port.access_keys(account_id, glass.user) if k.status == "Active")
    except AwsError as exc:
        return BreakGlassState(account_id, glass.user, path, error=f"{exc.code}: {exc.message}")
    return BreakGlassState(account_id, glass.user, path, exists=True, arn=user.arn, actual_path=user.path,
                           mfa_serials=serials, active_keys=keys)


@dataclass(frozen=True)
class Preflight:
    """The verdict on one break-glass user: ``pass`` or ``fail``, what is missing, the fix."""

    account: str
    account_id: str
    user: str
    path: str
    mfa: str  # what the declaration asks: hardware | any
    verdict: str  # pass | fail
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    fix: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    def to_json(self) -> dict[str, Any]:
        return {"account": self.account, "account_id": self.account_id, "user": self.user, "path": self.path,
                "mfa": self.mfa, "verdict": self.verdict, "missing": list(self.missing),
                "warnings": list(self.warnings), "fix": self.fix}

    def line(self) -> str:
        where = f"{self.user} ({self.path}) in {self.account} ({self.account_id})"
        if self.passed:
            extra = f" ({'; '.join(self.warnings)})" if self.warnings else ""
            return f"preflight: break-glass user {where}: pass: exists, MFA, no active access key{extra}"
        return f"preflight: break-glass user {where}: FAIL: {'; '.join(self.missing)}"


def judge(glass: BreakGlass, account_id: str, state: BreakGlassState | None) -> Preflight:
    """The preflight verdict from what was read (``state`` None: the account is not in the organization)."""
    path = glass.path or "/"
    mfa = getattr(glass, "mfa", "hardware") or "hardware"
    base = {"account": glass.account, "account_id": account_id, "user": glass.user, "path": path, "mfa": mfa}
    create = (f"aws iam create-user --user-name {glass.user} --path {path}, then register a "
              f"{'hardware MFA device or passkey' if mfa == 'hardware' else 'MFA device'} ({RUNBOOK})")
    if state is None:
        return Preflight(**base, verdict="fail", missing=(f"account {glass.account} is not in the organization",),
                         fix=f"create or invite account {glass.account}, then {create}")
    if state.error:
        return Preflight(**base, verdict="fail", missing=(f"the user could not be checked: {state.error}",),
                         fix="let consolezero assume OrganizationAccountAccessRole (or bootstrap's member role) in "
                             f"{glass.account}, then re-run apply")
    if not state.exists:
        return Preflight(**base, verdict="fail", missing=(f"user {glass.user} does not exist",),
                         fix=f"in {glass.account}: {create}")
    missing: list[str] = []
    fixes: list[str] = []
    warnings: list[str] = []
    if state.actual_path != path:
        missing.append(f"user {glass.user} is at path {state.actual_path}, not {path}")
        fixes.append(f"move it: aws iam update-user --user-name {glass.user} --new-path {path}")
    kinds = [mfa_kind(s) for s in state.mfa_serials]
    strong = [k for k in kinds if k in ("hardware", "passkey")]
    if not kinds:
        missing.append("no MFA device")
        fixes.append(f"register a {'hardware MFA device or passkey' if mfa == 'hardware' else 'MFA device'} "
                     f"for {glass.user}")
    elif mfa == "hardware" and not strong:
        warnings.append("only a virtual MFA device: the declaration asks for hardware or a passkey")
    if state.active_keys:
        missing.append(f"active access key {', '.join(state.active_keys)}")
        fixes += [f"aws iam delete-access-key --user-name {glass.user} --access-key-id {k}" for k in state.active_keys]
    if missing:
        return Preflight(**base, verdict="fail", missing=tuple(missing), warnings=tuple(warnings),
                         fix=f"in {glass.account}: " + "; ".join(fixes))
    return Preflight(**base, verdict="pass", warnings=tuple(warnings))
