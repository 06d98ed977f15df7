"""AWS error paths moto never produces, through botocore's Stubber on real boto3 clients."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from consolezero.apply.executor import StepFailed, Timeouts, execute
from consolezero.integrations.aws.boto import BotoPort
from consolezero.integrations.aws.port import AsyncStatus, AwsError, AwsTimeout
from consolezero.integrations.aws.waiter import wait_for
from consolezero.plan.actions import Assign, DetachScp, Target
from consolezero.plan.types import P_ASSIGN, P_DETACH, Change, Plan

ROOT_ID = "r-ab12"
OU_ID = "ou-ab12-11111111"
POLICY_ID = "p-12345678"
INSTANCE = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
PS_ARN = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"
REQ = "12345678-1234-1234-1234-123456789012"
CAR = "car-1234567890abcdef1234567890abcdef"
DENY_ONLY = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}'


@pytest.fixture
def stubbed():
    session = boto3.session.Session(aws_access_key_id="ASIASTUBBEDEXAMPLE01", aws_secret_access_key="x",
                                    aws_session_token="x", region_name="us-east-1")
    org = session.client("organizations", region_name="us-east-1")
    sso = session.client("sso-admin", region_name="eu-west-1")
    sleeps: list[float] = []
    port = BotoPort(session=session, clients={"organizations": org, "sso-admin": sso}, sleep=sleeps.append)
    with Stubber(org) as org_stub, Stubber(sso) as sso_stub:
        yield port, org_stub, sso_stub, sleeps
        org_stub.assert_no_pending_responses()
        sso_stub.assert_no_pending_responses()


def summary(pid: str, name: str, aws_managed: bool = False) -> dict:
    return {"Id": pid, "Arn": f"arn:aws:organizations::aws:policy/service_control_policy/{pid}", "Name": name,
            "Description": "", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": aws_managed}


def detach_plan(target: str = "ou:Workloads") -> Plan:
    change = Change("detach", "attachment", "DenyS3", target, P_DETACH, f"detach DenyS3 from {target}",
                    action=DetachScp(policy="DenyS3", policy_id=POLICY_ID, target=Target.parse(target),
                                     target_id=OU_ID))
    return Plan("f" * 64, (change,), context={"root_id": ROOT_ID, "policy_ids": {"DenyS3": POLICY_ID}})


def test_duplicate_attachment_means_attached(stubbed) -> None:
    port, org, _, _ = stubbed
    org.add_client_error("attach_policy", "DuplicatePolicyAttachmentException", "already attached",
                         expected_params={"PolicyId": POLICY_ID, "TargetId": OU_ID})
    assert port.attach_scp(POLICY_ID, OU_ID) is False


def test_policy_not_attached_means_detached(stubbed) -> None:
    port, org, _, _ = stubbed
    org.add_client_error("detach_policy", "PolicyNotAttachedException", "not attached",
                         expected_params={"PolicyId": POLICY_ID, "TargetId": OU_ID})
    assert port.detach_scp(POLICY_ID, OU_ID) is False


def test_concurrent_modification_is_retried_with_backoff(stubbed) -> None:
    port, org, _, sleeps = stubbed
    for _ in range(2):
        org.add_client_error("attach_policy", "ConcurrentModificationException", "try again")
    org.add_response("attach_policy", {}, {"PolicyId": POLICY_ID, "TargetId": OU_ID})
    assert port.attach_scp(POLICY_ID, OU_ID) is True
    assert len(sleeps) == 2 and sleeps[0] < sleeps[1] * 2


def test_throttling_retries_are_bounded(stubbed) -> None:
    port, org, _, sleeps = stubbed
    for _ in range(6):
        org.add_client_error("list_roots", "TooManyRequestsException", "slow down", http_status_code=429)
    with pytest.raises(AwsError) as info:
        port.root_id()
    assert info.value.code == "TooManyRequestsException"
    assert len(sleeps) == 5 and max(sleeps) <= 10


def test_constraint_violation_is_one_clear_line_naming_the_target(stubbed) -> None:
    port, org, _, _ = stubbed
    org.add_response("list_policies_for_target", {"Policies": [summary(POLICY_ID, "DenyS3"),
                                                               summary("p-FullAWSAccess", "FullAWSAccess", True)]})
    org.add_client_error("detach_policy", "ConstraintViolationException", "You cannot remove the last policy.",
                         modeled_fields={"Reason": "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"})
    with pytest.raises(StepFailed) as info:
        execute(detach_plan(), port)
    message = str(info.value)
    assert "AWS refused to detach DenyS3 on ou:Workloads" in message
    assert "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED" in message
    assert "\n" not in message


def test_detach_attaches_full_aws_access_first_when_nothing_else_allows(stubbed) -> None:
    port, org, _, _ = stubbed
    org.add_response("list_policies_for_target", {"Policies": [summary(POLICY_ID, "DenyS3"),
                                                               summary("p-other", "TheirDeny")]},
                     {"TargetId": OU_ID, "Filter": "SERVICE_CONTROL_POLICY", "MaxResults": 20})
    org.add_response("describe_policy", {"Policy": {"PolicySummary": summary("p-other", "TheirDeny"),
                                                    "Content": DENY_ONLY}}, {"PolicyId": "p-other"})
    org.add_response("attach_policy", {}, {"PolicyId": "p-FullAWSAccess", "TargetId": OU_ID})
    org.add_response("detach_policy", {}, {"PolicyId": POLICY_ID, "TargetId": OU_ID})
    notes = []
    result = execute(detach_plan(), port, lambda p: notes.append(p.message))
    assert any(n.startswith("safety: attached FullAWSAccess to ou:Workloads") for n in notes)
    assert len(result.applied) == 1


def test_full_aws_access_is_kept_when_it_is_the_only_allow(stubbed) -> None:
    port, org, _, _ = stubbed
    change = Change("detach", "attachment", "FullAWSAccess", "ou:Workloads", P_DETACH, "detach FullAWSAccess",
                    action=DetachScp(policy="FullAWSAccess", policy_id="p-FullAWSAccess", target=Target.ou("Workloads"),
                                     target_id=OU_ID))
    org.add_response("list_policies_for_target", {"Policies": [summary("p-FullAWSAccess", "FullAWSAccess", True)]})
    notes = []
    execute(Plan("f" * 64, (change,), context={"root_id": ROOT_ID}), port, lambda p: notes.append(p.message))
    assert any("kept FullAWSAccess on ou:Workloads" in n for n in notes)  # and no detach_policy call


def assign_plan() -> Plan:
    change = Change("assign", "assignment", "ReadOnly", "account:prod-app", P_ASSIGN, "assign ReadOnly",
                    details={"principal": "group:everyone"},
                    action=Assign(permission_set="ReadOnly", arn=PS_ARN, account="prod-app",
                                  account_id="333333333333", principal_type="GROUP", principal_id="g-1",
                                  principal="group:everyone"))
    return Plan("f" * 64, (change,), context={"root_id": ROOT_ID, "instance_arn": INSTANCE})


def test_assignment_is_polled_until_it_succeeds(stubbed) -> None:
    port, _, sso, _ = stubbed
    sso.add_response("create_account_assignment", {"AccountAssignmentCreationStatus": {
        "Status": "IN_PROGRESS", "RequestId": REQ}})
    sso.add_response("describe_account_assignment_creation_status", {"AccountAssignmentCreationStatus": {
        "Status": "IN_PROGRESS", "RequestId": REQ}},
        {"InstanceArn": INSTANCE, "AccountAssignmentCreationRequestId": REQ})
    sso.add_response("describe_account_assignment_creation_status", {"AccountAssignmentCreationStatus": {
        "Status": "SUCCEEDED", "RequestId": REQ}})
    result = execute(assign_plan(), port, timeouts=Timeouts(poll_interval=0.001), sleep=lambda s: None)
    assert len(result.applied) == 1


def test_failed_assignment_is_a_clear_error(stubbed) -> None:
    port, _, sso, _ = stubbed
    sso.add_response("create_account_assignment", {"AccountAssignmentCreationStatus": {
        "Status": "FAILED", "RequestId": REQ, "FailureReason": "the permission set is not valid"}})
    with pytest.raises(StepFailed, match="the permission set is not valid"):
        execute(assign_plan(), port, sleep=lambda s: None)


def test_waiter_times_out_with_a_clear_error() -> None:
    now = [0.0]
    polls = []

    def poll(request_id: str) -> AsyncStatus:
        polls.append(request_id)
        return AsyncStatus("IN_PROGRESS", request_id)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(AwsTimeout, match="creating account lab did not finish within 60 s"):
        wait_for(AsyncStatus("IN_PROGRESS", CAR), poll, "creating account lab", timeout=60, interval=1,
                 max_interval=8, clock=lambda: now[0], sleep=sleep)
    assert 5 <= len(polls) <= 12  # exponential backoff, capped


def test_create_account_is_polled(stubbed) -> None:
    port, org, _, _ = stubbed
    org.add_response("create_account", {"CreateAccountStatus": {"Id": CAR, "State": "IN_PROGRESS"}})
    org.add_response("describe_create_account_status", {"CreateAccountStatus": {
        "Id": CAR, "State": "SUCCEEDED", "AccountId": "999999999999"}}, {"CreateAccountRequestId": CAR})
    start = port.start_create_account("lab", "aws+lab@example.com", {"managed-by": "consolezero"})
    done = wait_for(start, port.create_account_status, "creating account lab", sleep=lambda s: None)
    assert done.result_id == "999999999999"


# -- endpoints that are not (or no longer) an AWS API: fail in seconds, in one line -------------------
def _server(handler) -> tuple[str, list[int], object]:
    """A TCP server on 127.0.0.1 running ``handler(conn)`` per connection; -> (url, connection count, server)."""
    import socket
    import threading

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    count = [0]
    held: list[object] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            count[0] += 1
            held.append(conn)
            handler(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    class Stub:
        def close(self) -> None:
            """Stop the accepting thread BEFORE the descriptor is freed: a thread still inside accept() on a
            reused descriptor number would answer another server's connections (the emulator's, started next)."""
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept()
            except OSError:
                pass
            thread.join(timeout=5)
            sock.close()

    return f"http://127.0.0.1:{sock.getsockname()[1]}", count, Stub()


def _port(url: str) -> BotoPort:
    session = boto3.session.Session(aws_access_key_id="ASIASTUBBEDEXAMPLE01", aws_secret_access_key="x",
                                    aws_session_token="x", region_name="us-east-1")
    return BotoPort(session=session, endpoint_url=url)


def test_an_endpoint_that_never_answers_is_tried_twice_not_ten_times(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import consolezero.integrations.aws.boto as boto_port

    monkeypatch.setattr(boto_port, "READ_TIMEOUT", 0.3)
    url, connections, sock = _server(lambda conn: None)  # accepts, never answers
    try:
        started = time.monotonic()
        with pytest.raises(AwsError) as caught:
            _port(url).root_id()
        assert time.monotonic() - started < 10
    finally:
        sock.close()
    assert caught.value.code == "ReadTimeoutError"
    assert connections[0] == boto_port.CONNECTION_ATTEMPTS == 2


def test_an_html_error_page_becomes_one_line_with_a_hint() -> None:
    body = b"<!DOCTYPE HTML>\n<html>\n<body><h1>Error response</h1>\n<p>Unsupported method</p></body></html>\n"

    def answer(conn) -> None:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 501 Not Implemented\r\nContent-Type: text/html\r\nConnection: close\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        conn.close()

    url, _, sock = _server(answer)
    try:
        with pytest.raises(AwsError) as caught:
            _port(url).root_id()
    finally:
        sock.close()
    assert str(caught.value) == (f"501: HTTP 501 from {url}, which did not answer as an AWS API does "
                                 "(is --endpoint-url / CONSOLEZERO_ENDPOINT_URL right?)")


def test_an_html_500_page_is_asked_once_not_ten_times() -> None:
    """An emulator lacking an API answers HTTP 500 with a web page: asking again cannot help, so the message comes
    at once (botocore's adaptive retries used to take 20 to 40 s); an AWS 500 in JSON is still retried."""
    body = b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"

    def answer(conn) -> None:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 500 INTERNAL SERVER ERROR\r\nContent-Type: text/html\r\nConnection: close\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        conn.close()

    url, connections, sock = _server(answer)
    try:
        with pytest.raises(AwsError) as caught:
            _port(url).root_id()
    finally:
        sock.close()
    assert connections[0] == 1
    assert caught.value.code == "500"

    from consolezero.integrations.aws.boto import _no_more_connection_retries

    class Http:
        def __init__(self, status: int, content: bytes) -> None:
            self.status_code, self.content = status, content

    json_500 = Http(500, b'{"__type":"InternalServerException","message":"try again"}')
    assert _no_more_connection_retries(1, None, response=(json_500, {})) is None  # botocore decides: retried
    assert _no_more_connection_retries(1, None, response=(Http(500, body), {})) is False
    assert _no_more_connection_retries(1, None, response=(Http(200, b"<html>"), {})) is None


@pytest.mark.parametrize(("endpoint", "rate"), [
    (None, 20.0),  # AWS: the parallel scan stays under Identity Center's read quota
    ("https://sso.eu-west-1.amazonaws.com", 20.0),  # any endpoint that is not this machine is treated as AWS
    ("http://10.0.0.5:5000", 20.0),
    ("http://127.0.0.1:5000", 0.0),  # a local emulator has no quota: no client-side limit
    ("http://localhost:4566", 0.0),
])
def test_parallel_reads_are_paced_for_aws_not_for_a_local_emulator(endpoint: str | None, rate: float,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLEZERO_ENDPOINT_URL", raising=False)
    assert BotoPort(endpoint_url=endpoint).read_rate() == rate
