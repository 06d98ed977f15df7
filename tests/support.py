"""Test helpers: a copy of the example repository, overlays with `# expect:` markers, lint runs, and what
the AWS tests share whichever AWS they talk to (the in-memory fake or the emulator): account ids written
into a repository, AWS's SCP invariant checked through the port."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from consolezero.devtools import demo

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_PARTS = ("accounts", "roles", "scps", "requests", ".consolezero.yaml", ".github", "bootstrap")
AWS_EXAMPLE_PARTS = ("accounts", "roles", "scps", "requests", ".consolezero.yaml")  # what plan and apply read
MAIN_OVERLAY = "_main"  # a fixture's folder of files committed on main before the rest of the overlay
EXPECT = re.compile(r"#\s*expect:\s*([a-z0-9,\s-]+?)\s*$")
CONTEXT_FILE = "lint-context.json"  # in a fixture case: the pull request and ticket states lint is given


def copy_example(dest: Path, parts: tuple[str, ...] = EXAMPLE_PARTS) -> Path:
    """The example organization (its YAML, workflows and bootstrap template), copied to ``dest``."""
    return demo.copy_example(ROOT, dest, parts)


def set_account_ids(root: Path, ids: dict[str, str]) -> None:
    """Rewrite each account file's id (by account name) to the id the organization (fake or emulator) assigned."""
    for path in (root / "accounts").rglob("*.yaml"):
        name = path.stem
        if name in ids:
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(r'^id:\s*"?\d+"?', f'id: "{ids[name]}"', text, count=1, flags=re.M),
                            encoding="utf-8")


def all_targets(port) -> list[str]:
    """The root, every OU and every account, read through an AWS port (FakeAws or BotoPort)."""
    root = port.root_id()
    targets, queue = [root], [root]
    while queue:
        parent = queue.pop()
        for ou in port.child_ous(parent):
            targets.append(ou.id)
            queue.append(ou.id)
        targets += [a.id for a in port.child_accounts(parent)]
    return targets


def check_every_target_has_an_allow(port) -> None:
    """Every root, OU and account keeps >= 1 SCP, and one that allows: AWS's rule (the first half; the fake
    enforces it, moto does not) and consolezero's (the second), read through any AWS port."""
    import json

    allows: dict[str, bool] = {}
    for target in all_targets(port):
        policies = port.policies_for_target(target)
        assert policies, f"{target} was left with no SCP attached"
        for p in policies:
            if p.id not in allows:
                doc = json.loads(port.policy_content(p.id))
                statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
                allows[p.id] = any(s.get("Effect") == "Allow" for s in statements)
        assert any(allows[p.id] for p in policies), f"{target} was left with no SCP that allows anything"


def apply_overlay(repo: Path, overlay: Path) -> list[str]:
    """Copy the overlay's files over the repository; a file holding only `# delete` removes it."""
    changed = []
    for src in sorted(p for p in overlay.rglob("*") if p.is_file()):
        rel = src.relative_to(overlay).as_posix()
        if rel == CONTEXT_FILE or rel.startswith(MAIN_OVERLAY + "/"):
            continue  # the lint context; what main held before (see on_main)
        target = repo / rel
        if src.read_text(encoding="utf-8", errors="replace").strip() == "# delete":
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        changed.append(rel)
    return changed


def on_main(repo: Path, overlay: Path) -> None:
    """When the overlay has a ``_main`` folder: the repository becomes a git repository whose main holds the
    example plus that folder's files (merged at a set time); the rest of the overlay is then the work tree."""
    from consolezero.devtools.gitrepo import init_main, merge_branch

    main = overlay / MAIN_OVERLAY
    if not main.is_dir():
        return
    init_main(repo, "2026-11-20T09:00:00Z")
    files = {p.relative_to(main).as_posix(): p.read_text(encoding="utf-8") for p in main.rglob("*") if p.is_file()}
    merge_branch(repo, "fixture", files, "2026-11-20T10:00:00Z")


def expected_markers(repo: Path, files: list[str]) -> set[tuple[str, str, int]]:
    """(rule, file, line) of every `# expect: rule[, rule]` comment in the given files."""
    found = set()
    for rel in files:
        for number, line in enumerate((repo / rel).read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            m = EXPECT.search(line)
            if m:
                for rule in m.group(1).split(","):
                    found.add((rule.strip(), rel, number))
    return found


def lint(path: Path, context: Path | None = None):
    """Lint the repository; ``context`` (a fixture's lint-context.json) gives the pull request and tickets:
    ``{"pr_author": "bob", "pr_files": [...], "tickets": {"OPS-1234": ["done", "Done"]}}``."""
    import json

    from consolezero.core.repository import load_repository
    from consolezero.lint.context import PullContext
    from consolezero.lint.runner import run_lint

    if context is None or not context.is_file():
        return run_lint(load_repository(path))
    from consolezero.jit.tickets import TicketState

    data = json.loads(context.read_text(encoding="utf-8"))
    files = data.get("pr_files")
    pr = None
    if "pr_author" in data:
        pr = PullContext(data["pr_author"], frozenset(files) if files is not None else None)
    tickets = {k: TicketState(k, kind, detail) for k, (kind, detail) in data.get("tickets", {}).items()}
    return run_lint(load_repository(path), online="tickets" in data, pr=pr, tickets=tickets or None)
