"""Where every line of a big CSV file starts, found once on the bytes the parser reads (the streamed
import's reader feeds the index block by block) or by a scan of its own.

A batched import numbers rows by record (header = line 1); that is the
line an analyst sees only when the file holds one record per line, which
this index confirms at the end (a blank line, a line break inside a quoted
cell or a lone carriage return make records and lines differ, and the
import then takes the one-table path, which maps them). The index also
lets the import read one earlier line again, to compare two rows with the
same id cell by cell without keeping any batch in memory.
"""
from __future__ import annotations

import bisect
import csv
import mmap
import threading
from pathlib import Path

import numpy as np

#: Bytes scanned at a time: bounds the index's working memory whatever the file's size.
CHUNK_BYTES = 1 << 24


class LineScan:
    """Line starts found chunk by chunk on a file's bytes, as they are read (by :func:`line_starts`, or by
    the streamed import's reader, which parses the same bytes: the file is read once)."""

    def __init__(self) -> None:
        self.offset = 0
        self.lone_cr = False
        self._pending_cr = False
        self._mask = np.empty(0, dtype=bool)

    def chunk(self, buffer: bytearray, start: int, size: int) -> np.ndarray:
        """The offsets (in the file) of the lines starting after a line break of ``buffer[start:start + size]``,
        the file's next bytes."""
        if not size:
            return np.zeros(0, dtype=np.int64)
        data = np.frombuffer(buffer, dtype=np.uint8, count=size, offset=start)
        if len(self._mask) < size:  # one mask used again and again: fresh memory is zeroed by the kernel first
            self._mask = np.empty(max(size, CHUNK_BYTES), dtype=bool)
        starts = np.flatnonzero(np.equal(data, 10, out=self._mask[:size])) + (self.offset + 1)
        if self._pending_cr and data[0] != 10:
            self.lone_cr = True
        if not self.lone_cr and buffer.find(b"\r", start, start + size) >= 0:
            after = np.flatnonzero(data == 13) + 1
            self.lone_cr = bool((data[after[after < size]] != 10).any())
        self._pending_cr = bool(data[size - 1] == 13)
        self.offset += size
        return starts

    def lone_carriage_return(self) -> bool:
        """Whether a carriage return ended a line on its own in the bytes so far (the last one included)."""
        return self.lone_cr or self._pending_cr


def line_starts(path: str | Path) -> tuple[np.ndarray, bool]:
    """Byte offset of every line's start, and whether a carriage return ends a line on its own."""
    parts = [np.zeros(1, dtype=np.int64)]
    scan = LineScan()
    # one buffer used again and again: a fresh 16 MB array per chunk is fresh memory, which the kernel
    # zeroes first (a fifth of the import's CPU went to zeroing pages)
    buffer = bytearray(CHUNK_BYTES)
    with Path(path).open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            parts.append(scan.chunk(buffer, 0, size))
    starts = np.concatenate(parts)
    if starts[-1] == scan.offset:  # the file ends with a line break: no line starts after it
        starts = starts[:-1]
    return starts, scan.lone_carriage_return()


class FileLines:
    """The line index of one file: built in a background thread (numpy releases the GIL while it scans),
    or, with ``scan=False``, fed by whoever reads the file (:meth:`add`, then :meth:`finish`)."""

    def __init__(self, path: str | Path, *, scan: bool = True):
        self.path = Path(path)
        self._starts: np.ndarray | None = None
        self._lone_cr = False
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._parts: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
        self._ends = [1]  # the number of starts in the parts up to each one
        self._done = threading.Event()
        self._map: mmap.mmap | None = None
        self._thread: threading.Thread | None = None
        if scan:
            self._thread = threading.Thread(target=self._scan, name="line-index", daemon=True)
            self._thread.start()

    def _scan(self) -> None:
        try:
            self._starts, self._lone_cr = line_starts(self.path)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread by ready()
            self._error = exc
        self._done.set()

    def add(self, starts: np.ndarray) -> None:
        """The next lines' starts (offsets in the file, ascending), as the reader finds them."""
        if len(starts):
            with self._lock:
                self._parts.append(starts)
                self._ends.append(self._ends[-1] + len(starts))

    def finish(self, size: int, lone_cr: bool) -> None:
        """The file was read to its end (``size`` bytes)."""
        with self._lock:
            starts = np.concatenate(self._parts)
            self._parts, self._ends = [starts], [len(starts)]
        self._starts = starts[:-1] if starts[-1] == size else starts  # a final line break starts no line
        self._lone_cr = lone_cr
        self._done.set()

    def fail(self, error: BaseException) -> None:
        """The reader could not read the file: :meth:`ready` raises ``error``."""
        self._error = error
        self._done.set()

    def ready(self) -> np.ndarray:
        """The line starts (waits for the whole file)."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._starts is not None
        return self._starts

    def _span(self, line: int) -> tuple[int, int | None]:
        """Where ``line`` starts and where the next line starts (``None``: at the file's end). Waits only for
        lines not yet read: a fed index serves the batches already parsed while the reader reads on."""
        if not self._done.is_set():
            with self._lock:
                if self._ends[-1] > line:
                    return self._start(line - 1), self._start(line)
        starts = self.ready()
        return int(starts[line - 1]), (int(starts[line]) if line < len(starts) else None)

    def _start(self, k: int) -> int:
        """The ``k``-th line start found so far (under the lock): looked up in its part, not joined."""
        part = bisect.bisect_right(self._ends, k)
        return int(self._parts[part][k - (self._ends[part - 1] if part else 0)])

    def count(self) -> int:
        """Lines in the file, as a text editor numbers them."""
        return len(self.ready())

    def one_record_per_line(self, records: int) -> bool:
        """Whether ``records`` records after the header are exactly the file's lines 2 to records + 1."""
        return self.count() == records + 1 and not self._lone_cr

    def cells(self, line: int, encoding: str = "utf-8") -> list[str | None]:
        """The cells of one line (1-based) as the CSV reader splits them; blank cells ``None``."""
        start, end = self._span(line)
        if self._map is None:
            with self.path.open("rb") as handle:
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        text = self._map[start:end if end is not None else len(self._map)].decode(encoding).rstrip("\r\n")
        if line == 1:
            text = text.lstrip("\ufeff")
        row = next(csv.reader([text]), [])
        return [cell if cell != "" else None for cell in row]

    def close(self) -> None:
        """Let go of the file (waits for a scan of its own)."""
        if self._thread is not None:
            self._thread.join()
        if self._map is not None:
            self._map.close()
            self._map = None
