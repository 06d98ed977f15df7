"""The JSON Schemas of every file kind, shipped in the package and loaded once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_BASE = "https://consolezero.dev/schemas/"
KIND_SCHEMAS = {
    "organization": "organization.schema.json",
    "account": "account.schema.json",
    "ou": "ou.schema.json",
    "role": "role.schema.json",
    "scp": "scp.schema.json",
    "request": "request.schema.json",
    "config": "config.schema.json",
}


@cache
def _all_schemas() -> dict[str, dict[str, Any]]:
    folder = resources.files("consolezero") / "schemas"
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".schema.json"):
            found[entry.name] = json.loads(entry.read_text(encoding="utf-8"))
    return found


@cache
def fast_validator(kind: str) -> Any:
    """The same schema compiled by jsonschema-rs (Rust): answers valid or not, fast. Files that fail
    are validated again by :func:`validator`, whose errors carry what the findings are worded from."""
    import jsonschema_rs

    schemas = _all_schemas()
    resources = []
    for name, schema in schemas.items():
        resources.append((schema.get("$id", SCHEMA_BASE + name), schema))
        if schema.get("$id") != SCHEMA_BASE + name:
            resources.append((SCHEMA_BASE + name, schema))
    registry = jsonschema_rs.Registry(resources)
    return jsonschema_rs.validator_for(schemas[KIND_SCHEMAS[kind]], registry=registry, validate_formats=False)


def is_valid(kind: str, data: Any) -> bool | None:
    """Whether ``data`` matches the schema of ``kind``; None when the fast check cannot say (values JSON
    has no word for, such as YAML's non-string keys): then only :func:`validator` can."""
    try:
        return bool(fast_validator(kind).is_valid(data))
    except (ValueError, TypeError, OverflowError):
        return None


@cache
def validator(kind: str) -> Any:
    """A Draft 2020-12 validator for a file kind, with every sibling schema resolvable."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schemas = _all_schemas()
    registry: Registry = Registry()
    for name, schema in schemas.items():
        resource = Resource.from_contents(schema)
        registry = registry.with_resource(schema.get("$id", SCHEMA_BASE + name), resource)
        registry = registry.with_resource(SCHEMA_BASE + name, resource)
    return Draft202012Validator(schemas[KIND_SCHEMAS[kind]], registry=registry)
