"""A big ACLED export imported batch by batch, with the same result as reading it whole.

``pandas.read_csv`` of a ten-million-row export holds 12 GB; the one-table
import (:func:`~geodata.ingest.readers.read_acled` + :func:`~geodata.ingest.validate.import_table`)
more. Here a thread of its own reads the file once, a block at a time,
indexes its lines and parses each block's complete lines with pyarrow
(every column read as text, so a late odd value cannot upset type
guessing), so reading and parsing on one core overlap validating on the
other; each batch of :data:`BATCH_ROWS` rows is mapped and validated by the very code
of the one-table path (:func:`~geodata.ingest.readers.acled.acled_table`,
:func:`~geodata.ingest.validate.check_source`), its valid rows go to a
Parquet file (or stay in memory for a caller that wants them), and ids are
checked across batches (:mod:`geodata.ingest.seen`). Memory is a few
batches, not the file.

The result is the one-table result exactly: the same kept rows, the same
quarantine (lines, columns, reasons), warnings and counts. Where the
batches cannot promise that, the file takes the one-table path (under the
import limits): it is not UTF-8, pyarrow refuses it (ragged rows, a line
break inside a quoted cell), its records are not one per line, or 20 or
more located rows name no country or place the check knows and no area
was given (their swap verdict needs the box of all such rows).
"""
from __future__ import annotations

import codecs
import csv
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from geodata.geo.coordinates import MIN_POINTS_FOR_BOX, Area
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest import limits
from geodata.ingest.lines import FileLines, LineScan
from geodata.ingest.locate import COUNTRY_COLUMNS
from geodata.ingest.readers.acled import REQUIRED, acled_table, read_acled
from geodata.ingest.readers.base import HASHTAG_ROW, missing_columns
from geodata.ingest.readers.encoding import UTF8, UTF8_BOM, check_text, read_bytes
from geodata.ingest.seen import SeenIds, hash_text
from geodata.ingest.validate import Checked, ImportReport, ImportResult, check_source
from geodata.model.errors import Problem, SchemaError
from geodata.model.schema import FIRST_DATA_LINE

#: Rows validated at a time: large enough that per-batch costs vanish (10^6 rows: the same CPU time in
#: batches of 250,000 as in one; 62,500 cost a third more), small enough to bound memory (peak RSS at 10^7
#: rows: 4.8 GB with batches of a million, two queued, one parsed ahead, one validated; 1.24 GB with these).
BATCH_ROWS = 250_000
#: Cells (rows x columns) of one batch at most: an export with many extra columns gets shorter batches.
BATCH_CELLS = BATCH_ROWS * 32
#: Bytes read and parsed per block: 4 MB blocks stay in the processor's cache from the read to the parse,
#: 10-15 % less parsing CPU than 16 MB ones.
BLOCK_BYTES = 1 << 22
#: How the placement summary (:func:`geodata.ingest.locate.place_by_name`) begins; batches' counts add up.
_PLACED = "rows without coordinates, placed by name:"
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


#: Files from this size (bytes) on are imported in batches by :func:`geodata.ingest.ingest_file` and
#: :func:`geodata.ingest.import_file`; smaller ones are read whole (same result, less set-up).
STREAM_BYTES = 64_000_000


class _OneTable(Exception):
    """This file needs the one-table path (see the module docstring)."""


def _header(head: bytes, file: str) -> list[str]:
    """The header's column names as pyarrow reads them; refuse what the one-table path refuses first."""
    check_text(head, file)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _OneTable
    try:
        text = codecs.getincrementaldecoder(UTF8)().decode(head, final=False)
    except UnicodeDecodeError:
        raise _OneTable from None
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    names = next(csv.reader([first]), [])
    if not names or len(set(names)) != len(names) or (b"\n" not in head and b"\r" not in head):
        raise _OneTable
    limits.check(file, "the number of columns in the header line", len(names), limits.MAX_COLUMNS, "MAX_COLUMNS")
    missing = missing_columns(file, [n.strip() for n in names], REQUIRED)
    if missing:
        raise SchemaError(missing)
    return names


