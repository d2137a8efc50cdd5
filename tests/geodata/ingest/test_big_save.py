"""A big export's rows are sorted into the stored order once (Arrow's sort, a column at a time) and handed
over to the save: the same dataset, byte for byte, as sorting a copy with pandas, and no second copy kept."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geodata.catalog.parquet import DataDirectory
from geodata.ingest.pipeline import ingest_file, sorted_incidents
from tests.geodata.ingest.test_streamed_import import bad_export, refuse_one_table


def nigerian_rows(n: int) -> pd.DataFrame:
    """Ties on dates, repeated, missing and non-ASCII ids, missing dates, columns of every kind."""
    rng = np.random.default_rng(7)
    ids = [None if i % 97 == 0 else f"NGA{int(rng.integers(0, n // 3))}{'é' if i % 5 == 0 else ''}"
           for i in range(n)]
    dates = pd.Series(pd.to_datetime(rng.integers(0, 40, n), unit="D").astype("datetime64[s]"))
    dates[::101] = pd.NaT
    return pd.DataFrame({
        "event_id": pd.array(ids, dtype="str"), "event_date": dates, "line": np.arange(n),
        "fatalities": pd.array(rng.integers(0, 9, n), dtype="Int64"), "latitude": rng.uniform(4, 13, n),
        "notes": pd.array([f"Kano report {i}" for i in range(n)], dtype="string"),
        "admin1": pd.Categorical(rng.choice(["Kano", "Borno", "Lagos"], n)), "geocoded": rng.random(n) > 0.5})


@pytest.mark.parametrize("ids", ["str", "object"])
def test_the_sort_is_pandas_stable_sort_by_date_then_id(ids):
    rows = nigerian_rows(5000)
    rows["event_id"] = rows["event_id"].astype(ids)
    expected = rows.sort_values(["event_date", "event_id"], kind="stable").reset_index(drop=True)
    assert not expected["line"].is_monotonic_increasing  # the order changed
    pd.testing.assert_frame_equal(sorted_incidents(rows.copy()), expected)


def test_released_rows_leave_every_frame_that_held_them():
    rows = nigerian_rows(3000)
    expected = rows.sort_values(["event_date", "event_id"], kind="stable").reset_index(drop=True)
    merged, holder = rows.copy(deep=False), rows
    pd.testing.assert_frame_equal(sorted_incidents(merged, release=(holder,)), expected)
    assert merged.columns.empty and holder.columns.empty


def test_rows_already_in_order_are_not_copied():
    rows = nigerian_rows(2000).sort_values(["event_date", "event_id"], kind="stable").reset_index(drop=True)
    out = sorted_incidents(rows, release=())
    assert np.shares_memory(out["latitude"].to_numpy(), rows["latitude"].to_numpy())


def test_a_streamed_import_saves_what_a_sorted_copy_saves(tmp_path, monkeypatch):
    path = bad_export(tmp_path / "mali.csv")
    monkeypatch.setattr("geodata.ingest.stream.STREAM_BYTES", 0)
    monkeypatch.setattr("geodata.ingest.stream.BATCH_ROWS", 1000)
    refuse_one_table(monkeypatch)
    new = ingest_file(path, "acled", DataDirectory(tmp_path / "new"), dataset="mali", report_root=tmp_path / "a")
    assert new.result.frame.empty and new.result.imported > 4000  # handed over to the save, not kept
    with monkeypatch.context() as before:
        before.setattr("geodata.ingest.pipeline.sorted_incidents", pandas_sort)
        old = ingest_file(path, "acled", DataDirectory(tmp_path / "old"), dataset="mali", report_root=tmp_path / "b")
    assert new.version == old.version and new.result.report == old.result.report
    for pattern in ("incidents.parquet", "incidents.*.arrow"):
        files = [sorted((tmp_path / folder / "mali").glob(pattern)) for folder in ("new", "old")]
        assert len(files[0]) == len(files[1]) == 1
        assert files[0][0].name == files[1][0].name and files[0][0].read_bytes() == files[1][0].read_bytes()


def pandas_sort(frame, release=None):
    """The sort as it was: pandas, on a copy."""
    return frame.sort_values(["event_date", "event_id"], kind="stable").reset_index(drop=True)


def test_a_streamed_reimport_merges_with_the_stored_rows_as_before(tmp_path, monkeypatch):
    path = bad_export(tmp_path / "mali.csv")
    monkeypatch.setattr("geodata.ingest.stream.STREAM_BYTES", 0)
    monkeypatch.setattr("geodata.ingest.stream.BATCH_ROWS", 1000)
    rows = bad_export(tmp_path / "later.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    later = tmp_path / "later.csv"  # a later export: a third of the rows edited (newer timestamp), in another order
    edited = [line.replace("; report", "; revised report").replace(",16800", ",17800") if i % 3 == 0 else line
              for i, line in enumerate(rows[1:])]
    later.write_text(rows[0] + "".join(reversed(edited)), encoding="utf-8")
    outcomes = {}
    for folder in ("new", "old"):
        with monkeypatch.context() as before:
            if folder == "old":
                before.setattr("geodata.ingest.pipeline.sorted_incidents", pandas_sort)
            data = DataDirectory(tmp_path / folder)
            ingest_file(path, "acled", data, dataset="mali", report_root=tmp_path / "r")
            outcomes[folder] = ingest_file(later, "acled", data, dataset="mali", report_root=tmp_path / "r")
    new, old = outcomes["new"], outcomes["old"]
    assert new.changes == old.changes and new.changes.updated > 1000 and new.version == old.version
    for pattern in ("incidents.parquet", "incidents.*.arrow"):
        files = [sorted((tmp_path / folder / "mali").glob(pattern)) for folder in ("new", "old")]
        assert files[0][0].name == files[1][0].name and files[0][0].read_bytes() == files[1][0].read_bytes()
