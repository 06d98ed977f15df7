"""What every rule sees: the repository, its model, the config, and the engine on demand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from consolezero.core.config import Config, Limits
    from consolezero.core.model import Model
    from consolezero.core.repository import Repository
    from consolezero.jit.tickets import TicketState


@dataclass(frozen=True)
class PullContext:
    """The pull request being checked: its author, and the request files it adds or changes."""

    author: str
    files: frozenset[str] | None = None  # None: every request file counts as the pull request's


@dataclass
class LintContext:
    repo: Repository
    online: bool = False
    allow_weakened_safety: bool = False  # --allow-weakened-safety: safety rules may be lowered or ignored
    cache: dict[str, Any] = field(default_factory=dict)  # shared between rules of one run
    pr: PullContext | None = None  # request-author-mismatch runs only with it
    tickets: Mapping[str, TicketState] | None = None  # ticket key -> state, asked of the tracker beforehand

    @property
    def model(self) -> Model:
        return self.repo.model

    @property
    def config(self) -> Config:
        return self.repo.config

    @property
    def limits(self) -> Limits:
        return self.repo.config.limits

    @cached_property
    def catalog(self) -> Any:
        """The IAM action catalog, loaded on first use (lint of YAML alone never pays for it)."""
        from consolezero.policy.catalog import load_catalog

        return load_catalog()

    def has(self, file: str, *path: str | int) -> bool:
        doc = self.repo.documents.get(file)
        return doc is not None and doc.has(tuple(path))
