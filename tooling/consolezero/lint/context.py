"""What every rule sees: the repository, its model, the config, and the engine on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from consolezero.core.findings import Where

if TYPE_CHECKING:
    from consolezero.core.config import Config, Limits
    from consolezero.core.model import Model
    from consolezero.core.repository import Repository


@dataclass
class LintContext:
    repo: Repository
    online: bool = False
    allow_weakened_safety: bool = False  # --allow-weakened-safety: safety rules may be lowered or ignored
    cache: dict[str, Any] = field(default_factory=dict)  # shared between rules of one run

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

    def where(self, file: str, *path: str | int, key: bool = False) -> Where:
        return Where(file=file, path=tuple(path), key=key)

    def has(self, file: str, *path: str | int) -> bool:
        doc = self.repo.documents.get(file)
        return doc is not None and tuple(path) in doc.positions
