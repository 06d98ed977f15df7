"""The house rules of docs/architecture.md, checked on the source: who may print, who may import boto3,
that plan is pure, that no import cycle exists, that modules stay small, and that the page names every package.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from support import ROOT

PACKAGE = ROOT / "tooling" / "consolezero"
MAX_LINES = 400
# Modules still above the size line, each to be split (the test fails when one grows or a new one joins).
OVERSIZED: dict[str, int] = {}  # a module allowed over the line while it waits to be split: none now


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and top_level_only:  # `if TYPE_CHECKING:` imports never run
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def test_only_integrations_aws_and_devtools_import_boto3() -> None:
    offenders = [name for name, path in modules().items()
                 if not name.startswith(("consolezero.integrations.aws", "consolezero.devtools"))
                 and any(i.split(".")[0] in ("boto3", "botocore") for i in imports_of(name, path, False))]
    assert offenders == []


def test_only_cli_prints_or_exits() -> None:
    pattern = re.compile(r"\bprint\(|sys\.(stdout|stderr)\b|\bsys\.exit\(|typer\.Exit|\bos\._exit\(")
    offenders = [name for name, path in modules().items()
                 if not name.startswith("consolezero.cli") and name != "consolezero.__main__"
                 and pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_plan_and_the_engine_are_pure() -> None:
    """plan/, policy/, access/ and lint/ never reach AWS or the network themselves."""
    banned = ("boto3", "botocore", "urllib.request", "http.client", "socket", "consolezero.integrations.aws.boto",
              "consolezero.apply", "consolezero.cli")
    offenders = {name: sorted(i for i in imports_of(name, path, False) if i.startswith(banned))
                 for name, path in modules().items()
                 if name.startswith(tuple(f"consolezero.{p}" for p in ("plan", "policy", "access", "lint")))}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_import_cycle_at_import_time() -> None:
    mods = modules()
    graph = {name: {i for i in imports_of(name, path, True) if i in mods and i != name} for name, path in mods.items()}
    # a package's own __init__ importing its submodules is not a cycle through them
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                pairs = zip(cycle, cycle[1:], strict=False)
                if not all(a.startswith(b + ".") or b.startswith(a + ".") for a, b in pairs):
                    cycles.append(cycle)
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_modules_stay_small() -> None:
    sizes = {str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
             for path in modules().values()}
    over = {rel: n for rel, n in sizes.items() if n > OVERSIZED.get(rel, MAX_LINES)}
    assert over == {}, f"split these modules (at most {MAX_LINES} lines): {over}"


def test_architecture_page_names_every_package() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = sorted(str(p.parent.relative_to(PACKAGE)) for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE)
    missing = [p for p in packages if f"{p}/" not in page]
    assert missing == [], f"docs/architecture.md does not name: {missing}"
    named = set(re.findall(r"`([a-z_]+(?:/[a-z_]+)*/)`", page))
    ghosts = sorted(n for n in named if not (ROOT / n).is_dir()
                    and not any(f"{p}/" == n or f"{p}/".endswith("/" + n) for p in packages))
    assert ghosts == [], f"docs/architecture.md names packages that do not exist: {ghosts}"


def test_each_package_has_one_row_naming_its_modules() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| `") and "/` |" in line.split("|")[1] + "|"]
    firsts = [line.split("|")[1].strip().strip("`") for line in rows]
    twice = sorted({f for f in firsts if firsts.count(f) > 1})
    assert twice == [], f"packages with more than one row: {twice}"
    missing = {}
    for line, package in zip(rows, firsts, strict=True):
        folder = PACKAGE / package
        stems = sorted(p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "__main__"))
        absent = [s for s in stems if f"`{s}`" not in line]
        if absent:
            missing[package] = absent
    assert missing == {}, f"docs/architecture.md rows do not name these modules: {missing}"
