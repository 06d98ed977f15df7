"""A local AWS emulator for the demo, the tests and the benchmark: moto's ThreadedMotoServer.

moto 5.2.1 lacks a few IAM Identity Center APIs that consolezero uses against real AWS. Because
the server runs in this process, :func:`install_moto_extensions` adds minimal versions of them to
moto's sso-admin handler (emulator only; the real APIs are what :mod:`consolezero.integrations.aws.boto` calls):

- ``ListTagsForResource`` / ``TagResource`` / ``UntagResource`` for permission sets (moto stores
  the tags given at creation but cannot return them, so ownership could not be read);
- ``Put/Get/DeletePermissionsBoundary(To|For|From)PermissionSet``;
- ``DescribePermissionSetProvisioningStatus`` (moto provisions instantly; this answers SUCCEEDED);
- EventBridge rules that target an SNS topic (moto delivers to queues and buses only);
- ``ListAccountsForProvisionedPermissionSet``: moto answers only the caller's account; here it
  answers the accounts that hold an assignment of the set, and honours
  ``ProvisioningStatus=LATEST_PERMISSION_SET_NOT_PROVISIONED``: a change to a set makes it outdated
  in every account it is assigned in, until ``ProvisionPermissionSet``; a new assignment provisions
  the latest version to its account, as in AWS.

STS, as AWS answers it: ``GetCallerIdentity`` for credentials moto did not mint names a role session
(moto says ``user/moto``, an IAM user, which apply rightly refuses), and ``GetSessionToken`` called
with an IAM user's key returns ASIA... credentials that ``GetCallerIdentity`` maps back to that user
(moto returns a fixed AKIA key that names nobody).

IAM: the credential report names the region and service each access key was last used with (moto
writes ``not_supported``), and :func:`set_access_key_usage` back-dates a key's creation and last use
(seeding only: the census needs old, unused and recently used keys).

It also caches ``moto.backends.list_of_moto_modules`` (moto lists its own package folders, ~180
stat() calls, twice per request; a third of the server's time per request).

Nothing here enforces AWS's rules (moto does not either): consolezero must not rely on it to.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from typing import Any

_MARK = "_consolezero_extensions"
_DIRTYING = (
    "update_permission_set", "put_inline_policy_to_permission_set", "delete_inline_policy_from_permission_set",
    "attach_managed_policy_to_permission_set", "detach_managed_policy_from_permission_set",
    "attach_customer_managed_policy_reference_to_permission_set",
    "detach_customer_managed_policy_reference_from_permission_set",
)


def install_moto_extensions() -> None:
    """Add the sso-admin APIs moto 5.2.1 lacks (idempotent; in-process servers only)."""
    from moto import backends
    from moto.ssoadmin import models, responses
    from moto.ssoadmin.exceptions import ResourceNotFoundException

    handler = responses.SSOAdminResponse
    backend_cls = models.SSOAdminBackend
    if getattr(handler, _MARK, False):
        return
    backends.list_of_moto_modules = functools.cache(lambda listing=backends.list_of_moto_modules: tuple(listing()))

    def _find_managed_policy(self: Any, managed_policy_arn: str) -> Any:
        # moto looks the policy's path up under "path", where its own data says "Path": every AWS managed
        # policy outside "/" (job-function/ViewOnlyAccess, service-role/...) was refused by its real ARN
        if self.aws_managed_policies is None:
            from moto.iam.aws_managed_policies import aws_managed_policies_data

            self.aws_managed_policies = json.loads(aws_managed_policies_data)
        name = managed_policy_arn.split("/")[-1]
        policy = self.aws_managed_policies.get(name)
        if policy is not None:
            path = policy.get("Path") or policy.get("path") or "/"
            if managed_policy_arn == f"arn:{self.partition}:iam::aws:policy{path}{name}":
                return models.ManagedPolicy(managed_policy_arn, name)
        raise ResourceNotFoundException(f"Policy does not exist with ARN: {managed_policy_arn}")

    backend_cls._find_managed_policy = _find_managed_policy

    def _ps(self: Any) -> Any:
        return self.ssoadmin_backend._find_permission_set(self._get_param("InstanceArn"),
                                                          self._get_param("ResourceArn")
                                                          or self._get_param("PermissionSetArn"))

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"Tags": list(_ps(self).tags or [])})

    def tag_resource(self: Any) -> str:
        ps = _ps(self)
        tags = {t["Key"]: t["Value"] for t in ps.tags or []}
        tags.update({t["Key"]: t["Value"] for t in self._get_param("Tags") or []})
        ps.tags = [{"Key": k, "Value": v} for k, v in tags.items()]
        return "{}"

    def untag_resource(self: Any) -> str:
        ps = _ps(self)
        drop = set(self._get_param("TagKeys") or [])
        ps.tags = [t for t in ps.tags or [] if t["Key"] not in drop]
        return "{}"

    def put_permissions_boundary_to_permission_set(self: Any) -> str:
        ps = _ps(self)
        ps._cz_boundary = self._get_param("PermissionsBoundary")
        _outdate(self.ssoadmin_backend, ps)
        return "{}"

    def get_permissions_boundary_for_permission_set(self: Any) -> str:
        boundary = getattr(_ps(self), "_cz_boundary", None)
        if not boundary:
            raise ResourceNotFoundException("Could not find a permissions boundary for the permission set")
        return json.dumps({"PermissionsBoundary": boundary})

    def delete_permissions_boundary_from_permission_set(self: Any) -> str:
        ps = _ps(self)
        if not getattr(ps, "_cz_boundary", None):
            raise ResourceNotFoundException("Could not find a permissions boundary for the permission set")
        ps._cz_boundary = None
        _outdate(self.ssoadmin_backend, ps)
        return "{}"

    original_provision = handler.provision_permission_set

    def provision_permission_set(self: Any) -> str:
        ps = _ps(self)
        body = original_provision(self)
        ps._cz_outdated = set()
        request_id = json.loads(body)["PermissionSetProvisioningStatus"]["RequestId"]
        requests = self.ssoadmin_backend.__dict__.setdefault("_cz_provisioning", {})
        requests[request_id] = ps.permission_set_arn
        return body

    def describe_permission_set_provisioning_status(self: Any) -> str:
        request_id = self._get_param("ProvisionPermissionSetRequestId")
        requests = self.ssoadmin_backend.__dict__.get("_cz_provisioning", {})
        if request_id not in requests:
            raise ResourceNotFoundException("Could not find the provisioning request")
        return json.dumps({"PermissionSetProvisioningStatus": {
            "Status": "SUCCEEDED", "RequestId": request_id, "PermissionSetArn": requests[request_id],
            "AccountId": self.current_account}})

    def list_accounts_for_provisioned_permission_set(self: Any) -> str:
        ps = _ps(self)
        accounts = sorted({a.target_id for a in self.ssoadmin_backend.account_assignments
                           if a.permission_set_arn == ps.permission_set_arn})
        if self._get_param("ProvisioningStatus") == "LATEST_PERMISSION_SET_NOT_PROVISIONED":
            accounts = sorted(set(accounts) & getattr(ps, "_cz_outdated", set()))
        return json.dumps({"AccountIds": accounts})

    for function in (list_tags_for_resource, tag_resource, untag_resource, put_permissions_boundary_to_permission_set,
                     get_permissions_boundary_for_permission_set, delete_permissions_boundary_from_permission_set,
                     provision_permission_set, describe_permission_set_provisioning_status,
                     list_accounts_for_provisioned_permission_set):
        setattr(handler, function.__name__, function)

    def dirtying(name: str) -> Any:
        original = getattr(backend_cls, name)

        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(self, *args, **kwargs)
            arn = kwargs.get("permission_set_arn")
            for ps in self.permission_sets:
                if ps.permission_set_arn == arn:
                    _outdate(self, ps)
            return result

        wrapper.__name__ = name
        return wrapper

    for name in _DIRTYING:
        setattr(backend_cls, name, dirtying(name))

    original_assign = backend_cls.create_account_assignment

    def create_account_assignment(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original_assign(self, *args, **kwargs)
        for ps in self.permission_sets:
            if ps.permission_set_arn == kwargs.get("permission_set_arn"):
                getattr(ps, "_cz_outdated", set()).discard(kwargs.get("target_id"))
        return result

    backend_cls.create_account_assignment = create_account_assignment
    _install_sts_extensions()
    _install_credential_report_usage()
    _install_events_to_sns()
    setattr(handler, _MARK, True)


_SESSION_USERS: dict[str, tuple[str, str, str]] = {}  # ASIA key id -> (user id, user ARN, account)
EMULATOR_ROLE = "consolezero-emulator"


def _install_sts_extensions() -> None:
    import secrets

    from moto.core.responses import ActionResult
    from moto.iam.models import iam_backends
    from moto.sts import models as sts_models
    from moto.sts import responses as sts_responses

    original_identity = sts_models.STSBackend.get_caller_identity

    def get_caller_identity(self: Any, access_key_id: str, region: str) -> tuple[str, str, str]:
        if access_key_id in _SESSION_USERS:
            return _SESSION_USERS[access_key_id]
        user_id, arn, account_id = original_identity(self, access_key_id, region)
        if arn.endswith(":user/moto"):  # credentials moto never minted: a role session, as SSO and OIDC give
            return (f"AROAEMULATOR:{EMULATOR_ROLE}", f"arn:aws:sts::{account_id}:assumed-role/{EMULATOR_ROLE}/session",
                    account_id)
        return user_id, arn, account_id

    sts_models.STSBackend.get_caller_identity = get_caller_identity
    original_session_token = sts_responses.TokenResponse.get_session_token

    def get_session_token(self: Any) -> Any:
        key = self.get_access_key()
        user = iam_backends[self.current_account]["aws"].get_user_from_access_key_id(key)
        if user is None:
            return original_session_token(self)
        token = sts_models.Token(duration=self._get_int_param("DurationSeconds", 43200))
        key_id = "ASIA" + secrets.token_hex(8).upper()
        _SESSION_USERS[key_id] = (user.id, user.arn, user.account_id)
        return ActionResult({"Credentials": {"AccessKeyId": key_id, "SecretAccessKey": secrets.token_hex(20),
                                             "SessionToken": secrets.token_hex(40), "Expiration": token.expiration}})

    sts_responses.TokenResponse.get_session_token = get_session_token


def _install_credential_report_usage() -> None:
    """The credential report's access_key_N_last_used_region/_service, as AWS writes them."""
    from moto.iam import models as iam_models

    original = iam_models.User.to_csv

    def to_csv(self: Any) -> str:
        line = original(self)
        fields = line.rstrip("\n").split(",")
        for slot, (region_at, service_at) in enumerate(((11, 12), (16, 17))):
            if slot < len(self.access_keys):
                used = self.access_keys[slot].last_used
                if used is not None and hasattr(used, "service"):
                    fields[region_at], fields[service_at] = used.region, used.service
        return ",".join(fields) + "\n"

    iam_models.User.to_csv = to_csv


