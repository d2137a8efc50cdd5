"""What a pyramid query covers: its rows (a :class:`Span`) and its cells (a :class:`Window`).

A filter state of dates and event types selects a run of date-sorted rows
and a table of types; it needs no row mask, so the pyramid
(:mod:`geodata.query.pyramid`) can answer it from tables. Any other filter
needs the rows, unless it is one partition index's codes whose other side is
smaller (``precision 1`` at 70 % of rows): then the span is the date range
and types *less* that other side's rows (:func:`complement_span`), so the
tables sum every row and only the fewer rows left out are binned.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from geodata.model.filters import FilterState
from geodata.query.columns import HotColumns, row_mask
from geodata.query.index import FilterIndexes

_EPOCH = np.datetime64("1970-01-01", "D")


def day_number(value: date) -> int:
    return int((np.datetime64(value, "D") - _EPOCH).astype(np.int64))


@dataclass(frozen=True)
class Span:
    """Rows ``[lo, hi)`` (one date range) and the event types kept: ``types`` a lookup table over
    type codes with one last slot for rows without a type (``None``: every row); ``less``: rows of
    ``[lo, hi)`` (of any type; disjoint, each ascending) left out; ``less_key`` names them across every
    row (``less_all`` lists those, ascending), so the pyramid keeps their own tables."""

    lo: int
    hi: int
    types: np.ndarray | None = None
    less: tuple[np.ndarray, ...] = ()
    less_key: tuple | None = None
    less_all: Callable[[], np.ndarray] | None = None


def date_type_span(columns: HotColumns, state: FilterState) -> Span | None:
    """The rows of ``state`` as a :class:`Span` when it filters only dates and event types, else ``None``
    (its other filters need the rows)."""
    if row_mask(columns, 0, 0, replace(state, event_types=None)) is not None:
        return None
    if state.is_empty_range:
        return Span(0, 0)
    lo = int(np.searchsorted(columns.days, day_number(state.start), side="left"))
    hi = int(np.searchsorted(columns.days, day_number(state.end), side="right"))
    if state.event_types is None:
        return Span(lo, hi)
    index = columns.type_index
    wanted = np.zeros(len(columns.type_names) + 1, dtype=bool)  # as geodata.query.columns.row_mask
    wanted[[index[t] for t in state.event_types if t in index]] = True
    return Span(lo, hi, wanted)


def complement_span(columns: HotColumns, indexes: FilterIndexes, state: FilterState) -> Span | None:
    """The rows of ``state`` as its dates and types less the rows of the other codes, when its one filter
    but dates and types is a partition index's and the other side is the smaller; else ``None``."""
    other = indexes.complement(state)
    if other is None:
        return None
    span = date_type_span(columns, FilterState(state.start, state.end, state.event_types))
    if span is None or span.hi <= span.lo:
        return span
    name, codes = other
    return replace(span, less=tuple(indexes.parts(name, codes, span.lo, span.hi)), less_key=(name, *sorted(codes)),
                   less_all=lambda: indexes._index(name).union(codes, 0, len(columns.days)))


def runs(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The positions of every run ``[starts[i], ends[i])`` together, in order."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return offsets + np.arange(total)


@dataclass(frozen=True)
class Window:
    """Cells ``[x0, x1] × [y0, y1]`` of one level (inclusive), ``kx``/``ky`` its levels on each axis."""

    kx: int
    ky: int
    x0: int
    x1: int
    y0: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0 + 1

    @property
    def height(self) -> int:
        return self.y1 - self.y0 + 1
