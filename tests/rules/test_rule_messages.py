"""Rule messages a new user meets: they name what is wrong once, and what to write instead."""

from __future__ import annotations

from pathlib import Path

from support import lint


def _messages(repo: Path, rule: str) -> list[tuple[str, int, str]]:
    return [(f.file, f.line, f.message) for f in lint(repo).findings if f.rule == rule]


def test_unquoted_account_ids_in_an_scp_condition_are_reported(example: Path) -> None:
    (example / "scps" / "deny-foreign-buckets.yaml").write_text(
        'name: DenyForeignBuckets\ntargets: ["ou:Workloads"]\npolicy:\n  Version: "2012-10-17"\n  Statement:\n'
        "    - {Sid: DenyForeignBuckets, Effect: Deny, Action: s3:PutObject, Resource: \"*\",\n"
        "       Condition: {StringNotEquals: {aws:ResourceAccount: [012345670123, 333333333333]}}}\n"
        "alerts: {DenyForeignBuckets: \"Write only to our own buckets.\"}\n")
    assert _messages(example, "account-id-format") == [
        ("scps/deny-foreign-buckets.yaml", 7, '012345670123 is unquoted: YAML reads it as the octal number 1402433619, '
                                              'not the account ID 012345670123; quote it: "012345670123"'),
        ("scps/deny-foreign-buckets.yaml", 7, '333333333333 is unquoted: YAML reads it as a number, not the account '
                                              'ID string; quote it: "333333333333"'),
    ]


def test_other_numbers_in_policies_are_not_account_ids(example: Path) -> None:
    (example / "scps" / "mfa-age.yaml").write_text(
        'name: DenyOldMfa\ntargets: ["ou:Workloads"]\npolicy:\n  Version: "2012-10-17"\n  Statement:\n'
        "    - {Sid: DenyOldMfa, Effect: Deny, Action: iam:DeleteRole, Resource: \"*\",\n"
        "       Condition: {NumericGreaterThan: {aws:MultiFactorAuthAge: 3600}}}\n"
        "alerts: {DenyOldMfa: \"Sign in again with MFA.\"}\n")
    assert _messages(example, "account-id-format") == []


def test_session_duration_out_of_range_is_named_once(example: Path) -> None:
    role = example / "roles" / "readonly.yaml"
    role.write_text(role.read_text().replace("session_duration: PT8H", "session_duration: PT13H"))
    (file, _, message), = _messages(example, "session-duration-range")
    assert (file, message) == ("roles/readonly.yaml", "session_duration PT13H is outside what IAM Identity Center "
                                                      "accepts: PT1H to PT12H")


def test_an_empty_role_file_says_it_is_empty(example: Path) -> None:
    (example / "roles" / "auditor.yaml").write_text("# to be written\n")
    assert _messages(example, "schema") == [
        ("roles/auditor.yaml", 1,
         "the file is empty (or holds only comments): it needs the fields its schema requires")]


def test_a_sid_that_is_a_list_is_a_finding_not_an_internal_error(example: Path) -> None:
    scp = example / "scps" / "deny-leave-org.yaml"
    scp.write_text(scp.read_text().replace("- Sid: DenyLeaveOrganization", "- Sid: [DenyLeaveOrganization]"))
    findings = {(f.rule, f.file, f.line) for f in lint(example).findings}
    assert ("invalid-policy", "scps/deny-leave-org.yaml", 9) in findings
    assert ("unknown-reference", "scps/deny-leave-org.yaml", 14) in findings
