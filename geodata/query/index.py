"""Inverted indexes for the non-date filters: which rows hold a code, and which notes hold a text.

Rows are sorted by day, so a date range is a run ``[lo, hi)`` of row
positions. An index keeps, per code (an actor, a sub-type, a precision, a
p-code), that code's row positions in ascending order; the rows of a code
inside a date range are then two ``searchsorted`` calls and a view, not a
pass over every row (an actor over 10^7 rows: microseconds instead of two
masks of 10^7). Indexes are built on a filter's first use, never at
start-up: most sessions never filter by most columns, and start-up at 10^7
rows must stay short.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geodata.model.filters import FilterState
from geodata.query.columns import HotColumns, code_dtype, conditions

#: Texts whose matching rows are kept (each one int32 per matching row, or a flag per distinct note).
TEXT_CACHE = 8
#: Notes are searched as distinct values when a sample holds at most this share of distinct values.
DISTINCT_SHARE = 0.05
_SAMPLE = 20_000
#: Up to this many codes an index finds each code's rows by a comparison pass instead of a sort.
FEW_CODES = 8


class PostingIndex:
    """Row positions grouped by code: ``order[offsets[c + 1]:offsets[c + 2]]`` are code ``c``'s rows.

    Built from one or more code columns of equal length (codes ``-1 .. size - 1``);
    a row is listed once under each distinct code its columns name (an
    incident with actor A as actor1 and B as actor2 is under A and under B).
    With ``partition`` (one column), rows with code -1 are listed too, so the
    codes partition the rows and a set of codes has a complement.
    """

    def __init__(self, columns: Sequence[np.ndarray], size: int, partition: bool = False):
        if partition and len(columns) != 1:
            raise ValueError("a partition index has one column")
        width, n = len(columns), len(columns[0]) if columns else 0
        self.size, self.partition, self.rows_total = size, partition, n
        if size <= FEW_CODES:
            self._per_code(columns)
            return
        dtype = np.int16 if size + 1 < 2**15 else np.int32
        buckets = np.empty((n, width), dtype=dtype)  # row-major: entries in position order
        for j, codes in enumerate(columns):
            bucket = codes.astype(dtype) + 1  # -1 (empty) -> bucket 0
            for earlier in columns[:j]:  # a code already listed for this row: not again
                bucket[codes == earlier] = 0
            buckets[:, j] = bucket
        flat = buckets.ravel()
        counts = np.bincount(flat, minlength=size + 1)
        order = np.argsort(flat, kind="stable")  # radix sort on small ints; stable: positions ascend per code
        if width > 1:
            order //= width
        skip = 0 if partition else int(counts[0])  # non-partition: the empty bucket is never read
        self.order = order[skip:].astype(np.int32 if n < 2**31 else np.int64)
        self.order.flags.writeable = False
        self.offsets = np.zeros(size + 2, dtype=np.int64)
        np.cumsum(counts, out=self.offsets[1:])
        self.offsets -= skip  # a non-partition index does not store bucket 0 (never read)

    def _per_code(self, columns: Sequence[np.ndarray]) -> None:
        """Few codes (a precision, a handful of sub-types): one comparison pass per code finds its rows,
        already ascending and once each, faster than sorting every row."""
        dtype = np.int32 if self.rows_total < 2**31 else np.int64
        lists = []
        for code in range(-1 if self.partition else 0, self.size):
            hit = columns[0] == code
            for more in columns[1:]:
                hit |= more == code
            lists.append(np.flatnonzero(hit).astype(dtype))
        if not self.partition:
            lists.insert(0, np.empty(0, dtype=dtype))  # bucket 0 (empty) is never read
        self.order = np.concatenate(lists) if lists else np.empty(0, dtype=dtype)
        self.order.flags.writeable = False
        self.offsets = np.zeros(self.size + 2, dtype=np.int64)
        np.cumsum([len(rows) for rows in lists], out=self.offsets[1:])

    def _bounds(self, code: int) -> tuple[int, int]:
        bucket = code + 1
        if not 0 <= bucket <= self.size or (bucket == 0 and not self.partition):
            return 0, 0
        return int(self.offsets[bucket]), int(self.offsets[bucket + 1])

    def rows(self, code: int, lo: int, hi: int) -> np.ndarray:
        """Positions (ascending, a read-only view) of ``code``'s rows in ``[lo, hi)``."""
        first, last = self._bounds(code)
        rows = self.order[first:last]
        a, b = np.searchsorted(rows, np.asarray([lo, hi], dtype=rows.dtype))  # a list of ints would copy rows to int64
        return rows[a:b]

    def count(self, codes: Sequence[int], lo: int, hi: int) -> int:
        """Rows in ``[lo, hi)`` per code, summed (an upper bound of their union without ``partition``)."""
        return sum(len(self.rows(int(c), lo, hi)) for c in set(codes))

    def union(self, codes: Sequence[int], lo: int, hi: int) -> np.ndarray:
        """Positions (ascending, each once) of the rows in ``[lo, hi)`` holding any of ``codes``."""
        parts = [self.rows(int(c), lo, hi) for c in sorted(set(codes))]
        parts = [p for p in parts if len(p)]
        if not parts:
            return np.empty(0, dtype=self.order.dtype)
        if len(parts) == 1:
            return parts[0]
        total = sum(len(p) for p in parts)
        if total * 8 < hi - lo:  # few rows: sort them
            merged = np.concatenate(parts)
            return np.unique(merged) if not self.partition else np.sort(merged, kind="stable")
        mask = np.zeros(hi - lo, dtype=bool)  # many: mark them in the range, then read them in order
        for part in parts:
            mask[part - lo] = True
        return (np.flatnonzero(mask) + lo).astype(self.order.dtype, copy=False)

    def complement(self, codes: Sequence[int]) -> list[int]:
        """The other codes (``partition`` only): their rows are every row but ``codes``' rows."""
        wanted = set(codes)
        return [c for c in range(-1, self.size) if c not in wanted]


