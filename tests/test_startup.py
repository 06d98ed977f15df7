"""Imports stay lazy: what the example's lint and `--help` load, and what they do not."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT

_RUN = ("import sys\nfrom consolezero.cli.app import main\nsys.argv = ['consolezero', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED:' + ' '.join(sorted(m for m in {names!r} if m in sys.modules)))\n")


def _loaded(args: list[str], names: list[str]) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _RUN.format(args=args, names=names)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED:"))
    return set(line.removeprefix("LOADED:").split())


def test_lint_of_a_valid_repository_loads_no_detailed_validator_and_no_pydantic() -> None:
    """jsonschema words the findings of files that fail; a clean repository never needs it."""
    loaded = _loaded(["lint", str(ROOT), "--format", "json"],
                     ["jsonschema", "jsonschema_rs", "pydantic", "boto3", "referencing"])
    assert loaded == {"jsonschema_rs"}


def test_help_loads_neither_the_engine_nor_yaml() -> None:
    loaded = _loaded(["--help"], ["yaml", "consolezero.policy.catalog", "consolezero.lint.runner", "jsonschema_rs",
                                  "pydantic"])
    assert loaded == set()
