"""Reading GitHub workflows for the CI rules: jobs, steps, actions, env blocks and scripts, each with
the path that locates it in its file (symbolic locations, resolved to line and column later).

YAML 1.1 reads a bare ``on:`` key as the boolean ``True``: both spellings are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from consolezero.core.findings import Path, Where
from consolezero.core.loader import Document

from ..context import LintContext


@dataclass(frozen=True)
class Workflow:
    file: str
    doc: Document
    data: Mapping

    @property
    def on_key(self) -> Any:
        """The trigger key as loaded: ``"on"``, or ``True`` for a bare YAML 1.1 ``on:``."""
        for key in ("on", True):
            if key in self.data:
                return key
        return None

    def where(self, path: Path, key: bool = False) -> Where:
        return Where(self.file, path, key=key)

    def job_where(self, job: str) -> Where:
        return Where(self.file, ("jobs", job), key=True)

    def line(self, path: Path) -> int:
        return self.doc.position(path)[0]


def workflows(ctx: LintContext) -> Iterator[Workflow]:
    for file in ctx.repo.files_of("workflow"):
        doc = ctx.repo.documents[file]
        if doc.ok and isinstance(doc.data, Mapping):
            yield Workflow(file, doc, doc.data)


def jobs(wf: Workflow) -> Iterator[tuple[str, Mapping, Path]]:
    jobs = wf.data.get("jobs")
    if isinstance(jobs, Mapping):
        for name, job in jobs.items():
            if isinstance(job, Mapping):
                yield str(name), job, ("jobs", name)


def steps(job: Mapping, jpath: Path) -> Iterator[tuple[Mapping, Path]]:
    steps = job.get("steps")
    if isinstance(steps, list):
        for i, step in enumerate(steps):
            if isinstance(step, Mapping):
                yield step, (*jpath, "steps", i)


def action_name(uses: Any) -> str:
    """``owner/repo`` of a ``uses:`` value, lower-cased ('' for local and docker actions)."""
    if not isinstance(uses, str) or uses.startswith(("./", "docker://")):
        return ""
    return "/".join(uses.partition("@")[0].split("/")[:2]).lower()


def step_inputs(step: Mapping) -> Mapping:
    value = step.get("with")
    return value if isinstance(value, Mapping) else {}


def step_label(step: Mapping, spath: Path) -> str:
    name = step.get("name") or step.get("id") or str(step.get("uses") or "").partition("@")[0]
    return f"step {name!r}" if name else f"step {spath[-1] + 1}"


def locate(wf: Workflow, path: Path, needle: str, after: int = 0) -> Where:
    """The exact line and column of ``needle`` inside the string scalar at ``path`` (a run script's
    line, say), searching the source from the node's start; the node itself when not found."""
    line, column = wf.doc.position(path)
    lines = wf.doc.text.splitlines()
    for number in range(max(line, after), len(lines) + 1):
        start = column - 1 if number == line else 0
        index = lines[number - 1].find(needle, start)
        if index >= 0:
            return Where(wf.file, path, line=number, column=index + 1)
    return Where(wf.file, path)


def script_line(wf: Workflow, path: Path, text: str, after: int) -> int | None:
    """The file line of one line of a block scalar: the first line from ``after`` that holds it."""
    line = max(wf.doc.position(path)[0], after)
    lines = wf.doc.text.splitlines()
    for number in range(line, len(lines) + 1):
        if lines[number - 1].strip() == text:
            return number
    return None


def script_matches(wf: Workflow, path: Path, script: str, pattern: re.Pattern) -> Iterator[tuple[Where, re.Match]]:
    """Each line of a shell script matching ``pattern`` (comment lines skipped), located exactly."""
    after = 0
    for text in script.splitlines():
        if text.lstrip().startswith("#"):
            continue
        match = pattern.search(text)
        if not match:
            continue
        number = script_line(wf, path, text.strip(), after)
        if number is None:
            where = locate(wf, path, match.group(0), after)
        else:
            column = wf.doc.text.splitlines()[number - 1].find(match.group(0)) + 1
            where = Where(wf.file, path, line=number, column=max(column, 1))
        after = (where.line or 0) + 1
        yield where, match


# --- workflow-static-credentials ---------------------------------------------------------------


def env_blocks(wf: Workflow) -> Iterator[tuple[Mapping, Path, str]]:
    """Every mapping of environment variables (or secrets passed on): workflow, job, container,
    services, reusable-workflow secrets, steps."""
    def block(value: Any, path: Path, label: str) -> Iterator[tuple[Mapping, Path, str]]:
        if isinstance(value, Mapping):
            yield value, path, label

    yield from block(wf.data.get("env"), ("env",), "workflow env")
    for name, job, jpath in jobs(wf):
        yield from block(job.get("env"), (*jpath, "env"), f"job {name!r} env")
        yield from block(job.get("secrets"), (*jpath, "secrets"), f"job {name!r} secrets")
        container = job.get("container")
        if isinstance(container, Mapping):
            yield from block(container.get("env"), (*jpath, "container", "env"), f"job {name!r} container env")
        services = job.get("services")
        if isinstance(services, Mapping):
            for sname, service in services.items():
                if isinstance(service, Mapping):
                    yield from block(service.get("env"), (*jpath, "services", sname, "env"),
                                     f"job {name!r} service {sname!r} env")
        for step, spath in steps(job, jpath):
            yield from block(step.get("env"), (*spath, "env"), f"job {name!r} {step_label(step, spath)} env")
