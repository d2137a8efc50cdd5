"""The save's memory: the version hashed a slice of rows at a time, the sidecar converted and read from the
Parquet file a column at a time give what hashing, converting and reading the whole table gave (stored
versions, sidecars and cached results stay valid)."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from geodata.catalog import parquet
from geodata.catalog.arrow import arrow_table, write_sidecar_file
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents


def kenyan_dataset(n: int = 2500):
    frame = synthetic_incidents(n)
    frame["notes"] = pd.array([None if i % 7 == 0 else f"Nakuru market {i}" for i in range(n)], dtype="string")
    frame["admin1"] = frame["admin1"].astype("category")
    frame.loc[frame.index[::11], "fatalities"] = pd.NA
    return dataset_from_incidents(frame, name="kenya", title="kenya")


def test_the_version_by_slices_is_the_version_of_the_whole(monkeypatch):
    dataset = kenyan_dataset()
    monkeypatch.setattr(parquet, "HASH_ROWS", 10**9)
    whole = parquet.content_version(dataset)
    monkeypatch.setattr(parquet, "HASH_ROWS", 333)  # slices that do not divide the rows
    assert parquet.content_version(dataset) == whole
    changed = dataset.incidents.copy()
    changed.loc[changed.index[-1], "notes"] = "Eldoret"  # the last slice still counts
    assert parquet.content_version(dataset_from_incidents(changed, name="kenya", title="kenya")) != whole


def test_the_sidecar_table_by_columns_is_the_whole_conversion():
    frame = kenyan_dataset(3000).incidents
    chunked = pd.concat([frame.iloc[:1000], frame.iloc[1000:]], ignore_index=True)  # columns of several chunks
    expected = pa.Table.from_pandas(frame, preserve_index=False)
    table = arrow_table(chunked, "tag", consume=True)
    assert chunked.columns.empty  # each column left the frame once converted
    assert table.column_names == expected.column_names
    assert all(table.column(c).num_chunks == 1 for c in table.column_names)
    assert table.schema.pandas_metadata == expected.schema.pandas_metadata
    assert table.schema.metadata[b"conflict_map.sidecar"] == b"tag"
    for name in expected.column_names:
        got, want = table.column(name), expected.column(name)
        if pa.types.is_dictionary(want.type):
            got, want = got.cast(want.type.value_type), want.cast(want.type.value_type)
        assert got.equals(want), name


@pytest.mark.parametrize("in_date_order", [True, False])
def test_the_sidecar_read_by_columns_is_the_file_read_whole(tmp_path, in_date_order):
    data = parquet.DataDirectory(tmp_path)
    version = data.save(kenyan_dataset(4000))
    folder = data.path("kenya")
    table = pq.read_table(folder / "incidents.parquet")
    if not in_date_order:  # as an older version may have stored it: read whole and sorted
        table = table.take(pa.array(range(len(table) - 1, -1, -1)))
    pq.write_table(table, folder / "incidents.parquet", row_group_size=700)  # several row groups, as at 10^7
    whole = write_sidecar_file(folder, version, parquet._parquet_incidents(folder)).read_bytes()
    assert parquet.write_sidecar(folder, version).read_bytes() == whole
    back = parquet.read_dataset(folder).incidents
    assert back["event_date"].is_monotonic_increasing and len(back) == 4000
