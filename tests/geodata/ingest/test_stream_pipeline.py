"""The streamed import's shortcuts give what the plain work gives: repeated ids found among the rows whose
id hashes alike (colliding hashes included) are pandas' ``duplicated``; a take of a few rows over many
chunks is Arrow's take; the file read once, a block at a time, gives pyarrow's rows of the whole file and
the line index of a scan of its own, and sends what it cannot promise to the one-table path."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

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


def _file(tmp_path, text: bytes):
    path = tmp_path / "export.csv"
    path.write_bytes(text)
    return path


def _read_by_blocks(path, names, rows, monkeypatch, block):
    from geodata.ingest import stream
    from geodata.ingest.lines import FileLines

    monkeypatch.setattr(stream, "READ_BYTES", block)
    lines = FileLines(path, scan=False)
    tables = list(stream._batches(path, names, rows, lines))
    return tables, lines


@pytest.mark.parametrize("block", [3, 7, 64, 1 << 16])
@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
@pytest.mark.parametrize("last_break", [True, False])
def test_blocks_of_any_size_give_pyarrows_rows_and_the_line_index(tmp_path, monkeypatch, block, ending, last_break):
    """Lines astride blocks, lines longer than a block, the header ending anywhere, CR LF, no final line
    break, non-ASCII cells: the batches hold pyarrow's rows of the whole file, the index its line starts."""
    import pyarrow.csv as pcsv

    from geodata.ingest.lines import line_starts

    rows = [f"K{i},{'é' if i % 5 == 0 else 'x' * (i % 90)},\"q,{i}\"" for i in range(57)]
    text = ending.join([b"id,text,quoted"] + [r.encode() for r in rows]) + (ending if last_break else b"")
    path = _file(tmp_path, text)
    tables, lines = _read_by_blocks(path, ["id", "text", "quoted"], 10, monkeypatch, block)
    assert [t.num_rows for t in tables] == [10] * 5 + [7]
    whole = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
        column_types={n: pa.large_string() for n in ("id", "text", "quoted")}))
    assert pa.concat_tables(tables).to_pylist() == whole.to_pylist()
    starts, lone_cr = line_starts(path)
    assert lines.ready().tolist() == starts.tolist() and lines.count() == 58 and not lone_cr
    assert lines.one_record_per_line(57)
    assert lines.cells(7) == rows[5].replace('"', "").split(",", 2)[:2] + [f"q,{5}"]


@pytest.mark.parametrize("text", [b"id,text\nK1,a\n\nK2,b\n", b"id,text\nK1,a\nK2\n", b"id,text\nK1,\xe9\nK2,b\n",
                                  b"id,text\nK1,\"two\nlines\"\nK2,b\n", b"id,text"])
def test_what_the_blocks_cannot_promise_goes_to_the_one_table_path(tmp_path, monkeypatch, text):
    from geodata.ingest import stream

    path = _file(tmp_path, text)
    with pytest.raises(stream._OneTable):
        _read_by_blocks(path, ["id", "text"], 10, monkeypatch, 5)


def test_an_unreadable_file_fails_the_index_as_well(tmp_path, monkeypatch):
    """An error in the reading thread reaches the import's thread as itself, and whoever waits for the
    line index gets it too instead of waiting for ever."""
    from geodata.ingest import stream
    from geodata.ingest.lines import FileLines

    path = _file(tmp_path, b"id,text\nK1,a\nK2,b\n")

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(stream, "_parse", broken)
    lines = FileLines(path, scan=False)
    with pytest.raises(OSError, match="disk gone"):
        list(stream._batches(path, ["id", "text"], 10, lines))
    with pytest.raises(OSError, match="disk gone"):
        lines.count()


def test_an_error_before_the_first_block_surfaces_instead_of_a_wait(tmp_path, monkeypatch):
    import threading

    from geodata.ingest import stream

    path = _file(tmp_path, b"id,text\nK1,a\n")

    def broken(*args, **kwargs):
        raise MemoryError("no buffer")

    monkeypatch.setattr(stream, "LineScan", broken)
    raised: list[BaseException] = []

    def run() -> None:
        try:
            list(stream._batches(path, ["id", "text"], 10))
        except BaseException as exc:  # noqa: BLE001 - looked at below
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "the import waited for a reading thread that had died"
    assert len(raised) == 1 and isinstance(raised[0], MemoryError)