def set_access_key_usage(account_id: str, user: str, key_id: str, created: Any, last_used: Any = None,
                         service: str = "s3", region: str = "us-east-1") -> None:
    """Back-date an access key of the in-process emulator (its creation and last use). Seeding only."""
    from moto.iam.models import AccessKeyLastUsed, iam_backends

    found = iam_backends[account_id]["aws"].users[user]
    for key in found.access_keys:
        if key.access_key_id == key_id:
            key.create_date = created.replace(tzinfo=None) if getattr(created, "tzinfo", None) else created
            key.last_used = AccessKeyLastUsed(timestamp=last_used, service=service, region=region) \
                if last_used is not None else None


def _install_events_to_sns() -> None:
    """EventBridge rules with an SNS topic target: moto 5.2 delivers to queues, buses and log groups only
    (an SNS target raises NotImplementedError); here the (transformed) event is published to the topic,
    whose subscriptions moto then delivers (an SQS queue subscribed to it receives the message)."""
    from moto.events import models as events_models
    from moto.events.utils import EventTemplateParser
    from moto.sns.models import sns_backends
    from moto.utilities.arns import parse_arn

    rule_cls = events_models.Rule
    original = rule_cls.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        topics = [t for t in self.targets if t["Arn"].split(":")[2:3] == ["sns"]]
        if topics and self.event_pattern.matches_event(original_event):
            for target in topics:
                transformer = target.get("InputTransformer") or {}
                event = EventTemplateParser.parse(input_template=transformer.get("InputTemplate"),
                                                  input_paths_map=transformer.get("InputPathsMap", {}),
                                                  event=original_event) if transform_input else original_event
                arn = parse_arn(target["Arn"])
                topic = sns_backends[arn.account][arn.region].get_topic(target["Arn"])
                topic.publish(event if isinstance(event, str) else json.dumps(event))
        if not topics:
            original(self, original_event, transform_input)
            return
        others = [t for t in self.targets if t not in topics]
        if others:
            saved, self.targets = self.targets, others
            try:
                original(self, original_event, transform_input)
            finally:
                self.targets = saved

    rule_cls.send_to_targets = send_to_targets


