"""The hot columns of the incidents and the vectorised masks every non-date filter becomes.

The store slices by date first (``searchsorted`` on sorted days); the
functions here only ever look at that slice ``[lo, hi)``, as numpy arrays,
never at a DataFrame row by row.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.model.filters import MAX_TEXT, FilterState
from geodata.model.schema import arrow_text


def _float32(values: pd.Series) -> np.ndarray:
    """float32 with NaN for missing, in one pass (no intermediate nullable Float32 column). A column with
    no figure at all (ACLED's estimates; stored as text when never filled) is not converted value by value."""
    if not pd.api.types.is_numeric_dtype(values.dtype) and values.isna().all():
        return np.full(len(values), np.nan, dtype=np.float32)
    return values.to_numpy(dtype=np.float32, na_value=np.nan)


def code_dtype(size: int) -> type:
    """The smallest signed integer type holding codes ``-1 .. size - 1``."""
    return np.int8 if size < 2**7 else np.int16 if size < 2**15 else np.int32


def text_matches(values: pd.Series, text: str) -> np.ndarray:
    """``values == text`` as a boolean array (missing: False), without a Python string per row."""
    array = arrow_text(values)
    if array is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        equal = pc.equal(array, pa.scalar(text, array.type)).fill_null(False)
        return equal.to_numpy() if isinstance(equal, pa.Array) else equal.combine_chunks().to_numpy(
            zero_copy_only=False)
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        where = categories.get_indexer(pd.Index([text]))[0] if text in categories else -1
        return values.cat.codes.to_numpy() == where if where >= 0 else np.zeros(len(values), dtype=bool)
    return (values == text).to_numpy(dtype=bool, na_value=False)


def facet_key(name: str) -> str:
    """What a control sends to filter by ``name``: the name itself, or, for text longer than a client
    may send (``MAX_TEXT``), its first 100 characters and a hash, which the facet lookup resolves."""
    if len(name) <= MAX_TEXT:
        return name
    return f"{name[:100]}… #{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


@dataclass(frozen=True)
class FatalityTotals:
    """Reported fatalities of a selection: the sum, and the sums of the low/high estimates.

    Where a source gives no range, low = high = the reported figure.
    """

    incidents: int
    reported: int  # incidents with a fatality figure
    total: int
    low: int
    high: int


def _rows(positions: np.ndarray) -> np.ndarray | slice:
    """``positions`` as a slice when they are one unbroken run: views, not copies of 10^7 values."""
    if len(positions) and int(positions[-1]) - int(positions[0]) + 1 == len(positions):
        return slice(int(positions[0]), int(positions[-1]) + 1)
    return positions


def _sum(values: np.ndarray) -> float:
    """Sum of the non-missing float32 values, accumulated in float64 (whole numbers stay exact)."""
    return float(np.add.reduce(values, where=~np.isnan(values), dtype=np.float64))


def fatality_sums(columns: HotColumns, positions: np.ndarray, estimates: tuple[bool, bool] = (True, True)
                  ) -> np.ndarray:
    """(rows with a figure, fatalities, low, high) over ``positions`` as float64 sums, not yet rounded, so
    sums of two selections can be subtracted exactly. A missing low (high) estimate counts as the figure;
    ``estimates`` False for a column with no estimate at all (ACLED's) skips reading it."""
    rows = _rows(positions)
    if not isinstance(rows, slice):
        rows = np.asarray(rows, dtype=np.intp)  # numpy converts other indices per gather: once here
    best = columns.fatalities[rows]
    missing = np.isnan(best)
    absent = int(np.count_nonzero(missing))
    if absent and not isinstance(rows, slice):  # a gathered copy: zero its gaps, then a plain (fast) sum
        np.putmask(best, missing, np.float32(0))
        total = float(np.add.reduce(best, dtype=np.float64))
    else:  # a view of the column (never written), or no gap
        total = float(np.add.reduce(best, where=~missing, dtype=np.float64)) if absent else float(
            np.add.reduce(best, dtype=np.float64))
    sums = [float(len(best) - absent), total]
    for present, column in zip(estimates, (columns.fatalities_low, columns.fatalities_high), strict=True):
        if not present:
            sums.append(total)
            continue
        values = column[rows]
        absent = np.isnan(values)
        sums.append(_sum(values) + (_sum(best[absent]) if absent.any() else 0.0))
    return np.asarray(sums, dtype=np.float64)


def totals_of(incidents: int, sums: np.ndarray) -> FatalityTotals:
    """:class:`FatalityTotals` from ``incidents`` and :func:`fatality_sums`' four sums."""
    reported, total, low, high = sums.tolist()
    return FatalityTotals(incidents=incidents, reported=int(reported), total=int(total), low=int(low),
                          high=int(high))


def fatality_totals(columns: HotColumns, positions: np.ndarray) -> FatalityTotals:
    """Sum fatalities over ``positions`` from the hot columns (views of a date range, no float64 copies)."""
    return totals_of(len(positions), fatality_sums(columns, positions))


@dataclass(frozen=True)
class FacetColumns:
    """Coded text columns for the facet filters (sub-type, actor, admin area) and the notes.

    Codes are positions in the matching ``*_names`` tuple, -1 where the
    cell is empty, in the smallest signed integer type that holds them
    (int8 for up to 127 names). ``actor1_codes`` and ``actor2_codes`` share ``actor_names``;
    ``admin_codes`` has one row per admin level (1, 2, 3) sharing
    ``admin_names`` (p-codes). ``notes`` is the notes column with a
    positional index (a view, not a copy), searched only on the date slice.
    """

    sub_type_codes: np.ndarray
    sub_type_names: tuple[str, ...]
    actor1_codes: np.ndarray
    actor2_codes: np.ndarray
    actor_names: tuple[str, ...]
    admin_codes: np.ndarray
    admin_names: tuple[str, ...]
    notes: pd.Series

    @staticmethod
    def _codes(wanted: tuple[str, ...], names: tuple[str, ...]) -> np.ndarray:
        index = {name: i for i, name in enumerate(names)}
        index.update({facet_key(name): i for i, name in enumerate(names) if len(name) > MAX_TEXT})
        return np.asarray([index[w] for w in wanted if w in index], dtype=np.int32)

    @classmethod
    def from_frame(cls, incidents: pd.DataFrame) -> FacetColumns:
        """Factorise the facet columns of a canonical incidents frame (absent columns = all empty)."""
        n = len(incidents)

        def text(name: str) -> pd.Series:
            if name not in incidents:
                return pd.Series(pd.NA, index=range(n), dtype="string")
            return incidents[name]  # as stored (text or categorical): never copied to strings

        def factorise(*columns: pd.Series) -> tuple[list[np.ndarray], tuple[str, ...]]:
            """Codes of each column into one shared name table (fast on categoricals)."""
            names: dict[str, int] = {}
            coded: list[tuple[np.ndarray | None, list[int]]] = []
            for column in columns:
                codes: np.ndarray | None
                uniques: Iterable[object]
                if isinstance(column.dtype, pd.CategoricalDtype):  # its codes as they are: no hashing
                    codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
                elif column.isna().all():
                    codes, uniques = None, ()
                else:
                    codes, uniques = pd.factorize(column, use_na_sentinel=True)
                remap = [names.setdefault(str(u), len(names)) for u in uniques]
                coded.append((codes, remap))
            dtype = code_dtype(len(names))
            out: list[np.ndarray] = []
            for codes, remap in coded:
                if codes is None:
                    out.append(np.full(n, -1, dtype=dtype))
                else:  # code -1 (empty) picks the trailing -1
                    out.append(np.asarray(remap + [-1], dtype=dtype)[codes])
            return out, tuple(names)

        (sub,), sub_names = factorise(text("sub_event_type"))
        (actor1, actor2), actor_names = factorise(text("actor1"), text("actor2"))
        admin, admin_names = factorise(text("admin1_pcode"), text("admin2_pcode"), text("admin3_pcode"))
        return cls(
            sub_type_codes=sub, sub_type_names=sub_names,
            actor1_codes=actor1, actor2_codes=actor2, actor_names=actor_names,
            admin_codes=np.vstack(admin) if n else np.empty((3, 0), dtype=np.int8), admin_names=admin_names,
            notes=text("notes"),
        )


@dataclass(frozen=True)
class HotColumns:
    """Numpy arrays of the columns filters and map points need, in date order.

    ``days`` are days since 1970-01-01 (int64, sorted); ``type_codes`` index
    ``type_names``; ``fatalities`` is float32 with NaN for "not reported".
    """

    days: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    fatalities: np.ndarray
    fatalities_low: np.ndarray
    fatalities_high: np.ndarray
    geo_precision: np.ndarray
    type_codes: np.ndarray
    type_names: tuple[str, ...]
    facets: FacetColumns | None = None  # from_frame fills it; the facet filters need it

    @property
    def type_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.type_names)}

    @classmethod
    def from_frame(cls, incidents: pd.DataFrame) -> HotColumns:
        """Extract the hot columns of a date-sorted canonical incidents frame."""
        types = pd.Categorical(incidents["event_type"])
        return cls(
            days=incidents["event_date"].to_numpy().astype("datetime64[D]").view(np.int64),  # no second copy
            latitude=incidents["latitude"].to_numpy(dtype=np.float32),
            longitude=incidents["longitude"].to_numpy(dtype=np.float32),
            fatalities=_float32(incidents["fatalities"]),
            fatalities_low=_float32(incidents["fatalities_low"]),
            fatalities_high=_float32(incidents["fatalities_high"]),
            geo_precision=incidents["geo_precision"].astype("Int8").to_numpy(dtype=np.int8, na_value=3),
            type_codes=np.asarray(types.codes, dtype=np.int16),
            type_names=tuple(str(t) for t in types.categories),
            facets=FacetColumns.from_frame(incidents),
        )