def _expected_lines(head: bytes, size: int) -> int:
    """The file's lines estimated from its size and the length of the lines in its first bytes."""
    return max(1, size // max(1, len(head) // max(1, head.count(b"\n"))))


def _pool() -> pa.MemoryPool:
    """Where the parsed batches live: jemalloc where pyarrow has it. The default (mimalloc) hands freed
    batches back to the system and takes fresh pages for the next ones, which the kernel zeroes first:
    at 10^6 rows 2-3 s of system time instead of 0.8 s, a third of the import's CPU."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without it
        return pa.default_memory_pool()


def _parse(data: memoryview, names: list[str], ascii_only: bool) -> pa.Table:
    """Complete lines of the file (no header) as a table of text columns. A block of ASCII bytes only is
    valid UTF-8 as it is: pyarrow's own check of every cell (a tenth of the parse) is then skipped."""
    options = pcsv.ConvertOptions(column_types={n: pa.large_string() for n in names}, null_values=[""],
                                  strings_can_be_null=True, quoted_strings_can_be_null=True,
                                  check_utf8=not ascii_only)
    return pcsv.read_csv(pa.BufferReader(pa.py_buffer(data)),
                         read_options=pcsv.ReadOptions(column_names=names, block_size=BLOCK_BYTES, use_threads=False),
                         parse_options=pcsv.ParseOptions(newlines_in_values=False), convert_options=options,
                         memory_pool=_pool())


#: Bytes read, scanned for line breaks and parsed at a time: a block that stays in the processor's cache
#: from the read to the parse.
READ_BYTES = BLOCK_BYTES


def _to_front(buffer: bytearray, start: int, end: int) -> None:
    """``buffer[start:end]`` moved to the buffer's start (numpy copies overlapping ranges correctly)."""
    if start:
        data = np.frombuffer(buffer, dtype=np.uint8)
        data[:end - start] = data[start:end]


def _batches(path: Path, names: list[str], rows: int, lines: FileLines | None = None, *, first: int | None = None,
             meanwhile: Callable[[], object] | None = None) -> Iterator[pa.Table]:
    """Tables of exactly ``rows`` rows (the first one ``first`` rows, the last one fewer), read and parsed
    ahead in a thread of their own; ``meanwhile`` is called once the thread has started.

    The file is read once, a block at a time: its line starts go to ``lines`` (the import's line index, fed
    as the file is read), and its complete lines are parsed from the same bytes (pyarrow's parser releases
    the GIL; a block of ASCII bytes skips its UTF-8 check). Lines that do not each give one record (a blank
    line, a line break inside a quoted cell), a ragged row or bytes that are not UTF-8: the one-table path."""
    index = lines if lines is not None else FileLines(path, scan=False)
    ahead: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def read() -> None:
        scan = LineScan()
        buffer = bytearray(2 * READ_BYTES)  # used again for every block: pyarrow copies the cells it parses
        carry = 0      # bytes at the buffer's start: the line the previous block ended in the middle of
        base = 0       # the file offset of the buffer's first byte
        header = True  # the header line not yet passed
        pending: list[pa.Table] = []
        count = 0
        target = first or rows

        def parse(start: int, stop_at: int, records: int) -> None:
            nonlocal pending, count, target
            with memoryview(buffer) as whole, whole[start:stop_at] as view:
                ascii_only = int(np.frombuffer(view, dtype=np.uint8).max()) < 0x80
                table = _parse(view, names, ascii_only)
            if table.num_rows != records:  # a blank line is no record: lines and records would differ
                raise _OneTable
            pending.append(table)
            count += records
            while count >= target:
                joined = pa.concat_tables(pending)
                ahead.put(joined.slice(0, target))
                rest = joined.slice(target)
                pending, count, target = [rest], rest.num_rows, rows

        with path.open("rb", buffering=0) as handle:
            while not stop.is_set():
                if len(buffer) - carry < READ_BYTES:  # a line longer than a block: a larger buffer
                    grown = bytearray(2 * len(buffer))
                    grown[:carry] = buffer[:carry]
                    buffer = grown
                with memoryview(buffer) as view:
                    size = handle.readinto(view[carry:carry + READ_BYTES])
                if not size:
                    break
                starts = scan.chunk(buffer, carry, size)
                index.add(starts)
                end = carry + size
                if header and len(starts):  # the header's bytes dropped: its names are known
                    header, second, starts = False, int(starts[0]), starts[1:]
                    _to_front(buffer, second - base, end)
                    end, base = end - (second - base), second
                if header or not len(starts):
                    carry = end
                    continue
                last = int(starts[-1]) - base
                parse(0, last, len(starts))
                _to_front(buffer, last, end)  # the unfinished line
                carry, base = end - last, int(starts[-1])
        if stop.is_set():  # the import stopped first: nobody waits for the index or the batches
            index.fail(RuntimeError("the file was not read to its end"))
            return
        index.finish(scan.offset, scan.lone_carriage_return())
        if header:  # no line break at all: the one-table path says what the file is
            raise _OneTable
        if carry:  # the last line, without a line break
            parse(0, carry, 1)
        if count:
            ahead.put(pa.concat_tables(pending))
        ahead.put(None)

    def produce() -> None:
        try:
            read()
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which decides
            index.fail(exc if not isinstance(exc, pa.ArrowInvalid) else _OneTable())
            ahead.put(exc)

    thread = threading.Thread(target=produce, name="csv-batches", daemon=True)
    thread.start()
    try:
        if meanwhile is not None:
            meanwhile()
        while (item := ahead.get()) is not None:
            if isinstance(item, (pa.ArrowInvalid, _OneTable)):
                raise _OneTable from None
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue finish
            try:
                ahead.get(timeout=0.1)
            except queue.Empty:
                pass


def _load_countries() -> None:
    """What the first batch's checks read once per process (the country names and outlines, their tree:
    0.2 s), read while the reading thread parses that batch."""
    from geodata.geo.countries import countries_at, country_code

    country_code("")
    countries_at(np.zeros(1), np.zeros(1))


class _Ids:
    """Cross-batch ids: the ``earlier`` argument of :func:`check_source` for each batch."""

    def __init__(self, lines: FileLines, id_column: int, expected_rows: int):
        self.lines, self.id_column = lines, id_column
        self.seen = SeenIds(expected_rows, self._same_id)

    def _cells(self, line: int) -> list[str | None]:
        try:
            return self.lines.cells(line)
        except (UnicodeDecodeError, IndexError, csv.Error):
            raise _OneTable from None

    def _key(self, cells: list[str | None]) -> str | None:
        value = cells[self.id_column] if self.id_column < len(cells) else None
        return value.strip() or None if value is not None else None

    def _same_id(self, line: int, candidates: Sequence[int]) -> list[int]:
        key = self._key(self._cells(line))
        return [c for c in candidates if key is not None and self._key(self._cells(c)) == key]

    def earlier(self, keys: pa.ChunkedArray, lines: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
        """The ``earlier`` and ``shared`` arguments of :func:`check_source` for a batch's ids."""
        valid = np.asarray(keys.is_valid(), dtype=bool)
        hashes = hash_text(keys)
        shared = self.seen.within(hashes, valid)
        found = self.seen.earlier(hashes, valid, lines)
        first = np.zeros(len(lines), dtype=np.int64)
        same = np.zeros(len(lines), dtype=bool)
        for row, earlier_lines in found.items():
            first[row] = earlier_lines[0]
            cells = self._cells(int(lines[row]))
            same[row] = any(self._cells(line) == cells for line in earlier_lines)
        self.seen.add(hashes, valid, lines)
        return (first, same), shared


def _keys(source_frame: pd.DataFrame) -> pa.ChunkedArray:
    """The batch's ids stripped, blank ones null (as :func:`~geodata.model.schema.text` makes them)."""
    import pyarrow.compute as pc

    from geodata.model.schema import strip_changes

    ids = pa.chunked_array(source_frame["event_id"].array.__arrow_array__())
    if not strip_changes(ids):  # no id blank or padded: the ids as they are (no copy)
        return ids
    trimmed = pc.utf8_trim_whitespace(ids)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.large_string()), trimmed)


