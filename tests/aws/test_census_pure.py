"""The census's reading discipline without an emulator: polling while a report is generated, the bound on
parallel accounts, throttling absorbed by the port (botocore's Stubber), the readiness verdicts."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import boto3
from botocore.stub import Stubber

from consolezero.breakglass.census import AccountCensus, Key, User, census_account, judge_account, read_report
from consolezero.integrations.aws.boto import BotoPort
from consolezero.integrations.aws.port import CredentialReport

HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
          "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
          "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,"
          "access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n")
ROOT = "<root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,N/A,not_supported," \
       "not_supported,true,true,2021-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


class SlowReports:
    """A port whose report is ready after ``pending`` tries; counts how many accounts are read at once."""

    def __init__(self, pending: int = 0) -> None:
        self.pending, self.calls, self.active, self.peak = pending, [], 0, 0
        self.lock = threading.Lock()

    def generate_credential_report(self, account_id: str) -> str:
        with self.lock:
            self.calls.append(("generate", account_id))
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(0.02)
        with self.lock:
            self.active -= 1
        return "STARTED"

    def credential_report(self, account_id: str) -> CredentialReport | None:
        self.calls.append(("get", account_id))
        if self.pending:
            self.pending -= 1
            return None
        return CredentialReport(account_id, HEADER + ROOT)

    def access_keys(self, account_id: str, user: str) -> list:
        return []


def test_a_report_still_being_generated_is_polled_with_a_growing_pause() -> None:
    port, sleeps = SlowReports(pending=2), []
    assert read_report(port, "111111111111", sleeps.append).startswith("user,arn")
    assert [c for c, _ in port.calls] == ["generate", "get"] * 3 and sleeps == [1.0, 2.0]


def test_the_root_users_key_blocks_deny_user() -> None:
    account = census_account(SlowReports(), "prod-app", "111111111111", {})
    judge_account(account, NOW, management=False, jit=False, declared=[])
    assert (account.root_keys, account.ready) == (1, False)
    assert account.reasons == ["the root user has an active access key: delete it"]


def test_accounts_are_read_in_parallel_within_the_bound(monkeypatch) -> None:
    from consolezero.breakglass import census
    from consolezero.integrations.aws.port import LiveAccount

    accounts = [LiveAccount(id=f"{i:012d}", name=f"a{i}", email="", parent_id="r") for i in range(12)]
    monkeypatch.setattr("consolezero.plan.live.read_organization", lambda port: ("r", [], accounts))
    from consolezero.core.model import Model

    port = SlowReports()
    model = Model(organization=None, ous={}, accounts={}, roles={}, scps={})
    result = census.take_census(port, model, now=NOW, workers=3)
    assert len(result.accounts) == 12 and port.peak <= 3 and port.peak >= 2


def test_throttling_is_retried_by_the_port() -> None:
    session = boto3.session.Session(aws_access_key_id="ASIASTUBBEDEXAMPLE01", aws_secret_access_key="x",
                                    aws_session_token="x", region_name="us-east-1")
    iam = session.client("iam", region_name="us-east-1")
    sleeps: list[float] = []
    port = BotoPort(session=session, clients={"iam": iam}, sleep=sleeps.append)
    port._caller = "111111111111"  # the caller's own account: its own IAM client, no role to assume
    with Stubber(iam) as stub:
        stub.add_client_error("generate_credential_report", "Throttling", "Rate exceeded", 400)
        stub.add_response("generate_credential_report", {"State": "COMPLETE"})
        stub.add_response("get_credential_report", {"Content": (HEADER + ROOT).encode(), "ReportFormat": "text/csv"})
        assert read_report(port, "111111111111").startswith("user,arn")
        stub.assert_no_pending_responses()
    assert len(sleeps) == 1


def test_readiness_of_the_jit_account_and_of_break_glass_keys() -> None:
    glass = User("break-glass-admin", "arn:aws:iam::1:user/break-glass/break-glass-admin", True, False, False,
                 (Key("AKIA1", True, "2026-01-01T00:00:00Z", None, None),))
    account = AccountCensus("security", "1", users=[glass])
    judge_account(account, NOW, management=False, jit=True, declared=[("break-glass-admin", "/break-glass/")])
    assert account.reasons == ["break-glass user break-glass-admin has an active access key: delete it",
                               "break-glass user break-glass-admin has no MFA device: register one first"]


def test_an_account_that_cannot_be_read_is_named_not_skipped() -> None:
    from consolezero.integrations.aws.port import AwsError

    class NoRole(SlowReports):
        def generate_credential_report(self, account_id: str) -> str:
            raise AwsError("MemberRoleUnavailable", f"cannot assume a role in account {account_id} "
                           "(consolezero-census: AccessDenied; OrganizationAccountAccessRole: AccessDenied)")

    account = census_account(NoRole(), "prod-app", "111111111111", {})
    judge_account(account, NOW, management=False, jit=False, declared=[])
    assert not account.ready and account.reasons == [
        "could not be read: MemberRoleUnavailable: cannot assume a role in account 111111111111 "
        "(consolezero-census: AccessDenied; OrganizationAccountAccessRole: AccessDenied)"]
