"""Helpers shared by the policy engine tests."""

from __future__ import annotations

from consolezero.policy.document import parse_policy
from consolezero.policy.evaluate import Labeled
from consolezero.policy.managed import managed_policy


def doc(*statements: dict) -> dict:
    """A policy document from statements (Resource defaults to "*" unless NotResource is given)."""
    return {"Version": "2012-10-17",
            "Statement": [s if "NotResource" in s or "Resource" in s else {**s, "Resource": "*"} for s in statements]}


def labeled(label: str, *statements: dict) -> Labeled:
    """A parsed, labelled policy made of ``statements``."""
    return Labeled(label, parse_policy(doc(*statements)))


def aws_managed(name: str, label: str | None = None) -> Labeled:
    """A shipped AWS managed policy, parsed and labelled (by default with its name)."""
    document = managed_policy(name)
    assert document is not None, name
    return Labeled(label or name, parse_policy(document))
