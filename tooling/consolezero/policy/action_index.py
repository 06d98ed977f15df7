"""Search tables over the catalog's action names, built once per catalog, for :mod:`.patterns`.

A pattern's action part is split into its *lead* (the literal text before the first wildcard), its
*tail* (the literal text after the last one) and its length (exact when it has no ``*``, a minimum
otherwise). Each of the three is a bit set the tables give without looking at single names:

- lead: within one service, a bisection over its sorted names (one contiguous run of bits); across
  services, a bisection over every name sorted, then :class:`_RangeBits`;
- tail: the same over every name reversed and sorted (``*Policy`` is a prefix of the reversed names);
- length: one bit set per length, and per minimum length;
- a whole name in any service (``*:PassRole``): a dict of the positions that bear it.

When the lead and the tail hold every literal character of the pattern (``Get*``, ``*Policy``,
``Describe*s``, ``Pass?ole``, ``?etObject``) their intersection *is* the answer; otherwise it is a
short list of candidates to check one by one. Only patterns with neither (``*Policy*``) search text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

# wildcard matching of names (re-exported here, where the engine's modules long imported it from)
from .globs import glob_match, glob_source, matcher, regex_safe, split_glob  # noqa: F401

if TYPE_CHECKING:
    from .catalog import Catalog, ServiceInfo

TOP = "\U0010ffff"  # sorts after every name: [lead, lead + TOP) is every name starting with lead
_BLOCK = 16
_BIT = (1, 2, 4, 8, 16, 32, 64, 128)
MEMO_LIMIT = 65536


def bits_of(positions: Iterable[int], nbytes: int) -> int:
    """A bit set from positions (each at most once). A few close together (the names of one service):
    a small int shifted into place once; many, or far apart: one byte array, not many big ORs."""
    kind = positions.__class__
    if kind is list or kind is tuple:
        if not positions:
            return 0
        high = max(positions)
        if len(positions) <= 64:  # type: ignore[arg-type]
            low = min(positions)
            if high - low < 2048:
                out = 0
                for i in positions:
                    out |= 1 << (i - low)
                return out << low
            if len(positions) <= 12:  # type: ignore[arg-type]  # (a byte array pays from about 16)
                out = 0
                for i in positions:
                    out |= 1 << i
                return out
        nbytes = (high >> 3) + 1  # the bytes up to the highest position only
    buf = bytearray(nbytes)
    bit = _BIT
    for i in positions:
        buf[i >> 3] |= bit[i & 7]
    return int.from_bytes(buf, "little")


def range_mask(lo: int, hi: int) -> int:
    """The bits ``lo .. hi - 1``."""
    return ((1 << (hi - lo)) - 1) << lo


class _Sorted:
    """Strings sorted forward and reversed, each with the positions they came from."""

    __slots__ = ("fwd", "fwd_pos", "rev", "rev_pos")

    def __init__(self, items: Sequence[str]) -> None:
        order = sorted(range(len(items)), key=items.__getitem__)
        self.fwd = [items[i] for i in order]
        self.fwd_pos = order
        backwards = [s[::-1] for s in items]
        order = sorted(range(len(items)), key=backwards.__getitem__)
        self.rev = [backwards[i] for i in order]
        self.rev_pos = order

    def starting(self, lead: str) -> tuple[int, int]:
        """The range of ``fwd`` that starts with ``lead``."""
        lo = bisect_left(self.fwd, lead)
        return lo, bisect_left(self.fwd, lead + TOP, lo)

    def ending(self, tail: str) -> tuple[int, int]:
        """The range of ``rev`` whose strings end with ``tail``."""
        key = tail[::-1]
        lo = bisect_left(self.rev, key)
        return lo, bisect_left(self.rev, key + TOP, lo)


class _RangeBits:
    """The bits of ``positions[lo:hi]`` for any range, in about three big-int operations.

    Keeps the XOR of every prefix ``positions[:k * 16]``; each position occurs once, so the XOR of two
    of them is the set in between; at most 8 positions at either end are then toggled one by one.
    """

    __slots__ = ("positions", "cumulative", "nbytes")

    def __init__(self, positions: list[int], nbytes: int) -> None:
        self.positions, self.nbytes = positions, nbytes
        buf = bytearray(nbytes)
        bit = _BIT
        snaps = [0]
        for k, i in enumerate(positions, 1):
            buf[i >> 3] ^= bit[i & 7]
            if k % _BLOCK == 0:
                snaps.append(int.from_bytes(buf, "little"))
        self.cumulative = snaps

    def bits(self, lo: int, hi: int) -> int:
        positions = self.positions
        if hi - lo <= 2 * _BLOCK:
            return bits_of(positions[lo:hi], self.nbytes)
        # the snapshots nearest to lo and hi, then toggle the positions in between (at most 8 a side)
        a, b = (lo + _BLOCK // 2) // _BLOCK, (hi + _BLOCK // 2) // _BLOCK
        if b >= len(self.cumulative):
            b -= 1
        edges = (positions[lo : a * _BLOCK] if lo < a * _BLOCK else positions[a * _BLOCK : lo]) + (
            positions[b * _BLOCK : hi] if hi > b * _BLOCK else positions[hi : b * _BLOCK])
        out = self.cumulative[b] ^ self.cumulative[a]
        return out ^ bits_of(edges, self.nbytes) if edges else out


class ActionIndex:
    """Lower-case action names (without the service prefix) in catalog order, and the tables above.

    Also holds the memo of compiled patterns and of lint verdicts for its catalog (see
    :func:`~consolezero.policy.patterns.clear_caches`).
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.size = len(catalog.actions)
        self.nbytes = (self.size + 7) >> 3
        self.names: list[str] = [a[a.index(":") + 1 :].lower() for a in catalog.actions]
        self.plain_names = not any("*" in a or "?" in a for a in catalog.actions)  # (AWS's never have one)
        self.infos: list[ServiceInfo] = list(catalog.services.values())
        self.prefix_names = [info.prefix for info in self.infos]
        self.prefixes = _Sorted(self.prefix_names)
        self.compiled: dict[str, int] = {}
        self.issues: dict[object, object] = {}
        self.scopes: dict[str, tuple[int, ...]] = {}
        self._sorted: _Sorted | None = None
        self._starting: _RangeBits | None = None
        self._ending: _RangeBits | None = None
        self._lengths: tuple[list[int], list[int], bytes] | None = None
        self._text: tuple[str, list[int]] | None = None
        self._lower: list[str] | None = None
        self._sorted_lower: tuple[list[str], list[int], list[int], list[tuple[int, int]]] | None = None
        self._by_name: dict[str, tuple[int, ...]] | None = None
        self._service_rev: tuple[list[str], list[int]] | None = None

    def warm(self) -> ActionIndex:
        """Build every table now (else built on first use), the catalog's resource index too."""
        self.sorted  # noqa: B018 - properties that build and keep their table
        self.starting_bits(0, self.size)
        self.ending_bits(0, self.size)
        self.length_bits(0, True)
        self.text  # noqa: B018
        self.sorted_lower  # noqa: B018
        self.by_name  # noqa: B018
        self.service_rev  # noqa: B018
        self.catalog.resource_index  # noqa: B018 - the ARN formats of the catalog (see .resources)
        return self

    # -- built on first use ---------------------------------------------------------------------------
    @property
    def sorted(self) -> _Sorted:
        if self._sorted is None:
            self._sorted = _Sorted(self.names)
        return self._sorted

    @property
    def sorted_lower(self) -> tuple[list[str], list[int], list[int], list[tuple[int, int]]]:
        """Lower-case names sorted as strings, and the segments of catalog positions that stay
        contiguous in that order: (names, segment starts, segment ends, (rank, size) of each).

        Within a service the orders agree; services sort by ``prefix + ":"`` (``s3-x:`` < ``s3:``)."""
        if self._sorted_lower is None:
            lower, infos = self.lower_actions, self.infos
            names: list[str] = []
            segments: list[list[int]] = []  # [start, end, rank]
            for info in sorted(infos, key=lambda inf: inf.prefix + ":"):
                if segments and segments[-1][1] == info.start:
                    segments[-1][1] = info.end
                elif info.end > info.start:
                    segments.append([info.start, info.end, len(names)])
                names += lower[info.start : info.end]
            segments.sort()
            self._sorted_lower = (names, [s[0] for s in segments], [s[1] for s in segments],
                                  [(s[2], s[1] - s[0]) for s in segments])
        return self._sorted_lower

    @property
    def by_name(self) -> dict[str, tuple[int, ...]]:
        """Each lower-case name (no service) with the positions bearing it, ascending: ``*:PassRole``."""
        if self._by_name is None:
            table: dict[str, list[int]] = {}
            for i, name in enumerate(self.names):
                table.setdefault(name, []).append(i)
            self._by_name = {name: tuple(found) for name, found in table.items()}
        return self._by_name

    @property
    def service_rev(self) -> tuple[list[str], list[int]]:
        """Each service's names reversed and sorted, in the service's own positions (the names of the
        service at ``[start, end)`` take the same range), with the positions they came from: the names of
        one service that end with a tail are one run (``s3:*Object``)."""
        if self._service_rev is None:
            backwards = [name[::-1] for name in self.names]
            rev, pos = backwards[:], list(range(self.size))
            for info in self.infos:
                order = sorted(range(info.start, info.end), key=backwards.__getitem__)
                rev[info.start : info.end] = [backwards[i] for i in order]
                pos[info.start : info.end] = order
            self._service_rev = rev, pos
        return self._service_rev

    def service_ending(self, tail: str, a: int, b: int) -> tuple[int, int]:
        """The range of :attr:`service_rev` (within the service at ``[a, b)``) whose names end with ``tail``."""
        rev = self.service_rev[0]
        key = tail[::-1]
        lo = bisect_left(rev, key, a, b)
        return lo, bisect_left(rev, key + TOP, lo, b)

    @property
    def lower_actions(self) -> list[str]:
        """Lower-case ``service:action`` names in catalog order."""
        if self._lower is None:
            self._lower = [a.lower() for a in self.catalog.actions]
        return self._lower

    def starting_bits(self, lo: int, hi: int) -> int:
        """Bits of the names in ``sorted.fwd[lo:hi]``."""
        if hi - lo <= 2 * _BLOCK:
            return bits_of(self.sorted.fwd_pos[lo:hi], self.nbytes)
        if self._starting is None:
            self._starting = _RangeBits(self.sorted.fwd_pos, self.nbytes)
        return self._starting.bits(lo, hi)

    def ending_bits(self, lo: int, hi: int) -> int:
        """Bits of the names in ``sorted.rev[lo:hi]``."""
        if hi - lo <= 2 * _BLOCK:
            return bits_of(self.sorted.rev_pos[lo:hi], self.nbytes)
        if self._ending is None:
            self._ending = _RangeBits(self.sorted.rev_pos, self.nbytes)
        return self._ending.bits(lo, hi)

    @property
    def lengths(self) -> tuple[list[int], list[int], bytes]:
        """Bit sets of the names of each length, of at least each length; each length as a byte (max 255)."""
        if self._lengths is None:
            longest = max(map(len, self.names), default=0)
            bufs = [bytearray(self.nbytes) for _ in range(longest + 1)]
            bit = _BIT
            for i, name in enumerate(self.names):
                bufs[len(name)][i >> 3] |= bit[i & 7]
            eq = [int.from_bytes(b, "little") for b in bufs]
            ge = [0] * (longest + 2)
            for k in range(longest, -1, -1):
                ge[k] = ge[k + 1] | eq[k]
            self._lengths = eq, ge, bytes([min(len(name), 255) for name in self.names])
        return self._lengths

    def length_bits(self, length: int, exact: bool) -> int:
        """The names of exactly ``length`` characters, or (``exact=False``) of at least ``length``."""
        eq, ge, _ = self.lengths
        if exact:
            return eq[length] if length < len(eq) else 0
        return ge[length] if length < len(ge) else 0

    @property
    def text(self) -> tuple[str, list[int]]:
        """Every name on its own line, and where each line starts."""
        if self._text is None:
            starts, pos = [], 0
            for name in self.names:
                starts.append(pos)
                pos += len(name) + 1
            self._text = "\n".join(self.names), starts
        return self._text

    def search_text(self, act: str, lo: int, hi: int) -> list[int]:
        """Positions in ``[lo, hi)`` whose name matches ``act``, by searching the joined names (for
        patterns without a literal lead or tail: ``*Policy*``)."""
        text, starts = self.text
        pos, end = starts[lo], (starts[hi] - 1 if hi < self.size else len(text))
        found: list[int] = []
        inner = act.strip("*")
        if act.startswith("*") and act.endswith("*") and inner and "*" not in inner and "?" not in inner:
            at = text.find(inner, pos, end)  # a plain "contains": jump from hit to hit
            while at >= 0:
                line = bisect_left(starts, at + 1) - 1
                found.append(line)
                nxt = starts[line + 1] if line + 1 < self.size else end
                at = text.find(inner, nxt, end)
            return found
        if not regex_safe(act):
            test, names = matcher(act), self.names
            return [i for i in range(lo, hi) if test(names[i])]
        rx = re.compile("^" + glob_source(act) + "$", re.MULTILINE)
        return [bisect_left(starts, m.start() + 1) - 1 for m in rx.finditer(text, pos, end)]
