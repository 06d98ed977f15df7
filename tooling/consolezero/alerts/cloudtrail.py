"""What CloudTrail records for an IAM action: its event source, its event name, where the event arrives,
whether it is logged by default, and the error codes a denial leaves. Pure tables and lookups.

- ``eventSource`` is ``PREFIX.amazonaws.com`` for nearly every service; the exceptions are the services
  whose API endpoint is not named after their IAM prefix (CloudWatch records ``monitoring``, the
  Resource Groups Tagging API ``tagging``, Pinpoint ``pinpoint``, ...).
- ``eventName`` is the API operation, which is the IAM action's name except where IAM names a
  permission, not an operation (``s3:ListBucket`` is checked by ``ListObjects``/``ListObjectsV2``,
  ``lambda:InvokeFunction`` is ``Invoke``; Lambda's management events carry an API version suffix:
  ``CreateFunction20150331``).
- Global services (IAM, STS's global endpoint, Organizations, CloudFront, Route 53, ...) record their
  events in us-east-1: a rule that should see them must be there.
- Data events (S3 object operations, Lambda Invoke, DynamoDB items, SQS messages, SNS Publish, ...)
  are not logged unless the trail selects them; ``execute-api:Invoke`` is never logged.
"""

from __future__ import annotations

import re

API_CALL = "AWS API Call via CloudTrail"
SIGN_IN = "AWS Console Sign In via CloudTrail"

# errorCode of a denied call: the common forms, then the services that say it their own way
DENIAL_CODES: tuple[str, ...] = (
    "AccessDenied",                      # IAM, STS, S3, CloudFormation, Auto Scaling, RDS, Route 53 (query APIs)
    "AccessDeniedException",             # JSON APIs: KMS, Lambda, DynamoDB, Organizations, ECS, GuardDuty, ...
    "Client.UnauthorizedOperation",      # EC2 (CloudTrail prefixes EC2's client errors with "Client.")
    "UnauthorizedOperation",             # EC2 as some SDK paths record it
    "Client.AccessDenied",               # older EC2-family query APIs
    "AuthorizationError",                # SNS
    "InsufficientPrivilegesException",   # Elastic Beanstalk
    "UnauthorizedAccess",                # a few older APIs (CloudSearch, ...)
)

EVENT_SOURCE_EXCEPTIONS: dict[str, str] = {
    "cloudwatch": "monitoring.amazonaws.com",
    "tag": "tagging.amazonaws.com",
    "mobiletargeting": "pinpoint.amazonaws.com",
    "ses": "ses.amazonaws.com",
    "elasticmapreduce": "elasticmapreduce.amazonaws.com",
    "sso-directory": "sso-directory.amazonaws.com",
    "appstream": "appstream2.amazonaws.com",
}
_SOURCE_TO_PREFIX = {v.split(".")[0]: k for k, v in EVENT_SOURCE_EXCEPTIONS.items()}

# where a global service's events arrive; every other service records in the region it is called in
GLOBAL_REGIONS: dict[str, str] = {
    "iam": "us-east-1", "sts": "us-east-1", "organizations": "us-east-1", "cloudfront": "us-east-1",
    "route53": "us-east-1", "route53domains": "us-east-1", "waf": "us-east-1", "shield": "us-east-1",
    "support": "us-east-1", "health": "us-east-1", "ce": "us-east-1", "account": "us-east-1",
    "aws-portal": "us-east-1", "signin": "us-east-1", "budgets": "us-east-1", "trustedadvisor": "us-east-1",
    "globalaccelerator": "us-west-2",
}

NOT_LOGGED: dict[str, str] = {
    "execute-api": "API Gateway invocations are not recorded by CloudTrail (use API Gateway access logs)",
}

_S3_DATA_NAMES = frozenset({"listbucket", "listbucketversions", "listbucketmultipartuploads",
                            "listmultipartuploadparts", "abortmultipartupload", "bypassgovernanceretention"})
_DATA_EVENTS: dict[str, frozenset[str] | None] = {  # None: every action of the service
    "s3-object-lambda": None,
    "lambda": frozenset({"invokefunction", "invokefunctionurl"}),
    "dynamodb": frozenset({"getitem", "putitem", "updateitem", "deleteitem", "batchgetitem", "batchwriteitem",
                           "query", "scan", "conditioncheckitem", "partiqlselect", "partiqlinsert", "partiqlupdate",
                           "partiqldelete", "getrecords", "getsharditerator"}),
    "sqs": frozenset({"sendmessage", "receivemessage", "deletemessage", "changemessagevisibility"}),
    "sns": frozenset({"publish"}),
    "kinesis": frozenset({"putrecord", "putrecords", "getrecords", "getsharditerator", "subscribetoshard"}),
    "s3express": frozenset({"createsession"}),
}