def row_mask(columns: HotColumns, lo: int, hi: int, state: FilterState) -> np.ndarray | None:
    """Boolean mask over rows ``[lo, hi)`` for every filter but the dates; ``None`` = keep all.

    Each filter adds one vectorised condition; filters left at their
    default add nothing, so the common case costs no mask at all.
    """
    return conditions(columns, slice(lo, hi), state)


def _lookup(wanted: np.ndarray, size: int) -> np.ndarray:
    """A table ``t`` with ``t[code]`` True for the wanted codes (code -1 reads the last, False entry):
    one gather per row instead of ``np.isin``'s sort."""
    table = np.zeros(size + 1, dtype=bool)
    table[wanted[(wanted >= 0) & (wanted < size)]] = True
    return table


def conditions(columns: HotColumns, rows: slice | np.ndarray, state: FilterState,
               skip: frozenset[str] = frozenset()) -> np.ndarray | None:
    """Boolean mask over ``rows`` (a date range's slice, or positions) for every filter but the dates
    and those named in ``skip`` (``"types"``, ``"precision"``, ``"fatalities"``, ``"sub_types"``,
    ``"actors"``, ``"admin"``, ``"text"``: already applied by an index); ``None`` = keep all."""
    mask: np.ndarray | None = None

    def both(condition: np.ndarray) -> None:
        nonlocal mask
        mask = condition if mask is None else (mask & condition)

    if state.event_types is not None and "types" not in skip:
        index = columns.type_index
        wanted = np.asarray([index[t] for t in state.event_types if t in index], dtype=np.int64)
        both(_lookup(wanted, len(columns.type_names))[columns.type_codes[rows]])
    if state.precision is not None and "precision" not in skip:
        table = np.zeros(256, dtype=bool)  # every int8 value, negatives reading from the end
        table[np.asarray(state.precision, dtype=np.int64) % 256] = True
        both(table[columns.geo_precision[rows]])
    if state.has_fatality_bounds and "fatalities" not in skip:
        deaths = columns.fatalities[rows]
        condition = ~np.isnan(deaths)  # no figure: cannot be inside a range
        if state.fatalities_min is not None:
            condition &= deaths >= state.fatalities_min
        if state.fatalities_max is not None:
            condition &= deaths <= state.fatalities_max
        both(condition)
    facets = columns.facets
    if facets is None and (state.sub_event_types or state.actors or state.admin_codes or state.text):
        raise ValueError("these hot columns have no facet columns: build them with HotColumns.from_frame")
    if facets is not None and state.sub_event_types and "sub_types" not in skip:
        table = _lookup(facets._codes(state.sub_event_types, facets.sub_type_names), len(facets.sub_type_names))
        both(table[facets.sub_type_codes[rows]])
    if facets is not None and state.actors and "actors" not in skip:
        table = _lookup(facets._codes(state.actors, facets.actor_names), len(facets.actor_names))
        both(table[facets.actor1_codes[rows]] | table[facets.actor2_codes[rows]])
    if facets is not None and state.admin_codes and "admin" not in skip:
        table = _lookup(facets._codes(state.admin_codes, facets.admin_names), len(facets.admin_names))
        both(np.asarray(table[facets.admin_codes[:, rows]].any(axis=0)))
    if facets is not None and state.text and "text" not in skip:
        notes = facets.notes.iloc[rows]
        if mask is not None:  # search only the rows the other filters kept
            hits = np.zeros(len(notes), dtype=bool)
            keep = np.flatnonzero(mask)
            hits[keep] = notes.iloc[keep].str.contains(state.text, case=False, regex=False).to_numpy(
                dtype=bool, na_value=False)
        else:
            hits = notes.str.contains(state.text, case=False, regex=False).to_numpy(dtype=bool, na_value=False)
        both(hits)
    return mask
