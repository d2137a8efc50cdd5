"""A big ACLED export imported batch by batch gives exactly what the one-table import gives: the same
kept rows, the same quarantine (lines, columns, reasons), the same warnings and counts, also when a bad
row, a repeated id or an exact duplicate lies in another batch than the row it repeats."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from geodata.ingest.readers.acled import COLUMNS, read_acled
from geodata.ingest.seen import hash_text
from geodata.ingest.stream import import_acled_stream
from geodata.ingest.validate import import_table
from geodata.model.errors import SchemaError

TOWNS = (("Mopti", "Mopti", 14.49, -4.19), ("Gao", "Gao", 16.27, -0.04), ("Timbuktu", "Tombouctou", 16.77, -3.00),
         ("Menaka", "Menaka", 15.92, 2.40))


def mali_rows(n: int, seed: int = 3) -> list[dict[str, str]]:
    """``n`` ACLED-format rows in Mali (text cells, as an export holds them)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        town, admin1, lat, lon = TOWNS[int(rng.integers(0, len(TOWNS)))]
        day = 1 + int(rng.integers(0, 28))
        out.append({
            "event_id_cnty": f"MLI{10000 + i}", "event_date": f"2023-02-{day:02d}" if i % 2 else f"{day} February 2023",
            "year": "2023", "time_precision": "1", "disorder_type": "Political violence", "event_type": "Battles",
            "sub_event_type": "Armed clash", "actor1": "Military Forces of Mali (2021-)", "assoc_actor_1": "",
            "inter1": "1", "actor2": "JNIM" if i % 3 else "", "assoc_actor_2": "", "inter2": "2", "interaction": "12",
            "civilian_targeting": "", "iso": "466", "region": "Western Africa", "country": "Mali",
            "admin1": admin1, "admin2": admin1, "admin3": "", "location": town,
            "latitude": f"{lat + rng.normal(0, 0.05):.4f}", "longitude": f"{lon + rng.normal(0, 0.05):.4f}",
            "geo_precision": "1", "source": "Test Monitor", "source_scale": "National",
            "notes": f"Clash near {town}; report {i}.", "fatalities": str(int(rng.integers(0, 5))), "tags": "",
            "timestamp": str(1_680_000_000 + i),
        })
    return out


