"""The census as text (the journey table, then every user and key) and markdown (an issue or PR comment)."""

from __future__ import annotations

from datetime import datetime

from consolezero.core.contracts import dump_json

from .census import RECENT, STALE, AccountCensus, Census, Key, to_json


def _row(account: AccountCensus, now: datetime) -> list[str]:
    keys = [k for u in account.users for k in u.keys]
    if account.error:
        return [account.name, account.id, "?", "?", "?", "?", "no", "yes" if account.deny_user else "no",
                account.reasons[0]]
    why = "; ".join(account.reasons + account.notes) if account.reasons or account.notes else "-"
    return [account.name, account.id, str(len(account.users)), str(len(keys)),
            str(sum(k.used_within(now, RECENT) for k in keys)),
            str(sum(k.active and k.unused_for(now, STALE) for k in keys)),
            "yes" if account.ready else "no", "yes" if account.deny_user else "no", why]


HEADER = ["ACCOUNT", "ID", "USERS", "KEYS", "USED 30D", "UNUSED 90D", "READY", "DENYUSER", "WHY NOT / NOTES"]


def _age(key: Key, now: datetime) -> str:
    from .census import _time

    created = _time(key.created)
    return f"{(now - created).days} d" if created else "?"


def _key_line(key: Key, now: datetime) -> str:
    used = f"last used {key.last_used[:10]}" if key.last_used else "never used"
    service = f" ({key.last_service})" if key.last_service else ""
    state = "active" if key.active else "inactive"
    return f"key {key.id or '(id not read)'} {state}, {_age(key, now)} old, {used}{service}"


def render_text(census: Census) -> str:
    rows = [HEADER] + [_row(a, census.now) for a in census.accounts]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER) - 1)]
    out = [f"IAM users and access keys, {len(census.accounts)} account(s), as of "
           f"{census.now.strftime('%Y-%m-%d %H:%M UTC')}", ""]
    for r in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1])
    s = census.summary()
    out += ["", f"{s['users']} user(s) ({s['break_glass_users']} break-glass), {s['keys']} key(s) "
                f"({s['active_keys']} active), {s['keys_used_30d']} used in the last 30 days, "
                f"{s['keys_unused_90d']} active and unused for 90 days; ready for DenyUser: "
                f"{s['ready_for_deny_user']} of {s['accounts']} account(s)"]
    users = [(a, u) for a in census.accounts for u in a.users]
    if users:
        out += ["", "Users:"]
        for account, user in users:
            flags = [f for f, on in (("break-glass", user.break_glass), ("console password", user.password),
                                     ("MFA", user.mfa)) if on]
            out.append(f"  {account.name}: {user.arn}" + (f" [{', '.join(flags)}]" if flags else ""))
            out += [f"      {_key_line(k, census.now)}" for k in user.keys]
    else:
        out += ["", "No IAM users: console zero."]
    return "\n".join(out) + "\n"


def render_markdown(census: Census) -> str:
    s = census.summary()
    out = ["### consolezero census: IAM users and access keys", "",
           f"{s['users']} user(s) ({s['break_glass_users']} break-glass), {s['keys']} key(s), "
           f"{s['keys_used_30d']} used in the last 30 days, {s['keys_unused_90d']} unused for 90 days; "
           f"**{s['ready_for_deny_user']} of {s['accounts']}** account(s) ready for DenyUser "
           f"(as of {census.now.strftime('%Y-%m-%d')}).", "",
           "| " + " | ".join(h.title() for h in HEADER) + " |", "|" + "---|" * len(HEADER)]
    for account in census.accounts:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in _row(account, census.now)) + " |")
    users = [(a, u) for a in census.accounts for u in a.users]
    if users:
        out += ["", "<details><summary>Users and keys</summary>", ""]
        for account, user in users:
            mark = " (break-glass)" if user.break_glass else ""
            out.append(f"- `{account.name}` `{user.arn}`{mark}")
            out += [f"  - {_key_line(k, census.now)}" for k in user.keys]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def render_json(census: Census) -> str:
    return dump_json(to_json(census))
