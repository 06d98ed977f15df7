"""SARIF 2.1.0 for GitHub code scanning (docs: "SARIF support for code scanning").

Paths are repository-relative URIs under ``%SRCROOT%``, which code scanning resolves against the
repository root (an organization in a subfolder gets that folder in front: ``RenderOptions.repo_prefix``);
no absolute ``originalUriBaseIds`` entry, so the log stays machine-independent.
Each result carries a stable ``consolezero/v1`` partial fingerprint (the upload action adds its own
``primaryLocationLineHash`` beside it). Suppressed findings are kept, with a SARIF suppression.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from consolezero.core.findings import Severity
from consolezero.core.layout import join

from .common import is_inline, suppression_reason

if TYPE_CHECKING:
    from consolezero.core.findings import Finding

    from ..rules.base import Rule
    from . import RenderOptions

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/consolezero/consolezero"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
MAX_TEXT = 1024  # GitHub's limit for short and full descriptions


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def first_paragraph(doc: str) -> str:
    return " ".join(doc.strip().split("\n\n", 1)[0].split())


def fingerprint(finding: Finding) -> str:
    text = "\0".join((finding.rule, finding.file, finding.message))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def artifact_uri(path: str) -> str:
    """A relative URI of the file's bytes: a name that is not UTF-8 (kept by Python as surrogate escapes)
    is percent-encoded byte by byte, as RFC 3986 allows."""
    raw = path.replace("\\", "/").lstrip("/").encode("utf-8", "surrogateescape")
    return quote(raw, safe="/")


def valid_text(text: str) -> str:
    """The log as valid UTF-8: an undecodable byte of a file name shown in a message becomes U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def descriptor(name: str, rule: Rule | None) -> dict[str, Any]:
    """A reportingDescriptor; every text GitHub requires is non-empty, even for an unknown rule."""
    summary = (rule.summary if rule else "") or name
    doc = (rule.doc if rule else "") or summary
    entry: dict[str, Any] = {
        "id": name,
        "name": name,
        "shortDescription": {"text": clip(summary)},
        "fullDescription": {"text": clip(first_paragraph(doc) or summary)},
        "help": {"text": doc, "markdown": doc},
    }
    if rule is not None:
        entry["helpUri"] = rule.help_uri
        entry["defaultConfiguration"] = {"level": LEVELS[rule.severity]}
        entry["properties"] = {"tags": [rule.family]}
    return entry


def result(finding: Finding, index: int, prefix: str = "") -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message or finding.rule},  # GitHub rejects empty text
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(join(prefix, finding.file)), "uriBaseId": SRCROOT},
            "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)},
        }}],
        "partialFingerprints": {"consolezero/v1": fingerprint(finding)},
    }
    if finding.suppressed:
        entry["suppressions"] = [{"kind": "inSource" if is_inline(finding) else "external",
                                  "justification": suppression_reason(finding)}]
    return entry


def render(findings: Sequence[Finding], rules: Mapping[str, Rule], options: RenderOptions) -> str:
    names = sorted(set(rules) | {f.rule for f in findings})
    index = {name: i for i, name in enumerate(names)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "consolezero",
                "informationUri": INFORMATION_URI,
                "version": options.tool_version,
                "semanticVersion": options.tool_version,
                "rules": [descriptor(name, rules.get(name)) for name in names],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [result(f, index[f.rule], options.repo_prefix) for f in findings],
        }],
    }
    return valid_text(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"
