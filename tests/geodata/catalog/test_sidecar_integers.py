"""Nullable integer columns (fatalities, low/high estimates, geo-precision) read from the mapped sidecar are the
same numbers and gaps as the Parquet file's, kept in the mapped file (not private copies), and a frame derived
from them can still be changed; on incidents in central Mali."""
from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.catalog import parquet as storage
from geodata.catalog.parquet import read_dataset, write_dataset
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents


def mali_incidents(n: int = 3_000) -> pd.DataFrame:
    frame = synthetic_incidents(n, seed=12)
    rng = np.random.default_rng(12)
    frame["latitude"], frame["longitude"] = 14.5 + rng.random(n), -4.2 + rng.random(n)  # Mopti region
    frame["admin1"] = pd.Series(["Mopti"] * n, dtype=frame["admin1"].dtype)
    deaths = pd.Series(rng.integers(0, 40, n), dtype="Int64")
    deaths[rng.random(n) < 0.15] = pd.NA  # not reported
    frame["fatalities"] = deaths
    frame["fatalities_low"] = (deaths - 2).clip(lower=0).where(rng.random(n) < 0.5)
    frame["fatalities_high"] = (deaths + 5).where(frame["fatalities_low"].notna())
    frame["geo_precision"] = pd.Series(rng.integers(1, 4, n), dtype="Int64")
    return frame


def test_integer_columns_come_back_equal_and_stay_in_the_mapped_file(tmp_path):
    folder = tmp_path / "mali-mopti"
    write_dataset(dataset_from_incidents(mali_incidents(), name="mali-mopti", title="Mopti (test)"), folder)
    mapped = read_dataset(folder).incidents
    plain = storage._read_table(folder / "incidents.parquet", "incidents")
    plain = plain.sort_values("event_date", kind="stable").reset_index(drop=True)
    assert list(mapped.columns) == list(plain.columns)
    for name in ("fatalities", "fatalities_low", "fatalities_high", "geo_precision"):
        assert mapped[name].dtype == "Int64", name
        pd.testing.assert_series_equal(mapped[name], plain[name])
        assert not mapped[name].array._data.flags.writeable, f"{name} was copied out of the mapped file"
    assert mapped["fatalities"].isna().sum() == plain["fatalities"].isna().sum() > 0
    assert int(mapped["fatalities"].sum()) == int(plain["fatalities"].sum())
    changed = mapped.copy()
    changed.loc[0, "fatalities"] = 999  # a derived frame is the caller's own: writable
    assert changed.loc[0, "fatalities"] == 999 and mapped.loc[0, "fatalities"] == plain.loc[0, "fatalities"]
