"""Seeding an emulator (demo, tests, benchmark): what an organization and an identity provider would
already hold -- an organization with member accounts, Identity Store groups and users, and the
break-glass IAM user in the JIT account. Never for real AWS. Clients come from :mod:`.boto`'s cached
emulator session (no boto3 import here).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from consolezero.integrations.aws.boto import EMULATOR_CREDENTIALS, ORGANIZATIONS_REGION, emulator_session


@dataclass(frozen=True)
class SeededOrganization:
    management_id: str
    account_ids: dict[str, str]  # account name -> id the emulator assigned
    instance_arn: str
    identity_store_id: str
    group_ids: dict[str, str]


def seed_emulator(endpoint_url: str, accounts: Sequence[tuple[str, str]], groups: Sequence[str],
                  sso_region: str, users: Sequence[str] = (),
                  credentials: Mapping[str, str] = EMULATOR_CREDENTIALS) -> SeededOrganization:
    """Create an organization (the caller's account as management), member accounts (name, email),
    and Identity Store groups and users, in an emulator. Never for real AWS."""
    session = emulator_session(credentials)
    org = session.client("organizations", endpoint_url=endpoint_url, region_name=ORGANIZATIONS_REGION)
    try:
        org.create_organization(FeatureSet="ALL")
    except org.exceptions.AlreadyInOrganizationException:
        pass
    management_id = org.describe_organization()["Organization"]["MasterAccountId"]
    account_ids = {}
    for name, email in accounts:
        status = org.create_account(AccountName=name, Email=email)["CreateAccountStatus"]
        account_ids[name] = status["AccountId"]
    sso = session.client("sso-admin", endpoint_url=endpoint_url, region_name=sso_region)
    instance = sso.list_instances()["Instances"][0]
    store = session.client("identitystore", endpoint_url=endpoint_url, region_name=sso_region)
    group_ids = {g: store.create_group(IdentityStoreId=instance["IdentityStoreId"], DisplayName=g)["GroupId"]
                 for g in groups}
    for user in users:
        store.create_user(IdentityStoreId=instance["IdentityStoreId"], UserName=user, DisplayName=user,
                          Name={"GivenName": user.split("@")[0], "FamilyName": "Example"})
    return SeededOrganization(management_id=management_id, account_ids=account_ids,
                              instance_arn=instance["InstanceArn"], identity_store_id=instance["IdentityStoreId"],
                              group_ids=group_ids)


def member_iam(endpoint_url: str, account_id: str, credentials: Mapping[str, str] = EMULATOR_CREDENTIALS) -> Any:
    """An IAM client in an emulated member account (through OrganizationAccountAccessRole)."""
    session = emulator_session(credentials)
    sts = session.client("sts", endpoint_url=endpoint_url, region_name=ORGANIZATIONS_REGION)
    assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                              RoleSessionName="consolezero-emulator-seed")["Credentials"]
    return session.client("iam", endpoint_url=endpoint_url, region_name=ORGANIZATIONS_REGION,
                          aws_access_key_id=assumed["AccessKeyId"], aws_secret_access_key=assumed["SecretAccessKey"],
                          aws_session_token=assumed["SessionToken"])


def seed_break_glass_user(endpoint_url: str, account_id: str, user: str, path: str, mfa: bool = True,
                          credentials: Mapping[str, str] = EMULATOR_CREDENTIALS) -> None:
    """Create the break-glass IAM user in an emulated member account (optionally with an MFA device)."""
    iam = member_iam(endpoint_url, account_id, credentials)
    iam.create_user(UserName=user, Path=path)
    if mfa:
        enable_break_glass_mfa(endpoint_url, account_id, user, credentials)


def enable_break_glass_mfa(endpoint_url: str, account_id: str, user: str,
                           credentials: Mapping[str, str] = EMULATOR_CREDENTIALS, hardware: bool = False) -> None:
    """Enable an MFA device for the user: a virtual one, or (``hardware``) a hardware token's serial number."""
    iam = member_iam(endpoint_url, account_id, credentials)
    if hardware:
        serial = f"GAHT{zlib.crc32(user.encode()) % 10**8:08d}"
    else:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user}-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName=user, SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")


@dataclass(frozen=True)
class SeedKey:
    age_days: int
    last_used_days_ago: int | None = None  # None: never used
    service: str = "s3"
    active: bool = True


@dataclass(frozen=True)
class SeedUser:
    name: str
    path: str = "/"
    password: bool = False
    keys: tuple[SeedKey, ...] = ()


# What a real organization has before console zero: a deploy user with a key in daily use, a forgotten
# CI key, a person with a console password. The census finds them (the demo and its tests).
DEMO_USERS: dict[str, tuple[SeedUser, ...]] = {
    "prod-app": (SeedUser("deploy", "/automation/", keys=(SeedKey(400, 2, "s3"), SeedKey(30, None))),),
    "staging-app": (SeedUser("ci-legacy", keys=(SeedKey(800, 200, "ecr"),)),
                    SeedUser("alice", password=True)),
    "sandbox": (SeedUser("experiment", keys=(SeedKey(10, 1, "lambda"),)),),
}


def seed_iam_users(endpoint_url: str, account_id: str, users: Sequence[SeedUser], now: Any,
                   credentials: Mapping[str, str] = EMULATOR_CREDENTIALS) -> None:
    """IAM users with console passwords and access keys of given ages and last use, in an emulated account."""
    from datetime import timedelta

    from consolezero.devtools.emulator import set_access_key_usage

    iam = member_iam(endpoint_url, account_id, credentials)
    for user in users:
        iam.create_user(UserName=user.name, Path=user.path)
        if user.password:
            iam.create_login_profile(UserName=user.name, Password="Seeded-Passw0rd!")
        for key in user.keys:
            key_id = iam.create_access_key(UserName=user.name)["AccessKey"]["AccessKeyId"]
            if not key.active:
                iam.update_access_key(UserName=user.name, AccessKeyId=key_id, Status="Inactive")
            used = now - timedelta(days=key.last_used_days_ago) if key.last_used_days_ago is not None else None
            set_access_key_usage(account_id, user.name, key_id, now - timedelta(days=key.age_days),
                                 used.replace(tzinfo=None) if used is not None else None, key.service)
