"""`.consolezero.yaml`: severity overrides, structured ignores, limits."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .findings import Finding, Severity
from .loader import DEFAULT_MAX_BYTES, DEFAULT_MAX_NODES
from .model import parse_duration

CONFIG_FILE = ".consolezero.yaml"


@dataclass(frozen=True)
class Limits:
    scp_max_chars: int = 10_240  # since 2026-05-15 (5,120 before)
    scp_max_attachments: int = 10  # direct attachments per root, OU or account (5 before 2026)
    max_file_bytes: int = DEFAULT_MAX_BYTES
    max_yaml_nodes: int = DEFAULT_MAX_NODES
    max_ou_depth: int = 5
    jit_max_duration: int = 2 * 3600  # seconds; PT2H


@dataclass(frozen=True)
class Ignore:
    rule: str
    reason: str
    file: str | None = None  # a glob over repository-relative paths
    line: int | None = None
    index: int = 0  # position in the config's ignore list

    def matches(self, finding: Finding) -> bool:
        if self.rule != finding.rule:  # no wildcard: lint.suppression refuses one
            return False
        if self.file is not None and not fnmatch.fnmatchcase(finding.file, self.file):
            return False
        return self.line is None or self.line == finding.line


@dataclass(frozen=True)
class Config:
    file: str | None = None
    severity: Mapping[str, Severity | None] = field(default_factory=dict)  # None = off
    ignores: tuple[Ignore, ...] = ()
    limits: Limits = Limits()
    fail_on: Severity = Severity.ERROR


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def config_from_data(data: Any, file: str | None) -> Config:
    """Build a Config from loaded YAML, ignoring what is malformed (the schema rule reports it)."""
    if not isinstance(data, Mapping):
        return Config(file=file)
    severity: dict[str, Severity | None] = {}
    raw = data.get("severity")
    if isinstance(raw, Mapping):
        for rule_name, level in raw.items():
            if isinstance(level, str) and level.lower() == "off":
                severity[str(rule_name)] = None
            elif isinstance(level, str):
                try:
                    severity[str(rule_name)] = Severity.parse(level)
                except ValueError:
                    continue
    ignores: list[Ignore] = []
    raw_ignores = data.get("ignore")
    if isinstance(raw_ignores, list):
        for i, item in enumerate(raw_ignores):
            if isinstance(item, Mapping) and isinstance(item.get("rule"), str):
                line = item.get("line")
                ignores.append(Ignore(
                    rule=item["rule"],
                    reason=str(item.get("reason") or ""),
                    file=item.get("file") if isinstance(item.get("file"), str) else None,
                    line=line if isinstance(line, int) and not isinstance(line, bool) else None,
                    index=i,
                ))
    limits = Limits()
    raw_limits = data.get("limits")
    if isinstance(raw_limits, Mapping):
        values = {name: _int(raw_limits.get(name), getattr(limits, name)) for name in Limits.__dataclass_fields__}
        values["jit_max_duration"] = parse_duration(raw_limits.get("jit_max_duration")) or limits.jit_max_duration
        limits = Limits(**values)
    fail_on = Severity.ERROR
    if isinstance(data.get("fail_on"), str):
        try:
            fail_on = Severity.parse(data["fail_on"])
        except ValueError:
            pass
    return Config(file=file, severity=severity, ignores=tuple(ignores), limits=limits, fail_on=fail_on)
