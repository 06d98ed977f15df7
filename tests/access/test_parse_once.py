"""One lint run parses each policy document once: the IAM rules and the access matrix share the result."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import consolezero.access.matrix
import consolezero.lint.rules.policy_docs
from consolezero.access.matrix import AccessMatrix
from consolezero.core.repository import load_repository
from consolezero.lint.runner import run_lint
from consolezero.policy.document import Policy, parse_policy
from support import ROOT


def _key(doc: object) -> str:
    return json.dumps(doc, sort_keys=True, default=str)


@pytest.fixture
def shipped(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every shipped AWS managed policy document the access matrix fetches (to parse), by name."""
    counts: Counter[str] = Counter()
    fetch = consolezero.access.matrix.managed_policy

    def counting(name: str) -> dict[str, Any] | None:
        counts[name] += 1
        return fetch(name)

    monkeypatch.setattr(consolezero.access.matrix, "managed_policy", counting)
    return counts


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every parse_policy call, by the document's content (both modules that parse are patched)."""
    counts: Counter[str] = Counter()

    def counting(doc: object) -> Policy:
        counts[_key(doc)] += 1
        return parse_policy(doc)

    monkeypatch.setattr(consolezero.access.matrix, "parse_policy", counting)
    monkeypatch.setattr(consolezero.lint.rules.policy_docs, "parse_policy", counting)
    return counts


def _repository_documents(repo: Path) -> list[object]:
    model = load_repository(repo).model
    docs: list[object] = [s.policy for s in model.scps.values() if s.policy is not None]
    for role in model.roles.values():
        docs += [d for d in (role.inline_policy, role.boundary.policy if role.boundary else None) if d is not None]
    return docs


def test_a_lint_run_parses_each_policy_document_once(parses: Counter[str], shipped: Counter[str]) -> None:
    repo = load_repository(ROOT)
    result = run_lint(repo)
    assert not [f for f in result.findings if not f.suppressed]
    documents = _repository_documents(ROOT)
    assert len(documents) == 7  # 5 SCPs, Developer's inline policy and boundary
    for doc in documents:
        assert parses[_key(doc)] == 1, f"parsed {parses[_key(doc)]} times: {_key(doc)[:80]}"
    # the shipped AWS managed policies: each fetched and parsed once (FullAWSAccess and AdministratorAccess
    # have the same content, so they are counted by name)
    assert set(shipped) == {"FullAWSAccess", "AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess"}
    assert max(shipped.values()) == 1


def test_the_matrix_uses_the_documents_lint_parsed() -> None:
    from consolezero.lint.context import LintContext
    from consolezero.lint.rules.access import matrix
    from consolezero.lint.rules.policy_docs import policy_documents

    ctx = LintContext(repo=load_repository(ROOT))
    parsed = {(d.file, d.base): d.policy for d in policy_documents(ctx)}
    m = matrix(ctx)
    developer = m.identity(m.model.roles["Developer"])
    assert developer.policies[-1].policy is parsed[("roles/developer.yaml", ("inline_policy",))]
    assert developer.boundary is not None
    assert developer.boundary.policy is parsed[("roles/developer.yaml", ("permissions_boundary", "policy"))]
    guardrail = next(p for p in m.attached(m.model.scps["TrifectaGuardrail"].targets[0])
                     if p.label == "scps/trifecta-guardrail.yaml")
    assert guardrail.policy is parsed[("scps/trifecta-guardrail.yaml", ("policy",))]


def test_outside_lint_the_matrix_parses_for_itself(parses: Counter[str]) -> None:
    m = AccessMatrix(load_repository(ROOT).model)
    assert m.cells()
    for doc in _repository_documents(ROOT):
        assert parses[_key(doc)] == 1
