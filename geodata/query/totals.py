"""Running sums per day of the headline's figures, per event type: a date range of whole days with a
type filter is a few lookups, not a pass over its rows.

Built on the first type-filtered headline (one pass over every row, ~0.2 s at 10^7), never at
start-up; the unfiltered headline has its own, cheaper table (:attr:`IncidentStore._day_sums`).
"""
from __future__ import annotations

import numpy as np

from geodata.query.columns import HotColumns

#: What each row of a table holds: incidents, incidents with a fatality figure, fatalities, low, high.
FIGURES = 5


def day_starts(days: np.ndarray) -> np.ndarray:
    """The first row of each day present in ``days`` (sorted)."""
    return np.flatnonzero(np.r_[True, days[1:] != days[:-1]]) if len(days) else np.empty(0, np.int64)


def type_day_sums(columns: HotColumns, starts: np.ndarray) -> np.ndarray:
    """``table[type code, figure, k]``: the sum of each of :data:`FIGURES` over the rows of type
    ``code`` (a last code for no type) before the ``k``-th day present; a missing low (high)
    estimate counts as the figure."""
    n, kinds = len(columns.days), len(columns.type_names) + 1
    width = len(starts)
    table = np.zeros((kinds, FIGURES, width + 1), dtype=np.float64)
    if not n:
        return table
    day = np.repeat(np.arange(width, dtype=np.int64), np.diff(np.r_[starts, n]))
    codes = columns.type_codes.astype(np.int64)
    codes[codes < 0] = kinds - 1
    key = codes * width + day
    del day, codes
    best = columns.fatalities
    reported = ~np.isnan(best)
    filled = np.where(reported, best, np.float32(0))
    values = (None, reported, filled,
              np.where(np.isnan(columns.fatalities_low), filled, columns.fatalities_low),
              np.where(np.isnan(columns.fatalities_high), filled, columns.fatalities_high))
    for i, weights in enumerate(values):
        counted = np.bincount(key, weights=weights, minlength=kinds * width).reshape(kinds, width)
        table[:, i, 1:] = np.cumsum(counted, axis=1)
    return table
