"""What a configuration or an inline comment may silence, decided in one place.

- Findings about `.consolezero.yaml` itself, and findings of `invalid-suppression`, are never
  suppressed or lowered: the file that configures the gate cannot switch off the checks of itself.
- An ignore (a config `ignore:` entry or an inline `# consolezero: ignore[RULE] reason`) must name an
  existing rule and give a reason; a wildcard (`*`, `all`) is refused. A refused ignore suppresses
  nothing.
- The safety rules (`scp-lockout`, `break-glass-*`, `deny-user-missing`, `trifecta-reachable`) may be
  raised, never lowered, switched off or ignored, unless the command is given `--allow-weakened-safety`;
  then plan and apply print what was weakened at the top.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from consolezero.core.config import CONFIG_FILE, Config
from consolezero.core.findings import Severity

if TYPE_CHECKING:
    from consolezero.core.loader import Document

    from .rules.base import Rule

RULE = "invalid-suppression"
SAFETY_RULES = frozenset({"scp-lockout", "deny-user-missing", "trifecta-reachable",
                          "yaml-syntax", "schema"})  # a file not understood: plan and apply would act on less
SAFETY_PREFIXES = ("break-glass-",)
WILDCARDS = frozenset({"*", "all"})
FLAG = "--allow-weakened-safety"


def is_safety_rule(name: str) -> bool:
    return name in SAFETY_RULES or name.startswith(SAFETY_PREFIXES)


def unsuppressible(rule: str, file: str) -> bool:
    """Findings that no ignore and no severity override can silence."""
    return file == CONFIG_FILE or rule == RULE


def ignore_refusal(rule: str, reason: str, known: Collection[str], allow_weakened: bool) -> str | None:
    """Why an ignore of ``rule`` is refused, or None when it may suppress."""
    if rule in WILDCARDS:
        return f"ignore[{rule}] is refused: name the rule to ignore"
    if rule not in known:
        return f"ignore[{rule}]: no rule is named {rule!r}"
    if rule == RULE:
        return f"{RULE} cannot be ignored"
    if not reason.strip():
        return f"ignore[{rule}] needs a reason (after the brackets, or reason: in .consolezero.yaml)"
    if is_safety_rule(rule) and not allow_weakened:
        return f"{rule} is a safety rule: it cannot be ignored (unless {FLAG}, which plan and apply print)"
    return None


def severity_refusal(rule: str, level: Severity | None, default: Severity, allow_weakened: bool) -> str | None:
    """Why a severity override is refused, or None when it applies (raising is always allowed)."""
    if level is not None and level >= default:
        return None
    shown = level.label if level is not None else "off"
    if rule == RULE:
        return f"{RULE} cannot be lowered ({default.label} -> {shown})"
    if is_safety_rule(rule) and not allow_weakened:
        return (f"{rule} is a safety rule: its severity can be raised, not lowered ({default.label} -> {shown}), "
                f"unless {FLAG}, which plan and apply print")
    return None


def weakenings(config: Config, documents: Mapping[str, Document], rules: Mapping[str, Rule]) -> list[str]:
    """Every weakening of a safety rule the repository carries (what ``--allow-weakened-safety`` lets through)."""
    found: list[str] = []
    for name, level in sorted(config.severity.items()):
        rule = rules.get(name)
        if rule is not None and is_safety_rule(name) and severity_refusal(name, level, rule.severity, False):
            found.append(f"{CONFIG_FILE}: severity {name}: {level.label if level else 'off'} "
                         f"(default {rule.severity.label})")
    for ignore in config.ignores:
        if ignore.rule in rules and is_safety_rule(ignore.rule):
            where = f" in {ignore.file}" if ignore.file else ""
            found.append(f"{CONFIG_FILE}: ignore {ignore.rule}{where} ({ignore.reason or 'no reason'})")
    for file, doc in sorted(documents.items()):
        for line, (names, reason) in sorted(doc.ignores.items()):
            for name in sorted(names):
                if name in rules and is_safety_rule(name):
                    found.append(f"{file}:{line}: ignore[{name}] ({reason or 'no reason'})")
    return found