def _contains(values: pd.Series, text: str) -> np.ndarray:
    """The notes filter's one rule: ``text`` anywhere in the value, ignoring case (missing: False)."""
    return values.str.contains(text, case=False, regex=False).to_numpy(dtype=bool, na_value=False)


class TextIndex:
    """Rows whose notes contain a text (ignoring case), searched once per text and kept.

    When the notes repeat (a sample holds few distinct values, or the column is
    categorical or dictionary-encoded), every distinct value is searched once and
    rows are found through their codes: a text that no value holds answers
    at once. Otherwise the rows of the asked range are searched (Arrow's C++
    kernel behind pandas) and kept, so later ranges inside it, and the map,
    timeline and headline of one state, search once. Built on first use.
    """

    def __init__(self, notes: pd.Series):
        self.notes = notes
        self._lock = threading.Lock()
        self._coding = threading.Lock()  # one encoding at a time (10^7 notes: ~0.5 s and a transient copy)
        self._coded: tuple[np.ndarray, pd.Series] | None | bool = False  # False: not decided yet
        self._found: OrderedDict[str, tuple[int, int, np.ndarray] | np.ndarray] = OrderedDict()

    def _codes(self) -> tuple[np.ndarray, pd.Series] | None:
        """(code per row, -1 for missing; distinct values) when the notes repeat, else ``None``."""
        coded = self._coded
        if coded is False:
            with self._coding:
                if self._coded is False:
                    self._coded = self._encode()
                coded = self._coded
        return None if isinstance(coded, bool) else coded

    def _encode(self) -> tuple[np.ndarray, pd.Series] | None:
        notes, coded = self.notes, None
        if isinstance(notes.dtype, pd.CategoricalDtype):
            coded = notes.cat.codes.to_numpy(), pd.Series(notes.cat.categories)
        elif len(notes):
            from geodata.model.schema import arrow_text

            array = arrow_text(notes)
            if array is not None:
                import pyarrow as pa
                import pyarrow.compute as pc

                sample = array.take(np.linspace(0, len(array) - 1, min(len(array), _SAMPLE)).astype(np.int64))
                if pc.count_distinct(sample, mode="all").as_py() <= DISTINCT_SHARE * len(sample):
                    encoded = pc.dictionary_encode(array)
                    chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
                    dictionary = chunks[0].dictionary if chunks else pa.array([], array.type)
                    dtype = code_dtype(len(dictionary))  # one byte a row for up to 127 distinct notes
                    codes = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(dtype)
                                            for c in chunks]) if chunks else np.empty(0, dtype)
                    del encoded, chunks[:]
                    pa.default_memory_pool().release_unused()  # the encoding's buffers, not kept
                    if all(c.dictionary.equals(dictionary) for c in chunks):
                        coded = codes, pd.Series(dictionary.to_pandas(types_mapper=lambda _: notes.dtype),
                                                 dtype=notes.dtype)
        return coded

    def _remember(self, text: str, found: tuple[int, int, np.ndarray] | np.ndarray) -> None:
        with self._lock:
            self._found[text] = found
            self._found.move_to_end(text)
            while len(self._found) > TEXT_CACHE:
                self._found.popitem(last=False)

    def rows(self, text: str, lo: int, hi: int) -> np.ndarray:
        """Positions (ascending) of the rows in ``[lo, hi)`` whose notes contain ``text``."""
        coded = self._codes()
        if coded is not None:
            table = self.rows_table(text)
            if not table.any():
                return np.empty(0, dtype=np.int64)
            return lo + np.flatnonzero(table[coded[0][lo:hi]])
        with self._lock:
            found = self._found.get(text)
            if found is not None:
                self._found.move_to_end(text)
        if isinstance(found, tuple) and found[0] <= lo and hi <= found[1]:
            kept = found[2]
            a, b = np.searchsorted(kept, np.asarray([lo, hi], dtype=kept.dtype))  # no int64 copy of ``kept``
            return kept[a:b]
        hits: np.ndarray = np.flatnonzero(_contains(self.notes.iloc[lo:hi], text)).astype(
            np.int32 if hi < 2**31 else np.int64)
        hits += lo  # kept as int32: a common word in 10^7 notes is millions of rows
        self._remember(text, (lo, hi, hits))
        return hits

    def within(self, text: str, positions: np.ndarray) -> np.ndarray:
        """Which of ``positions`` (ascending) hold ``text``, as a boolean array: only those rows are
        searched unless the text's rows are already known."""
        coded = self._codes()
        if coded is not None:
            table = self.rows_table(text)
            return table[coded[0][positions]]
        with self._lock:
            found = self._found.get(text)
        if isinstance(found, tuple) and len(positions) and found[0] <= positions[0] and positions[-1] < found[1]:
            kept = found[2]
            at = np.searchsorted(kept, positions)
            return (at < len(kept)) & (kept[np.minimum(at, len(kept) - 1)] == positions)
        return _contains(self.notes.iloc[positions], text)

    def known(self, text: str, lo: int, hi: int) -> bool:
        """Whether the rows of ``text`` in ``[lo, hi)`` come without searching notes: the notes repeat (one
        pass over their codes) or those rows were found before."""
        if self._codes() is not None:
            return True
        with self._lock:
            found = self._found.get(text)
        return isinstance(found, tuple) and found[0] <= lo and hi <= found[1]

    def rows_table(self, text: str) -> np.ndarray:
        """Per distinct value (and a last, False entry for missing): does it hold ``text``?"""
        coded = self._codes()
        assert coded is not None
        with self._lock:
            found = self._found.get(text)
        if not isinstance(found, np.ndarray):
            found = np.append(_contains(coded[1], text), False)
            self._remember(text, found)
        return found


