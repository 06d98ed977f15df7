"""What the input rules rejected: one mistake, one finding.

A value the schema (or `unknown-managed-policy`) rejects is reported once, by that rule. The rules
that build on the value (effective access from a role's policies, approvals counted from `jit`,
DenyUser coverage from an SCP) ask here first and stay quiet about what they cannot judge: a
misspelled `ReadOnlyAcess` is one finding, not also "ReadOnly can change things".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consolezero.core.findings import Path

from .context import LintContext

_KEY = "rejected.schema-errors"


def schema_errors(ctx: LintContext, file: str) -> list[Any]:
    """jsonschema's errors for ``file`` (empty when it matches its schema), computed once per run: the
    fast check (jsonschema-rs) first, the detailed validation only for a file that fails it."""
    from consolezero.core.schemas import KIND_SCHEMAS, is_valid, validator

    cache: dict[str, list[Any]] = ctx.cache.setdefault(_KEY, {})
    found = cache.get(file)
    if found is None:
        kind = ctx.repo.kinds.get(file)
        doc = ctx.repo.documents.get(file)
        found = []
        if doc is not None and doc.ok and kind in KIND_SCHEMAS and is_valid(kind, doc.data) is not True:
            found = sorted(validator(kind).iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path)))
        cache[file] = found
    return found


def rejected(ctx: LintContext, file: str, *path: str | int) -> bool:
    """Whether the value at ``path`` in ``file`` was rejected: the file did not parse or is empty, or
    the schema rejects the value, something inside it, or the mapping or list it stands in."""
    doc = ctx.repo.documents.get(file)
    if doc is None:
        return False
    if not doc.ok or not isinstance(doc.data, Mapping):
        return True
    target: Path = tuple(path)
    for error in schema_errors(ctx, file):
        at = tuple(error.absolute_path)
        if at[: len(target)] == target:
            return True
        if len(at) < len(target) and target[: len(at)] == at:
            if _about_value(error):
                return True
            missing = target[len(at)]
            if error.validator == "required" and missing in error.validator_value \
                    and isinstance(error.instance, Mapping) and missing not in error.instance:
                return True
    return False


def _about_value(error: Any) -> bool:
    """An error on a mapping that is about one of its values (type, enum) rather than a key it lacks."""
    return error.validator not in ("required", "additionalProperties", "dependentRequired", "oneOf", "anyOf")


def role_rejected(ctx: LintContext, role: Any) -> bool:
    """A role whose access cannot be judged: its `access` mode, policies or boundary were rejected."""
    from .rules.roles import unknown_managed_references

    if any(rejected(ctx, role.file, key) for key in ("access", "managed_policies", "inline_policy",
                                                     "permissions_boundary", "customer_managed_policies")):
        return True
    return any(True for _ in unknown_managed_references(ctx, role.file))
