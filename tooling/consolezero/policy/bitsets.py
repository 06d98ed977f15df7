"""Bit sets over the catalog as positions and as action names (catalog order, or sorted as strings);
re-exported by :mod:`.patterns`."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .action_index import ActionIndex
    from .catalog import Catalog


def iter_bits(bits: int) -> Iterator[int]:
    """The positions of the set bits of ``bits``, ascending."""
    if bits <= 0:
        return
    text = bin(bits)[:1:-1]
    i = text.find("1")
    while i >= 0:
        yield i
        i = text.find("1", i + 1)


def _runs(bits: int) -> list[tuple[int, int]]:
    """The runs ``[a, b)`` of consecutive set bits of ``bits``, descending (C-speed jumps over the
    binary text: one step per run, not per bit)."""
    text = bin(bits)
    top = len(text)  # text[j] is bit top - 1 - j; text[:2] is "0b"
    runs = []
    j = 2
    while j >= 0:
        k = text.find("0", j)
        if k < 0:
            runs.append((0, top - j))
            break
        runs.append((top - k, top - j))
        j = text.find("1", k)
    return runs


def action_names(catalog: Catalog, bits: int, lower: bool = False) -> list[str]:
    """Canonical ``service:Action`` names (``lower``: lower-case) of the actions in ``bits``, in
    catalog order."""
    names = catalog.action_index.lower_actions if lower else catalog.actions
    if bits <= 0:
        return []
    out: list[str] = []
    for a, b in reversed(_runs(bits)):
        out += names[a:b]
    return out


def _ranked(ix: ActionIndex, bits: int) -> list[tuple[int, int]]:
    """``bits`` as (rank, size) pieces of the sorted name list, in rank order."""
    _, starts, ends, whole = ix.sorted_lower
    pieces: list[tuple[int, int]] = []
    for a, b in _runs(bits):  # split each run where the sorted order jumps (a service sorted elsewhere)
        k, last = bisect_right(starts, a) - 1, bisect_right(starts, b - 1) - 1
        if k == last:
            pieces.append((whole[k][0] + a - starts[k], b - a))
            continue
        pieces.append((whole[k][0] + a - starts[k], ends[k] - a))
        pieces += whole[k + 1 : last]  # segments the run covers whole
        pieces.append((whole[last][0], b - starts[last]))
    pieces.sort()
    return pieces


def sorted_action_names(catalog: Catalog, bits: int) -> list[str]:
    """Lower-case ``service:action`` names of the actions in ``bits``, sorted as strings (catalog order
    but for whole services: ``s3-object-lambda:x`` sorts before ``s3:x``)."""
    if bits <= 0:
        return []
    ix = catalog.action_index
    table = ix.sorted_lower[0]
    spans = []
    if bits.bit_count() * 2 > ix.size:  # dense: cut the few missing stretches out of the whole list
        holes = _ranked(ix, catalog.all_mask ^ bits)
        if len(holes) <= 32:  # one copy, then close the gaps (memmoves, no reference counting)
            out = table[:]
            for rank, size in reversed(holes):
                del out[rank : rank + size]
            return out
        at = 0
        for rank, size in holes:
            if rank > at:
                spans.append((at, rank))
            at = rank + size
        if at < len(table):
            spans.append((at, len(table)))
    else:
        pieces = _ranked(ix, bits)
        at = end = pieces[0][0]
        for rank, size in pieces:  # adjacent pieces: one slice
            if rank != end:
                spans.append((at, end))
                at = rank
            end = rank + size
        spans.append((at, end))
    out = table[spans[0][0] : spans[0][1]]
    for at, end in spans[1:]:
        out += table[at:end]
    return out
