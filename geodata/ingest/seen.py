"""Ids seen in earlier batches of a file, so a batched import finds repeated ids across batches.

A ten-million-row file cannot keep its ids as Python strings (a gigabyte),
and a sort of all of them per batch would cost more than the batch. Each id
is hashed to 64 bits on Arrow's buffers (numpy, no Python per row); a bitmap
of hashes answers "maybe seen" for a whole batch at once, a sorted array per
earlier batch confirms the hash, and the few rows left are confirmed on the
file's own lines (:class:`~geodata.ingest.lines.FileLines`), so a collision
never makes two different ids one.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_LENGTH = np.uint64(0xD6E8FEB86659FD93)


#: The multiplier's inverse modulo 2**64 (it is odd), to move a sum over a string to position 0.
_INVERSE = np.uint64(pow(int(_MULTIPLIER), -1, 1 << 64))


#: Strings hashed at a time: the byte and power arrays of a window stay in the processor's cache.
WINDOW = 1 << 15
_POWERS: dict[int, np.ndarray] = {}


def _powers(base: np.uint64, count: int) -> np.ndarray:
    """``base ** k`` for k < count, modulo 2**64 (uint64 wraps); kept per base, grown when needed."""
    known = _POWERS.get(int(base))
    if known is None or len(known) < count:
        out = np.full(max(count, 1 << 16), base, dtype=np.uint64)
        out[0] = 1
        known = _POWERS[int(base)] = np.cumprod(out, dtype=np.uint64)
    return known[:count]


def _window_sums(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Each string's polynomial over its bytes, for strings whose offsets (``len + 1``) index ``data``."""
    base, end = int(offsets[0]), int(offsets[-1])
    sums = np.zeros(len(offsets) - 1, dtype=np.uint64)
    if end == base:
        return sums
    terms = data[base:end].astype(np.uint64)
    terms += np.uint64(1)
    terms *= _powers(_MULTIPLIER, end - base)
    starts = np.minimum(offsets[:-1] - base, end - base - 1)
    sums = np.add.reduceat(terms, starts)
    sums *= _powers(_INVERSE, end - base)[starts]
    sums[np.diff(offsets) == 0] = 0
    return sums


def hash_text(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash of every string (a polynomial over its bytes, then mixed); callers mask nulls.

    Vectorised over the Arrow buffers, :data:`WINDOW` strings at a time: every byte is weighted by
    the power of its place in the window, each string's sum is then brought back to its own start
    (times the inverse power), so the hash of a string does not depend on where it lies.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    count = len(values)
    if not count:
        return np.zeros(0, dtype=np.uint64)
    _, offsets_buffer, data_buffer = values.buffers()
    width = np.int32 if pa.types.is_string(values.type) else np.int64
    offsets = np.frombuffer(offsets_buffer, dtype=width)[values.offset:values.offset + count + 1].astype(np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    sums = np.concatenate([_window_sums(data, offsets[at:at + WINDOW + 1]) for at in range(0, count, WINDOW)])
    h = sums ^ (np.diff(offsets).astype(np.uint64) * _LENGTH)
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    return h


class SeenIds:
    """The ids of the batches added so far: which rows of a new batch repeat one, and on which line
    the id came first.

    ``confirm(line_a, line_b)`` says whether two file lines hold the same id (the hash only proposes).
    """

    def __init__(self, expected_rows: int, confirm: Callable[[int, Sequence[int]], list[int]]):
        # 64 bits per expected id, packed 8 to a byte (128 MB at 10^7 ids): at most one row in 64 of the last
        # batch passes the bitmap without having been seen and is looked up in the earlier batches for nothing
        bits = int(min(max(expected_rows * 64, 1 << 16), 1 << 30))
        self._size = 1 << (bits - 1).bit_length()
        self._shift = np.uint64(64 - (self._size.bit_length() - 1))
        self._bitmap = np.zeros(self._size // 8, dtype=np.uint8)
        self._batches: list[tuple[np.ndarray, np.ndarray]] = []
        self._confirm = confirm
        self._order: tuple[np.ndarray, np.ndarray] | None = None

    def _ascending(self, hashes: np.ndarray) -> np.ndarray:
        """The order that sorts a batch's hashes, found once for :meth:`earlier` and :meth:`add`."""
        if self._order is None or self._order[0] is not hashes:
            self._order = (hashes, np.argsort(hashes))  # equal hashes: their lines are sorted by the caller
        return self._order[1]

    def _slots(self, ascending_hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Byte and bit of each hash in the bitmap, from its top bits: ascending hashes read the bitmap
        front to back instead of jumping about it."""
        slots = (ascending_hashes >> self._shift).astype(np.intp)
        return slots >> 3, (np.uint8(1) << (slots & 7).astype(np.uint8))

    def earlier(self, hashes: np.ndarray, valid: np.ndarray, lines: np.ndarray) -> dict[int, list[int]]:
        """Row -> the lines of earlier-batch rows with the same id (ascending), for the rows that have any."""
        order = self._ascending(hashes)
        byte, bit = self._slots(hashes[order])
        maybe = order[valid[order] & (self._bitmap[byte] & bit != 0)]  # in hash order: searched front to back
        found: dict[int, list[int]] = {}
        if not len(maybe):
            return found
        for sorted_hashes, sorted_lines in self._batches:
            left = np.searchsorted(sorted_hashes, hashes[maybe], side="left")
            right = np.searchsorted(sorted_hashes, hashes[maybe], side="right")
            for row, a, b in zip(maybe[right > left].tolist(), left[right > left].tolist(),
                                 right[right > left].tolist(), strict=True):
                found.setdefault(row, []).extend(sorted_lines[a:b].tolist())
        out: dict[int, list[int]] = {}
        for row, candidates in found.items():
            same = self._confirm(int(lines[row]), sorted(candidates))
            if same:
                out[row] = same
        return out

    def within(self, hashes: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Positions (ascending) of the batch's valid rows whose hash another valid row of the batch shares:
        every row whose id repeats one of the batch, and each such id's first row (a collision adds rows,
        never loses one). The batch's sort, found once for :meth:`earlier` and :meth:`add`, serves."""
        order = self._ascending(hashes)
        order = order[valid[order]]
        ascending = hashes[order]
        shared = np.zeros(len(order), dtype=bool)
        equal = ascending[1:] == ascending[:-1]
        shared[1:] |= equal
        shared[:-1] |= equal
        return np.sort(order[shared])

    def add(self, hashes: np.ndarray, valid: np.ndarray, lines: np.ndarray) -> None:
        """Remember the ids of a batch (rows with ``valid``, i.e. a non-blank id)."""
        order = self._ascending(hashes)
        order = order[valid[order]]
        kept = hashes[order]
        self._batches.append((kept, np.asarray(lines)[order]))
        byte, bit = self._slots(kept)
        if len(byte):  # bits of one byte or-ed together first (ascending hashes: a byte's bits lie side by side)
            starts = np.flatnonzero(np.concatenate(([True], byte[1:] != byte[:-1])))
            self._bitmap[byte[starts]] |= np.bitwise_or.reduceat(bit, starts)
        self._order = None
