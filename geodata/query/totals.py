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


def type_day_sums(columns: HotColumns, starts: np.ndarray, type_rows: list[np.ndarray],
                  estimates: tuple[bool, bool] = (True, True)) -> np.ndarray:
    """``table[type code, figure, k]``: the sum of each of :data:`FIGURES` over the rows of type
    ``code`` (``type_rows[code]``, ascending; a last code for no type) before the ``k``-th day present.
    A missing low (high) estimate counts as the figure; a column with no estimate at all is not read."""
    table = np.zeros((len(type_rows), FIGURES, len(starts) + 1), dtype=np.float64)
    for code, rows in enumerate(type_rows):
        if not len(rows):
            continue
        bounds = np.searchsorted(rows, starts)  # rows of this type before each day
        segments = np.unique(bounds[bounds < len(rows)])  # first row of each day with rows of this type
        at = np.searchsorted(segments, bounds)  # each day's segment (or the end)
        best = columns.fatalities[rows]
        missing = np.isnan(best)
        filled = np.where(missing, np.float32(0), best)
        figures: list[np.ndarray] = [filled]
        for present, column in zip(estimates, (columns.fatalities_low, columns.fatalities_high), strict=True):
            figures.append(np.where(np.isnan(values := column[rows]), filled, values) if present else filled)
        done: dict[int, np.ndarray] = {}
        for i, values in enumerate([None, ~missing, *figures]):
            if values is None:
                table[code, i, :-1], table[code, i, -1] = bounds, len(rows)
                continue
            if id(values) not in done:  # an estimate column with no estimate is the figure: summed once
                done[id(values)] = np.r_[0.0, np.cumsum(np.add.reduceat(values, segments, dtype=np.float64))]
            running = done[id(values)]
            table[code, i, :-1], table[code, i, -1] = running[at], running[-1]
    return table
