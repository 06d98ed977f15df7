"""A table of hand-checked decisions, from AWS's policy evaluation logic and SCP examples.

Every row asserts the decision AND the statements (or the missing Allow) that decide it. The
scenarios follow the IAM User Guide ("Policy evaluation logic", "Permissions boundaries") and the
Organizations User Guide ("SCP evaluation", "Strategies for using SCPs", example SCPs): an SCP Allow
must exist at every level from the root to the account; an explicit Deny anywhere wins; a boundary
only caps; the management account is not restricted by SCPs.
"""

from __future__ import annotations

import pytest
from policy_helpers import aws_managed, labeled

from consolezero.policy.conditions import Context
from consolezero.policy.evaluate import Evaluator, ScpLevel

# -- the policies -------------------------------------------------------------------------------------
FULL = aws_managed("FullAWSAccess", "scps/full-aws-access.yaml")
FULL_LABEL = "scps/full-aws-access.yaml#Statement[0]"
ADMIN = aws_managed("AdministratorAccess", "aws:AdministratorAccess")
ADMIN_LABEL = "aws:AdministratorAccess#Statement[0]"
RO = aws_managed("ReadOnlyAccess", "aws:ReadOnlyAccess")
POWER = aws_managed("PowerUserAccess", "aws:PowerUserAccess")