class FilterIndexes:
    """The indexes of one store's hot columns, each built on its filter's first use (then kept).

    :meth:`select` answers a state from the most selective index and checks
    its other filters on those rows only.
    """

    def __init__(self, columns: HotColumns):
        self.columns = columns
        self._lock = threading.Lock()
        self._built: dict[str, PostingIndex] = {}
        self._text: TextIndex | None = None

    def _index(self, name: str) -> PostingIndex:
        with self._lock:  # one build even when several callbacks ask at once (10^7 rows: ~0.1-0.3 s)
            found = self._built.get(name)
            if found is None:
                found = self._built[name] = self._build(name)
            return found

    def _build(self, name: str) -> PostingIndex:
        columns, facets = self.columns, self.columns.facets
        if name == "precision":
            values = columns.geo_precision
            codes = np.where(values >= 0, values, -1).astype(np.int16)
            return PostingIndex([codes], int(codes.max(initial=0)) + 1, partition=True)
        assert facets is not None
        if name == "sub_types":
            return PostingIndex([facets.sub_type_codes], len(facets.sub_type_names), partition=True)
        if name == "actors":
            return PostingIndex([facets.actor1_codes, facets.actor2_codes], len(facets.actor_names))
        return PostingIndex(list(facets.admin_codes), len(facets.admin_names))

    def text(self) -> TextIndex:
        assert self.columns.facets is not None
        with self._lock:
            if self._text is None:
                self._text = TextIndex(self.columns.facets.notes)
            return self._text

    def postings(self, state: FilterState) -> list[tuple[str, list[int]]]:
        """(index name, wanted codes) of each filter of ``state`` an index answers."""
        found: list[tuple[str, list[int]]] = []
        if state.precision is not None and all(p >= 0 for p in state.precision):
            found.append(("precision", [int(p) for p in state.precision]))
        facets = self.columns.facets
        if facets is not None:
            for name, wanted, names in (("sub_types", state.sub_event_types, facets.sub_type_names),
                                        ("actors", state.actors, facets.actor_names),
                                        ("admin", state.admin_codes, facets.admin_names)):
                if wanted:
                    found.append((name, facets._codes(tuple(wanted), names).tolist()))
        return found

    def select(self, lo: int, hi: int, state: FilterState) -> np.ndarray | None:
        """Positions (ascending) in ``[lo, hi)`` matching every filter of ``state`` but the dates, from
        the index that keeps fewest rows; ``None`` when no index applies (only types and fatalities:
        a mask over the range is as fast)."""
        postings = self.postings(state)
        done: set[str] = set()
        if postings:
            counted = [(self._index(name).count(codes, lo, hi), name, codes) for name, codes in postings]
            _, name, codes = min(counted, key=lambda c: c[0])
            rows, done = self._index(name).union(codes, lo, hi), {name}
        elif state.text and self.columns.facets is not None:
            rows, done = self.text().rows(state.text, lo, hi), {"text"}
        else:
            return None
        if len(rows):
            keep = conditions(self.columns, rows, state, frozenset(done | {"text"}))
            if keep is not None:
                rows = rows[keep]
        if state.text and "text" not in done and len(rows):
            rows = rows[self.text().within(state.text, rows)]
        return rows

    def complement(self, state: FilterState) -> tuple[str, list[int]] | None:
        """(index, codes) of the rows *not* matching ``state`` when its one filter but dates and types
        is a partition index's and the other side is smaller: counting those rows and subtracting
        from the counts of every row touches fewer rows (``precision 1`` at 70 % of rows: 30 %)."""
        postings = self.postings(state)
        if len(postings) != 1 or state.text or state.has_fatality_bounds:
            return None
        name, codes = postings[0]
        index = self._index(name)
        if not index.partition:
            return None
        other = index.complement(codes)
        n = index.rows_total
        return (name, other) if index.count(other, 0, n) < index.count(codes, 0, n) else None

    def parts(self, name: str, codes: list[int], lo: int, hi: int) -> list[np.ndarray]:
        """The rows in ``[lo, hi)`` of each of ``codes`` in the partition index ``name``: disjoint, each
        ascending, never merged (counts and sums need no order)."""
        return [rows for rows in self.each(name, sorted(set(codes)), lo, hi) if len(rows)]

    def each(self, name: str, codes: list[int], lo: int, hi: int) -> list[np.ndarray]:
        """The rows in ``[lo, hi)`` (ascending) of each of ``codes`` in index ``name``, in that order."""
        index = self._index(name)
        return [index.rows(int(c), lo, hi) for c in codes]
