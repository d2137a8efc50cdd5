"""The streamed import's shortcuts give what the plain work gives: repeated ids found among the rows whose
id hashes alike (colliding hashes included) are pandas' ``duplicated``; a take of a few rows over many
chunks is Arrow's take."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from geodata.ingest.rows import _take
from geodata.ingest.seen import SeenIds, hash_text
from geodata.ingest.validate import repeated_keys


def _keys(values: list[str | None]) -> pd.Series:
    return pd.Series(pd.array(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))


def test_repeated_ids_among_shared_hashes_are_pandas_duplicated():
    rng = np.random.default_rng(4)
    values: list[str | None] = [f"ID{int(v)}" for v in rng.integers(0, 400, 2000)]
    values[5] = values[17] = None
    keys = _keys(values)
    expected = np.flatnonzero((keys.duplicated(keep="first") & keys.notna()).to_numpy(dtype=bool))
    expected_rows = keys.isin(set(keys.iloc[expected].tolist())).to_numpy(dtype=bool)
    arrow = pa.array(values, pa.large_string())
    valid = np.asarray(arrow.is_valid(), dtype=bool)
    shared = SeenIds(len(values), lambda line, lines: []).within(hash_text(arrow), valid)
    repeats, rows = repeated_keys(keys, shared)
    assert repeats.tolist() == expected.tolist() and rows.tolist() == expected_rows.tolist()
    # every row offered (as if all hashes collided): the same answer, the strings decide
    repeats, rows = repeated_keys(keys, np.flatnonzero(valid))
    assert repeats.tolist() == expected.tolist() and rows.tolist() == expected_rows.tolist()


def test_no_shared_hash_no_repeat():
    keys = _keys(["A", "B", None, "C"])
    repeats, rows = repeated_keys(keys, np.zeros(0, dtype=np.int64))
    assert repeats.tolist() == [] and not rows.any()


def test_take_by_record_batches_is_arrows_take():
    rng = np.random.default_rng(2)
    cells = pa.array([f"cell {i}" if i % 7 else None for i in range(1000)], pa.large_string())
    numbers = pa.array(np.arange(1000.0))
    # two columns chunked differently
    table = pa.table({"text": pa.chunked_array([cells.slice(a, 100) for a in range(0, 1000, 100)]),
                      "number": pa.chunked_array([numbers.slice(0, 333), numbers.slice(333)])})
    rows = np.sort(rng.choice(1000, 60, replace=False))
    assert _take(table, rows).equals(table.take(pa.array(rows)))
    assert _take(table, rows[:0]).num_rows == 0