def _placed(warnings: list[Problem], file: str) -> list[Problem]:
    """The batches' placement warnings as one table gives them: one summary (counts added), then the rows."""
    summaries = [w for w in warnings if w.line is None and w.reason.startswith(_PLACED)]
    if len(summaries) <= 1:
        return warnings
    counts = np.sum([[int(n) for n in re.findall(r"\d+", w.reason)] for w in summaries], axis=0).tolist()
    numbers = iter(counts)
    summary = Problem(file, None, None, re.sub(r"\d+", lambda _: str(next(numbers)), summaries[0].reason))
    return [summary] + [w for w in warnings if w not in summaries]


class _Output:
    """Valid rows: appended to a Parquet file, or kept for the caller."""

    def __init__(self, out: Path | None):
        self.out = out
        self.frames: list[pd.DataFrame] = []
        self.writer: pq.ParquetWriter | None = None
        self.partial = out.with_name(out.name + ".partial") if out is not None else None
        self.schema: pa.Schema | None = None
        # Parquet encoding runs in C++ without the GIL: one batch is written while the next is validated.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet") if out is not None else None
        self._writing: Future | None = None

    def _wait(self) -> None:
        if self._writing is not None:
            self._writing.result()
            self._writing = None

    def add(self, checked: Checked) -> None:
        """The batch's kept rows: selected on the Arrow columns for Parquet (no pandas copy), else as a frame."""
        if self.partial is None or self._thread is None:
            self.frames.append(checked.valid)
            return
        table = _kept(pa.Table.from_pandas(checked.typed, preserve_index=False), checked.kept)
        if self.writer is None or self.schema is None:
            self.schema = table.schema
            # statistics of the numbers and dates only: min/max of every text column cost a third of the write
            numbers = [f.name for f in table.schema if not pa.types.is_large_string(f.type)
                       and not pa.types.is_string(f.type)]
            # pages built in the batches' pool: the default one zeroes fresh pages for every row group
            self.writer = pq.ParquetWriter(self.partial, table.schema, write_statistics=numbers, memory_pool=_pool())
            self.frames.append(_empty(checked.typed))
        self._wait()
        self._writing = self._thread.submit(self.writer.write_table, table.cast(self.schema))

    def _close(self) -> None:
        try:
            self._wait()
        finally:
            if self._thread is not None:
                self._thread.shutdown()
            if self.writer is not None:
                self.writer.close()

    def finish(self) -> pd.DataFrame:
        self._close()
        if self.writer is not None and self.out is not None and self.partial is not None:
            self.partial.replace(self.out)
        frames = [f for f in self.frames if len(f)] or self.frames[:1]
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)

    def discard(self) -> None:
        try:
            self._close()
        except Exception:  # noqa: BLE001 - the import already failed; the partial file goes anyway
            pass
        if self.partial is not None:
            self.partial.unlink(missing_ok=True)