def test_a_short_first_batch_then_full_ones(tmp_path, monkeypatch):
    from geodata.ingest import stream

    path = _file(tmp_path, b"id,text\n" + b"".join(b"K%d,t\n" % i for i in range(23)))
    loaded: list[bool] = []
    tables = list(stream._batches(path, ["id", "text"], 10, first=2, meanwhile=lambda: loaded.append(True)))
    assert [t.num_rows for t in tables] == [2, 10, 10, 1] and loaded == [True]
    assert pa.concat_tables(tables).column("id").to_pylist() == [f"K{i}" for i in range(23)]


def test_a_fed_index_serves_lines_already_read_without_waiting(tmp_path):
    from geodata.ingest.lines import FileLines

    path = _file(tmp_path, b"id,text\nK1,a\nK2,b\nK3,c\n")
    lines = FileLines(path, scan=False)
    lines.add(np.array([8, 13], dtype=np.int64))
    lines.add(np.array([], dtype=np.int64))
    lines.add(np.array([18], dtype=np.int64))
    assert lines.cells(2) == ["K1", "a"] and lines.cells(3) == ["K2", "b"]  # the reader still reading
    lines.add(np.array([23], dtype=np.int64))
    lines.finish(23, False)
    assert lines.cells(4) == ["K3", "c"] and lines.count() == 4 and lines.one_record_per_line(3)
    lines.close()


def test_the_reader_stays_a_few_batches_ahead(tmp_path, monkeypatch):
    """Memory bounded by batches, not the file: while the import validates a batch, the reading thread
    parses at most the two queued batches and the one it is building, then waits."""
    import time

    from geodata.ingest import stream
    from geodata.ingest.lines import FileLines

    path = _file(tmp_path, b"id,text\n" + b"".join(b"K%d,t\n" % i for i in range(5000)))
    monkeypatch.setattr(stream, "READ_BYTES", 64)  # blocks of a few lines
    lines = FileLines(path, scan=False)
    batches = stream._batches(path, ["id", "text"], 100, lines)
    assert next(batches).num_rows == 100
    time.sleep(0.5)  # a slow validation of the first batch
    read = lines._ends[-1]
    assert read < 100 * 5, f"{read} lines read ahead of a consumer still on its first batch"
    assert sum(t.num_rows for t in batches) == 4900
    assert lines.count() == 5001


def test_a_failed_parquet_write_surfaces_and_leaves_no_file(tmp_path, monkeypatch):
    """An error in the Parquet thread reaches the caller as itself; no file, no partial file."""
    import pyarrow.parquet as pq

    from geodata.ingest.stream import import_acled_stream
    from tests.geodata.ingest.test_streamed_import import bad_export, refuse_one_table

    path = bad_export(tmp_path / "mali.csv")
    refuse_one_table(monkeypatch)

    def full_disk(self, table, *args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full_disk)
    out = tmp_path / "valid.parquet"
    with pytest.raises(OSError, match="No space left"):
        import_acled_stream(path, batch_rows=1000, out=out)
    assert not out.exists() and not (tmp_path / "valid.parquet.partial").exists()


@pytest.mark.parametrize("values", [["SYR1", None, "SYR2"], ["SYR1", " SYR2", None], ["", "SYR1"], ["SYR1\t", "é"],
                                    [None, None]])
def test_batch_ids_as_they_are_when_clean_else_stripped_with_blank_ones_missing(values):
    import pyarrow.compute as pc

    from geodata.ingest.stream import _keys as batch_keys

    frame = pd.DataFrame({"event_id": _keys(values)})
    ids = pa.chunked_array([pa.array(values, pa.large_string())])
    trimmed = pc.utf8_trim_whitespace(ids)
    expected = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.large_string()), trimmed)
    got = batch_keys(frame)
    assert got.type == pa.large_string() and got.to_pylist() == expected.to_pylist()
    assert np.array_equal(hash_text(got)[np.asarray(got.is_valid())],
                          hash_text(expected)[np.asarray(expected.is_valid())])
