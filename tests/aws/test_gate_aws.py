"""No way around the gate, against the emulator: static credentials are refused by who the caller is, as
STS says through real boto3 (an IAM user's session credentials look short-term). The rest of the gate from
the command line (saved plans, reconcile, lint's refusal) is tested on the in-memory fake in
tests/cli/test_gate_cli.py."""

from __future__ import annotations

import boto3
import pytest
from aws_helpers import Org

from consolezero.apply.executor import ApplyDeclined, ApplyError
from consolezero.apply.service import run_apply
from consolezero.integrations.aws.boto import BotoPort


def test_an_iam_users_session_credentials_are_refused(example_org: Org) -> None:
    iam = example_org.aws.client("iam")
    iam.create_user(UserName="deploy")
    key = iam.create_access_key(UserName="deploy")["AccessKey"]
    long_term = boto3.session.Session(aws_access_key_id=key["AccessKeyId"],
                                      aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1")
    token = long_term.client("sts", endpoint_url=example_org.aws.url).get_session_token()["Credentials"]
    assert token["AccessKeyId"].startswith("ASIA")
    session = boto3.session.Session(aws_access_key_id=token["AccessKeyId"],
                                    aws_secret_access_key=token["SecretAccessKey"],
                                    aws_session_token=token["SessionToken"], region_name="us-east-1")
    port = BotoPort(session=session, endpoint_url=example_org.aws.url, sso_region="eu-west-1")
    with pytest.raises(ApplyError, match=r"refusing to apply as an IAM user \(arn:aws:iam::\d+:user/deploy\)"):
        run_apply(example_org.repo(), port)
    planned = []  # the break-glass exception: past the check, apply plans and asks to go ahead (declined here)
    with pytest.raises(ApplyDeclined):
        run_apply(example_org.repo(), port, allow_static_credentials=True, confirm=lambda plan: planned.append(plan))
    assert planned[0].changes