def streams(path: str | Path, fmt: str, **options: object) -> bool:
    """Whether an import of ``path`` as ``fmt`` goes through :func:`import_acled_stream`: a big ACLED
    export with no reader options."""
    try:
        return fmt == "acled" and not any(v is not None for v in options.values()) \
            and Path(path).stat().st_size >= STREAM_BYTES
    except OSError:
        return False


def country_cells(path: str | Path) -> pd.DataFrame | None:
    """The distinct cells of an ACLED export's country columns (``iso``, ``country``, any other of
    :data:`~geodata.ingest.locate.COUNTRY_COLUMNS`), read by pyarrow without the other
    columns: what :func:`geodata.ingest.locate.file_gazetteer` needs of the file before the batches.
    ``None`` when pyarrow cannot read it (the file will take the one-table path)."""
    try:
        names = _header(read_bytes(path, 1 << 16), str(path))
        wanted = [n for n in names if n.strip() in COUNTRY_COLUMNS]
        table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
            include_columns=wanted, column_types={n: pa.large_string() for n in wanted}, null_values=[""],
            strings_can_be_null=True, quoted_strings_can_be_null=True))
    except (_OneTable, pa.ArrowInvalid):
        return None
    table = table.rename_columns([n.strip() for n in wanted])
    distinct = table.group_by(table.column_names).aggregate([]) if wanted else table
    return distinct.to_pandas(types_mapper={pa.large_string(): _TEXT}.get)