def _outdate(backend: Any, ps: Any) -> None:
    """A changed permission set is outdated in every account it is assigned in."""
    ps._cz_outdated = {a.target_id for a in backend.account_assignments
                       if a.permission_set_arn == ps.permission_set_arn}


@dataclass
class Emulator:
    """A running ThreadedMotoServer on 127.0.0.1."""

    server: Any
    url: str

    def reset(self) -> None:
        """Forget every resource (moto's POST /moto-api/reset)."""
        import urllib.request

        request = urllib.request.Request(f"{self.url}/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:  # the local emulator only
            response.read()

    def stop(self) -> None:
        """Stop serving, at once: werkzeug's loop sees the request to stop only when its select() wakes (every
        0.5 s, or on a connection), so connections wake it until it has stopped."""
        import socket
        import threading

        stopping = threading.Thread(target=self.server.stop, daemon=True)
        stopping.start()
        address = self.server.get_host_and_port()
        while stopping.is_alive():
            try:
                socket.create_connection(address, timeout=0.2).close()
            except OSError:
                pass
            stopping.join(0.01)


class EmulatorError(Exception):
    """The emulator cannot start (the port is taken, moto is missing): one line."""


def start_emulator(port: int = 0) -> Emulator:
    """Start moto on 127.0.0.1 (on ``port``; 0: a free one), with :func:`install_moto_extensions` applied."""
    import socket

    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise EmulatorError("the emulator needs moto: pip install 'moto[server]' (or make demo)") from None
    if port:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as exc:
                raise EmulatorError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror} (another emulator? "
                                    "choose another --port)") from None
    install_moto_extensions()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return Emulator(server=server, url=f"http://{host}:{port}")
