"""The embedded, in-process store: one dataset kept as date-sorted columns.

A date range is two ``searchsorted`` calls on an integer day array and a
slice, not a mask over every row; a facet, precision or notes filter reads
an index (:mod:`geodata.query.index`, built on first use) cut to that
range, the others are vectorised masks on the slice. Callbacks share one
store read-only.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from geodata.geo import locations
from geodata.geo.gazetteer import Gazetteer
from geodata.model.dataset import Dataset
from geodata.model.filters import FilterState
from geodata.model.schema import EVENT_TYPES
from geodata.query import displacement
from geodata.query.columns import (
    FatalityTotals,
    HotColumns,
    conditions,
    fatality_sums,
    fatality_totals,
    row_mask,
    text_matches,
    totals_of,
)
from geodata.query.extent import Extent, data_extent, main_countries
from geodata.query.index import FEW_CODES, FilterIndexes, PostingIndex
from geodata.query.totals import day_starts, type_day_sums

_EPOCH = date(1970, 1, 1)


def release_freed_memory() -> None:
    """Give memory freed after start-up's transient arrays back to the system (glibc only; else a no-op).

    Without it, glibc keeps freed heap pages of the temporary million-row
    arrays built while loading, and they stay in the process's RSS.
    """
    import ctypes
    import ctypes.util

    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError, ImportError):
        pass


def _day_number(value: date) -> int:
    return (value - _EPOCH).days


class IncidentStore:
    """Read-only queries over one :class:`~geodata.model.dataset.Dataset`.

    ``incidents`` is a plain DataFrame (no geometry column; longitude and
    latitude are columns) sorted by ``event_date``. Nothing here mutates it.
    """

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        frame = dataset.incidents
        if "geometry" in frame.columns:
            frame = pd.DataFrame(frame.drop(columns="geometry"))
        if not frame["event_date"].is_monotonic_increasing:
            frame = frame.sort_values("event_date", kind="stable").reset_index(drop=True)
        self.incidents = frame  # shared with the dataset, never copied: a million rows cost memory
        self.columns = HotColumns.from_frame(self.incidents)
        self._days = self.columns.days
        self._type_codes = self.columns.type_codes
        self._type_index = self.columns.type_index
        self.gazetteer = Gazetteer(dataset.places)
        self._search: dict[str, Gazetteer] = {}  # place search gazetteers by boundaries, built on first use
        self._search_lock = threading.Lock()
        self.displacement = dataset.displacement
        self._daily_counts = functools.lru_cache(maxsize=64)(self._count_days)
        self.indexes = FilterIndexes(self.columns)  # each index built on its filter's first use, not here
        self._selected: OrderedDict[FilterState, np.ndarray] = OrderedDict()  # a callback asks several times
        self._selected_lock = threading.Lock()
        self._code_sums: dict[str, np.ndarray] = {}  # running sums per day per code of a few-code index
        self._code_sums_lock = threading.Lock()
        release_freed_memory()

    @property
    def name(self) -> str:
        return self.dataset.name

    def _points(self) -> tuple[np.ndarray, np.ndarray]:
        """The incidents' coordinates, else (a displacement-only dataset) the displacement figures'."""
        if len(self.incidents):
            return self.columns.longitude, self.columns.latitude
        figures = self.displacement
        return (figures["longitude"].to_numpy(dtype="float64", na_value=np.nan),
                figures["latitude"].to_numpy(dtype="float64", na_value=np.nan))

    @functools.cached_property
    def extent(self) -> Extent | None:
        """The box the data lies in (outliers left out when they would dwarf it); computed once."""
        return data_extent(*self._points())

    @functools.cached_property
    def countries(self) -> tuple[str, ...]:
        """ISO alpha-2 codes of the countries holding at least 1% of the data's points, most first."""
        return main_countries(*self._points())

    @functools.cached_property
    def geonames(self) -> pd.DataFrame:
        """GeoNames populated places of the dataset's countries, most populous first (see
        :func:`geodata.geo.locations.dataset_geonames`); read on first use, then kept."""
        return locations.dataset_geonames(self.incidents, self.dataset.places, self.displacement)

    def search_gazetteer(self, boundaries: pd.DataFrame | None = None) -> Gazetteer:
        """The place search's gazetteer: the dataset's places, locations and admin names, the
        ``boundaries``' names (``pcode``, ``name``, ``admin_level``, a point as ``latitude``/
        ``longitude``, ``name_ar`` when known) and GeoNames. Built on first use per boundaries (a
        second or so for a million incidents, not at start-up), then kept."""
        key = "" if boundaries is None or boundaries.empty else str(
            int(pd.util.hash_pandas_object(boundaries[["pcode", "name"]].astype(str), index=False).sum()))
        with self._search_lock:
            found = self._search.get(key)
            if found is None:
                if len(self._search) >= 4:
                    self._search.clear()
                found = Gazetteer(locations.search_places(self.dataset.places, self.incidents, self.geonames,
                                                          boundaries, self.displacement))
                self._search[key] = found
            return found

    def date_range(self) -> tuple[date, date]:
        """The dataset's period (inclusive), the bounds of every date filter."""
        return self.dataset.period

    def event_types(self) -> list[str]:
        """Event types present, in the canonical order, then any others alphabetically."""
        present = set(self._type_index)
        known = [t for t in EVENT_TYPES if t in present]
        return known + sorted(present - set(known))

    def _range(self, state: FilterState) -> tuple[int, int]:
        """The rows ``[lo, hi)`` of the date range."""
        lo = int(np.searchsorted(self._days, _day_number(state.start), side="left"))
        hi = int(np.searchsorted(self._days, _day_number(state.end), side="right"))
        return lo, hi

    def _filtered(self, state: FilterState) -> bool:
        """Whether ``state`` filters by anything but dates and event types."""
        return bool(state.precision is not None or state.has_fatality_bounds or state.sub_event_types
                    or state.actors or state.admin_codes or state.text)

    def positions(self, state: FilterState) -> np.ndarray:
        """Row positions (ascending, so in date order; read-only) of the incidents matching ``state``.

        A facet, precision or notes filter reads its index (built on first use); the last few
        answers are kept, as one callback asks for the same state several times.
        """
        if state.is_empty_range:
            return np.empty(0, dtype=np.int64)
        with self._selected_lock:
            found = self._selected.get(state)
        if found is not None:
            return found
        lo, hi = self._range(state)
        rows = self.indexes.select(lo, hi, state)
        if rows is None:
            mask = row_mask(self.columns, lo, hi, state)
            if mask is None:
                return self._every_position[lo:hi]
            rows = np.flatnonzero(mask).astype(np.int32 if hi < 2**31 else np.int64)  # kept: half the bytes
            rows += lo
        if rows.flags.writeable:
            rows.flags.writeable = False
        with self._selected_lock:
            self._selected[state] = rows
            while len(self._selected) > 3:
                self._selected.popitem(last=False)
        return rows

    @functools.cached_property
    def _every_position(self) -> np.ndarray:
        """0 .. n-1, read-only: a date range with no other filter is a view of it, not a new array of
        10^7 positions (80 MB written) on every call."""
        every = np.arange(len(self._days), dtype=np.int64)
        every.flags.writeable = False
        return every

    @functools.cached_property
    def _day_sums(self) -> tuple[np.ndarray, np.ndarray]:
        """First row of each day present, and running sums per day of (rows with a fatality figure,
        fatalities, low, high estimates; a missing estimate counts as the figure): a date range
        with no other filter is whole days, so its totals are two lookups."""
        starts = day_starts(self._days)
        best = self.columns.fatalities
        reported = ~np.isnan(best)
        filled = np.where(reported, best, np.float32(0))
        low = np.where(np.isnan(self.columns.fatalities_low), filled, self.columns.fatalities_low)
        high = np.where(np.isnan(self.columns.fatalities_high), filled, self.columns.fatalities_high)
        table = np.zeros((4, len(starts) + 1), dtype=np.float64)
        for i, values in enumerate((reported, filled, low, high)):
            if len(starts):
                table[i, 1:] = np.cumsum(np.add.reduceat(values, starts, dtype=np.float64))
        return starts, table

    @functools.cached_property
    def _type_day_sums(self) -> np.ndarray:
        """:func:`~geodata.query.totals.type_day_sums` over every row, on the first type-filtered headline."""
        index = PostingIndex([self._type_codes], len(self.columns.type_names), partition=True)  # not kept
        each = [index.rows(code, 0, len(self._days)) for code in [*range(len(self.columns.type_names)), -1]]
        return type_day_sums(self.columns, self._day_sums[0], each, self._estimates)  # -1 (no type): last row

    def code_day_sums(self, name: str) -> np.ndarray:
        """:func:`~geodata.query.totals.type_day_sums` per code of the partition index ``name`` (code ``c`` in
        row ``c + 1``), built on first use (one pass over its rows, ~0.2 s at 10^7 rows) and kept."""
        with self._code_sums_lock:  # one build even when several callbacks ask at once
            found = self._code_sums.get(name)
            if found is None:
                index, n = self.indexes._index(name), len(self._days)
                found = self._code_sums[name] = type_day_sums(
                    self.columns, self._day_sums[0], [index.rows(c, 0, n) for c in range(-1, index.size)],
                    self._estimates)
            return found

    def _few_codes(self, state: FilterState) -> tuple[str, list[int]] | None:
        """(index, codes) when ``state``'s one filter but dates is a partition index of at most
        :data:`FEW_CODES` codes (a precision, a handful of sub-types): its totals are lookups."""
        postings = self.indexes.postings(state)
        if (len(postings) != 1 or state.event_types is not None or state.text or state.has_fatality_bounds
                or len(postings) != sum(bool(f) for f in (state.precision is not None, state.sub_event_types,
                                                          state.actors, state.admin_codes))):
            return None
        index = self.indexes._index(postings[0][0])
        return postings[0] if index.partition and index.size <= FEW_CODES else None

    def _whole_days(self, state: FilterState, lo: int, hi: int) -> tuple[int, np.ndarray]:
        """(incidents, the four sums of :func:`fatality_sums`) over rows ``[lo, hi)`` of ``state``'s event
        types, from running sums per day: a date range is whole days."""
        starts, table = self._day_sums
        first, last = np.searchsorted(starts, [lo, hi])  # lo and hi are first rows of days (or the end)
        if state.event_types is None:
            return hi - lo, table[:, last] - table[:, first]
        codes = [self._type_index[t] for t in state.event_types if t in self._type_index]
        by_type = self._type_day_sums[codes]
        sums = (by_type[:, :, last] - by_type[:, :, first]).sum(axis=0)
        return int(round(sums[0])), sums[1:]

    def fatality_totals(self, state: FilterState) -> FatalityTotals:
        """Incident count and fatality sums for ``state``, without copying rows: whole days' running sums
        for dates and types; for a filter whose other side is smaller (``precision 1``), those less the
        other side's rows."""
        if state.is_empty_range:
            return fatality_totals(self.columns, np.empty(0, dtype=np.int64))
        lo, hi = self._range(state)
        few = self._few_codes(state) if self._filtered(state) else None
        if few is not None:  # whole days of a few codes: running sums per code and day
            table = self.code_day_sums(few[0])
            first, last = np.searchsorted(self._day_sums[0], [lo, hi])
            chosen = table[[c + 1 for c in sorted(set(few[1])) if -1 <= c < len(table) - 1]]
            sums = (chosen[:, :, last] - chosen[:, :, first]).sum(axis=0)
            return totals_of(int(round(sums[0])), sums[1:])
        other = self.indexes.complement(state) if self._filtered(state) else None
        if self._filtered(state) and other is None:
            return totals_of(len(rows := self.positions(state)), fatality_sums(self.columns, rows, self._estimates))
        incidents, sums = self._whole_days(state, lo, hi)
        if other is None:
            return totals_of(incidents, sums)
        for rest in self.indexes.parts(*other, lo, hi):  # the smaller side, subtracted from every row's sums
            if state.event_types is not None:
                keep = conditions(self.columns, rest, FilterState(state.start, state.end, state.event_types))
                rest = rest[keep] if keep is not None else rest
            incidents -= len(rest)
            sums = sums - fatality_sums(self.columns, rest, self._estimates)
        return totals_of(incidents, sums)

    @functools.cached_property
    def _estimates(self) -> tuple[bool, bool]:
        """Whether any row has a low (high) fatality estimate: sums skip a column that has none."""
        return (bool((~np.isnan(self.columns.fatalities_low)).any()),
                bool((~np.isnan(self.columns.fatalities_high)).any()))

    def rows_with_id(self, event_id: str) -> np.ndarray:
        """Positions (ascending) of the incidents whose ``event_id`` is ``event_id``.

        One vectorised comparison on the id column (Arrow compute when it is
        Arrow-backed): no Python string per row.
        """
        if "event_id" not in self.incidents or not isinstance(event_id, str):
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(text_matches(self.incidents["event_id"], event_id))

    def position_of(self, event_id: str) -> int | None:
        """The position of the first incident with this ``event_id``, ``None`` if there is none."""
        hits = self.rows_with_id(event_id)
        return int(hits[0]) if len(hits) else None

    def select(self, state: FilterState) -> pd.DataFrame:
        """The incidents matching ``state``, in date order."""
        return self.incidents.take(self.positions(state))

    def daily_counts(self, state: FilterState) -> pd.DataFrame:
        """Incidents per day and event type over the whole period, every filter but the dates applied.

        One column per event type shown (in :meth:`event_types` order), one
        row per day of the period: the timeline shows the whole period for
        context and shades the selected range, and agrees with the map and
        table on every other filter. Cached per filter without its dates, so
        dragging the dates (the commonest change) costs nothing here. The
        frame is shared: read it, do not change it.
        """
        start, end = self.date_range()
        return self._daily_counts(replace(state, start=start, end=end, layers=frozenset(), show_approximate=True))

    def _period_rows(self) -> tuple[int, int, int, int]:
        """(first day, days in the period, first row, end row) of the dataset's period."""
        start, end = self.date_range()
        first, length = _day_number(start), _day_number(end) - _day_number(start) + 1
        lo = int(np.searchsorted(self._days, first, side="left"))
        hi = int(np.searchsorted(self._days, first + length, side="left"))
        return first, length, lo, hi

    def _type_day_key(self, rows: slice | np.ndarray) -> np.ndarray:
        """Each row's bin of the type-by-day table: type code (a last code for no type) times the days of
        the period, plus its day (rows inside the period)."""
        first, length, _, _ = self._period_rows()
        codes = self._type_codes[rows].astype(np.int64)
        codes[codes < 0] = len(self.columns.type_names)  # no type: its own row, never shown
        return codes * length + (self._days[rows] - first)

    @functools.cached_property
    def _row_keys(self) -> np.ndarray:
        """:meth:`_type_day_key` of every row (int16 or int32; outside the period: a last, dropped bin), on the
        first filtered timeline: a filter's counts are then one gather and one bincount of its rows."""
        first, length, lo, hi = self._period_rows()
        kinds = len(self.columns.type_names) + 1
        dtype = np.int16 if kinds * length < 2**15 else np.int32  # small ints throughout: no int64 copies
        keys: np.ndarray = np.full(len(self._days), kinds * length, dtype=dtype)
        inside = keys[lo:hi]
        np.subtract(self._days[lo:hi], first, out=inside, casting="unsafe")
        codes: np.ndarray = self._type_codes[lo:hi].astype(dtype)
        np.putmask(codes, codes < 0, kinds - 1)  # no type: its own row, never shown
        np.multiply(codes, length, out=codes, casting="unsafe")
        np.add(inside, codes, out=inside)
        return keys

    def _count_type_days(self, rows: np.ndarray) -> np.ndarray:
        """Incidents per event type code (rows; a last row for no type) and day of the period (columns)
        among ``rows``."""
        _, length, _, _ = self._period_rows()
        size = (len(self.columns.type_names) + 1) * length
        return np.bincount(self._row_keys[rows], minlength=size + 1)[:size].reshape(-1, length)

    @functools.cached_property
    def _type_days(self) -> np.ndarray:
        """Incidents per event type code (rows) and day of the period (columns), counted once."""
        _, length, lo, hi = self._period_rows()
        size = (len(self.columns.type_names) + 1) * length
        return np.bincount(self._type_day_key(slice(lo, hi)), minlength=size).reshape(-1, length)

    def _count_days(self, whole: FilterState) -> pd.DataFrame:
        start, end = self.date_range()
        types = [t for t in self.event_types() if whole.event_types is None or t in whole.event_types]
        picked = [self._type_index[t] for t in types]
        index = pd.date_range(start, end, freq="D")
        if not self._filtered(whole):  # dates and types only
            table = self._type_days[picked]
        else:
            other = self.indexes.complement(replace(whole, event_types=None))
            _, _, lo, hi = self._period_rows()
            if other is not None:  # every row's counts less the (fewer) rows not matching
                parts = self.indexes.parts(*other, lo, hi)
                table = (self._type_days - sum(self._count_type_days(rows) for rows in parts))[picked]
            else:  # the positions of the whole period: the map's when it shows the whole period
                table = self._count_type_days(self.positions(whole))[picked]
        return pd.DataFrame(dict(zip(types, table, strict=True)), index=index)

    def displaced_as_of(self, end: date, areas: Sequence[str] = ()) -> pd.Series | None:
        """The headline series' latest figure on or before ``end`` (``None`` before the first), for the
        admin ``areas`` when given (see :func:`geodata.query.displacement.within_areas`)."""
        series = self.dataset.headline
        if series is None:
            return None
        figures = displacement.within_areas(self.displacement, areas)
        return displacement.latest_stock(figures, series, end)

    def displaced_in_range(self, start: date, end: date, areas: Sequence[str] = ()) -> displacement.Displaced | None:
        """The headline figure for the range, by its series' kind (a stock in force on ``end``, a flow's
        figures whose period overlaps the range), for the admin ``areas`` when given."""
        series = self.dataset.headline
        if series is None:
            return None
        figures = displacement.within_areas(self.displacement, areas)
        return displacement.in_force(figures, series, self.dataset.series(series).kind, start, end)

    def displacement_series(self, areas: Sequence[str] = ()) -> pd.DataFrame:
        """The headline displacement series, one value per date (places summed), for the admin ``areas``
        when given."""
        series = self.dataset.headline
        if series is None:
            return self.displacement.iloc[0:0]
        figures = displacement.within_areas(self.displacement, areas)
        return displacement.over_time(figures, series, self.dataset.series(series).kind)

    def displacement_on_map(self, state: FilterState) -> pd.DataFrame:
        """The displacement figures to draw for ``state`` (one per series and place), inside its
        admin areas when it names some."""
        figures = displacement.within_areas(self.displacement, state.admin_codes)
        return displacement.figures_for_range(figures, self.dataset.series_kinds, state.start, state.end)
