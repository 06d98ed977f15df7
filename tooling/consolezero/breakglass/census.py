"""The census: every IAM user and access key in every account of the organization, read only.

Per account (in parallel, at most ``workers`` at a time; throttling is absorbed by the port's retries):
``GenerateCredentialReport`` then ``GetCredentialReport`` (one pair when the report is ready, as it
usually is within seconds; else polled with a short backoff), plus ``ListAccessKeys`` for the users
that hold keys, to name them. Accounts are read through the organization access role
(:mod:`consolezero.integrations.aws.boto_iam`); the management account with the caller's own
credentials.

Each account is *ready for DenyUser* when no IAM user other than a declared break-glass user holds an
active access key (rotating one needs ``iam:CreateAccessKey``, which DenyUser denies), the root user
holds none, and, in the JIT account, the break-glass user exists at its path with MFA and no key.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from consolezero.core.contracts import versioned
from consolezero.integrations.aws.port import AwsError
from consolezero.policy.scp import exempts, scp_is_deny_user

if TYPE_CHECKING:
    from consolezero.core.model import Model
    from consolezero.integrations.aws.port import AwsPort

RECENT = timedelta(days=30)
STALE = timedelta(days=90)
ROOT_ROW = "<root_account>"


@dataclass(frozen=True)
class Key:
    id: str | None
    active: bool
    created: str | None
    last_used: str | None
    last_service: str | None

    def used_within(self, now: datetime, span: timedelta) -> bool:
        when = _time(self.last_used)
        return when is not None and now - when <= span

    def unused_for(self, now: datetime, span: timedelta) -> bool:
        """Never used (and older than ``span``) or last used more than ``span`` ago."""
        when = _time(self.last_used) or _time(self.created)
        return when is not None and now - when > span


@dataclass(frozen=True)
class User:
    name: str
    arn: str
    break_glass: bool
    password: bool
    mfa: bool
    keys: tuple[Key, ...] = ()

    @property
    def path(self) -> str:
        tail = self.arn.split(":user", 1)[-1] if ":user" in self.arn else f"/{self.name}"
        return tail[: len(tail) - len(self.name)] or "/"


@dataclass
class AccountCensus:
    name: str
    id: str
    users: list[User] = field(default_factory=list)
    root_keys: int = 0
    error: str | None = None
    ready: bool = False
    deny_user: bool = False  # a DenyUser SCP of the repository covers the account
    reasons: list[str] = field(default_factory=list)  # why it is not ready for DenyUser
    notes: list[str] = field(default_factory=list)  # what else stands between it and zero users


@dataclass
class Census:
    accounts: list[AccountCensus]
    now: datetime

    def keys(self) -> list[Key]:
        return [k for a in self.accounts for u in a.users for k in u.keys]

    def summary(self) -> dict[str, int]:
        keys = self.keys()
        users = [u for a in self.accounts for u in a.users]
        return {"accounts": len(self.accounts), "users": len(users),
                "break_glass_users": sum(u.break_glass for u in users),
                "keys": len(keys), "active_keys": sum(k.active for k in keys),
                "keys_used_30d": sum(k.used_within(self.now, RECENT) for k in keys),
                "keys_unused_90d": sum(k.active and k.unused_for(self.now, STALE) for k in keys),
                "ready_for_deny_user": sum(a.ready for a in self.accounts),
                "unreadable": sum(a.error is not None for a in self.accounts)}

    def remaining_users(self) -> int:
        """IAM users that are not declared break-glass users (the number that must reach zero)."""
        return sum(not u.break_glass for a in self.accounts for u in a.users)


def _time(text: str | None) -> datetime | None:
    if not text or text in ("N/A", "not_supported", "no_information"):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(text: str | None) -> str | None:
    when = _time(text)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def _value(text: str | None) -> str | None:
    return None if not text or text in ("N/A", "not_supported", "no_information") else text


def parse_report(content: str) -> list[dict[str, str]]:
    """The credential report's CSV as one mapping per row (the root user's row included)."""
    return list(csv.DictReader(io.StringIO(content)))


def _keys(row: Mapping[str, str], listed: Sequence[Any]) -> list[Key]:
    keys = []
    for slot in ("1", "2"):
        rotated = row.get(f"access_key_{slot}_last_rotated")
        if _value(rotated) is None:
            continue
        created = _iso(rotated)
        match = next((k for k in listed if _iso(k.created) == created), None)
        keys.append(Key(id=match.id if match else None, active=row.get(f"access_key_{slot}_active") == "true",
                        created=created, last_used=_iso(row.get(f"access_key_{slot}_last_used_date")),
                        last_service=_value(row.get(f"access_key_{slot}_last_used_service"))))
    return keys


def read_report(port: AwsPort, account_id: str, sleep: Callable[[float], None] = time.sleep,
                attempts: int = 8) -> str:
    """Generate, then get; while AWS is still generating it, poll with a growing pause."""
    for attempt in range(attempts):
        port.generate_credential_report(account_id)
        report = port.credential_report(account_id)
        if report is not None:
            return report.content
        sleep(min(2.0 ** attempt, 10.0))
    raise AwsError("ReportInProgress", f"the credential report of {account_id} was not ready after {attempts} tries",
                   "get_credential_report")


def census_account(port: AwsPort, name: str, account_id: str, glass: Mapping[tuple[str, str], str],
                   sleep: Callable[[float], None] = time.sleep) -> AccountCensus:
    """One account's users and keys (``glass``: (user, path) -> declared break-glass users of this account)."""
    result = AccountCensus(name=name, id=account_id)
    try:
        rows = parse_report(read_report(port, account_id, sleep))
        for row in rows:
            if row.get("user") == ROOT_ROW:
                result.root_keys = sum(row.get(f"access_key_{s}_active") == "true" for s in "12")
                continue
            has_keys = any(_value(row.get(f"access_key_{s}_last_rotated")) for s in "12")
            listed = port.access_keys(account_id, row["user"]) if has_keys else []
            user = User(name=row["user"], arn=row.get("arn", ""), break_glass=False,
                        password=row.get("password_enabled") == "true", mfa=row.get("mfa_active") == "true",
                        keys=tuple(_keys(row, listed)))
            result.users.append(User(**{**user.__dict__, "break_glass": (user.name, user.path) in glass}))
    except AwsError as exc:
        result.error = f"{exc.code}: {exc.message}"
    return result


