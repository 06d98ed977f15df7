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

from .arn_match import _X, _Y, PARTITION, _segment, _template, judge_parts

if TYPE_CHECKING:
    from .catalog import Catalog

_MEMO_LIMIT = 65536
_Entry = tuple[tuple[int, ...], tuple[tuple[str, int, int], ...]]  # formats, and their services' spans


class ResourceIndex:
    """The catalog's ARN formats per service, the actions using each, and memoized verdicts of Resource
    lists. A format used by two services is two entries (each with its own service's actions), so
    action sets stay small ints relative to their service's first action until the very end.

    Built once per catalog (see :meth:`~consolezero.policy.action_index.ActionIndex.warm`): each format
    split at its colons once, and for each service segment and first resource character the formats a
    pattern may touch with the services owning them. Only the verdicts are memoized (:meth:`clear`)."""

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
        # each service's actions as (prefix, first position, a mask of as many bits)
        self.spans = [(p, info.start, (1 << (info.end - info.start)) - 1) for p, info in catalog.services.items()]
        span = {p: (p, a, m) for p, a, m in self.spans}
        # each distinct template once, split at its colons: formats of several services share it
        self.form: list[int] = []
        self.forms: list[tuple[str, list[str]]] = []
        form_of: dict[str, int] = {}
        for template in self.templates:
            n = form_of.get(template)
            if n is None:
                n = form_of[template] = len(self.forms)
                self.forms.append((template, template.split(":")))
            self.form.append(n)
        by_segment: dict[str, list[int]] = {}
        wild: list[int] = []  # formats whose service segment is not literal
        # six-part formats by the first character of their resource part ("" when it opens with a
        # placeholder); the others (more colons, unknown rest) by service: what a six-part pattern with a
        # literal first resource character can touch is in the first table under that character or "",
        # or in the second
        by_lead: dict[tuple[str, str], list[int]] = {}
        irregular: dict[str, list[int]] = {}
        for fid, template in enumerate(self.templates):
            seg = _segment(template)
            if seg is None:
                wild.append(fid)
                continue
            by_segment.setdefault(seg, []).append(fid)
            if template.count(":") == 5 and _Y not in template:
                rest = template.split(":", 5)[5]
                lead = rest[:1] if rest[:1] not in ("", _X) else ""
                by_lead.setdefault((seg, lead), []).append(fid)
            else:
                irregular.setdefault(seg, []).append(fid)

        def entry(fids: list[int]) -> _Entry:
            return tuple(fids), tuple(span[p] for p in dict.fromkeys([self.service[f] for f in fids]))

        # (segment, None): a pattern whose resource part opens with a wildcard; (segment, c): with the
        # literal c; (segment, ""): with a character no format of that segment opens with
        self.table: dict[tuple[str, str | None], _Entry] = {}
        for seg, fids in by_segment.items():
            opening = by_lead.get((seg, ""), []) + irregular.get(seg, []) + wild
            self.table[(seg, None)] = entry(fids + wild)
            self.table[(seg, "")] = entry(opening)
        for (seg, lead), fids in by_lead.items():
            if lead:
                self.table[(seg, lead)] = entry(fids + by_lead.get((seg, ""), []) + irregular.get(seg, []) + wild)
        self.wild = entry(wild)  # a segment no format has: only the formats without a literal one
        self.anything = entry(list(range(len(self.templates))))
        self._patterns: dict[object, tuple[frozenset[int], frozenset[int]]] = {}
        self._lists: dict[object, tuple[int, int]] = {}

    def clear(self) -> None:
        self._patterns.clear()
        self._lists.clear()

    def _candidates(self, pattern: str, parts: list[str]) -> _Entry | None:
        """The formats ``pattern`` (split at its colons: ``parts``) may touch, from the tables (a
        superset); None: any format."""
        if len(parts) < 4:
            return None
        head = pattern[: len(parts[0]) + len(parts[1]) + len(parts[2]) + 2]
        if "*" in head or "?" in head or _X in head or _Y in head:  # no literal service segment
            return None
        rest = parts[5] if len(parts) == 6 else ""
        table = self.table
        if rest and rest[0] != "*" and rest[0] != "?":
            return table.get((parts[2], rest[0])) or table.get((parts[2], "")) or self.wild
        return table.get((parts[2], None)) or self.wild

    def _pattern(self, pattern: str, parts: list[str], candidates: tuple[int, ...], services: frozenset[str]
                 ) -> tuple[frozenset[int], frozenset[int]]:
        """The formats of ``services`` among ``candidates`` that ``pattern`` covers, and those it touches
        (a superset)."""
        key = (pattern, services)
        hit = self._patterns.get(key)
        if hit is not None:
            return hit
        covered, touched = set(), set()
        service, star_only, form, forms = self.service, self.star_only, self.form, self.forms
        seen: dict[int, tuple[bool, bool]] = {}
        for fid in candidates:
            if service[fid] not in services:
                continue
            n = form[fid]
            verdict = seen.get(n)
            if verdict is None:
                template, split = forms[n]
                verdict = seen[n] = judge_parts(pattern, parts, template, split)
            if verdict[0] and not star_only[fid]:
                covered.add(fid)
            if verdict[1]:
                touched.add(fid)
        if len(self._patterns) >= _MEMO_LIMIT:
            self._patterns.clear()
        hit = self._patterns[key] = (frozenset(covered), frozenset(touched))
        return hit

    def _spread(self, local: dict[str, int]) -> int:
        out = 0
        for prefix, bits in local.items():
            if bits:
                shifted = bits << self.start[prefix]
                out = out | shifted if out else shifted
        return out

    def scope(self, patterns: tuple[str, ...], bits: int) -> tuple[int, int]:
        """(covered, touched) of the actions ``bits``: those every ARN of which some pattern covers, and
        those some ARN of which some pattern may match (a superset). The other actions of ``bits``:
        the list matches nothing of them. Only the formats of the services of ``bits`` that own a
        format some pattern may touch are judged (the answer is exact for ``bits`` only)."""
        found = []
        for p in patterns:
            if p and not p.strip("*"):  # only stars: every ARN
                return self.all_mask, self.all_mask
            parts = p.split(":")
            found.append((p, parts, self._candidates(p, parts) or self.anything))
        owners = found[0][2][1] if len(found) == 1 else tuple(dict.fromkeys([o for f in found for o in f[2][1]]))
        services = frozenset([p for p, start, mask in owners if (bits >> start) & mask] if len(owners) < 32
                             else _services_of(bits, owners))
        if not services:  # no service of ``bits`` has a format any pattern may touch
            return 0, 0
        key = (patterns, services)
        hit = self._lists.get(key)
        if hit is not None:
            return hit
        covered: set[int] = set()
        touched: set[int] = set()
        for p, parts, (candidates, _) in found:
            c, t = self._pattern(p, parts, candidates, services)
            covered |= c
            touched |= t
        service, local = self.service, self.local
        cover: dict[str, int] = {}
        for fid in covered:
            cover[service[fid]] = cover.get(service[fid], 0) | local[fid]
        for prefix, got in cover.items():
            bad = 0
            for fid in self.by_service[prefix]:
                if fid not in covered:
                    bad |= local[fid]
            cover[prefix] = got & ~bad
        touch: dict[str, int] = {}
        for fid in touched | covered:
            touch[service[fid]] = touch.get(service[fid], 0) | local[fid]
        result = (self._spread(cover), self._spread(touch))
        if len(self._lists) >= _MEMO_LIMIT:
            self._lists.clear()
        self._lists[key] = result
        return result


def _services_of(bits: int, spans: tuple[tuple[str, int, int], ...]) -> list[str]:
    """The services among ``spans`` that hold an action of ``bits`` (many spans: one pass over its
    binary text, one C search per service)."""
    text = bin(bits)
    top = len(text)  # text[top - 1 - i] is bit i
    find = text.find
    return [p for p, start, mask in spans if find("1", max(2, top - start - mask.bit_length()), top - start) >= 0]


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
    cover, touch = catalog.resource_index.scope(resources if resources is not None else not_resources, bits)  # type: ignore[arg-type]
    if not touch:  # the list matches nothing of these actions (touch holds cover)
        return (0, 0) if resources is not None else (bits, 0)
    if resources is not None:
        full = bits & cover
        return full, (bits & touch) ^ full
    full = bits ^ (bits & touch)  # touched nowhere: excludes nothing
    partial = (bits & touch) ^ (bits & cover)
    return full, partial
