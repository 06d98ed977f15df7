"""The AWS port over boto3: the only module that imports boto3 or botocore.

Every client gets botocore's adaptive retry mode (throttling is absorbed client-side). On top of
that, a short bounded backoff retries the errors botocore does not (ConcurrentModificationException
from Organizations; ConflictException while a permission set is still being provisioned). Reads
are paginated by hand with the largest page AWS allows, so the call count stays predictable (see
benchmarks/plan_calls.py).
Idempotency: attaching what is attached, detaching what is not, deleting what is gone all succeed.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from .boto_alerts import AlertCalls
from .boto_iam import MemberIamCalls
from .boto_identity import IdentityCenterCalls, async_status, tag_list, tag_map
from .port import (
    AsyncStatus,
    AwsError,
    LiveAccount,
    LiveOu,
    PolicySummary,
)

ENDPOINT_ENV = "CONSOLEZERO_ENDPOINT_URL"
ORGANIZATIONS_REGION = "us-east-1"
SCP = "SERVICE_CONTROL_POLICY"
RETRY_CODES = frozenset({"ConcurrentModificationException", "TooManyRequestsException", "ThrottlingException",
                         "Throttling", "ServiceException", "InternalServerException"})
ORG_PAGE = 20  # the largest MaxResults Organizations accepts
# An endpoint that refuses connections, or accepts them and never answers, must fail in seconds, not after
# botocore's 10 adaptive attempts of 60 s each: connection errors and timeouts get CONNECTION_ATTEMPTS tries
# (throttling keeps the 10); Organizations and Identity Center answer in well under READ_TIMEOUT.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 20
CONNECTION_ATTEMPTS = 2
READ_RATE = 20.0  # calls per second for parallel reads: conservative for Identity Center's read APIs


def client_config() -> Config:
    return Config(retries={"mode": "adaptive", "max_attempts": 10}, user_agent_extra="consolezero",
                  connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT)


def _no_more_connection_retries(attempts: int, caught_exception: Exception | None = None, response: Any = None,
                                **_: Any) -> bool | None:
    """botocore's needs-retry hook: False (do not retry) once a connection error or timeout has been tried enough,
    and at once for an HTTP 500 that is a web page, not an AWS error (an emulator lacking the API answers so, and
    asking again cannot help: botocore's 10 adaptive attempts took 20 to 40 s before the message)."""
    network = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)
    if isinstance(caught_exception, network) and attempts >= CONNECTION_ATTEMPTS:
        return False
    if response is not None and _is_web_page_error(response[0]):
        return False
    return None  # let botocore's retry handler decide


def _is_web_page_error(http: Any) -> bool:
    """An HTTP 5xx whose body is an HTML page: AWS APIs answer errors in JSON or XML, never HTML."""
    if getattr(http, "status_code", 200) < 500:
        return False
    head = (getattr(http, "content", b"") or b"")[:64].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


_LOADER: Any = None


def new_session(**kwargs: Any) -> Any:
    """A boto3 session sharing one botocore data loader per process.

    botocore parses a service's JSON model once per loader; a fresh session per command run (tests
    and the demo make many) would parse them again each time.
    """
    global _LOADER
    session = boto3.session.Session(**kwargs)
    if _LOADER is None:
        _LOADER = session._session.get_component("data_loader")
    else:
        session._session.register_component("data_loader", _LOADER)
    return session


def _new_client(session: Any, service: str, **kwargs: Any) -> Any:
    """A boto3 client with :func:`client_config` and the connection-retry limit."""
    client = session.client(service, config=client_config(), **kwargs)
    service_id = client.meta.service_model.service_id.hyphenize()  # as specific as botocore's own retry handler
    client.meta.events.register_first(f"needs-retry.{service_id}", _no_more_connection_retries)
    return client


