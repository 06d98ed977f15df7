"""Resource scopes judged by resource type: which actions a Resource/NotResource list covers in full.

Each action has resource types, each with an ARN format (``arn:${Partition}:iam::${Account}:role/
${RoleNameWithPath}``); an action without resource types takes ``Resource: "*"`` only. A list of
Resource patterns *covers* an action when every ARN of every one of its resource types matches one
pattern (each type by one pattern), *touches* it when some ARN of some type may match, and matches
nothing of it otherwise. So ``arn:aws:iam::*:role/*`` covers ``iam:PassRole`` exactly as ``*`` does,
and ``arn:aws-cn:iam::*:role/*`` or ``arn:aws:s3:::*`` matches nothing of it.

Matching follows IAM's Resource element: case-sensitive; ``?`` is one character; ``*`` any run of
characters within an ARN segment, and across colons when it is the last character of a segment
(followed by ``:`` or the end). In a format, ``${Partition}`` is :data:`PARTITION` and every other
placeholder any text without a colon (resource names hold none, but for object keys, which are
rarely matched by a ``*`` in the middle of a segment). For an action without
resource types only a pattern made of ``*`` alone covers it; an ARN pattern of its own service
touches it (AWS wants ``*`` there: what it does with an ARN is not documented, so: fenced), any
other matches nothing. A resource type the catalog names but does not describe is covered only by
``*`` and touched by any pattern of its service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .arn_match import _X, _Y, PARTITION, _segment, _template, judge, only_stars

if TYPE_CHECKING:
    from .catalog import Catalog

_MEMO_LIMIT = 65536


class ResourceIndex:
    """The catalog's ARN formats per service, the actions using each, and memoized verdicts of Resource
    lists. A format used by two services is two entries (each with its own service's actions), so
    action sets stay small ints relative to their service's first action until the very end."""

    def __init__(self, catalog: Catalog) -> None:
        self.all_mask = catalog.all_mask
        ids: dict[tuple[str, bool, str], int] = {}
        self.templates: list[str] = []
        self.star_only: list[bool] = []  # covered only by "*" (no resource type, or an undescribed one)
        self.local: list[int] = []  # the actions using it, as bits from its service's first action
        self.service: list[str] = []
        self.start: dict[str, int] = {}
        by_service: dict[str, list[int]] = {}
        made: dict[str, str] = {}  # ARN format -> template, each format read once
        for prefix, info in catalog.services.items():
            self.start[prefix] = info.start
            unknown, none = (f"arn:{PARTITION}:{prefix}:{_Y}", True), (f"arn:{PARTITION}:{prefix}:{_X}:{_X}:{_X}", True)
            for i in range(info.start, info.end):
                arns = catalog.action_arn_formats(i)
                if not arns:
                    keys = [none]
                else:
                    keys = []
                    for a in arns:
                        if not a:
                            keys.append(unknown)
                            continue
                        template = made.get(a)
                        if template is None:
                            template = made[a] = _template(a)
                        keys.append((template, False))
                for template, star_only in keys:
                    fid = ids.get((template, star_only, prefix))
                    if fid is None:
                        fid = ids[(template, star_only, prefix)] = len(self.templates)
                        self.templates.append(template)
                        self.star_only.append(star_only)
                        self.local.append(0)
                        self.service.append(prefix)
                        by_service.setdefault(prefix, []).append(fid)
                    self.local[fid] |= 1 << (i - info.start)
        self.by_service = {p: tuple(f) for p, f in by_service.items()}
        self.by_segment: dict[str, list[int]] = {}
        self.wild: list[int] = []  # formats whose service segment is not literal
        # six-part formats by the first character of their resource part ("" when it opens with a
        # placeholder); the others (more colons, unknown rest) by service: what a six-part pattern with a
        # literal first resource character can touch is in the first table under that character or "",
        # or in the second
        self.by_lead: dict[tuple[str, str], list[int]] = {}
        self.irregular: dict[str, list[int]] = {}
        for fid, template in enumerate(self.templates):
            seg = _segment(template)
            if seg is None:
                self.wild.append(fid)
                continue
            self.by_segment.setdefault(seg, []).append(fid)
            if template.count(":") == 5 and _Y not in template:
                rest = template.split(":", 5)[5]
                lead = rest[:1] if rest[:1] not in ("", _X) else ""
                self.by_lead.setdefault((seg, lead), []).append(fid)
            else:
                self.irregular.setdefault(seg, []).append(fid)
        # each service's actions as (first position, a mask of as many bits): does a set hold any of them?
        self.span = {p: (info.start, (1 << (info.end - info.start)) - 1) for p, info in catalog.services.items()}
        self._patterns: dict[str, tuple[frozenset[int], frozenset[int]]] = {}
        self._lists: dict[tuple[str, ...], tuple[int, int]] = {}

    def clear(self) -> None:
        self._patterns.clear()
        self._lists.clear()

    def _candidates(self, pattern: str) -> list[int] | None:
        """The formats ``pattern`` may touch, from the tables (a superset); None: any format."""
        seg = _segment(pattern)
        if seg is None:
            return None
        rest = pattern.split(":", 5)[5] if pattern.count(":") == 5 else ""
        if rest[:1] and rest[0] not in "*?":
            return (self.by_lead.get((seg, rest[0]), []) + self.by_lead.get((seg, ""), [])
                    + self.irregular.get(seg, []) + self.wild)
        return self.by_segment.get(seg, []) + self.wild

    def services_in(self, patterns: tuple[str, ...], bits: int) -> frozenset[str] | None:
        """The services of ``bits`` that own a format some pattern may touch: the only ones whose
        actions :meth:`scope` must judge for a statement on ``bits`` (the others the list matches
        nothing of). None when a pattern may touch formats of any service."""
        owners: set[str] = set()
        service = self.service
        for p in patterns:
            candidates = self._candidates(p)
            if candidates is None or only_stars(p):
                return None
            owners.update([service[fid] for fid in candidates])
        span = self.span
        present = []
        for prefix in owners:
            start, mask = span[prefix]
            if (bits >> start) & mask:
                present.append(prefix)
        return frozenset(present)

    def _pattern(self, pattern: str, services: frozenset[str] | None = None
                 ) -> tuple[frozenset[int], frozenset[int]]:
        """The formats ``pattern`` covers, and those it touches (a superset); with ``services``, only
        formats of those services' actions are judged."""
        key = pattern if services is None else (pattern, services)
        hit = self._patterns.get(key)  # type: ignore[call-overload]
        if hit is not None:
            return hit
        found = self._candidates(pattern)
        candidates: list[int] | range = range(len(self.templates)) if found is None else found
        if services is not None:
            candidates = [fid for fid in candidates if self.service[fid] in services]
        covered, touched = set(), set()
        templates, star_only = self.templates, self.star_only
        seen: dict[str, tuple[bool, bool]] = {}
        for fid in candidates:
            template = templates[fid]
            verdict = seen.get(template)
            if verdict is None:
                verdict = seen[template] = judge(pattern, template)
            if verdict[0] and not star_only[fid]:
                covered.add(fid)
            if verdict[1]:
                touched.add(fid)
        if len(self._patterns) >= _MEMO_LIMIT:
            self._patterns.clear()
        hit = self._patterns[key] = (frozenset(covered), frozenset(touched))  # type: ignore[index]
        return hit

    def _spread(self, local: dict[str, int]) -> int:
        out = 0
        for prefix, bits in local.items():
            out |= bits << self.start[prefix]
        return out

    def scope(self, patterns: tuple[str, ...], services: frozenset[str] | None = None) -> tuple[int, int]:
        """(covered, touched): the actions every ARN of which some pattern covers, and those some ARN of
        which some pattern may match (a superset). Every other action: the list matches nothing of it.
        With ``services``, the answer holds for those services' actions only (the others: nothing)."""
        key = patterns if services is None else (patterns, services)
        hit = self._lists.get(key)  # type: ignore[call-overload]
        if hit is not None:
            return hit
        if any(only_stars(p) for p in patterns):
            result = (self.all_mask, self.all_mask)
        else:
            covered: set[int] = set()
            touched: set[int] = set()
            for p in patterns:
                c, t = self._pattern(p, services)
                covered |= c
                touched |= t
            service, local = self.service, self.local
            cover: dict[str, int] = {}
            for fid in covered:
                cover[service[fid]] = cover.get(service[fid], 0) | local[fid]
            for prefix, bits in cover.items():
                bad = 0
                for fid in self.by_service[prefix]:
                    if fid not in covered:
                        bad |= local[fid]
                cover[prefix] = bits & ~bad
            touch: dict[str, int] = {}
            for fid in touched | covered:
                touch[service[fid]] = touch.get(service[fid], 0) | local[fid]
            result = (self._spread(cover), self._spread(touch))
        if len(self._lists) >= _MEMO_LIMIT:
            self._lists.clear()
        self._lists[key] = result  # type: ignore[index]
        return result


def statement_scope(catalog: Catalog, bits: int, resources: tuple[str, ...] | None,
                    not_resources: tuple[str, ...] | None) -> tuple[int, int]:
    """(full, partial) of a statement's actions ``bits``: those it applies to on every resource, and
    those on some resources only. The rest of ``bits`` it applies to on no resource at all.

    Resource: full where the patterns cover the action, partial where they only touch it. NotResource:
    full where the patterns touch nothing of the action (it excludes none of its ARNs: as ``*``), none
    where they cover it (it excludes every ARN), partial otherwise. Neither (an invalid statement): full.
    """
    if resources is None and not_resources is None:
        return bits, 0
    if resources is not None and "*" in resources:  # the commonest scope: everything
        return bits, 0
    if not bits:
        return 0, 0
    index = catalog.resource_index
    patterns: tuple[str, ...] = resources if resources is not None else not_resources  # type: ignore[assignment]
    # judge only the formats of the services of ``bits`` the patterns may touch (the others' actions the
    # list matches nothing of), or of the one service of ``bits``
    services = index.services_in(patterns, bits)
    if services is None:
        low, high = catalog.service_of((bits & -bits).bit_length() - 1), catalog.service_of(bits.bit_length() - 1)
        if low is high:
            services = frozenset((low.prefix,))
    cover, touch = index.scope(patterns, services)
    if resources is not None:
        full = bits & cover
        return full, (bits & touch) ^ full
    full = bits ^ (bits & touch)  # touched nowhere: excludes nothing
    partial = (bits & touch) ^ (bits & cover)
    return full, partial
