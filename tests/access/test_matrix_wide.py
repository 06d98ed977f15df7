"""The access matrix at scale: --wide (or a terminal wide enough) lists every account and escalation path,
who holds each role is said, rows are sorted by role name."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from consolezero.access.render import render_matrix
from consolezero.cli.app import app

runner = CliRunner()
HELD = """Held by (standing) or may be requested by (jit):
  Admin      jit       group:engineers, group:platform-leads
  Auditor    standing  group:security-auditors
  Developer  standing  group:engineers
  ReadOnly   standing  group:everyone
"""


def _with_auditor(example: Path) -> Path:
    (example / "roles" / "zz-auditor.yaml").write_text(
        "name: Auditor\ndescription: Security audit, read-only.\nsession_duration: PT4H\n"
        "managed_policies: [SecurityAudit]\naccess: standing\n"
        "assignments:\n  - {group: security-auditors, targets: [\"ou:Security\"]}\n", encoding="utf-8")
    return example


def test_rows_sorted_by_role_and_who_holds_each_role(example: Path) -> None:
    out = runner.invoke(app, ["access", str(_with_auditor(example))]).stdout
    lines = out.splitlines()
    table = lines[lines.index("") + 1:lines.index("") + 1 + 8]
    roles = [line.split()[0] for line in table[1:] if line and not line.startswith("(")]
    assert roles == sorted(roles, key=str.lower) and roles[:3] == ["Admin", "Admin", "Auditor"]
    assert HELD in out


def test_wide_lists_every_account_and_escalation(example: Path) -> None:
    narrow = runner.invoke(app, ["access", str(example)]).stdout
    wide = runner.invoke(app, ["access", str(example), "--wide"]).stdout
    assert "+1 more" in narrow and "--wide lists every account" in narrow
    assert " more" not in wide.split("Held by")[0]
    data = json.loads(runner.invoke(app, ["access", str(example), "--format", "json"]).stdout)
    admin = next(e for e in data["matrix"] if e["role"] == "Admin" and e["account"] == "prod-app")
    row = next(line for line in wide.splitlines() if line.startswith("Admin") and "prod-app" in line)
    assert all(path in row for path in admin["escalations"]) and " more" not in row
    assert "sandbox, log-archive, security, staging-app, prod-app" in row


def test_a_terminal_wide_enough_gets_everything(example: Path) -> None:
    data = json.loads(runner.invoke(app, ["access", str(example), "--format", "json"]).stdout)
    entries, catalog = data["matrix"], data["catalog"]
    roomy = render_matrix("text", entries, catalog, width=10_000)
    tight = render_matrix("text", entries, catalog, width=120)
    assert " more" not in roomy.split("Held by")[0]
    assert "+1 more" in tight
    assert render_matrix("text", entries, catalog, wide=True, width=80) == roomy


def test_markdown_names_who_holds_each_role(example: Path) -> None:
    out = runner.invoke(app, ["access", str(example), "--format", "markdown"]).stdout
    assert "- Admin (jit): group:engineers, group:platform-leads" in out
    assert "- ReadOnly (standing): group:everyone" in out