def import_acled_stream(path: str | Path, *, batch_rows: int | None = None, area: Area | None = None,
                        fix_swapped: bool = False, gazetteer: Gazetteer | None = None,
                        out: str | Path | None = None) -> ImportResult:
    """``import_table(read_acled(path), ...)`` batch by batch (``batch_rows``, default
    :data:`BATCH_ROWS`), in memory bounded by a few batches.

    ``out``: write the valid rows to this Parquet file (the result's frame is then empty, with the
    columns); ``None`` keeps them in the result, as :func:`import_table` does.

    Raises what the one-table path raises: ``UnreadableFileError``, ``SchemaError``, ``LimitError``.
    The batches' own limits are checked before parsing: the lines estimated from the file's size
    against :data:`~geodata.ingest.limits.MAX_STREAMED_ROWS` (the one-table ``MAX_ROWS`` does not
    apply; the lines read are checked again), and with ``out`` ``None`` the file's size against
    :data:`~geodata.ingest.limits.MAX_KEPT_BYTES`.
    """
    path = Path(path)
    target = Path(out) if out is not None else None
    try:
        return _stream(path, batch_rows or BATCH_ROWS, area, fix_swapped, gazetteer, target)
    except _OneTable:
        checked = check_source(read_acled(path), area=area, fix_swapped=fix_swapped, gazetteer=gazetteer)
        result = checked.result()
        if target is None:
            return result
        output = _Output(target)
        output.add(checked)
        return ImportResult(frame=output.finish(), quarantine=result.quarantine, report=result.report)