def write_export(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def bad_export(path: Path) -> Path:
    """4,500 rows, batches of 1,000: bad rows in four batches, ids repeated across batches."""
    rows = mali_rows(4500)
    rows[10]["event_date"] = "2023-02-30"                       # batch 1 (line 12)
    rows[1500]["fatalities"] = "-2"                             # batch 2
    rows[1501]["time_precision"] = "7"                          # a reader's problem
    rows[2200]["latitude"], rows[2200]["longitude"] = rows[2200]["longitude"], rows[2200]["latitude"]  # swapped
    rows[2300]["latitude"], rows[2300]["longitude"] = "15.0", "4.5"   # in Niger, 'Mali' says the row: a warning
    rows[1002] = dict(rows[500])                                # exact duplicate of a row of batch 1
    rows[2500] = {**rows[20], "notes": "edited later"}          # id of line 22, different content
    rows[2600] = {**rows[20], "notes": "edited again"}          # the same id once more, same batch
    rows[3700]["event_id_cnty"] = f"  {rows[30]['event_id_cnty']} "  # padded: the same id, different cells
    rows[3800]["event_id_cnty"] = "  "                          # blank id
    rows[3900]["event_date"] = "yesterday"
    rows[4400] = dict(rows[1002])                               # duplicate of a duplicate, three batches on
    rows[999]["event_date"] = "2023-02-31"                      # last row of batch 1
    rows[1000]["fatalities"] = "1.5"                            # first row of batch 2
    return write_export(path, rows)


def refuse_one_table(monkeypatch) -> None:
    """From here on, fail if the streamed import falls back to reading the file whole."""
    def refuse(*args, **kwargs):
        raise AssertionError("the streamed import took the one-table path")

    monkeypatch.setattr("geodata.ingest.stream.read_acled", refuse)


@pytest.fixture
def batched_only(monkeypatch):
    refuse_one_table(monkeypatch)


def assert_same(path: Path, batch_rows: int, **options) -> None:
    whole = import_table(read_acled(path), **options)
    batched = import_acled_stream(path, batch_rows=batch_rows, **options)
    assert batched.report == whole.report
    pd.testing.assert_frame_equal(batched.quarantine, whole.quarantine)
    pd.testing.assert_frame_equal(batched.frame, whole.frame)


def test_batches_give_the_one_table_result_with_bad_rows_and_ids_repeated_across_batches(tmp_path, monkeypatch):
    path = bad_export(tmp_path / "mali.csv")
    assert_same(path, 1000)
    refuse_one_table(monkeypatch)
    result = import_acled_stream(path, batch_rows=1000)
    said = {p.line: p for p in result.report.problems}
    assert said[2502].column == "event_id_cnty" and said[2502].reason == \
        "duplicate id with different content (first on line 22)"
    assert said[2602].reason == "duplicate id with different content (first on line 22)"
    assert said[3702].reason == "duplicate id with different content (first on line 32)"
    assert said[12].reason == "not a real calendar date" and said[1001].column == "event_date"
    assert said[1002].column == "fatalities" and said[1502].column == "fatalities"
    assert said[2202].reason == "latitude and longitude look swapped"
    assert 1004 not in said and 4402 not in said  # exact duplicates: counted, not quarantined
    assert result.duplicates == 2 and result.rows_in == 4500
    assert list(result.quarantine["line"])[:3] == [12, 1001, 1002]
    assert [w.line for w in result.warnings] == [2302]
    assert len(result.frame) == result.imported == 4500 - 2 - result.quarantined


@pytest.mark.slow
def test_batch_size_does_not_change_the_result(tmp_path, batched_only):
    path = bad_export(tmp_path / "mali.csv")
    whole = import_acled_stream(path, batch_rows=100_000)
    for rows in (333, 1001):
        small = import_acled_stream(path, batch_rows=rows)
        assert small.report == whole.report
        pd.testing.assert_frame_equal(small.quarantine, whole.quarantine)


def test_valid_rows_written_to_parquet_are_the_kept_rows(tmp_path, monkeypatch):
    path = bad_export(tmp_path / "mali.csv")
    whole = import_table(read_acled(path))
    refuse_one_table(monkeypatch)
    result = import_acled_stream(path, batch_rows=1000, out=tmp_path / "valid.parquet")
    assert len(result.frame) == 0 and result.imported == len(whole.frame)
    written = pq.read_table(tmp_path / "valid.parquet").to_pandas()
    assert list(written.columns) == list(whole.frame.columns)
    assert written["event_id"].tolist() == whole.frame["event_id"].tolist()
    assert written["event_date"].tolist() == whole.frame["event_date"].tolist()
    assert written["fatalities"].tolist() == whole.frame["fatalities"].tolist()
    assert not (tmp_path / "valid.parquet.partial").exists()


def test_header_row_of_hashtags_extra_column_and_quoted_empty_cells(tmp_path, monkeypatch):
    rows = mali_rows(2500)
    columns = (*COLUMNS, "analyst_note")
    tags = {c: "" for c in columns} | {"event_id_cnty": "#event+id", "event_date": "#date+occurred",
                                       "latitude": "#geo+lat", "longitude": "#geo+lon"}
    for row in rows:
        row["analyst_note"] = ""
    rows[1800]["analyst_note"] = "=SUM(A1)"
    path = write_export(tmp_path / "hdx.csv", [tags, *rows], columns)
    text = path.read_text(encoding="utf-8").replace(",,", ',"",', 40)
    path.write_text(text, encoding="utf-8")
    assert_same(path, 700)
    refuse_one_table(monkeypatch)
    assert import_acled_stream(path, batch_rows=700).report.hashtag_rows == 1


@pytest.mark.parametrize("kind", ["line break in a quoted cell", "blank lines", "rows naming no country"])
def test_files_batches_cannot_promise_take_the_one_table_path(tmp_path, kind, monkeypatch):
    rows = mali_rows(1500)
    if kind == "line break in a quoted cell":
        rows[1200]["notes"] = "first line\nsecond line"
    if kind == "rows naming no country":
        for row in rows[:30]:
            row["iso"], row["country"] = "", ""
    path = write_export(tmp_path / "odd.csv", rows)
    if kind == "blank lines":
        path.write_text(path.read_text(encoding="utf-8").replace("\nMLI11200,", "\n\nMLI11200,"), encoding="utf-8")
    assert_same(path, 500)
    refuse_one_table(monkeypatch)
    with pytest.raises(AssertionError, match="one-table path"):
        import_acled_stream(path, batch_rows=500)


def test_a_missing_column_is_refused_as_the_one_table_path_refuses_it(tmp_path):
    path = write_export(tmp_path / "short.csv", [{k: v for k, v in r.items() if k != "fatalities"}
                                                  for r in mali_rows(10)], tuple(c for c in COLUMNS
                                                                                  if c != "fatalities"))
    with pytest.raises(SchemaError, match="column 'fatalities': required column is missing from the header"):
        import_acled_stream(path, batch_rows=4)


def test_id_hash_tells_ids_apart_and_ignores_where_the_array_starts():
    import pyarrow as pa

    ids = pa.array(["MLI1", "MLI2", "MLI1", "", "ILM1", "MLI10", "MLI01", None, "é"])
    hashes = hash_text(ids)
    assert hashes[0] == hashes[2] and len(set(hashes[[0, 1, 4, 5, 6, 8]].tolist())) == 6
    assert hash_text(ids.slice(2)).tolist() == hashes[2:].tolist()


@pytest.mark.slow
def test_command_line_and_upload_import_a_big_export_in_batches_with_the_same_dataset(tmp_path, monkeypatch):
    from geodata.catalog.parquet import DataDirectory
    from geodata.ingest import ingest_file

    path = bad_export(tmp_path / "mali.csv")
    whole = ingest_file(path, "acled", DataDirectory(tmp_path / "whole"), dataset="mali", report_root=tmp_path / "a")
    monkeypatch.setattr("geodata.ingest.stream.STREAM_BYTES", 0)
    monkeypatch.setattr("geodata.ingest.stream.BATCH_ROWS", 1000)
    refuse_one_table(monkeypatch)
    monkeypatch.setattr("geodata.ingest.pipeline.read_source", lambda *a, **k: pytest.fail("read whole"))
    data = DataDirectory(tmp_path / "batched")
    batched = ingest_file(path, "acled", data, dataset="mali", report_root=tmp_path / "b")
    assert batched.result.report == whole.result.report
    pd.testing.assert_frame_equal(data.load("mali").incidents,
                                  DataDirectory(tmp_path / "whole").load("mali").incidents)
    quarantine = [pd.read_csv(o.report_path.with_name(o.report_path.stem + ".quarantine.csv"), dtype=str)
                  for o in (whole, batched)]
    pd.testing.assert_frame_equal(*quarantine)
    assert len(quarantine[0]) == batched.result.quarantined > 0


def test_excel_export_with_byte_order_mark_and_crlf_lines(tmp_path, monkeypatch):
    path = bad_export(tmp_path / "excel.csv")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_text(encoding="utf-8").replace("\n", "\r\n").encode("utf-8"))
    assert_same(path, 1000)
    refuse_one_table(monkeypatch)
    result = import_acled_stream(path, batch_rows=1000)
    assert result.report.encoding == "utf-8-sig"
    assert {p.line: p.reason for p in result.report.problems}[2502].endswith("(first on line 22)")


def test_export_without_optional_columns(tmp_path, monkeypatch):
    """A trimmed export (no time_precision, no timestamp): read, not a traceback; batches as one table."""
    columns = tuple(c for c in COLUMNS if c not in ("time_precision", "timestamp", "admin3"))
    rows = [{k: v for k, v in r.items() if k in columns} for r in mali_rows(1200)]
    path = write_export(tmp_path / "trimmed.csv", rows, columns)
    assert_same(path, 500)
    refuse_one_table(monkeypatch)
    result = import_acled_stream(path, batch_rows=500)
    assert result.imported == 1200 and result.frame["date_precision"].isna().all()
    assert [w.column for w in result.warnings] == ["timestamp"]
