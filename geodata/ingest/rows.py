"""Selecting rows of large text tables without copying the text.

After validation most rows of a million-row file are kept and a few are
not. ``frame[mask]`` would copy every kept string, which costs more than
parsing the file did; Arrow can instead point at the buffers already read.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from geodata.model.schema import arrow_text


def _runs(keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop of every run of ``True`` in ``keep``."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], keep.view(np.int8), [0]))))
    return edges[::2], edges[1::2]


def _take(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """``table.take(rows)`` record batch by record batch: a take over a chunked column first joins all its
    chunks, and a take per column and chunk is a call per cell group (31 columns x 25 blocks of a batch:
    25 ms; one take per record batch: 5 ms)."""
    batches = table.to_batches()  # split where any column's chunks end
    bounds = np.cumsum([0] + [batch.num_rows for batch in batches])
    which = np.searchsorted(bounds, rows, side="right") - 1
    return pa.Table.from_batches([batches[k].take(pa.array(rows[which == k] - bounds[k]))
                                  for k in np.unique(which).tolist()], schema=table.schema)


def keep_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``frame[keep]`` with a fresh index, without copying Arrow text when it can be avoided.

    When the rows kept form few runs (the usual case: all rows but a few bad
    ones, or a few bad ones out of all), the Arrow text columns, taken
    together as one Arrow table, become zero-copy slices of the buffers
    already read (one slice per run, whatever the number of columns);
    otherwise they are filtered. A small selection is then compacted into
    one chunk per column. Other columns are indexed as usual.
    """
    keep = np.asarray(keep, dtype=bool)
    if keep.all():
        return frame.reset_index(drop=True)
    if hasattr(frame, "geometry") or not keep.any():
        return frame[keep].reset_index(drop=True)
    names = list(frame.columns)
    series = [values for _, values in frame.items()]  # by position, once (``iloc`` per use costs more than the take)
    text = [i for i, values in enumerate(series) if arrow_text(values) is not None]
    columns: dict[int, object] = {}
    if text:
        table = pa.Table.from_arrays([series[i].array.__arrow_array__() for i in text], names=[str(i) for i in text])
        starts, stops = _runs(keep)
        if int(keep.sum()) * 100 <= len(keep):
            kept = _take(table, np.flatnonzero(keep))  # a few rows: one small copy, no slices
        elif len(starts) <= max(4096, len(keep) // 100):
            kept = pa.concat_tables([table.slice(start, stop - start)
                                     for start, stop in zip(starts.tolist(), stops.tolist(), strict=True)])
        else:
            kept = table.filter(pa.array(keep))
        if kept.num_rows <= len(keep) // 100 and kept.column(0).num_chunks > 1:
            kept = kept.combine_chunks()  # a few rows in thousands of one-row slices: one small copy
        for position, i in enumerate(text):
            columns[i] = pd.array(kept.column(position), dtype=series[i].dtype)
    for i in range(len(names)):
        if i not in columns:
            values = series[i]
            columns[i] = values.to_numpy()[keep] if isinstance(values.dtype, np.dtype) else values.array[keep]
    out = pd.DataFrame({i: columns[i] for i in range(len(names))})
    out.columns = names
    return out