def _stream(path: Path, batch_rows: int, area: Area | None, fix_swapped: bool, gazetteer: Gazetteer | None,
            out: Path | None) -> ImportResult:
    file = str(path)
    head = read_bytes(path, 1 << 16)
    names = _header(head, file)
    used = UTF8_BOM if head.startswith(codecs.BOM_UTF8) else UTF8
    size = path.stat().st_size
    expected = _expected_lines(head, size)
    limits.check(file, f"the number of lines (estimated from its {size:,} bytes)", expected,
                 limits.MAX_STREAMED_ROWS + 1, "MAX_STREAMED_ROWS")
    if out is None:
        limits.check(file, "the size of a file whose valid rows are kept in memory (bytes)", size,
                     limits.MAX_KEPT_BYTES, "MAX_KEPT_BYTES")
    lines = FileLines(path, scan=False)  # fed by the batches' reader
    output = _Output(out)
    parts: list[_Batch] = []
    records = 0
    try:
        ids = _Ids(lines, [n.strip() for n in names].index("event_id_cnty"), expected)
        # a wide file (extra columns) gets shorter batches: a batch holds at most BATCH_CELLS cells
        rows = max(1, min(batch_rows, BATCH_CELLS // len(names)))
        # a short first batch and the country data loaded meanwhile: validating starts sooner
        for table in _batches(path, names, rows, lines, first=max(1, rows // 4), meanwhile=_load_countries):
            records += table.num_rows
            limits.check(file, "the number of lines", records + 1, limits.MAX_STREAMED_ROWS + 1, "MAX_STREAMED_ROWS")
            raw = table.rename_columns([n.strip() for n in names]).to_pandas(
                types_mapper={pa.large_string(): _TEXT}.get)
            numbers = np.arange(records - table.num_rows, records, dtype=np.int64) + FIRST_DATA_LINE
            source = acled_table(raw, numbers, file, used, first=not parts)
            earlier, shared = ids.earlier(_keys(source.frame), np.asarray(source.lines, dtype=np.int64))
            checked = check_source(source, area=area, fix_swapped=fix_swapped, gazetteer=gazetteer, earlier=earlier,
                                   shared=shared)
            if area is None and sum(p.checked.undecided for p in parts) + checked.undecided >= MIN_POINTS_FOR_BOX:
                raise _OneTable
            output.add(checked)
            parts.append(_light(checked))
        if not parts or not lines.one_record_per_line(records):
            raise _OneTable
        limits.check(file, "the number of lines", lines.count(), limits.MAX_STREAMED_ROWS + 1, "MAX_STREAMED_ROWS")
    except BaseException:
        output.discard()
        raise
    finally:
        lines.close()
    return _result(parts, output.finish(), file)


@dataclass(frozen=True)
class _Batch:
    """What the report needs of a validated batch, without its cells."""

    rows_in: int
    imported: int
    checked: Checked


def _kept(table: pa.Table, keep: np.ndarray) -> pa.Table:
    """The rows of ``table`` where ``keep``: zero-copy slices of its buffers, one per run of kept rows
    (a batch keeps all but a few rows), or one filter when the runs are many."""
    if keep.all():
        return table
    edges = np.flatnonzero(np.diff(np.concatenate(([0], keep.view(np.int8), [0]))))
    starts, stops = edges[::2].tolist(), edges[1::2].tolist()
    if not starts or len(starts) > max(4096, len(keep) // 100):
        return table.filter(pa.array(keep))
    return pa.concat_tables([table.slice(a, b - a) for a, b in zip(starts, stops, strict=True)])


def _empty(frame: pd.DataFrame) -> pd.DataFrame:
    """No rows, the same columns and types, and no reference to the batch's buffers (``iloc[:0]`` of an
    Arrow column still holds them: ten batches kept so would be the whole file)."""
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in frame.dtypes.items()})


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's text columns copied into buffers of their own (a quarantine of a few rows out of a
    batch may still point at the whole batch's buffers)."""
    import pyarrow.compute as pc

    from geodata.model.schema import arrow_text

    out = frame.copy()
    every = pa.array(np.arange(len(frame)))
    for name in frame.columns:
        cells = arrow_text(frame[name])
        if cells is not None:
            out[name] = pd.Series(pd.array(pc.take(cells, every), dtype=frame[name].dtype), index=frame.index)
    return out


def _light(checked: Checked) -> _Batch:
    empty = pd.DataFrame()
    return _Batch(len(checked.source.frame), int(checked.kept.sum()),
                  replace(checked, source=replace(checked.source, frame=empty, original=empty,
                                                  lines=np.zeros(0, dtype=np.int64)),
                          typed=empty, kept=np.zeros(0, dtype=bool), quarantine=_compact(checked.quarantine)))


def _result(batches: list[_Batch], frame: pd.DataFrame, file: str) -> ImportResult:
    """The batches' parts joined as one table's report: counts added, problems and warnings in file order."""
    parts = [b.checked for b in batches]
    first = parts[0]
    warnings = (first.reader_warnings + _placed([w for p in parts for w in p.placement_warnings], file)
                + [w for p in parts for w in p.point_warnings] + [w for p in parts for w in p.swapped_back])
    quarantine = pd.concat([p.quarantine for p in parts], ignore_index=True) if len(parts) > 1 else first.quarantine
    source = first.source
    report = ImportReport(
        file=file, format=source.format, table=source.schema.name, encoding=source.encoding,
        rows_in=sum(b.rows_in for b in batches), imported=sum(b.imported for b in batches),
        quarantined=len(quarantine), duplicates=sum(p.duplicates for p in parts),
        problems=tuple(p for part in parts for p in part.problems), warnings=tuple(warnings),
        hashtag_rows=sum(1 for w in warnings if w.reason == HASHTAG_ROW),
    )
    return ImportResult(frame=frame, quarantine=quarantine, report=report)