def judge_account(account: AccountCensus, now: datetime, management: bool, jit: bool,
                  declared: Sequence[tuple[str, str]], deny_users: Sequence[Any] = ()) -> None:
    """Ready for DenyUser, and why not (``deny_users``: the DenyUser SCPs of the repository covering it)."""
    reasons: list[str] = []
    notes: list[str] = []
    if account.error:
        account.ready, account.reasons = False, [f"could not be read: {account.error}"]
        return
    if management:
        notes.append("the management account: SCPs never restrict it, so DenyUser does nothing here; "
                     "remove its users and keys by hand")
    for user in account.users:
        active = [k for k in user.keys if k.active]
        if user.break_glass:
            if active:
                reasons.append(f"break-glass user {user.name} has an active access key: delete it")
            continue
        recent = [k for k in active if k.used_within(now, RECENT)]
        stale = [k for k in active if k.unused_for(now, STALE)]
        if recent:
            services = sorted({k.last_service for k in recent if k.last_service})
            reasons.append(f"{user.name}: {len(recent)} active key(s) used in the last 30 days"
                           f"{' (' + ', '.join(services) + ')' if services else ''}: move that workload to a role")
        if stale:
            reasons.append(f"{user.name}: {len(stale)} active key(s) unused for 90 days: delete them")
        rest = len(active) - len(recent) - len(stale)
        if rest > 0:
            reasons.append(f"{user.name}: {rest} active key(s): find what uses them, then delete them")
        if not active:
            what = "a console password" if user.password else "no active key"
            notes.append(f"{user.name}: IAM user with {what}: move it to SSO or a role, then delete it")
    if account.root_keys:
        reasons.append("the root user has an active access key: delete it")
    if jit:
        names = {(u.name, u.path): u for u in account.users}
        for user, path in declared:
            found = names.get((user, path))
            if found is None:
                reasons.append(f"break-glass user {user} does not exist at {path}: create it first")
            elif not found.mfa:
                reasons.append(f"break-glass user {user} has no MFA device: register one first")
            if found is not None:
                reasons += [f"{scp.name}'s conditions do not exempt break-glass user {user} ({found.arn})"
                            for scp in deny_users if not exempts(scp.policy, found.arn)]
    account.ready = not reasons
    account.reasons = reasons
    account.notes = notes


def take_census(port: AwsPort, model: Model, now: datetime | None = None, workers: int = 8,
                sleep: Callable[[float], None] = time.sleep) -> Census:
    """Read every account of the organization (read only) and judge each."""
    from consolezero.plan.live import read_organization

    now = now or datetime.now(UTC)
    _root, _ous, live_accounts = read_organization(port)
    by_id = {a.id: a.name for a in model.accounts.values() if a.id}
    org = model.organization
    glass: dict[str, dict[tuple[str, str], str]] = {}
    for g in org.break_glass if org else ():
        account = model.accounts.get(g.account)
        if account is not None and account.id and g.user:
            glass.setdefault(account.id, {})[(g.user, g.path or "/")] = g.user
    accounts = sorted(live_accounts, key=lambda a: (by_id.get(a.id, a.name), a.id))

    def one(live: Any) -> AccountCensus:
        name = by_id.get(live.id, live.name)
        if live.status not in ("ACTIVE", ""):  # suspended or closing: no role can be assumed there
            return AccountCensus(name=name, id=live.id, error=f"the account is {live.status}: not read")
        return census_account(port, name, live.id, glass.get(live.id, {}), sleep)

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(accounts) or 1))) as pool:
        results = list(pool.map(one, accounts))
    management = model.accounts.get(org.management_account) if org else None
    jit = model.accounts.get(org.jit_account) if org else None
    deny_user_scps = [s for s in model.scps.values() if scp_is_deny_user(s)]
    declared_accounts = {a.id: a for a in model.accounts.values() if a.id}
    for result in results:
        account = declared_accounts.get(result.id)
        covering = [s for s in deny_user_scps if account is not None and any(t in account.path() for t in s.targets)]
        is_management = management is not None and result.id == management.id
        result.deny_user = bool(covering) and not is_management  # SCPs never restrict the management account
        judge_account(result, now, is_management,
                      jit is not None and result.id == jit.id, list(glass.get(result.id, {})), covering)
    return Census(accounts=results, now=now)


def to_json(census: Census) -> dict[str, Any]:
    """The versioned contract (``schemas/output/census.schema.json``)."""
    return versioned({"now": census.now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "accounts": [{
                "account": a.name, "id": a.id, "ready_for_deny_user": a.ready, "deny_user": a.deny_user,
                "reasons": list(a.reasons),
                "notes": list(a.notes),                "error": a.error, "root_access_keys": a.root_keys,
                "users": [{"name": u.name, "arn": u.arn, "break_glass": u.break_glass, "password": u.password,
                           "mfa": u.mfa, "access_keys": [{"id": k.id, "active": k.active, "created": k.created,
                                                          "last_used": k.last_used, "last_service": k.last_service}
                                                         for k in u.keys]} for u in a.users]}
                for a in census.accounts],
            "summary": census.summary()})
