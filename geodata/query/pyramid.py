"""Pre-aggregated square cells by row block, type and cell: a long date range sums tables, not rows.

Above the point budget the map draws square cells (:mod:`geodata.query.density`).
Binning every row of a whole-range selection is memory-bandwidth bound (10^7
float32 points: 150-300 ms a call), so here every row's position is quantized
once into a fixed grid over the data's extent (uint16 x/y, aligned to its
south-west corner), and cells are power-of-two multiples of that grid
(levels). Snapping the cell the zoom asks for to the nearest level changes
its size by at most √2, and keeps cells fixed while the map pans.

Rows are sorted by day, so a date range is a run of rows ``[lo, hi)``. For
each level the counts and fatality sums per (type, cell) are kept per block
of :data:`BLOCK_ROWS` rows and per super-block of :data:`SUPER_ROWS` rows
(sparse arrays sorted by cell, x first, so a view's columns are one key range;
built on first use of the level). A range with no filter but dates and types
sums the tables of its whole blocks and bins only the rows of its two partial
blocks: the same sums as binning the rows at the same grid.

A state whose one other filter is a partition index's codes, the other side
smaller (``precision 1``), is every row's sums less the other side's: from
that side's own tables (built per level on first use, coarse levels only),
else binned.

Memory: the quantized grid is 4 bytes a row (40 MB at 10^7); tables cost 12
bytes an entry (int32 key and count, float32 sums when fatalities are whole
numbers) and are capped at :data:`TABLE_BYTES` together (least recently used
level dropped). At 10^7 synthetic incidents a level costs ~90 MB (1,024 cells
a side) to ~15 MB (128) and 0.45-0.9 s of CPU to build. A view finer than
:data:`MAX_TABLE_CELLS` bins the rows near it, found by an index of rows by
coarse cell (4 bytes a row, 0.9 s CPU at 10^7, built on first such view).
"""
from __future__ import annotations

import functools
import math
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from geodata.query import near
from geodata.query.columns import HotColumns
from geodata.query.span import Span, Window, runs

#: Bits of the level-0 grid on each axis (32,768 cells across the extent). Cell indices stay under
#: 2^15 so :data:`NO_CELL` (a row without coordinates) lies past every level's cells when shifted.
BITS = 15
NO_CELL = 0xFFFF
LAST = (1 << BITS) - 1
#: Coarsest level: one cell holds the whole grid.
TOP_LEVEL = BITS
#: Rows per block, and per super-block (a whole number of blocks).
BLOCK_ROWS = 1 << 16
SUPER_ROWS = 1 << 20
#: Levels with more cells than this (whole grid, both axes) are binned from the rows, never tabled.
MAX_TABLE_CELLS = 1 << 20
#: Most bytes the cached tables of all levels may hold (least recently used level dropped first).
TABLE_BYTES = 128 << 20
#: Most cells (whole grid) a level may have for tables of the rows a partition filter leaves out (they share
#: :data:`TABLE_BYTES` with the level's own: at 10^7 rows a finer level would evict them in turn).
SUBSET_TABLE_CELLS = 1 << 16
#: Level of the row index by cell (128 cells a side: keys fit uint16), for views too fine for a tabled level.
INDEX_LEVEL = 8
#: Rows quantized at a time (bounds the float64 temporaries).
_CHUNK = 1 << 20

@dataclass(frozen=True)
class CellTable:
    """Occupied (cell, type) keys of some rows, sorted, with their row counts and fatality sums (the
    pyramid's per block of rows; :mod:`geodata.query.hexblocks` keeps H3 cells in the same shape)."""

    keys: np.ndarray
    counts: np.ndarray
    deaths: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.counts.nbytes + self.deaths.nbytes


