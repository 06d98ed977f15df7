"""Every AWS managed policy, shipped as data: resolution, the bundle's integrity, the refresh script."""

from __future__ import annotations

import gzip
import importlib.util
import json
import zlib
from pathlib import Path

import pytest

from consolezero.lint.rules import all_rules
from consolezero.lint.rules.roles import _managed_problem
from consolezero.policy import managed
from consolezero.policy.document import parse_policy
from consolezero.policy.managed import (
    managed_arn,
    managed_case_match,
    managed_names,
    managed_policy,
    managed_policy_info,
    managed_snapshot,
    similar_managed_names,
)
from support import ROOT

SCRIPT = ROOT / "tooling" / "scripts" / "refresh_managed_policies.py"


def _script():
    spec = importlib.util.spec_from_file_location("refresh_managed_policies", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- resolution ---------------------------------------------------------------------------------------
def test_any_aws_managed_policy_resolves_not_only_the_common_ones() -> None:
    info = managed_policy_info("AmazonBedrockFullAccess")
    assert info is not None and info["kind"] == "iam" and info["path"] == "/"
    assert info["arn"] == "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"
    assert info["version_id"].startswith("v") and info["update_date"][:2] == "20" and info["source"]
    document = managed_policy("AmazonBedrockFullAccess")
    assert document is not None and parse_policy(document).problems == ()
    assert any("bedrock:*" in json.dumps(s) for s in document["Statement"])


def test_a_policy_with_a_path_resolves_by_name_arn_and_path() -> None:
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    assert managed_arn("AWSLambdaBasicExecutionRole") == arn
    document = managed_policy("AWSLambdaBasicExecutionRole")
    assert document is not None and "logs:PutLogEvents" in json.dumps(document)
    assert managed_policy(arn) == document
    assert managed_policy("service-role/AWSLambdaBasicExecutionRole") == document
    assert managed_policy("arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole") == document
    assert managed_policy("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole") is None  # without its path
    assert managed_policy("arn:aws:iam::aws:policy/job-function/AWSLambdaBasicExecutionRole") is None


def test_plan_attaches_a_path_policy_by_its_full_arn() -> None:
    from consolezero.plan.documents import managed_policy_arn

    assert managed_policy_arn("AWSLambdaBasicExecutionRole") == \
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    assert managed_policy_arn("ViewOnlyAccess") == "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    assert managed_policy_arn("NoSuchPolicyXyz") == "arn:aws:iam::aws:policy/NoSuchPolicyXyz"
    assert managed_policy_arn("FullAWSAccess") == "arn:aws:iam::aws:policy/FullAWSAccess"  # never the SCP's ARN


def test_names_are_case_sensitive_and_the_case_match_is_offered() -> None:
    assert managed_policy_info("amazonbedrockfullaccess") is None
    assert managed_case_match("amazonbedrockfullaccess") == "AmazonBedrockFullAccess"
    assert managed_case_match("arn:aws:iam::aws:policy/READONLYACCESS") == "ReadOnlyAccess"
    assert managed_case_match("AmazonBedrockFullAccess") is None  # already right
    assert managed_case_match("NoSuchPolicyXyz") is None


def test_similar_names_for_did_you_mean() -> None:
    assert similar_managed_names("PowerUserAcess")[0] == "PowerUserAccess"
    assert similar_managed_names("AmazonBedrockFulAccess")[0] == "AmazonBedrockFullAccess"
    assert similar_managed_names("NoSuchPolicyXyz") == []


def test_every_shipped_document_parses_cleanly() -> None:
    names = managed_names()
    assert len(names) == managed_snapshot()["count"] + 1  # and FullAWSAccess
    for name in names:
        document = managed_policy(name)
        assert document is not None, name
        assert parse_policy(document).problems == (), name


# -- the lint rule's messages -----------------------------------------------------------------------------
@pytest.mark.parametrize(("ref", "boundary", "expected"), [
    ("PowerUserAcess", False, "PowerUserAcess is not an AWS managed policy (none of the {count} in consolezero's "
                              "snapshot of {date}); did you mean PowerUserAccess?"),
    ("NoSuchPolicyXyz", False, "NoSuchPolicyXyz is not an AWS managed policy (none of the {count} in consolezero's "
                               "snapshot of {date}); check its name in the IAM console, or, if AWS published it "
                               "after the snapshot, suppress this finding with a reason"),
    ("powerUserAccess", False, "powerUserAccess is not an AWS managed policy: AWS policy names are case-sensitive; "
                               "did you mean PowerUserAccess?"),
    ("arn:aws:iam::aws:policy/ViewOnlyAccess", False,
     "arn:aws:iam::aws:policy/ViewOnlyAccess is not an AWS managed policy: ViewOnlyAccess is "
     "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess (the path is part of the ARN)"),
    ("FullAWSAccess", True, "FullAWSAccess is a service control policy, not an IAM policy: it cannot be a "
                            "permissions boundary"),
    ("AWSSupportServiceRolePolicy", False, "AWSSupportServiceRolePolicy (arn:aws:iam::aws:policy/aws-service-role/"
                                           "AWSSupportServiceRolePolicy) is the policy of a service-linked role: "
                                           "IAM attaches it to that role only, never to a permission set"),
    ("AmazonBedrockFullAccess", False, None),
    ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", False, None),
    ("AWSLambdaBasicExecutionRole", True, None),
    ("service-role/AWSLambdaBasicExecutionRole", False, None),  # not a form the schema accepts: its finding
])
def test_unknown_managed_policy_messages(ref: str, boundary: bool, expected: str | None) -> None:
    snapshot = managed_snapshot()
    if expected is not None:
        expected = expected.format(count=f"{snapshot['count']:,}", date=snapshot["snapshot"])
    assert _managed_problem(ref, boundary) == expected


def test_rule_doc_names_the_snapshot_it_checks_against() -> None:
    """Refreshing the data means updating the rule's docs (date and count), then `make docs`."""
    doc = next(r.doc for r in all_rules() if r.name == "unknown-managed-policy")
    snapshot = managed_snapshot()
    assert f"{snapshot['count']:,} that AWS had published as of {snapshot['snapshot']}" in " ".join(doc.split())


# -- the data --------------------------------------------------------------------------------------------
def test_index_and_bundle_agree() -> None:
    index = json.loads((managed.DATA_DIR / managed.INDEX_FILE).read_text(encoding="utf-8"))
    bundle = (managed.DATA_DIR / managed.BUNDLE_FILE).read_bytes()
    names = [row[0] for row in index["policies"]]
    assert names == sorted(names) and len(names) == len(set(names)) == index["count"] > 1000
    assert index["source"].startswith("moto ") and index["snapshot"] == max(r[3] for r in index["policies"])[:10]
    # zcat reads the whole bundle: one {"name", "document"} per line, in the index's order
    lines = [json.loads(line) for line in gzip.decompress(bundle).decode("utf-8").splitlines()]
    assert [line["name"] for line in lines] == names
    chunks = index["bundle"]["chunks"]
    assert chunks[0][1] == 0 and sum(c[2] for c in chunks) == len(bundle)
    for first, offset, length in chunks:
        text = zlib.decompress(bundle[offset:offset + length], 31).decode("utf-8")
        assert json.loads(text.split("\n", 1)[0])["name"] == first
    assert not [p.name for p in managed.DATA_DIR.iterdir() if p.name not in (managed.INDEX_FILE, managed.BUNDLE_FILE)]


def test_the_refresh_script_writes_what_the_loader_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = _script()
    policies = {
        f"Policy{i:03d}": {"Path": "/service-role/" if i % 3 == 0 else "/", "DefaultVersionId": f"v{i + 1}",
                           "UpdateDate": f"2026-01-{i % 28 + 1:02d}T00:00:00+00:00",
                           "Document": {"Version": "2012-10-17",
                                        "Statement": [{"Effect": "Allow", "Action": f"s3:Get{i}", "Resource": "*"}]}}
        for i in range(50)}
    index, bundle = script.build("test 1.0", policies, chunks=4)
    (tmp_path / managed.INDEX_FILE).write_text(script.render_index(index), encoding="utf-8")
    (tmp_path / managed.BUNDLE_FILE).write_bytes(bundle)
    assert json.loads(script.render_index(index)) == index
    assert len(index["bundle"]["chunks"]) == 4 and index["snapshot"] == "2026-01-28"
    monkeypatch.setattr(managed, "DATA_DIR", tmp_path)
    for cached in (managed._index, managed._lower, managed._chunk):
        cached.cache_clear()
    try:
        assert managed_snapshot() == {"source": "moto test 1.0", "snapshot": "2026-01-28", "count": 50}
        for i in (0, 1, 24, 49):
            name = f"Policy{i:03d}"
            assert managed_policy(name) == policies[name]["Document"]
        assert managed_arn("Policy003") == "arn:aws:iam::aws:policy/service-role/Policy003"
        assert managed_policy("FullAWSAccess") is not None and managed_policy("Policy050") is None
    finally:
        for cached in (managed._index, managed._lower, managed._chunk):
            cached.cache_clear()


def test_the_refresh_script_summarises_the_change() -> None:
    script = _script()
    old = {"count": 2, "source": "moto 1", "snapshot": "2026-01-01",
           "policies": [["A", "/", "v1", "2026-01-01"], ["B", "/", "v1", "2026-01-01"]]}
    new = {"count": 2, "source": "moto 2", "snapshot": "2026-02-01",
           "policies": [["B", "/", "v2", "2026-02-01"], ["C", "/", "v1", "2026-01-01"]]}
    assert script.summary(old, new) == [
        "2 AWS managed policies from moto 2, snapshot 2026-02-01 (was 2 from moto 1, 2026-01-01)",
        "  added 1: C", "  removed 1: A", "  updated 1: B"]
