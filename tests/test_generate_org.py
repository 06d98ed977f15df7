"""The benchmarks' generated organization is built like the example, so it lints clean."""

from __future__ import annotations

from pathlib import Path

from generate_org import generate

from support import lint


def test_generated_organization_lints_clean(tmp_path: Path) -> None:
    org = generate(tmp_path / "org", accounts=300, ous=30, scps=25, roles=20, requests=40)
    assert (org / "scps" / "deny-user.yaml").is_file()
    assert len(list((org / "scps").glob("*.yaml"))) == 25
    findings = [f"{f.file}:{f.line}: {f.rule}: {f.message}" for f in lint(org).findings if not f.suppressed]
    assert findings == []