class Pyramid:
    """The quantized grid of one set of hot columns and its tables per level (thread-safe, lazy)."""

    def __init__(self, columns: HotColumns):
        self._columns = weakref.ref(columns)  # a strong reference would keep the columns alive
        self._lock = threading.Lock()
        self._levels: OrderedDict[tuple, tuple[list[CellTable], list[CellTable]]] = OrderedDict()
        self._subsets: dict[tuple, np.ndarray] = {}  # rows of a span's ``less_key``, for its own tables
        lon, lat = columns.longitude, columns.latitude
        known = ~(np.isnan(lon) | np.isnan(lat))
        self.empty = not known.any()
        if self.empty:
            self.west = self.south = 0.0
            self.step_x = self.step_y = 1.0
            return
        self.west, east = float(lon[known].min()), float(lon[known].max())
        self.south, north = float(lat[known].min()), float(lat[known].max())
        middle = math.cos(math.radians(min(max((self.south + north) / 2, -85.0), 85.0)))
        # one scale on both axes, square on screen at the data's middle latitude; LAST cells span the extent
        scale = max(east - self.west, (north - self.south) / middle, 1e-6) / LAST * (1 + 1e-9)
        self.step_x, self.step_y, self.middle = scale, scale * middle, middle

    @property
    def columns(self) -> HotColumns:
        columns = self._columns()
        if columns is None:
            raise ReferenceError("the pyramid's columns are gone")
        return columns

    @property
    def _types(self) -> int:
        return len(self.columns.type_names) + 1

    @property
    def _type_bits(self) -> int:
        """Bits of a key that hold the type (keys pack x, y and type: decoded by shifts)."""
        return max(self._types - 1, 1).bit_length()

    def _type_slots(self, rows: slice | np.ndarray) -> np.ndarray:
        """Type codes of ``rows`` with a missing type (-1) in the last slot."""
        codes = self.columns.type_codes[rows].astype(np.int64)
        codes[codes < 0] = self._types - 1
        return codes

    @functools.cached_property
    def quantized(self) -> tuple[np.ndarray, np.ndarray]:
        """Every row's level-0 cell (x, y) as uint16; :data:`NO_CELL` for a row without coordinates."""
        lon, lat = self.columns.longitude, self.columns.latitude
        qx = np.empty(len(lon), np.uint16)
        qy = np.empty(len(lat), np.uint16)
        for start in range(0, len(lon), _CHUNK):
            part = slice(start, start + _CHUNK)
            x = np.floor((lon[part].astype(np.float64) - self.west) / self.step_x)
            y = np.floor((lat[part].astype(np.float64) - self.south) / self.step_y)
            missing = np.isnan(x) | np.isnan(y)
            qx[part] = np.where(missing, NO_CELL, np.clip(np.nan_to_num(x), 0, LAST))
            qy[part] = np.where(missing, NO_CELL, np.clip(np.nan_to_num(y), 0, LAST))
        qx.flags.writeable = qy.flags.writeable = False
        return qx, qy

    # ------------------------------------------------------------------ geometry

    def cells_per_axis(self, level: int) -> int:
        return (LAST >> level) + 1

    def window(self, bounds: tuple[float, float, float, float], degrees: float, middle: float,
               max_cells: int) -> Window | None:
        """The cells covering ``bounds`` at the level nearest ``degrees`` of longitude (latitude: that
        times ``middle``, the cosine of the area's middle latitude), coarser while more than
        ``max_cells``; ``None`` when ``bounds`` misses the grid."""
        kx = min(max(round(math.log2(max(degrees, 1e-12) / self.step_x)), 0), TOP_LEVEL)
        delta = round(math.log2(max(middle, 1e-6) / self.middle))  # keep cells square at the area's latitude
        ky = min(max(kx + delta, 0), TOP_LEVEL)
        while True:
            window = self._cover(bounds, kx, ky)
            if window is None or window.width * window.height <= max(max_cells, 1) or (
                    kx == TOP_LEVEL and ky == TOP_LEVEL):
                return window
            kx, ky = min(kx + 1, TOP_LEVEL), min(ky + 1, TOP_LEVEL)

    def _cover(self, bounds: tuple[float, float, float, float], kx: int, ky: int) -> Window | None:
        west, south, east, north = bounds
        sx, sy = self.step_x * 2 ** kx, self.step_y * 2 ** ky
        nx, ny = self.cells_per_axis(kx), self.cells_per_axis(ky)
        x0, x1 = math.floor((west - self.west) / sx), math.floor((east - self.west) / sx)
        y0, y1 = math.floor((south - self.south) / sy), math.floor((north - self.south) / sy)
        if x1 < 0 or y1 < 0 or x0 >= nx or y0 >= ny or x1 < x0 or y1 < y0:
            return None
        return Window(kx, ky, max(x0, 0), min(x1, nx - 1), max(y0, 0), min(y1, ny - 1))

    def steps(self, window: Window) -> tuple[float, float]:
        """Degrees of longitude and of latitude a cell of the window's level spans."""
        return self.step_x * 2 ** window.kx, self.step_y * 2 ** window.ky

    def cell_box(self, window: Window) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the window's cells together."""
        sx, sy = self.step_x * 2 ** window.kx, self.step_y * 2 ** window.ky
        return (self.west + window.x0 * sx, self.south + window.y0 * sy,
                self.west + (window.x1 + 1) * sx, self.south + (window.y1 + 1) * sy)

    def centres(self, window: Window, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude of the centres of the window's cells ``local`` (column-major)."""
        sx, sy = self.step_x * 2 ** window.kx, self.step_y * 2 ** window.ky
        return (self.west + (window.x0 + local // window.height + 0.5) * sx,
                self.south + (window.y0 + local % window.height + 0.5) * sy)

    # ------------------------------------------------------------------ sums

    def _row_keys(self, rows: slice | np.ndarray, kx: int, ky: int) -> np.ndarray:
        """(cell, type) keys of ``rows`` at a level (x-major, so an x range is a key range), -1 for rows
        without coordinates."""
        qx, qy = self.quantized
        x, y = qx[rows], qy[rows]
        ybits, tbits = BITS - ky, self._type_bits
        keys = ((x >> kx).astype(np.int64) << (ybits + tbits)) | ((y >> ky).astype(np.int64) << tbits)
        keys |= self._type_slots(rows)
        keys[x == NO_CELL] = -1
        return keys

    def _deaths(self, rows: slice | np.ndarray) -> np.ndarray:
        return np.nan_to_num(self.columns.fatalities[rows], nan=0.0).astype(np.float64)

    @functools.cached_property
    def _whole_deaths(self) -> bool:
        """Whether every reported fatality figure is a whole number (then float32 sums below 2^24 are exact)."""
        deaths = self.columns.fatalities
        return bool(np.all(np.isnan(deaths) | (deaths == np.floor(deaths))))

    def _table(self, keys: np.ndarray, counts: np.ndarray, deaths: np.ndarray) -> CellTable:
        """A table in its smallest exact types: int32 keys (the grids tabled allow them), float32 sums
        when they are whole numbers under 2^24."""
        if self._whole_deaths and (not len(deaths) or deaths.max() < 2**24):
            deaths = deaths.astype(np.float32)
        return CellTable(keys.astype(np.int32), counts.astype(np.int32), deaths)

    def _block(self, start: int, kx: int, ky: int, subset: np.ndarray | None = None) -> CellTable:
        rows = slice(start, start + BLOCK_ROWS) if subset is None else subset[
            np.searchsorted(subset, start):np.searchsorted(subset, start + BLOCK_ROWS)]
        keys = self._row_keys(rows, kx, ky)
        located = keys >= 0
        unique, inverse, counts = np.unique(keys[located].astype(np.int32), return_inverse=True,
                                            return_counts=True)  # int32 (a tabled level's keys fit): faster sort
        return self._table(unique, counts, np.bincount(inverse, weights=self._deaths(rows)[located],
                                                       minlength=len(unique)))

    def _merge(self, tables: list[CellTable]) -> CellTable:
        keys = np.concatenate([t.keys for t in tables])
        unique, inverse = np.unique(keys, return_inverse=True)
        return self._table(
            unique, np.bincount(inverse, weights=np.concatenate([t.counts for t in tables]), minlength=len(unique)),
            np.bincount(inverse, weights=np.concatenate([t.deaths for t in tables]), minlength=len(unique)))

    def tabled(self, kx: int, ky: int) -> bool:
        """Whether a level is summed from tables (else from the rows: too fine to gain)."""
        cells = self.cells_per_axis(kx) * self.cells_per_axis(ky)
        return cells <= MAX_TABLE_CELLS and (BITS - kx) + (BITS - ky) + self._type_bits <= 31

    def _tables(self, kx: int, ky: int, subset: np.ndarray | None = None, key: tuple = ()
                ) -> tuple[list[CellTable], list[CellTable]]:
        """(blocks, super-blocks) of a level: every whole block's table, built on first use; levels least
        recently used are dropped while the tables pass :data:`TABLE_BYTES`."""
        with self._lock:
            found = self._levels.get((kx, ky, *key))
            if found is None:
                n = len(self.columns.days)
                blocks = [self._block(start, kx, ky, subset) for start in range(0, n - BLOCK_ROWS + 1, BLOCK_ROWS)]
                per = SUPER_ROWS // BLOCK_ROWS
                supers = [self._merge(blocks[i:i + per]) for i in range(0, len(blocks) - per + 1, per)]
                found = self._levels[(kx, ky, *key)] = (blocks, supers)
                self._type_blocks  # noqa: B018 -- counts per type with the first tables (one-off, ~0.07 s at 10^7)
                while len(self._levels) > 1 and self.table_bytes() > TABLE_BYTES:
                    self._levels.popitem(last=False)
            self._levels.move_to_end((kx, ky, *key))
            return found

    def table_bytes(self) -> int:
        """Bytes the cached tables hold."""
        return sum(t.nbytes
                   for blocks, supers in self._levels.values() for t in blocks + supers)

    def _split(self, span: Span, blocks: int, supers: int) -> tuple[list[tuple[bool, int]], np.ndarray]:
        return split_blocks(span, blocks, supers)

    def sums(self, span: Span, window: Window, fatalities: bool) -> tuple[np.ndarray, np.ndarray]:
        """(incidents, weights) per cell of ``window`` (column-major, dense) over the rows of ``span``;
        weights are fatalities (not reported: 0) when ``fatalities``, else the incidents again."""
        size = window.width * window.height
        if span.less:  # every row's sums less the rows left out (of the span's types): their tables, or binned
            counts, weights = self.sums(replace(span, less=(), less_key=None), window, fatalities)
            if span.less_key is not None and self.tabled(window.kx, window.ky) and span.hi > span.lo and (
                    self.cells_per_axis(window.kx) * self.cells_per_axis(window.ky) <= SUBSET_TABLE_CELLS):
                out, out_weights = self.sums(replace(span, less=()), window, fatalities)  # ``less_key``'s tables
                return counts - out, weights - out_weights
            for left in span.less:
                out, out_weights = self.row_sums(self._span_rows(span, left), window, fatalities)
                counts, weights = counts - out, weights - out_weights
            return counts, weights
        if span.hi <= span.lo or self.empty:
            return np.zeros(size, np.int64), np.zeros(size)
        if not self.tabled(window.kx, window.ky):  # a fine level: the rows in (and around) the window
            near = self.rows_near(span, self.cell_box(window))
            rows = near if near is not None else self._span_rows(span, slice(span.lo, span.hi))
            return self.row_sums(rows, window, fatalities)
        subset = None if span.less_key is None else self._subset(span)
        blocks, supers = self._tables(window.kx, window.ky, subset, span.less_key or ())
        whole, edges = self._split(span, len(blocks), len(supers))
        if subset is not None and len(subset):  # the subset's rows among the edges' (two partial blocks)
            at = np.searchsorted(subset, edges.astype(subset.dtype))  # the subset's type: no int64 copy of it
            edges = edges[subset[np.minimum(at, len(subset) - 1)] == edges]
        tbits = self._type_bits
        ybits = BITS - window.ky
        column = np.arange(window.x0, window.x1 + 1, dtype=np.int64) << ybits
        starts = ((column + window.y0) << tbits).astype(np.int32)  # one key range a column (the keys' type:
        ends = ((column + window.y1 + 1) << tbits).astype(np.int32)  # no copy of a table per search)
        parts = []
        for is_super, i in whole:
            table = supers[i] if is_super else blocks[i]
            at = runs(np.searchsorted(table.keys, starts), np.searchsorted(table.keys, ends))
            parts.append((table.keys[at], table.counts[at], table.deaths[at]))
        counts, weights = self.row_sums(self._span_rows(span, edges), window, fatalities)
        if not parts:
            return counts, weights
        keys = np.concatenate([p[0] for p in parts])
        keep = slice(None) if span.types is None else span.types[keys & ((1 << tbits) - 1)]
        keys = keys[keep]  # shifts and masks only: integer division is slow
        local = ((keys >> (ybits + tbits)) - window.x0) * window.height + (
            ((keys >> tbits) & ((1 << ybits) - 1)) - window.y0)
        counts = counts + np.bincount(local, weights=np.concatenate([p[1] for p in parts])[keep],
                                      minlength=size).astype(np.int64)
        if fatalities:
            weights = weights + np.bincount(local, weights=np.concatenate([p[2] for p in parts])[keep], minlength=size)
        else:
            weights = counts
        return counts, weights

    def _subset(self, span: Span) -> np.ndarray:
        """Every row (ascending) of ``span.less_key``, asked of ``span.less_all`` once and kept."""
        assert span.less_key is not None and span.less_all is not None
        with self._lock:
            found = self._subsets.get(span.less_key)
            if found is None:
                found = self._subsets[span.less_key] = np.asarray(span.less_all())
            return found

    def _span_rows(self, span: Span, rows: slice | np.ndarray) -> slice | np.ndarray:
        """``rows`` (of ``span``) of the event types ``span`` keeps."""
        if span.types is None:
            return rows
        chosen = span.types[self._type_slots(rows)]
        if isinstance(rows, slice):
            return (rows.start or 0) + np.flatnonzero(chosen)
        return rows[chosen]

    def row_sums(self, rows: slice | np.ndarray, window: Window, fatalities: bool) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`sums` from the rows themselves (any filter): the same grid, the same sums. Each axis's
        level-0 cell maps through a table to its offset in the window (``size`` outside), so a row costs
        two gathers, two lookups, an add and one bincount: no shift, mask or compress passes, and intp
        throughout (numpy converts int32 indices and bincount input to intp, a pass each)."""
        size = window.width * window.height
        qx, qy = self.quantized
        at = rows if isinstance(rows, slice) else np.asarray(rows, dtype=np.intp)  # converted once, not per gather
        cells = np.arange(LAST + 1, dtype=np.intp)
        tables = []
        for k, first, length, scale in ((window.kx, window.x0, window.width, window.height),
                                        (window.ky, window.y0, window.height, 1)):
            local = (cells >> k) - first
            table = np.full(NO_CELL + 1, size, np.intp)  # NO_CELL and past the grid: outside
            table[:LAST + 1] = np.where((local >= 0) & (local < length), local * scale, size)
            tables.append(table)
        key = tables[0][qx[at]]
        key += tables[1][qy[at]]  # outside the window: at least ``size``, at most 2 ``size``
        counts = np.bincount(key, minlength=size)[:size]
        weights = np.bincount(key, weights=self._deaths(at), minlength=size)[:size] if fatalities else counts
        return counts.astype(np.int64), weights

    @functools.cached_property
    def _index(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows (int32) ordered by their cell at :data:`INDEX_LEVEL` (x-major, ascending within a cell),
        and where each cell's rows start: the rows near a small box without a scan of every row."""
        side = self.cells_per_axis(INDEX_LEVEL)
        qx, qy = self.quantized
        # uint16 keys (no coordinates: past the last cell) sort by radix, in linear time
        key = ((qx >> INDEX_LEVEL) * np.uint16(side) + (qy >> INDEX_LEVEL)).astype(np.uint16)
        order = np.argsort(key, kind="stable").astype(np.int32)
        starts = np.searchsorted(key[order], np.arange(side * side + 1, dtype=np.uint16))
        return order, starts

    def rows_near(self, span: Span, bounds: tuple[float, float, float, float]) -> np.ndarray | None:
        return near.rows_near(self, span, bounds)

    def span_rows(self, span: Span, bounds: tuple[float, float, float, float]) -> np.ndarray:
        return near.span_rows(self, span, bounds)

    def count_bounds(self, span: Span, bounds: tuple[float, float, float, float]) -> tuple[int, int] | None:
        return near.count_bounds(self, span, bounds)

    def count(self, span: Span) -> int:
        """How many rows ``span`` selects (with or without coordinates), from counts per block and type."""
        if span.hi <= span.lo:
            return 0
        if span.less:
            left: list[np.ndarray] = [np.asarray(self._span_rows(span, r)) for r in span.less]
            return self.count(replace(span, less=())) - sum(len(r) for r in left)
        if span.types is None:
            return span.hi - span.lo
        first, last = -(-span.lo // BLOCK_ROWS), span.hi // BLOCK_ROWS
        if last - first < 8:  # a short range: count its rows
            return int(np.count_nonzero(span.types[self._type_slots(slice(span.lo, span.hi))]))
        cumulative = self._type_blocks
        whole = cumulative[last] - cumulative[first]
        edges = np.r_[np.arange(span.lo, first * BLOCK_ROWS), np.arange(last * BLOCK_ROWS, span.hi)]
        return int(whole[span.types].sum()) + int(np.count_nonzero(span.types[self._type_slots(edges)]))

    @functools.cached_property
    def _type_blocks(self) -> np.ndarray:
        """Rows per type before each block boundary: (blocks + 1, types) running sums."""
        whole = len(self.columns.days) // BLOCK_ROWS
        codes = self.columns.type_codes[:whole * BLOCK_ROWS].reshape(whole, BLOCK_ROWS)
        table = np.zeros((whole, self._types), np.int64)
        for code in range(self._types - 1):  # one comparison per type: no per-row temporaries
            table[:, code] = np.count_nonzero(codes == code, axis=1)
        table[:, -1] = BLOCK_ROWS - table[:, :-1].sum(axis=1)  # rows without a type
        return np.vstack([np.zeros((1, self._types), np.int64), np.cumsum(table, axis=0)])


def split_blocks(span: Span, blocks: int, supers: int) -> tuple[list[tuple[bool, int]], np.ndarray]:
    """The whole (super-)blocks of ``span`` as (super?, index), and the rows of its partial blocks (any
    tables per :data:`BLOCK_ROWS` and :data:`SUPER_ROWS` rows: the pyramid's, the hexagons')."""
    lo, hi = span.lo, span.hi
    whole: list[tuple[bool, int]] = []
    head = min(-(-lo // BLOCK_ROWS) * BLOCK_ROWS, hi)
    at = head
    while at < hi:
        if at % SUPER_ROWS == 0 and at + SUPER_ROWS <= hi and at // SUPER_ROWS < supers:
            whole.append((True, at // SUPER_ROWS))
            at += SUPER_ROWS
        elif at + BLOCK_ROWS <= hi and at // BLOCK_ROWS < blocks:
            whole.append((False, at // BLOCK_ROWS))
            at += BLOCK_ROWS
        else:
            break
    return whole, np.r_[np.arange(lo, head), np.arange(at, hi)].astype(np.int64)


_PYRAMIDS: dict[int, Pyramid] = {}
_PYRAMIDS_LOCK = threading.Lock()


def pyramid_of(columns: HotColumns) -> Pyramid:
    """The pyramid of ``columns``, made on first use and dropped with the columns."""
    key = id(columns)
    with _PYRAMIDS_LOCK:
        found = _PYRAMIDS.get(key)
        if found is None:
            found = _PYRAMIDS[key] = Pyramid(columns)
            weakref.finalize(columns, _PYRAMIDS.pop, key, None)
        return found