DENY_USER = labeled("scps/deny-user.yaml", {
    "Sid": "DenyIamUsers", "Effect": "Deny",
    "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"],
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/break-glass/*"}}})
TRIFECTA = labeled("scps/trifecta-guardrail.yaml", {
    "Sid": "FencePassRole", "Effect": "Deny", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::*:role/app-*"})
REGION = labeled("scps/region.yaml", {
    "Sid": "DenyOtherRegions", "Effect": "Deny", "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*"],
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}})
ALLOW_LIST = labeled("scps/allow-list.yaml", {
    "Sid": "AllowCore", "Effect": "Allow", "Action": ["s3:*", "ec2:*", "iam:*", "sts:*", "cloudwatch:*"]})
ALLOW_LAMBDA = labeled("scps/allow-lambda.yaml", {"Sid": "AllowLambda", "Effect": "Allow", "Action": "lambda:*"})
ONLY_THESE = labeled("scps/only-these.yaml", {
    "Sid": "DenyAllExcept", "Effect": "Deny", "NotAction": ["s3:*", "sts:*", "iam:Get*", "iam:List*"]})
QMARK = labeled("scps/qmark.yaml", {"Sid": "DenyPassRoleQ", "Effect": "Deny", "Action": "iam:Pas?Role"})
SVC_WILD = labeled("scps/svc-wild.yaml", {"Sid": "DenyDeleteBucket", "Effect": "Deny", "Action": "*:DeleteBucket*"})
NO_LEAVE = labeled("scps/deny-leave.yaml", {
    "Sid": "DenyLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn":
                                 "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"}}})
EXEMPT_TWO = labeled("scps/exempt-two.yaml", {
    "Sid": "DenyCloudTrailStop", "Effect": "Deny", "Action": "cloudtrail:StopLogging",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": [
        "arn:aws:iam::*:user/break-glass/*",
        "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*"]}}})
AND_KEYS = labeled("scps/and-keys.yaml", {
    "Sid": "DenyKmsOutsideEu", "Effect": "Deny", "Action": "kms:*",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*AWSReservedSSO_Admin_*"},
                  "StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}})
IF_EXISTS = labeled("scps/if-exists.yaml", {
    "Sid": "DenyForeignAccounts", "Effect": "Deny", "Action": "s3:*",
    "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalAccount": "333333333333"}}})
ACCOUNT_DENY = labeled("scps/account-deny.yaml", {
    "Sid": "DenyInProd", "Effect": "Deny", "Action": "rds:DeleteDBInstance",
    "Condition": {"StringEquals": {"aws:PrincipalAccount": ["333333333333"]}}})
NOT_LIKE_ADMIN = labeled("scps/not-like.yaml", {
    "Sid": "OnlyAdminsRoute53", "Effect": "Deny", "Action": "route53:*",
    "Condition": {"StringNotLike": {"aws:PrincipalArn": "*AWSReservedSSO_Admin_*"}}})
BAD_OPERATOR = labeled("scps/bad-op.yaml", {
    "Sid": "Odd", "Effect": "Deny", "Action": "sqs:*", "Condition": {"StringEqualz": {"aws:PrincipalArn": "x"}}})
VARIABLE = labeled("scps/variable.yaml", {
    "Sid": "OwnOnly", "Effect": "Deny", "Action": "sns:*",
    "Condition": {"StringNotLike": {"aws:PrincipalArn": "${aws:username}"}}})
NULL_CHECK = labeled("scps/null.yaml", {
    "Sid": "DenyAnonymous", "Effect": "Deny", "Action": "sqs:*", "Condition": {"Null": {"aws:PrincipalArn": "true"}}})
ALLOW_NOT_IAM = labeled("scps/sandbox-allow.yaml", {"Sid": "AllowAllButIam", "Effect": "Allow", "NotAction": "iam:*"})
ALLOW_EU = labeled("scps/allow-eu.yaml", {
    "Sid": "AllowInEu", "Effect": "Allow", "Action": "*",
    "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}})
ALLOW_SCOPED = labeled("scps/allow-scoped.yaml", {
    "Sid": "AllowAppBuckets", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::app-*"})
DENY_NOT_RESOURCE = labeled("scps/protect.yaml", {
    "Sid": "ProtectRoles", "Effect": "Deny", "Action": "iam:DeleteRole", "NotResource": "arn:aws:iam::*:role/app-*"})
ROOT_DENY = labeled("scps/root-deny.yaml", {"Sid": "DenyShield", "Effect": "Deny", "Action": "shield:*"})

DEV_INLINE = labeled("roles/dev.yaml", {
    "Sid": "AllButIam", "Effect": "Allow", "NotAction": ["iam:*", "organizations:*"]})
APP_BUCKETS = labeled("roles/app.yaml", {
    "Sid": "AppBuckets", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::app-*/*"})
NEED_MFA = labeled("roles/mfa.yaml", {
    "Sid": "NeedMfa", "Effect": "Allow", "Action": "ec2:*",
    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
DENY_S3 = labeled("roles/deny-s3.yaml", {"Sid": "DenyS3", "Effect": "Deny", "Action": "s3:*"})
DENY_S3_MAYBE = labeled("roles/deny-s3-maybe.yaml", {
    "Sid": "DenyS3OffVpn", "Effect": "Deny", "Action": "s3:*",
    "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}})
DENY_NOT_S3 = labeled("roles/only-s3.yaml", {"Sid": "DenyAllButS3", "Effect": "Deny", "NotAction": "s3:*"})
DESCRIBE_ALL = labeled("roles/describe.yaml", {"Sid": "DescribeAnything", "Effect": "Allow", "Action": "*:Describe*"})
S_GET = labeled("roles/s-get.yaml", {"Sid": "TwoLetterGets", "Effect": "Allow", "Action": "s?:Get*"})
PASS_Q = labeled("roles/pass-q.yaml", {"Sid": "PassQ", "Effect": "Allow", "Action": "iam:?assRole"})
UPPER = labeled("roles/upper.yaml", {"Sid": "Upper", "Effect": "Allow", "Action": "S3:GETOBJECT"})
TYPO = labeled("roles/typo.yaml", {"Sid": "Typo", "Effect": "Allow", "Action": "s3:GetObjekt"})
NOT_RESOURCE_ALLOW = labeled("roles/not-resource.yaml", {
    "Sid": "AllButSecrets", "Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secrets/*"})
MFA_AGE = labeled("roles/mfa-age.yaml", {
    "Sid": "StaleMfa", "Effect": "Deny", "Action": "iam:*",
    "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}})
OFF_NETWORK = labeled("roles/network.yaml", {
    "Sid": "OffNetwork", "Effect": "Deny", "Action": "dynamodb:*",
    "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}}})
ANY_VALUE = labeled("roles/any-value.yaml", {
    "Sid": "AdminSessionsOnly", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
    "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalArn": "*AWSReservedSSO_Admin_*"}}})
IN_ACCOUNT = labeled("roles/in-account.yaml", {
    "Sid": "HomeAccount", "Effect": "Allow", "Action": "glue:*",
    "Condition": {"StringEquals": {"aws:PrincipalAccount": "333333333333"}}})

BOUNDARY = labeled("boundaries/no-iam.yaml", {"Sid": "AllowAllButIam", "Effect": "Allow", "NotAction": "iam:*"})
BOUNDARY_MFA = labeled("boundaries/mfa.yaml", {
    "Sid": "OnlyWithMfa", "Effect": "Allow", "Action": "*",
    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
BOUNDARY_DENY = labeled("boundaries/deny-kms.yaml",
                        {"Sid": "All", "Effect": "Allow", "Action": "*"},
                        {"Sid": "NoKms", "Effect": "Deny", "Action": "kms:*"})

# -- contexts and SCP paths -----------------------------------------------------------------------------
ADMIN_CTX = Context.for_permission_set("333333333333", "Admin", "eu-west-1")
DEV_CTX = Context.for_permission_set("333333333333", "Developer", "eu-west-1")
OTHER_ACCOUNT = Context.for_permission_set("444444444444", "Developer", "eu-west-1")
BREAK_GLASS = Context(principal_arn="arn:aws:iam::222222222222:user/break-glass/bg-admin")
UNKNOWN = Context()


def path(*levels: tuple) -> list[ScpLevel]:
    names = ["root", "ou:Workloads", "account:prod-app"] if len(levels) == 3 else \
        ["root", "ou:Workloads", "ou:Workloads/Prod", "account:prod-app"]
    return [ScpLevel(n, tuple(p)) for n, p in zip(names, levels, strict=True)]


DEFAULT = path([FULL], [FULL], [FULL])
MGMT = None  # the management account: no SCPs apply


def ctx_with(**extra: str) -> Context:
    return Context(DEV_CTX.principal_arn, "333333333333", "AssumedRole", extra)


R = pytest.param
ROWS = [
    # basics: identity allow, implicit deny, the management account
    R([ADMIN], None, DEFAULT, DEV_CTX, "s3:GetObject", "allowed", (ADMIN_LABEL,), id="admin-allowed"),
    R([ADMIN], None, MGMT, DEV_CTX, "iam:CreateUser", "allowed", (ADMIN_LABEL,), id="mgmt-not-restricted"),
    R([RO], None, DEFAULT, DEV_CTX, "s3:PutObject", "denied", ("implicit deny: no identity Allow",), id="ro-no-write"),
    R([RO], None, MGMT, DEV_CTX, "s3:PutObject", "denied", ("implicit deny: no identity Allow",), id="mgmt-ro"),
    R([], None, DEFAULT, DEV_CTX, "s3:GetObject", "denied", ("implicit deny: no identity Allow",), id="no-policies"),
    # inheritance: an Allow is needed at every level from the root down
    R([ADMIN], None, path([FULL], [DENY_USER], [FULL]), DEV_CTX, "s3:GetObject", "denied",
      ("no Allow in ou:Workloads",), id="allow-at-root-not-ou"),
    R([ADMIN], None, path([FULL], [FULL], [DENY_USER]), DEV_CTX, "s3:GetObject", "denied",
      ("no Allow in account:prod-app",), id="no-allow-at-account"),
    R([ADMIN], None, path([FULL], [FULL], [DENY_USER], [FULL]), DEV_CTX, "s3:GetObject", "denied",
      ("no Allow in ou:Workloads/Prod",), id="no-allow-in-nested-ou"),
    R([ADMIN], None, path([FULL], [DENY_USER], [DENY_USER]), DEV_CTX, "s3:GetObject", "denied",
      ("no Allow in ou:Workloads", "no Allow in account:prod-app"), id="two-levels-missing"),
    R([ADMIN], None, path([FULL, ROOT_DENY], [DENY_USER], [FULL]), DEV_CTX, "shield:CreateProtection", "denied",
      ("scps/root-deny.yaml#DenyShield",), id="explicit-deny-named-before-missing-allow"),
    R([ADMIN], None, path([FULL, ROOT_DENY], [FULL], [FULL]), DEV_CTX, "shield:CreateProtection", "denied",
      ("scps/root-deny.yaml#DenyShield",), id="root-deny-inherited"),
    # allow-list strategy
    R([ADMIN], None, path([FULL], [ALLOW_LIST], [FULL]), DEV_CTX, "s3:GetObject", "allowed", (ADMIN_LABEL,),
      id="allow-list-allowed"),
    R([ADMIN], None, path([FULL], [ALLOW_LIST], [FULL]), DEV_CTX, "dynamodb:GetItem", "denied",
      ("no Allow in ou:Workloads",), id="allow-list-denied"),
    R([ADMIN], None, path([FULL], [ALLOW_LIST, ALLOW_LAMBDA], [FULL]), DEV_CTX, "lambda:InvokeFunction",
      "allowed", (ADMIN_LABEL,), id="allow-list-union-at-one-level"),
    R([ADMIN], None, path([FULL], [ALLOW_NOT_IAM], [FULL]), DEV_CTX, "iam:CreateRole", "denied",
      ("no Allow in ou:Workloads",), id="scp-allow-notaction-excludes"),
    R([ADMIN], None, path([FULL], [ALLOW_NOT_IAM], [FULL]), DEV_CTX, "ec2:RunInstances", "allowed", (ADMIN_LABEL,),
      id="scp-allow-notaction-includes"),
    R([ADMIN], None, path([FULL], [ALLOW_EU], [FULL]), DEV_CTX, "s3:GetObject", "fenced",
      ("scps/allow-eu.yaml#AllowInEu",), id="scp-conditional-allow-fences"),
    R([ADMIN], None, path([FULL], [ALLOW_SCOPED], [FULL]), DEV_CTX, "s3:PutObject", "fenced",
      ("scps/allow-scoped.yaml#AllowAppBuckets",), id="scp-resource-scoped-allow-fences"),
    R([ADMIN], None, path([FULL], [ALLOW_SCOPED, ALLOW_LIST], [FULL]), DEV_CTX, "s3:PutObject", "allowed",
      (ADMIN_LABEL,), id="full-allow-at-level-beats-scoped"),
    # DenyUser with its break-glass exemption, decided by the known principal ARN
    R([ADMIN], None, path([FULL, DENY_USER], [FULL], [FULL]), DEV_CTX, "iam:CreateUser", "denied",
      ("scps/deny-user.yaml#DenyIamUsers",), id="deny-user-denies-sso-role"),
    R([ADMIN], None, path([FULL, DENY_USER], [FULL], [FULL]), DEV_CTX, "iam:CreateAccessKey", "denied",
      ("scps/deny-user.yaml#DenyIamUsers",), id="deny-user-access-keys"),
    R([ADMIN], None, path([FULL, DENY_USER], [FULL], [FULL]), BREAK_GLASS, "iam:CreateUser", "allowed",
      (ADMIN_LABEL,), id="deny-user-exempts-break-glass"),
    R([ADMIN], None, path([FULL, DENY_USER], [FULL], [FULL]), UNKNOWN, "iam:CreateUser", "fenced",
      ("scps/deny-user.yaml#DenyIamUsers",), id="deny-user-unknown-principal-fences"),
    R([ADMIN], None, path([FULL, DENY_USER], [FULL], [FULL]), DEV_CTX, "iam:DeleteUser", "allowed", (ADMIN_LABEL,),
      id="deny-user-other-action"),
    R([ADMIN], None, MGMT, DEV_CTX, "iam:CreateAccessKey", "allowed", (ADMIN_LABEL,), id="mgmt-ignores-deny-user"),
    # the trifecta guardrail: a resource-scoped deny fences
    R([ADMIN], None, path([FULL, TRIFECTA], [FULL], [FULL]), DEV_CTX, "iam:PassRole", "fenced",
      ("scps/trifecta-guardrail.yaml#FencePassRole",), id="trifecta-passrole-fenced"),
    R([ADMIN], None, path([FULL, TRIFECTA], [FULL], [FULL]), DEV_CTX, "ec2:RunInstances", "allowed",
      (ADMIN_LABEL,), id="trifecta-runinstances-allowed"),
    R([ADMIN], None, path([FULL], [FULL], [FULL, DENY_NOT_RESOURCE]), DEV_CTX, "iam:DeleteRole", "fenced",
      ("scps/protect.yaml#ProtectRoles",), id="scp-deny-notresource-fences"),
    # conditional denies: unknown condition -> fenced
    R([ADMIN], None, path([FULL, REGION], [FULL], [FULL]), DEV_CTX, "s3:GetObject", "fenced",
      ("scps/region.yaml#DenyOtherRegions",), id="region-deny-fences"),
    R([ADMIN], None, path([FULL, REGION], [FULL], [FULL]), DEV_CTX, "iam:CreateRole", "allowed", (ADMIN_LABEL,),
      id="region-deny-notaction-exempts-iam"),
    R([ADMIN], None, path([FULL, REGION], [FULL], [FULL]), DEV_CTX, "sts:AssumeRole", "allowed", (ADMIN_LABEL,),
      id="region-deny-notaction-exempts-sts"),
    R([ADMIN], None, path([FULL, BAD_OPERATOR], [FULL], [FULL]), DEV_CTX, "sqs:SendMessage", "fenced",
      ("scps/bad-op.yaml#Odd",), id="unknown-operator-fences"),
    R([ADMIN], None, path([FULL, VARIABLE], [FULL], [FULL]), DEV_CTX, "sns:Publish", "fenced",
      ("scps/variable.yaml#OwnOnly",), id="policy-variable-fences"),
    # Deny with NotAction: the allow-list-by-deny
    R([ADMIN], None, path([FULL, ONLY_THESE], [FULL], [FULL]), DEV_CTX, "dynamodb:GetItem", "denied",
      ("scps/only-these.yaml#DenyAllExcept",), id="deny-notaction-denies-others"),
    R([ADMIN], None, path([FULL, ONLY_THESE], [FULL], [FULL]), DEV_CTX, "s3:PutObject", "allowed", (ADMIN_LABEL,),
      id="deny-notaction-keeps-listed-service"),
    R([ADMIN], None, path([FULL, ONLY_THESE], [FULL], [FULL]), DEV_CTX, "iam:GetRole", "allowed", (ADMIN_LABEL,),
      id="deny-notaction-keeps-listed-prefix"),
    R([ADMIN], None, path([FULL, ONLY_THESE], [FULL], [FULL]), DEV_CTX, "iam:CreateRole", "denied",
      ("scps/only-these.yaml#DenyAllExcept",), id="deny-notaction-same-service-other-action"),
    # ? and service wildcards in SCPs
    R([ADMIN], None, path([FULL, QMARK], [FULL], [FULL]), DEV_CTX, "iam:PassRole", "denied",
      ("scps/qmark.yaml#DenyPassRoleQ",), id="qmark-deny"),
    R([ADMIN], None, path([FULL, QMARK], [FULL], [FULL]), DEV_CTX, "iam:GetRole", "allowed", (ADMIN_LABEL,),
      id="qmark-deny-other"),
    R([ADMIN], None, path([FULL, SVC_WILD], [FULL], [FULL]), DEV_CTX, "s3:DeleteBucket", "denied",
      ("scps/svc-wild.yaml#DenyDeleteBucket",), id="service-wildcard-deny"),
    R([ADMIN], None, path([FULL, SVC_WILD], [FULL], [FULL]), DEV_CTX, "s3:DeleteBucketPolicy", "denied",
      ("scps/svc-wild.yaml#DenyDeleteBucket",), id="service-wildcard-deny-prefix"),
    R([ADMIN], None, path([FULL, SVC_WILD], [FULL], [FULL]), DEV_CTX, "s3:DeleteObject", "allowed", (ADMIN_LABEL,),
      id="service-wildcard-deny-other"),
    # exemptions by principal ARN, OR within a key, AND across keys, IfExists, Null, account
    R([ADMIN], None, path([FULL, NO_LEAVE], [FULL], [FULL]), ADMIN_CTX, "organizations:LeaveOrganization",
      "allowed", (ADMIN_LABEL,), id="admin-exempt-from-deny"),
    R([ADMIN], None, path([FULL, NO_LEAVE], [FULL], [FULL]), DEV_CTX, "organizations:LeaveOrganization",
      "denied", ("scps/deny-leave.yaml#DenyLeave",), id="developer-not-exempt"),
    R([ADMIN], None, path([FULL, EXEMPT_TWO], [FULL], [FULL]), BREAK_GLASS, "cloudtrail:StopLogging", "allowed",
      (ADMIN_LABEL,), id="or-within-key-break-glass"),
    R([ADMIN], None, path([FULL, EXEMPT_TWO], [FULL], [FULL]), ADMIN_CTX, "cloudtrail:StopLogging", "allowed",
      (ADMIN_LABEL,), id="or-within-key-admin"),
    R([ADMIN], None, path([FULL, EXEMPT_TWO], [FULL], [FULL]), DEV_CTX, "cloudtrail:StopLogging", "denied",
      ("scps/exempt-two.yaml#DenyCloudTrailStop",), id="or-within-key-developer"),
    R([ADMIN], None, path([FULL, AND_KEYS], [FULL], [FULL]), ADMIN_CTX, "kms:Decrypt", "allowed", (ADMIN_LABEL,),
      id="and-across-keys-false-drops"),
    R([ADMIN], None, path([FULL, AND_KEYS], [FULL], [FULL]), DEV_CTX, "kms:Decrypt", "fenced",
      ("scps/and-keys.yaml#DenyKmsOutsideEu",), id="and-across-keys-unknown-fences"),
    R([ADMIN], None, path([FULL, IF_EXISTS], [FULL], [FULL]), DEV_CTX, "s3:GetObject", "allowed", (ADMIN_LABEL,),
      id="ifexists-home-account"),
    R([ADMIN], None, path([FULL, IF_EXISTS], [FULL], [FULL]), OTHER_ACCOUNT, "s3:GetObject", "denied",
      ("scps/if-exists.yaml#DenyForeignAccounts",), id="ifexists-other-account"),
    R([ADMIN], None, path([FULL, ACCOUNT_DENY], [FULL], [FULL]), DEV_CTX, "rds:DeleteDBInstance", "denied",
      ("scps/account-deny.yaml#DenyInProd",), id="account-condition-true"),
    R([ADMIN], None, path([FULL, ACCOUNT_DENY], [FULL], [FULL]), OTHER_ACCOUNT, "rds:DeleteDBInstance", "allowed",
      (ADMIN_LABEL,), id="account-condition-false"),
    R([ADMIN], None, path([FULL, NOT_LIKE_ADMIN], [FULL], [FULL]), DEV_CTX, "route53:ChangeResourceRecordSets",
      "denied", ("scps/not-like.yaml#OnlyAdminsRoute53",), id="stringnotlike-developer"),
    R([ADMIN], None, path([FULL, NOT_LIKE_ADMIN], [FULL], [FULL]), ADMIN_CTX, "route53:ChangeResourceRecordSets",
      "allowed", (ADMIN_LABEL,), id="stringnotlike-admin"),
    R([ADMIN], None, path([FULL, NULL_CHECK], [FULL], [FULL]), DEV_CTX, "sqs:SendMessage", "allowed", (ADMIN_LABEL,),
      id="null-key-present"),
    # identity: NotAction allow, scoped allow, conditional allow, explicit deny
    R([DEV_INLINE], None, DEFAULT, DEV_CTX, "ec2:RunInstances", "allowed", ("roles/dev.yaml#AllButIam",),
      id="identity-notaction-allows"),
    R([DEV_INLINE], None, DEFAULT, DEV_CTX, "iam:PassRole", "denied", ("implicit deny: no identity Allow",),
      id="identity-notaction-excludes"),
    R([POWER], None, DEFAULT, DEV_CTX, "iam:CreateRole", "denied", ("implicit deny: no identity Allow",),
      id="poweruser-no-iam"),
    R([POWER], None, DEFAULT, DEV_CTX, "iam:ListRoles", "allowed", ("aws:PowerUserAccess#Statement[1]",),
      id="poweruser-listroles"),
    R([POWER], None, DEFAULT, DEV_CTX, "s3:PutObject", "allowed", ("aws:PowerUserAccess#Statement[0]",),
      id="poweruser-s3"),
    R([APP_BUCKETS], None, DEFAULT, DEV_CTX, "s3:GetObject", "fenced", ("roles/app.yaml#AppBuckets",),
      id="identity-resource-scoped"),
    R([RO, APP_BUCKETS], None, DEFAULT, DEV_CTX, "s3:GetObject", "allowed",
      ("aws:ReadOnlyAccess#ReadOnlyActionsGroup2",), id="full-identity-allow-wins-over-scoped"),
    R([NOT_RESOURCE_ALLOW], None, DEFAULT, DEV_CTX, "s3:GetObject", "fenced",
      ("roles/not-resource.yaml#AllButSecrets",),
      id="identity-notresource-fences"),
    R([NEED_MFA], None, DEFAULT, DEV_CTX, "ec2:RunInstances", "fenced", ("roles/mfa.yaml#NeedMfa",),
      id="identity-condition-unknown"),
    R([NEED_MFA], None, DEFAULT, ctx_with(**{"aws:MultiFactorAuthPresent": "true"}), "ec2:RunInstances",
      "allowed", ("roles/mfa.yaml#NeedMfa",), id="identity-condition-true"),
    R([NEED_MFA], None, DEFAULT, ctx_with(**{"aws:MultiFactorAuthPresent": "false"}), "ec2:RunInstances",
      "denied", ("implicit deny: no identity Allow",), id="identity-condition-false"),
    R([ADMIN, DENY_S3], None, DEFAULT, DEV_CTX, "s3:GetObject", "denied", ("roles/deny-s3.yaml#DenyS3",),
      id="identity-explicit-deny"),
    R([ADMIN, DENY_S3_MAYBE], None, DEFAULT, DEV_CTX, "s3:GetObject", "fenced",
      ("roles/deny-s3-maybe.yaml#DenyS3OffVpn",),
      id="identity-conditional-deny"),
    R([ADMIN, DENY_NOT_S3], None, DEFAULT, DEV_CTX, "ec2:RunInstances", "denied", ("roles/only-s3.yaml#DenyAllButS3",),
      id="identity-deny-notaction"),
    R([ADMIN, DENY_NOT_S3], None, DEFAULT, DEV_CTX, "s3:GetObject", "allowed", (ADMIN_LABEL,),
      id="identity-deny-notaction-keeps"),
    R([ADMIN, MFA_AGE], None, DEFAULT, ctx_with(**{"aws:MultiFactorAuthAge": "7200"}), "iam:CreateRole", "denied",
      ("roles/mfa-age.yaml#StaleMfa",), id="numeric-condition-true"),
    R([ADMIN, MFA_AGE], None, DEFAULT, ctx_with(**{"aws:MultiFactorAuthAge": "60"}), "iam:CreateRole", "allowed",
      (ADMIN_LABEL,), id="numeric-condition-false"),
    R([ADMIN, OFF_NETWORK], None, DEFAULT, ctx_with(**{"aws:SourceIp": "10.1.2.3"}), "dynamodb:GetItem", "allowed",
      (ADMIN_LABEL,), id="ip-condition-inside"),
    R([ADMIN, OFF_NETWORK], None, DEFAULT, ctx_with(**{"aws:SourceIp": "8.8.8.8"}), "dynamodb:GetItem", "denied",
      ("roles/network.yaml#OffNetwork",), id="ip-condition-outside"),
    R([ANY_VALUE], None, DEFAULT, ADMIN_CTX, "secretsmanager:GetSecretValue", "allowed",
      ("roles/any-value.yaml#AdminSessionsOnly",), id="foranyvalue-admin"),
    R([ANY_VALUE], None, DEFAULT, DEV_CTX, "secretsmanager:GetSecretValue", "denied",
      ("implicit deny: no identity Allow",), id="foranyvalue-developer"),
    R([IN_ACCOUNT], None, DEFAULT, DEV_CTX, "glue:GetTable", "allowed", ("roles/in-account.yaml#HomeAccount",),
      id="identity-account-condition"),
    R([IN_ACCOUNT], None, DEFAULT, OTHER_ACCOUNT, "glue:GetTable", "denied", ("implicit deny: no identity Allow",),
      id="identity-account-condition-other"),
    # identity wildcards
    R([DESCRIBE_ALL], None, DEFAULT, DEV_CTX, "ec2:DescribeInstances", "allowed",
      ("roles/describe.yaml#DescribeAnything",),
      id="identity-service-wildcard"),
    R([DESCRIBE_ALL], None, DEFAULT, DEV_CTX, "ec2:RunInstances", "denied", ("implicit deny: no identity Allow",),
      id="identity-service-wildcard-other"),
    R([S_GET], None, DEFAULT, DEV_CTX, "s3:GetObject", "allowed", ("roles/s-get.yaml#TwoLetterGets",),
      id="identity-qmark-service"),
    R([S_GET], None, DEFAULT, DEV_CTX, "s3tables:GetTable", "denied", ("implicit deny: no identity Allow",),
      id="identity-qmark-service-longer"),
    R([PASS_Q], None, DEFAULT, DEV_CTX, "iam:PassRole", "allowed", ("roles/pass-q.yaml#PassQ",), id="identity-qmark"),
    R([UPPER], None, DEFAULT, DEV_CTX, "s3:GetObject", "allowed", ("roles/upper.yaml#Upper",), id="case-insensitive"),
    R([TYPO], None, DEFAULT, DEV_CTX, "s3:GetObject", "denied", ("implicit deny: no identity Allow",),
      id="typo-grants-nothing"),
    # permissions boundaries cap, never grant
    R([ADMIN], BOUNDARY, DEFAULT, DEV_CTX, "iam:CreateRole", "denied",
      ("implicit deny: no Allow in permissions boundary boundaries/no-iam.yaml",), id="boundary-caps"),
    R([ADMIN], BOUNDARY, DEFAULT, DEV_CTX, "s3:GetObject", "allowed", (ADMIN_LABEL,), id="boundary-passes"),
    R([RO], BOUNDARY, DEFAULT, DEV_CTX, "s3:PutObject", "denied", ("implicit deny: no identity Allow",),
      id="boundary-does-not-grant"),
    R([ADMIN], BOUNDARY_MFA, DEFAULT, DEV_CTX, "s3:GetObject", "fenced", ("boundaries/mfa.yaml#OnlyWithMfa",),
      id="boundary-conditional"),
    R([ADMIN], BOUNDARY_DENY, DEFAULT, DEV_CTX, "kms:Decrypt", "denied", ("boundaries/deny-kms.yaml#NoKms",),
      id="boundary-deny"),
    R([ADMIN], BOUNDARY, MGMT, DEV_CTX, "iam:CreateRole", "denied",
      ("implicit deny: no Allow in permissions boundary boundaries/no-iam.yaml",), id="boundary-applies-in-mgmt"),
]


@pytest.mark.parametrize(("identity", "boundary", "levels", "context", "action", "decision", "by"), ROWS)
def test_decision(identity, boundary, levels, context, action, decision, by) -> None:
    evaluation = Evaluator().evaluate(identity, boundary, levels, context)
    got = evaluation.decide(action)
    assert (got.decision, got.by) == (decision, by)
    assert got.scps_apply is (levels is not None)
    assert evaluation.scps_apply is (levels is not None)


def test_table_is_large_enough() -> None:
    assert len(ROWS) >= 60
