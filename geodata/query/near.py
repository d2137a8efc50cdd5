"""The rows near a box and the counts inside it, for :class:`~geodata.query.pyramid.Pyramid`.

A view too fine for a tabled level bins the rows near it, found by the
pyramid's index of rows by coarse cell; a view of points is cut by counting
its inner and touching cells first. Kept apart from the tables' sums.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from geodata.query.span import Span, runs

if TYPE_CHECKING:
    from geodata.query.pyramid import Pyramid



def _constants() -> tuple[int, int]:
    """The pyramid module's (INDEX_LEVEL, BLOCK_ROWS), read when asked (tests shrink the blocks)."""
    from geodata.query import pyramid

    return pyramid.INDEX_LEVEL, pyramid.BLOCK_ROWS


def rows_near(grid: Pyramid, span: Span, bounds: tuple[float, float, float, float]) -> np.ndarray | None:
    """The rows of ``span`` in the index cells touching ``bounds`` (unordered), or ``None`` when they
    would be more than half the span's rows (a scan of the span is then as quick)."""
    west, south, east, north = bounds
    INDEX_LEVEL, BLOCK_ROWS = _constants()  # noqa: N806
    margin = 1e-4  # degrees: a point on the edge, rounded to float32, is still near
    window = grid._cover((west - margin, south - margin, east + margin, north + margin), INDEX_LEVEL, INDEX_LEVEL)
    if window is None or grid.empty:
        return np.empty(0, np.int64)
    order, starts = grid._index
    column = np.arange(window.x0, window.x1 + 1, dtype=np.int64) * grid.cells_per_axis(INDEX_LEVEL)
    first, last = starts[column + window.y0], starts[column + window.y1 + 1]
    if int((last - first).sum()) > (span.hi - span.lo) // 2 + BLOCK_ROWS:
        return None
    rows = order[runs(first, last)]
    rows = rows[(rows >= span.lo) & (rows < span.hi)]
    return np.asarray(grid._span_rows(span, rows.astype(np.int64)))


def span_rows(grid: Pyramid, span: Span, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """Rows of ``span`` including every one inside ``bounds`` (unordered): those near it, or all."""
    near = rows_near(grid, span, bounds)
    return near if near is not None else np.asarray(grid._span_rows(span, np.arange(span.lo, span.hi)))


def count_bounds(grid: Pyramid, span: Span, bounds: tuple[float, float, float, float]) -> tuple[int, int] | None:
    """(at least, at most) how many rows of ``span`` lie inside ``bounds`` (inclusive edges), from
    the cells ~1/48 of its width that lie wholly inside it and those that touch it; ``None`` when
    the box is too small for a tabled level (count the rows)."""
    west, south, east, north = bounds
    middle = math.cos(math.radians(min(max((south + north) / 2, -85.0), 85.0)))
    if grid.empty or span.hi <= span.lo or east < west or north < south:
        return (0, 0)
    window = grid.window(bounds, max(east - west, (north - south) / middle) / 48, middle, 1 << 14)
    if window is None:
        return (0, 0)
    if not grid.tabled(window.kx, window.ky):
        return None
    counts, _ = grid.sums(span, window, False)
    step_x, step_y = grid.steps(window)
    margin = 1e-4  # degrees: far above float32 rounding, so a point of an inner cell is surely inside
    xs = grid.west + np.arange(window.x0, window.x1 + 2) * step_x
    ys = grid.south + np.arange(window.y0, window.y1 + 2) * step_y
    inner = np.outer((xs[:-1] >= west + margin) & (xs[1:] <= east - margin),
                     (ys[:-1] >= south + margin) & (ys[1:] <= north - margin)).ravel()
    return int(counts[inner].sum()), int(counts.sum())