def _error_message(code: str, message: str, endpoint: str | None, api: str = "") -> str:
    """One line: an HTML page or an empty body (an endpoint that is not an AWS API) becomes a hint. An emulator
    answering HTTP 500 with a page is one that lacks the API (moto's NotImplementedError): name it."""
    text = " ".join(message.split())
    if endpoint and api and code == "500" and (not text or text.startswith("<")):
        return (f"the emulator at {endpoint} does not implement {api} (it answered HTTP 500); a stock moto server "
                "lacks Identity Center APIs that consolezero uses: start one that has them with `consolezero emulator`")
    if code.isdigit() and (not text or text.startswith("<")):
        return (f"HTTP {code} from {endpoint or 'AWS'}, which did not answer as an AWS API does "
                "(is --endpoint-url / CONSOLEZERO_ENDPOINT_URL right?)")
    return text if len(text) <= 500 else text[:500] + "..."


def _is_loopback(endpoint: str | None) -> bool:
    from urllib.parse import urlparse

    host = urlparse(endpoint).hostname if endpoint else None
    return host in ("localhost", "127.0.0.1", "::1")


def endpoint_from_env(endpoint_url: str | None) -> str | None:
    return endpoint_url or os.environ.get(ENDPOINT_ENV) or None


class BotoPort(AlertCalls, IdentityCenterCalls, MemberIamCalls):
    """The AWS port (:mod:`consolezero.integrations.aws.port`) over boto3 clients (real AWS, or an emulator)."""

    def __init__(self, session: Any | None = None, endpoint_url: str | None = None, sso_region: str = "us-east-1",
                 clients: Mapping[str, Any] | None = None, sleep: Callable[[float], None] = time.sleep,
                 retry_attempts: int = 6, retry_base: float = 0.5) -> None:
        self._session = session
        self._endpoint = endpoint_from_env(endpoint_url)
        self._sso_region = sso_region
        self._clients: dict[str, Any] = dict(clients or {})
        self._sleep = sleep
        self._attempts = max(1, retry_attempts)
        self._base = retry_base
        self._caller: str | None = None
        self._lock = threading.Lock()

    # --- plumbing -------------------------------------------------------------------------
    def read_rate(self) -> float:
        """AWS's read APIs get :data:`READ_RATE` calls per second from the parallel scan; an emulator on this
        machine (a loopback endpoint) has no quota to protect, so it gets no limit."""
        return 0.0 if _is_loopback(self._endpoint) else READ_RATE

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = new_session()
        return self._session

    def client(self, service: str) -> Any:
        with self._lock:  # the complete assignment scan reads in parallel; boto3 clients are thread-safe once made
            return self._client(service)

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            region = ORGANIZATIONS_REGION if service in ("organizations", "iam", "sts") else self._sso_region
            kwargs: dict[str, Any] = {"region_name": region}
            if self._endpoint:
                kwargs["endpoint_url"] = self._endpoint
            self._clients[service] = _new_client(self.session, service, **kwargs)
        return self._clients[service]

    def _call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        client = self.client(service)
        for attempt in range(1, self._attempts + 1):
            try:
                return getattr(client, operation)(**params)
            except botocore.exceptions.ClientError as exc:
                error = exc.response.get("Error", {})
                code = str(error.get("Code", "Unknown"))
                if code in RETRY_CODES and attempt < self._attempts:
                    self._sleep(min(self._base * 2 ** (attempt - 1), 10.0) * (0.5 + random.random() / 2))
                    continue
                api = f"{service} {client.meta.method_to_api_mapping.get(operation, operation)}"
                message = _error_message(code, str(error.get("Message", "")), self._endpoint, api)
                raise AwsError(code, message, operation, exc.response.get("Reason")) from None
            except botocore.exceptions.NoCredentialsError:
                raise AwsError("NoCredentials", "no AWS credentials found (set up SSO or OIDC; "
                               "for an emulator, any dummy credentials do)", operation) from None
            except botocore.exceptions.ParamValidationError as exc:
                raise AwsError("ParamValidation", str(exc), operation) from None
            except botocore.exceptions.BotoCoreError as exc:
                raise AwsError(type(exc).__name__, str(exc), operation) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _pages(self, service: str, operation: str, key: str, page_size: int | None, **params: Any) -> list[Any]:
        items: list[Any] = []
        token: str | None = None
        while True:
            extra: dict[str, Any] = {"NextToken": token} if token else {}
            if page_size:
                extra["MaxResults"] = page_size
            response = self._call(service, operation, **params, **extra)
            items.extend(response.get(key) or [])
            token = response.get("NextToken")
            if not token:
                return items

    def _org(self, operation: str, **params: Any) -> dict[str, Any]:
        return self._call("organizations", operation, **params)

    def _sso(self, operation: str, **params: Any) -> dict[str, Any]:
        return self._call("sso-admin", operation, **params)

    # --- credentials ----------------------------------------------------------------------
    def access_key_id(self) -> str | None:
        credentials = self.session.get_credentials()
        if credentials is None:
            return None
        return credentials.get_frozen_credentials().access_key

    def caller_arn(self) -> str | None:
        return self._call("sts", "get_caller_identity").get("Arn") or None

    # --- Organizations: read --------------------------------------------------------------
    def root_id(self) -> str:
        roots = self._pages("organizations", "list_roots", "Roots", ORG_PAGE)
        if not roots:
            raise AwsError("NoRoot", "the organization has no root (is AWS Organizations enabled?)", "list_roots")
        return roots[0]["Id"]

    def child_ous(self, parent_id: str) -> list[LiveOu]:
        found = self._pages("organizations", "list_organizational_units_for_parent", "OrganizationalUnits", ORG_PAGE,
                            ParentId=parent_id)
        return [LiveOu(id=o["Id"], name=o["Name"], parent_id=parent_id) for o in found]

    def child_accounts(self, parent_id: str) -> list[LiveAccount]:
        found = self._pages("organizations", "list_accounts_for_parent", "Accounts", ORG_PAGE, ParentId=parent_id)
        return [LiveAccount(id=a["Id"], name=a.get("Name", ""), email=a.get("Email", ""), parent_id=parent_id,
                            status=a.get("Status", "ACTIVE")) for a in found]

    def list_scps(self) -> list[PolicySummary]:
        found = self._pages("organizations", "list_policies", "Policies", ORG_PAGE, Filter=SCP)
        return [PolicySummary(id=p["Id"], name=p["Name"], description=p.get("Description") or "",
                              aws_managed=bool(p.get("AwsManaged"))) for p in found]

    def policy_tags(self, policy_id: str) -> dict[str, str]:
        return tag_map(self._pages("organizations", "list_tags_for_resource", "Tags", None, ResourceId=policy_id))

    def policy_content(self, policy_id: str) -> str:
        return self._org("describe_policy", PolicyId=policy_id)["Policy"].get("Content", "")

    def policy_targets(self, policy_id: str) -> list[str]:
        found = self._pages("organizations", "list_targets_for_policy", "Targets", ORG_PAGE, PolicyId=policy_id)
        return [t["TargetId"] for t in found]

    def policies_for_target(self, target_id: str) -> list[PolicySummary]:
        found = self._pages("organizations", "list_policies_for_target", "Policies", ORG_PAGE, TargetId=target_id,
                            Filter=SCP)
        return [PolicySummary(id=p["Id"], name=p["Name"], description=p.get("Description") or "",
                              aws_managed=bool(p.get("AwsManaged"))) for p in found]

    # --- Organizations: write -------------------------------------------------------------
    def create_scp(self, name: str, description: str, content: str, tags: Mapping[str, str]) -> str:
        response = self._org("create_policy", Name=name, Description=description or name, Content=content, Type=SCP,
                             Tags=tag_list(tags))
        return response["Policy"]["PolicySummary"]["Id"]

    def update_scp(self, policy_id: str, description: str | None, content: str | None) -> None:
        params: dict[str, Any] = {"PolicyId": policy_id}
        if description is not None:
            params["Description"] = description
        if content is not None:
            params["Content"] = content
        self._org("update_policy", **params)

    def tag_policy(self, policy_id: str, tags: Mapping[str, str]) -> None:
        self._org("tag_resource", ResourceId=policy_id, Tags=tag_list(tags))

    def untag_policy(self, policy_id: str, keys: list[str]) -> None:
        self._org("untag_resource", ResourceId=policy_id, TagKeys=list(keys))

    def delete_scp(self, policy_id: str) -> None:
        try:
            self._org("delete_policy", PolicyId=policy_id)
        except AwsError as exc:
            if exc.code != "PolicyNotFoundException":
                raise

    def attach_scp(self, policy_id: str, target_id: str) -> bool:
        try:
            self._org("attach_policy", PolicyId=policy_id, TargetId=target_id)
        except AwsError as exc:
            if exc.code == "DuplicatePolicyAttachmentException":
                return False  # already attached: the goal is reached
            raise
        return True

    def detach_scp(self, policy_id: str, target_id: str) -> bool:
        try:
            self._org("detach_policy", PolicyId=policy_id, TargetId=target_id)
        except AwsError as exc:
            if exc.code == "PolicyNotAttachedException":
                return False  # not attached: the goal is reached
            raise
        return True

    def create_ou(self, parent_id: str, name: str, tags: Mapping[str, str]) -> str:
        try:
            response = self._org("create_organizational_unit", ParentId=parent_id, Name=name, Tags=tag_list(tags))
        except AwsError as exc:
            if exc.code != "DuplicateOrganizationalUnitException":
                raise
            for ou in self.child_ous(parent_id):
                if ou.name == name:
                    return ou.id
            raise
        return response["OrganizationalUnit"]["Id"]

    def move_account(self, account_id: str, source_parent_id: str, destination_parent_id: str) -> None:
        try:
            self._org("move_account", AccountId=account_id, SourceParentId=source_parent_id,
                      DestinationParentId=destination_parent_id)
        except AwsError as exc:
            if exc.code != "DuplicateAccountException":  # already in the destination
                raise

    def start_create_account(self, name: str, email: str, tags: Mapping[str, str]) -> AsyncStatus:
        response = self._org("create_account", AccountName=name, Email=email, Tags=tag_list(tags))
        return async_status(response["CreateAccountStatus"], "State")

    def create_account_status(self, request_id: str) -> AsyncStatus:
        response = self._org("describe_create_account_status", CreateAccountRequestId=request_id)
        return async_status(response["CreateAccountStatus"], "State")

    # --- the break-glass user -------------------------------------------------------------
    def caller_account_id(self) -> str:
        if self._caller is None:
            self._caller = str(self._call("sts", "get_caller_identity")["Account"])
        return self._caller


