"""The validation's shortcuts give what the plain per-cell work gives: countries looked up once per
distinct point and per distinct cell, whole numbers tested on the float array, kept rows selected on
Arrow columns for the streamed Parquet file (every column and type as the one-table frame)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from geodata.geo.coordinates import _distinct_countries_at
from geodata.geo.countries import countries_at, country_code
from geodata.ingest.locate import row_countries
from geodata.ingest.readers.acled import read_acled
from geodata.ingest.stream import import_acled_stream
from geodata.ingest.validate import check_source, import_table
from geodata.model.schema import _whole_numbers
from tests.geodata.ingest.test_streamed_import import bad_export, refuse_one_table


def test_countries_of_distinct_points_are_those_of_every_point():
    rng = np.random.default_rng(5)
    # Kenya, Somalia and Uganda astride their borders, many points repeated, one at sea, -0.0 beside 0.0
    lon = np.round(rng.uniform(33.5, 42.5, 30_000), 2)
    lat = np.round(rng.uniform(-2.0, 4.5, 30_000), 2)
    lon[:5], lat[:5] = [34.0, 34.0, 45.0, 0.0, -0.0], [0.5, 0.5, -3.0, 0.0, 0.0]
    one_by_one = countries_at(lon, lat)
    assert _distinct_countries_at(countries_at, lon, lat).tolist() == one_by_one.tolist()
    assert {"KE", "SO", "UG"} <= set(one_by_one) and one_by_one[2] is None


def test_two_points_sharing_a_key_are_still_told_apart():
    asked: list[tuple[float, float]] = []

    def where(x: np.ndarray, y: np.ndarray) -> list[str]:
        asked.extend(zip(x.tolist(), y.tolist(), strict=True))
        return [f"{a}:{b}" for a, b in zip(x.tolist(), y.tolist(), strict=True)]

    x, y = np.array([1.5, 2.5, 1.5, 7.0]), np.array([10.0, 20.0, 10.0, 7.0])
    assert _distinct_countries_at(where, x, y).tolist() == ["1.5:10.0", "2.5:20.0", "1.5:10.0", "7.0:7.0"]
    assert len(asked) == 3  # the repeated point looked up once


def test_country_columns_stripped_once_per_distinct_cell_name_the_same_countries():
    frame = pd.DataFrame({
        "iso": pd.array(["404", " 404 ", None, "", "706", "abc", None, "800"], dtype="string"),
        "country": pd.array(["Kenya", "Kenya", " Somalia", "Uganda ", None, "Kenya", "  ", "Atlantis"],
                            dtype="string"),
    })
    per_cell = []
    for iso, country in zip(frame["iso"], frame["country"], strict=True):
        codes = [country_code(v.strip()) for v in (iso, country) if isinstance(v, str) and v.strip()]
        per_cell.append(next((c for c in codes if c is not None), None))
    assert row_countries(frame).tolist() == per_cell == ["KE", "KE", "SO", "UG", "SO", "KE", None, "UG"]


def test_whole_numbers_on_the_float_array():
    numbers = pd.Series([1.0, 2.5, np.nan, np.inf, -np.inf, -0.0, 3.0, -4.0])
    typed, fractional = _whole_numbers(numbers)
    assert fractional.tolist() == [False, True, False, True, True, False, False, False]
    assert typed.dtype == "Int64" and typed.tolist() == [1, pd.NA, pd.NA, pd.NA, pd.NA, 0, 3, -4]


def test_kept_rows_are_selected_only_when_asked_and_match_the_one_table_frame(tmp_path, monkeypatch):
    path = bad_export(tmp_path / "mali.csv")
    checked = check_source(read_acled(path))
    assert "valid" not in checked.__dict__  # nothing selected yet
    whole = import_table(read_acled(path))
    pd.testing.assert_frame_equal(checked.valid, whole.frame)
    assert int(checked.kept.sum()) == whole.imported

    refuse_one_table(monkeypatch)
    out = tmp_path / "valid.parquet"
    import_acled_stream(path, batch_rows=1000, out=out)
    written = pq.read_table(out)
    pd.testing.assert_frame_equal(written.to_pandas(), pq.read_table(_parquet_of(whole.frame, tmp_path)).to_pandas())
    stats = pq.ParquetFile(out).metadata.row_group(0)
    has_stats = {stats.column(i).path_in_schema: stats.column(i).is_stats_set for i in range(stats.num_columns)}
    assert has_stats["event_date"] and has_stats["latitude"] and has_stats["fatalities"]
    assert not has_stats["notes"] and not has_stats["event_id"]


def _parquet_of(frame: pd.DataFrame, folder) -> str:
    import pyarrow as pa

    path = folder / "whole.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return str(path)


def test_a_few_rows_of_a_chunked_text_table_are_taken_chunk_by_chunk():
    import pyarrow as pa

    from geodata.ingest.rows import keep_rows

    chunks = [pa.array([f"t{i}" if i % 7 else None for i in range(start, start + 300)], pa.large_string())
              for start in range(0, 1500, 300)]
    frame = pd.DataFrame({"text": pd.array(pa.chunked_array(chunks), dtype="string"),
                          "number": np.arange(1500, dtype="float64")})
    keep = np.zeros(1500, dtype=bool)
    keep[[0, 7, 299, 300, 1234, 1499]] = True
    kept = keep_rows(frame, keep)
    pd.testing.assert_frame_equal(kept, frame[keep].reset_index(drop=True))
    assert [v if isinstance(v, str) else None for v in kept["text"]] == [None, None, "t299", "t300", "t1234", "t1499"]


def test_parsed_batches_live_in_the_batch_pool(tmp_path):
    from geodata.ingest.stream import _batches, _pool
    from tests.geodata.ingest.test_streamed_import import COLUMNS, mali_rows, write_export

    path = write_export(tmp_path / "mali.csv", mali_rows(2000))
    pool = _pool()
    before = pool.bytes_allocated()
    batches = _batches(path, list(COLUMNS), 1000)
    first = next(batches)
    assert first.num_rows == 1000 and pool.bytes_allocated() - before >= first.column("notes").nbytes
    batches.close()


@pytest.mark.parametrize("text", [b"a,b\r\n1,2\r\n", b"a,b\r1,2\n", b"a,b\n1,2\r", b"a,b\n1,2", b"", b"\n\n\r\n",
                                  b"id,x\nK1,\xc3\xa9\nK2,2\n"])
def test_line_starts_read_into_one_buffer_in_small_chunks(tmp_path, monkeypatch, text):
    from geodata.ingest import lines

    path = tmp_path / "lines.csv"
    path.write_bytes(text)
    monkeypatch.setattr(lines, "CHUNK_BYTES", 3)  # line breaks and CR LF pairs astride chunk edges
    starts, lone_cr = lines.line_starts(path)
    expected = [0] + [i + 1 for i, byte in enumerate(text) if byte == 10 and i + 1 < len(text)] if text else []
    assert starts.tolist() == expected
    assert lone_cr == any(byte == 13 and text[i + 1:i + 2] != b"\n" for i, byte in enumerate(text))


def test_seen_ids_find_exactly_the_earlier_rows_with_the_same_hash():
    from geodata.ingest.seen import SeenIds

    rng = np.random.default_rng(9)
    asked: list[tuple[int, list[int]]] = []

    def confirm(line: int, candidates):
        asked.append((line, list(candidates)))
        return [c for c in candidates if c % 5 != 0]  # the file says some hash matches are other ids

    seen = SeenIds(100, confirm)  # a small bitmap: many rows pass it without having been seen
    pool = rng.integers(0, 2**64 - 1, 3000, dtype=np.uint64, endpoint=True)
    history: dict[int, list[int]] = {}
    line = 2
    for _ in range(6):
        hashes = pool[rng.integers(0, len(pool), 1000)]
        valid = rng.random(1000) > 0.1
        lines = np.arange(line, line + 1000)
        expected = {}
        for row in np.flatnonzero(valid).tolist():
            earlier = sorted(history.get(int(hashes[row]), []))
            same = [c for c in earlier if c % 5 != 0]
            if same:
                expected[row] = same
        assert seen.earlier(hashes, valid, lines) == expected
        seen.add(hashes, valid, lines)
        for row in np.flatnonzero(valid).tolist():
            history.setdefault(int(hashes[row]), []).append(int(lines[row]))
        line += 1000
    assert asked and all(candidates == sorted(candidates) for _, candidates in asked)
