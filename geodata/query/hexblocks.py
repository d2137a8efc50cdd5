"""Hexagon sums per block of rows: a long date range sums tables of H3 cells, not its rows.

Every row's H3 cell at a resolution is known once its row index is built
(:mod:`geodata.query.density`). As the pyramid does for square cells
(:mod:`geodata.query.pyramid`), the counts and fatality sums per (cell, type)
are kept per block of :data:`~geodata.query.pyramid.BLOCK_ROWS` rows and per
super-block, built on a resolution's first use over a whole block; a state of
dates and types then sums the tables of its whole blocks and counts only the
rows of its two partial blocks: the same sums as counting every row's cell.
Tables of all resolutions share :data:`TABLE_BYTES` (least recently used dropped).
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import numpy as np

from geodata.query.columns import HotColumns
from geodata.query.pyramid import BLOCK_ROWS, SUPER_ROWS, CellTable, split_blocks
from geodata.query.span import Span

#: Most bytes the hexagon tables of one set of columns may hold together.
TABLE_BYTES = 128 << 20




def _type_slots(columns: HotColumns, rows: slice | np.ndarray) -> np.ndarray:
    """Type codes of ``rows`` with a missing type (-1) in the last slot (the :class:`Span` lookup's)."""
    codes = columns.type_codes[rows].astype(np.int64)
    codes[codes < 0] = len(columns.type_names)
    return codes


def _deaths(columns: HotColumns, rows: slice | np.ndarray) -> np.ndarray:
    return np.nan_to_num(columns.fatalities[rows], nan=0.0).astype(np.float64)


def _table(keys: np.ndarray, counts: np.ndarray, deaths: np.ndarray) -> CellTable:
    """A table in its smallest exact types: int32 keys and counts, float32 sums when that changes none."""
    small = deaths.astype(np.float32)
    return CellTable(keys.astype(np.int32) if not len(keys) or keys[-1] < 2**31 else keys, counts.astype(np.int32),
                  small if np.array_equal(small, deaths) else deaths)


def _block(columns: HotColumns, codes: np.ndarray, rows: slice) -> CellTable:
    slots = len(columns.type_names) + 1
    cell = codes[rows]
    located = cell >= 0
    keys = cell[located].astype(np.int64) * slots + _type_slots(columns, rows)[located]
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return _table(unique, counts, np.bincount(inverse, weights=_deaths(columns, rows)[located], minlength=len(unique)))


def _merge(tables: list[CellTable]) -> CellTable:
    keys = np.concatenate([t.keys for t in tables])
    unique, inverse = np.unique(keys, return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate([t.counts for t in tables]), minlength=len(unique))
    return _table(unique, counts, np.bincount(inverse, weights=np.concatenate([t.deaths for t in tables]),
                                              minlength=len(unique)))


_TABLES: OrderedDict[tuple[int, int], tuple[list[CellTable], list[CellTable]]] = OrderedDict()
_LOCK = threading.Lock()


def _tables(columns: HotColumns, codes: np.ndarray, resolution: int) -> tuple[list[CellTable], list[CellTable]]:
    """(blocks, super-blocks) of a resolution's row index ``codes``, built on first use, dropped with the
    columns or when the tables of every resolution pass :data:`TABLE_BYTES`."""
    key = (id(columns.latitude), resolution)
    with _LOCK:
        found = _TABLES.get(key)
        if found is None:
            n = len(codes)
            blocks = [_block(columns, codes, slice(start, start + BLOCK_ROWS))
                      for start in range(0, n - BLOCK_ROWS + 1, BLOCK_ROWS)]
            per = SUPER_ROWS // BLOCK_ROWS
            supers = [_merge(blocks[i:i + per]) for i in range(0, len(blocks) - per + 1, per)]
            found = _TABLES[key] = (blocks, supers)
            weakref.finalize(columns.latitude, _TABLES.pop, key, None)
            while len(_TABLES) > 1 and sum(t.nbytes for b, s in _TABLES.values() for t in b + s) > TABLE_BYTES:
                _TABLES.popitem(last=False)
        _TABLES.move_to_end(key)
        return found


def _chosen(columns: HotColumns, span: Span, rows: np.ndarray) -> np.ndarray:
    """``rows`` of the event types ``span`` keeps."""
    return rows if span.types is None else rows[span.types[_type_slots(columns, rows)]]


def row_sums(columns: HotColumns, codes: np.ndarray, cells: int, rows: np.ndarray | slice,
             fatalities: bool) -> tuple[np.ndarray, np.ndarray]:
    """(incidents, fatalities or ``None``-weighted incidents) per cell code over ``rows`` (rows without a
    cell: not counted)."""
    cell = codes[rows]
    located = cell >= 0
    counts = np.bincount(cell[located], minlength=cells).astype(np.int64)
    if not fatalities:
        return counts, counts.astype(np.float64)
    return counts, np.bincount(cell[located], weights=_deaths(columns, rows)[located], minlength=cells)


def span_sums(columns: HotColumns, codes: np.ndarray, cells: int, resolution: int, span: Span,
              fatalities: bool) -> tuple[np.ndarray, np.ndarray]:
    """:func:`row_sums` over the rows of ``span`` (dates and types, less ``span.less``), from the tables of
    its whole blocks and the rows of its partial blocks and of ``less``."""
    if span.hi <= span.lo:
        return np.zeros(cells, np.int64), np.zeros(cells)
    blocks, supers = _tables(columns, codes, resolution)
    whole, edges = split_blocks(span, len(blocks), len(supers))
    counts, weights = row_sums(columns, codes, cells, _chosen(columns, span, edges), fatalities)
    for left in span.less:  # rows left out (a partition filter's other side): taken away
        out, out_weights = row_sums(columns, codes, cells, _chosen(columns, span, np.asarray(left)), fatalities)
        counts, weights = counts - out, weights - out_weights
    if not whole:
        return counts, weights
    parts = [supers[i] if is_super else blocks[i] for is_super, i in whole]
    keys = np.concatenate([t.keys for t in parts]).astype(np.int64, copy=False)
    slots = len(columns.type_names) + 1
    cell, kind = np.divmod(keys, slots)
    keep = slice(None) if span.types is None else span.types[kind]
    counted = np.bincount(cell[keep], weights=np.concatenate([t.counts for t in parts])[keep], minlength=cells)
    counts = counts + counted.astype(np.int64)
    if fatalities:
        weights = weights + np.bincount(cell[keep], weights=np.concatenate([t.deaths for t in parts])[keep],
                                        minlength=cells)
    else:
        weights = counts.astype(np.float64)
    return counts, weights