# permissions checked inside other calls, never an API of their own: a denial shows as another call's
# event whose errorMessage names the permission ("... is not authorized to perform: iam:PassRole ...")
PERMISSION_ONLY = frozenset({"iam:passrole", "sts:tagsession", "sts:setsourceidentity", "sts:setcontext"})
_PERFORM = re.compile(r"not authorized to perform: ([a-z0-9-]+:[A-Za-z0-9*]+)")

# IAM action -> the event names CloudTrail records for it, where they differ
EVENT_NAME_EXCEPTIONS: dict[str, tuple[str, ...]] = {
    "s3:listbucket": ("ListObjects", "ListObjectsV2"),
    "s3:listbucketversions": ("ListObjectVersions",),
    "s3:listallmybuckets": ("ListBuckets",),
    "lambda:invokefunction": ("Invoke",),
}
_NAME_TO_ACTION = {(a.split(":")[0], n): a for a, names in EVENT_NAME_EXCEPTIONS.items() for n in names}
_VERSIONED = frozenset({"lambda"})  # services whose event names carry an API version suffix
_VERSION_SUFFIX = re.compile(r"\d{8}(?:v\d+)?$")


def event_source(prefix: str) -> str:
    prefix = prefix.lower()
    return EVENT_SOURCE_EXCEPTIONS.get(prefix, f"{prefix}.amazonaws.com")


def service_prefix(source: str) -> str:
    """``monitoring.amazonaws.com`` -> ``cloudwatch``; ``iam.amazonaws.com`` -> ``iam``."""
    head = source.strip().lower().removesuffix(".amazonaws.com").split(".")[0]
    return _SOURCE_TO_PREFIX.get(head, head)


def event_names(action: str) -> tuple[str, ...]:
    """The event names CloudTrail records for a canonical ``service:Action``."""
    return EVENT_NAME_EXCEPTIONS.get(action.lower(), (action.split(":", 1)[1],))


def prefix_match(prefix: str) -> bool:
    """Event names of this service carry a version suffix: match them by prefix."""
    return prefix.lower() in _VERSIONED


def action_of(source: str, name: str) -> str:
    """The IAM action a CloudTrail event checks (``iam.amazonaws.com``, ``CreateUser`` -> ``iam:CreateUser``)."""
    prefix = service_prefix(source)
    if (prefix, name) in _NAME_TO_ACTION:
        return _NAME_TO_ACTION[(prefix, name)]
    if prefix in _VERSIONED:
        name = _VERSION_SUFFIX.sub("", name)
    return f"{prefix}:{name}"


def permission_only(action: str) -> bool:
    return action.lower() in PERMISSION_ONLY


def action_in_message(message: object) -> str | None:
    """The action an AccessDenied message names (``... not authorized to perform: iam:PassRole on ...``)."""
    found = _PERFORM.search(message) if isinstance(message, str) else None
    return found.group(1) if found else None


def data_event(action: str) -> bool:
    """A data event: CloudTrail logs it only when the trail selects data events for it."""
    prefix, _, name = action.lower().partition(":")
    if prefix == "s3":
        return "object" in name or name in _S3_DATA_NAMES
    if prefix not in _DATA_EVENTS:
        return False
    names = _DATA_EVENTS[prefix]
    return names is None or name in names


def not_logged(action: str) -> str | None:
    return NOT_LOGGED.get(action.lower().partition(":")[0])


def arrival_region(prefix: str) -> str | None:
    """us-east-1 (or the global service's own region) for global services; None: the region it is called in."""
    return GLOBAL_REGIONS.get(prefix.lower())


def as_eventbridge_event(record: dict) -> dict:
    """The event EventBridge delivers for a CloudTrail record (what rule patterns are matched against)."""
    sign_in = record.get("eventType") == "AwsConsoleSignIn"
    prefix = service_prefix(str(record.get("eventSource", "")))
    account = str(record.get("recipientAccountId") or (record.get("userIdentity") or {}).get("accountId") or "")
    return {"version": "0", "id": str(record.get("eventID") or "00000000-0000-0000-0000-000000000000"),
            "detail-type": SIGN_IN if sign_in else API_CALL, "source": f"aws.{prefix}", "account": account,
            "time": str(record.get("eventTime") or ""), "region": str(record.get("awsRegion") or "us-east-1"),
            "resources": [], "detail": record}