def make_port(endpoint_url: str | None = None, sso_region: str = "us-east-1", session: Any | None = None,
              credentials: Mapping[str, str] | None = None) -> BotoPort:
    """A port for real AWS (the normal credential chain) or, with ``endpoint_url``, an emulator.

    ``credentials`` (access key id, secret, session token) are for emulators only; the demo passes
    dummy ones so that it never touches the environment's real credentials.
    """
    if session is None and credentials:
        session = emulator_session(credentials)
    return BotoPort(session=session, endpoint_url=endpoint_url, sso_region=sso_region)


# --- emulators: dummy credentials (an ASIA... key id, so apply's AKIA check passes) -----------------
EMULATOR_CREDENTIALS = {"aws_access_key_id": "ASIAEMULATOREXAMPLE1", "aws_secret_access_key": "emulator",
                        "aws_session_token": "emulator"}

_SESSIONS: dict[tuple[tuple[str, str], ...], Any] = {}


def emulator_session(credentials: Mapping[str, str]) -> Any:
    """One boto3 session per set of dummy credentials (a new session re-reads botocore's data files)."""
    key = tuple(sorted(credentials.items()))
    if key not in _SESSIONS:
        _SESSIONS[key] = new_session(region_name=ORGANIZATIONS_REGION, **credentials)
    return _SESSIONS[key]
