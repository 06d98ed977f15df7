"""Session-ending statements, pure: which are due at `now`, their shape, merging with a role's own policy, size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from consolezero.jit.grants import Grants, Window
from consolezero.jit.sessions import (
    INLINE_POLICY_MAX_BYTES,
    ROLE_POLICY_MAX_CHARS,
    is_session_statement,
    merge,
    session_ends,
    session_statement,
    size_problem,
    split,
    statement_sid,
)
from consolezero.plan.documents import minify

T = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)


def model(session: int = 3600):
    role = SimpleNamespace(name="Admin", session_duration=session)
    accounts = {"prod-app": SimpleNamespace(id="333333333333"), "staging-app": SimpleNamespace(id="444444444444")}
    return SimpleNamespace(roles={"Admin": role}, accounts=accounts)


def window(end: datetime, account: str = "prod-app", user: str = "alice@example.com") -> Window:
    return Window(user, "Admin", account, end - timedelta(hours=1), end, (f"requests/admin/2026-11/{user}.yaml",))


def test_due_from_the_end_until_the_session_duration_has_passed() -> None:
    ids = {"alice@example.com": "alice-id"}
    moments = ((T - timedelta(seconds=1), 0), (T, 1), (T + timedelta(minutes=59), 1), (T + timedelta(hours=1), 0))
    for now, due in moments:
        ends, warnings = session_ends(Grants(now=now, windows=(window(T),)), model(), ids)
        assert (len(ends), warnings) == (due, []), now
    # a live permission set with a longer session than the role now declares: kept for the longer one
    ends, _ = session_ends(Grants(now=T + timedelta(minutes=90), windows=(window(T),)), model(), ids, {"Admin": 7200})
    assert [e.until for e in ends] == [T + timedelta(hours=2)]


def test_one_statement_per_user_and_account_the_latest_end_covers_the_earlier() -> None:
    ids = {"alice@example.com": "alice-id", "bob@example.com": None}
    windows = (window(T), window(T + timedelta(minutes=20)), window(T, "staging-app"),
               window(T, user="bob@example.com"))
    ends, warnings = session_ends(Grants(now=T + timedelta(minutes=30), windows=windows), model(), ids)
    assert sorted((e.account, e.expiry) for e in ends) == [("prod-app", T + timedelta(minutes=20)), ("staging-app", T)]
    assert warnings == ["requests/admin/2026-11/bob@example.com.yaml: cannot end the sessions of bob@example.com in "
                        "Admin: the user is not in the IAM Identity Center identity store"]


def test_the_statement_and_its_deterministic_readable_sid() -> None:
    statement = session_statement("alice-id", "333333333333", T)
    assert statement == {"Sid": statement_sid("alice-id", "333333333333", T), "Effect": "Deny", "Action": "*",
                         "Resource": "*",
                         "Condition": {"StringEquals": {"identitystore:UserId": "alice-id",
                                                        "aws:PrincipalAccount": "333333333333"},
                                       "DateLessThan": {"aws:TokenIssueTime": "2026-11-20T11:00:00Z"}}}
    assert statement["Sid"] == statement_sid("alice-id", "333333333333", T)  # the same grant, the same Sid
    assert statement["Sid"] != statement_sid("alice-id", "333333333333", T + timedelta(seconds=1))
    assert statement["Sid"].startswith("EndSessions") and statement["Sid"].isalnum() and is_session_statement(statement)
    assert not is_session_statement({"Sid": "EndSessionsForEveryone", "Effect": "Deny"})


def test_merged_after_the_role_s_own_statements_and_split_back() -> None:
    own = {"Version": "2012-10-17", "Statement": {"Sid": "NoBilling", "Effect": "Deny", "Action": "aws-portal:*",
                                                  "Resource": "*"}}
    ended = session_statement("alice-id", "333333333333", T)
    merged = merge(own, [ended])
    assert [s["Sid"] for s in merged["Statement"]] == ["NoBilling", ended["Sid"]]
    rest, ends = split(merged)
    assert rest["Statement"] == [own["Statement"]] and ends == {ended["Sid"]: ended}
    assert merge(None, [ended]) == {"Version": "2012-10-17", "Statement": [ended]}
    assert split(merge(None, [ended])) == (None, {ended["Sid"]: ended})
    assert merge(own, []) is own and split(own) == (own, {})


def test_size_is_checked_after_minifying_against_both_limits() -> None:
    assert (INLINE_POLICY_MAX_BYTES, ROLE_POLICY_MAX_CHARS) == (32_768, 10_240)
    statements = [session_statement(f"alice-{i:032d}", "333333333333", T + timedelta(minutes=i)) for i in range(80)]
    fits = minify(merge(None, statements[:30]))
    assert size_problem(fits) is None
    over = minify(merge(None, statements))
    assert size_problem(over) == (f"{len(over):,} characters, over the 10,240 non-whitespace characters IAM allows "
                                  "in the inline policy of the role each account gets")
    assert "over Identity Center's inline policy limit of 32,768 bytes" in size_problem(" " * 32_769)
