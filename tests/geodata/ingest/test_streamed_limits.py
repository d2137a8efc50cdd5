"""A file imported in batches is bounded by what the batches hold (MAX_STREAMED_ROWS, and MAX_KEPT_BYTES
when the caller keeps the valid rows), not by the one-table MAX_ROWS; an oversized file is refused before
parsing, the message naming the file, what was counted, the limit and the setting."""
from __future__ import annotations

import pytest

from geodata.ingest import limits
from geodata.ingest.limits import LimitError
from geodata.ingest.stream import import_acled_stream
from tests.geodata.ingest.test_streamed_import import mali_rows, refuse_one_table, write_export


@pytest.fixture
def export(tmp_path):
    return write_export(tmp_path / "mali.csv", mali_rows(3000))


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail if the batches are read at all."""
    monkeypatch.setattr("geodata.ingest.stream._batches", lambda *a, **k: pytest.fail("parsed before refusing"))


def test_a_file_above_the_one_table_row_limit_is_imported_in_batches(export, tmp_path, monkeypatch):
    refuse_one_table(monkeypatch)
    monkeypatch.setattr(limits, "MAX_ROWS", 1000)
    monkeypatch.setattr(limits, "MAX_CELLS", 10_000)
    result = import_acled_stream(export, batch_rows=700)
    assert result.rows_in == result.imported == 3000
    assert import_acled_stream(export, batch_rows=700, out=tmp_path / "valid.parquet").imported == 3000


def test_too_many_lines_for_the_batches_are_refused_before_parsing(export, no_parsing, monkeypatch):
    monkeypatch.setattr(limits, "MAX_STREAMED_ROWS", 2000)
    with pytest.raises(LimitError, match=r"mali\.csv: .*refused: the number of lines \(estimated from its "
                                         r"[\d,]+ bytes\) is [\d,]+; the limit is 2,001 \(MAX_STREAMED_ROWS\)"):
        import_acled_stream(export, batch_rows=700)


def test_kept_rows_are_bounded_by_the_file_size_only_when_the_caller_keeps_them(export, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_KEPT_BYTES", export.stat().st_size - 1)
    out = tmp_path / "valid.parquet"
    assert import_acled_stream(export, batch_rows=700, out=out).imported == 3000
    monkeypatch.setattr("geodata.ingest.stream._batches", lambda *a, **k: pytest.fail("parsed before refusing"))
    with pytest.raises(LimitError, match=r"mali\.csv: .*refused: the size of a file whose valid rows are kept in "
                                         r"memory \(bytes\) is [\d,]+; the limit is [\d,]+ \(MAX_KEPT_BYTES\)"):
        import_acled_stream(export, batch_rows=700)


def test_a_file_longer_than_its_first_lines_promise_is_refused_on_the_lines_read(tmp_path, monkeypatch):
    rows = mali_rows(3000)
    for row in rows[:300]:  # long first lines: the estimate from the first 64 KB is short of the truth
        row["notes"] = "x" * 2000
    path = write_export(tmp_path / "uneven.csv", rows)
    monkeypatch.setattr(limits, "MAX_STREAMED_ROWS", 2000)
    # batches of 175 (the first is a quarter), 700, 700, 700: refused after the fourth, 2,275 records read
    with pytest.raises(LimitError, match=r"uneven\.csv: .*refused: the number of lines is 2,276; the limit is 2,001 "
                                         r"\(MAX_STREAMED_ROWS\)"):
        import_acled_stream(path, batch_rows=700, out=tmp_path / "valid.parquet")
    assert not (tmp_path / "valid.parquet").exists() and not (tmp_path / "valid.parquet.partial").exists()


def test_the_kept_rows_limit_fits_the_machine():
    # The save peaks near three times the file: a file over a third of the memory would not fit.
    from geodata.ingest import limits

    memory = limits.machine_memory_bytes()
    assert memory is None or memory > 0
    assert 0 < limits.MAX_KEPT_BYTES <= 7_000_000_000
    assert limits.MAX_KEPT_BYTES * 3.4 <= (memory or 24_000_000_000) + 1
