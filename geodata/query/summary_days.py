"""Running sums per day, event type and summary group: a summary of whole days without its rows.

A summary whose state filters only dates and event types (the page's first
state, every slider drag, playback) counts whole days of whole types, so its
incidents, fatalities and sparkline bins are differences of running sums: a
few lookups per group instead of a pass over every row of the range (10^7 at
the whole range of a large dataset, 0.3 s on a quiet core and seconds while
the map's callback runs beside it). Other filters (sub-type, actor, area,
precision, fatalities, notes) keep rows, not days: the summary then counts rows.

The sums are built once per store and grouping, and only while they stay
small (:data:`MAX_CELLS` days × types × groups); with too many groups the
types are summed together (a state filtering types then counts rows), and
past that too the summary always counts rows.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: The most cells (days × type slots × groups) kept for one grouping: 2,000,000 cells of an int64 and a
#: float64 running sum are 32 MB.
MAX_CELLS = 2_000_000
#: Rows counted per step while building (bounded temporaries, not arrays of every row).
CHUNK = 1 << 20


@dataclass(frozen=True)
class DaySums:
    """``counts[d, t, g]``: incidents of type slot ``t`` and group slot ``g`` on the days before day
    ``first_day + d``; ``deaths`` the same for fatalities (a missing figure counts 0). Type slot
    ``n_types`` and group slot ``groups`` hold rows without a type or group. With ``by_type`` false
    there is one type slot for every row."""

    first_day: int
    counts: np.ndarray
    deaths: np.ndarray
    by_type: bool

    @property
    def days(self) -> int:
        return self.counts.shape[0] - 1

    @property
    def groups(self) -> int:
        """Group slots (the last: rows without a group)."""
        return int(self.counts.shape[-1])

    @property
    def nbytes(self) -> int:
        return int(self.counts.nbytes + self.deaths.nbytes)

    def _index(self, day: int) -> int:
        return min(max(day - self.first_day, 0), self.days)

    def _pick(self, sums: np.ndarray, types: np.ndarray | None) -> np.ndarray:
        """Sums over the type slots wanted (every slot with ``types`` ``None``): axis -2 removed."""
        return sums.sum(axis=-2) if types is None else sums[..., types, :].sum(axis=-2)

    def raw(self, first: int, last: int, types: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Incidents and fatalities (not rounded) per group slot on days ``first..last`` (day numbers,
        inclusive) of the type slots ``types`` (``None``: all)."""
        lo, hi = self._index(first), self._index(last + 1)
        hi = max(hi, lo)
        counts = self._pick(self.counts[hi] - self.counts[lo], types)
        return counts.astype(np.int64), self._pick(self.deaths[hi] - self.deaths[lo], types)

    def totals(self, first: int, last: int, types: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`raw` with the fatalities rounded to whole numbers (as the rows' sums are)."""
        counts, deaths = self.raw(first, last, types)
        return counts, np.rint(deaths).astype(np.int64)

    def bins(self, first: int, last: int, step: int, bins: int, types: np.ndarray | None) -> np.ndarray:
        """Incidents per group slot (rows) and bin of ``step`` days from day ``first`` (columns), the last
        bin ending with day ``last``."""
        edges = np.minimum(first + step * np.arange(bins + 1, dtype=np.int64), last + 1)
        index = np.clip(edges - self.first_day, 0, self.days)
        running = self._pick(self.counts[index], types)  # (bins + 1, groups)
        return np.diff(running, axis=0).T.astype(np.int64)


@dataclass(frozen=True)
class SignedSums:
    """Running sums added and taken away (``parts``: (+1 or -1, sums) of the same shape): the rows of a
    filter's codes together, or every row less the other codes' rows. Fatalities are rounded once, after
    the parts are summed (as the rows' sum is)."""

    parts: tuple[tuple[int, DaySums], ...]
    groups: int
    by_type: bool

    def totals(self, first: int, last: int, types: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        counts, deaths = np.zeros(self.groups, np.int64), np.zeros(self.groups)
        for sign, sums in self.parts:
            more, more_deaths = sums.raw(first, last, types)
            counts, deaths = counts + sign * more, deaths + sign * more_deaths
        return counts, np.rint(deaths).astype(np.int64)

    def bins(self, first: int, last: int, step: int, bins: int, types: np.ndarray | None) -> np.ndarray:
        out = np.zeros((self.groups, bins), np.int64)
        for sign, sums in self.parts:
            out += sign * sums.bins(first, last, step, bins, types)
        return out


def build(days: np.ndarray, type_codes: np.ndarray, n_types: int, groups: int, fatalities: np.ndarray,
          pairs: Callable[[int, int], tuple[np.ndarray, np.ndarray | slice]], count: int | None = None
          ) -> DaySums | None:
    """The running sums over every row, ``None`` when even without types they would pass :data:`MAX_CELLS`.

    ``days`` are the rows' sorted day numbers; ``pairs(start, stop)`` gives the (group code, row) pairs
    of rows ``start..stop - 1`` (-1: no group; an incident may count for several groups, as for
    actors); ``fatalities`` is float32 with NaN for "not reported". With ``count``, ``pairs`` numbers
    ``count`` rows of its own (a filter's rows) instead: the table's days and shape stay every row's.
    """
    n = len(days)
    if not n:
        return None
    first = int(days[0])
    length = int(days[-1]) - first + 1
    slots = groups + 1
    for by_type in (True, False):
        kinds = n_types + 1 if by_type else 1
        if length * kinds * slots <= MAX_CELLS:
            break
    else:
        return None
    size = length * kinds * slots
    counts = np.zeros(size, dtype=np.int64)
    deaths = np.zeros(size, dtype=np.float64)
    total = n if count is None else count
    for start in range(0, total, CHUNK):
        codes, rows = pairs(start, min(start + CHUNK, total))
        index = (days[rows] - first) * (kinds * slots) + np.where(codes < 0, groups, codes)
        if by_type:
            kind = type_codes[rows].astype(np.int64)
            index += np.where(kind < 0, n_types, kind) * slots
        counts += np.bincount(index, minlength=size)
        weights = fatalities[rows].astype(np.float64)
        deaths += np.bincount(index, weights=np.where(np.isnan(weights), 0.0, weights), minlength=size)
    shape = (length, kinds, slots)
    running_counts = np.zeros((length + 1, kinds, slots), dtype=np.int64)
    running_deaths = np.zeros((length + 1, kinds, slots), dtype=np.float64)
    np.cumsum(counts.reshape(shape), axis=0, out=running_counts[1:])
    np.cumsum(deaths.reshape(shape), axis=0, out=running_deaths[1:])
    return DaySums(first, running_counts, running_deaths, by_type)
