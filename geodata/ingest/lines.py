"""Where every line of a big CSV file starts, found once on its bytes while the parser reads it.

A batched import numbers rows by record (header = line 1); that is the
line an analyst sees only when the file holds one record per line, which
this index confirms at the end (a blank line, a line break inside a quoted
cell or a lone carriage return make records and lines differ, and the
import then takes the one-table path, which maps them). The index also
lets the import read one earlier line again, to compare two rows with the
same id cell by cell without keeping any batch in memory.
"""
from __future__ import annotations

import csv
import mmap
import threading
from pathlib import Path

import numpy as np

#: Bytes scanned at a time: bounds the index's working memory whatever the file's size.
CHUNK_BYTES = 1 << 24


def line_starts(path: str | Path) -> tuple[np.ndarray, bool]:
    """Byte offset of every line's start, and whether a carriage return ends a line on its own."""
    parts = [np.zeros(1, dtype=np.int64)]
    offset, lone_cr, pending_cr = 0, False, False
    # one buffer and one mask used again and again: a fresh 16 MB array per chunk is fresh memory, which
    # the kernel zeroes first (a fifth of the import's CPU went to zeroing pages)
    buffer = bytearray(CHUNK_BYTES)
    mask = np.empty(CHUNK_BYTES, dtype=bool)
    with Path(path).open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            data = np.frombuffer(buffer, dtype=np.uint8, count=size)
            parts.append(np.flatnonzero(np.equal(data, 10, out=mask[:size])) + (offset + 1))
            if pending_cr and data[0] != 10:
                lone_cr = True
            if not lone_cr and buffer.find(b"\r", 0, size) >= 0:
                after = np.flatnonzero(data == 13) + 1
                lone_cr = bool((data[after[after < len(data)]] != 10).any())
            pending_cr = buffer[size - 1] == 13
            offset += size
    starts = np.concatenate(parts)
    if starts[-1] == offset:  # the file ends with a line break: no line starts after it
        starts = starts[:-1]
    return starts, lone_cr or pending_cr


class FileLines:
    """The line index of one file, built in a background thread (numpy releases the GIL while it scans)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._starts: np.ndarray | None = None
        self._lone_cr = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._scan, name="line-index", daemon=True)
        self._thread.start()
        self._map: mmap.mmap | None = None

    def _scan(self) -> None:
        try:
            self._starts, self._lone_cr = line_starts(self.path)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread by ready()
            self._error = exc

    def ready(self) -> np.ndarray:
        """The line starts (waits for the scan)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._starts is not None
        return self._starts

    def count(self) -> int:
        """Lines in the file, as a text editor numbers them."""
        return len(self.ready())

    def one_record_per_line(self, records: int) -> bool:
        """Whether ``records`` records after the header are exactly the file's lines 2 to records + 1."""
        return self.count() == records + 1 and not self._lone_cr

    def cells(self, line: int, encoding: str = "utf-8") -> list[str | None]:
        """The cells of one line (1-based) as the CSV reader splits them; blank cells ``None``."""
        starts = self.ready()
        if self._map is None:
            with self.path.open("rb") as handle:
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        end = int(starts[line]) if line < len(starts) else len(self._map)
        text = self._map[int(starts[line - 1]):end].decode(encoding).rstrip("\r\n")
        if line == 1:
            text = text.lstrip("\ufeff")
        row = next(csv.reader([text]), [])
        return [cell if cell != "" else None for cell in row]

    def close(self) -> None:
        """Let go of the file (waits for the scan)."""
        self._thread.join()
        if self._map is not None:
            self._map.close()
            self._map = None
