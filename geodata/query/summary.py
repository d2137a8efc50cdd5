"""The summary: admin areas, actors or event types ranked by incidents and fatalities, with the change.

Each group is counted twice over the store's hot columns (``np.bincount``
on integer codes, never a row loop): in the selection, and in the period it
is compared with, which is the previous period of equal length (clipped at
the data's first day) unless the analyst gave a baseline; every other filter
stays the same. A group's change in per cent is ``None`` when it had nothing
before (no division by zero). Incidents that name no area (or no actor) at
the chosen level are one row of their own, so nothing is dropped silently.
"""
from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from geodata.model.filters import FilterState
from geodata.query.columns import facet_key, row_mask
from geodata.query.displacement import _in_range
from geodata.query.store import IncidentStore
from geodata.query.summary_days import DaySums, SignedSums
from geodata.query.summary_days import build as build_day_sums
from geodata.query.summary_facets import facet_sums

#: What a summary can group by, in the order the control offers them.
BY = ("admin1", "admin2", "admin3", "actor", "event_type")
ADMIN_LEVELS = {"admin1": 1, "admin2": 2, "admin3": 3}
#: The most bins a sparkline gets: daily up to this many days, then weekly, then 30-day bins.
MAX_BINS = 62
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class SummaryRow:
    """One group. ``key`` is what a click filters on (a p-code, an actor, an event type); ``""`` when the
    row cannot filter (incidents without an area, an area named only by text). ``series`` counts the
    selection's incidents per bin of :attr:`Summary.bin_days` days from :attr:`Summary.start`.
    ``displaced`` is the headline series' figure in force for the area (``None``: no figure carries it)."""

    key: str
    label: str
    incidents: int
    fatalities: int
    previous_incidents: int
    previous_fatalities: int
    series: tuple[int, ...]
    displaced: float | None = None
    #: False when there is no period to compare with: every change is then ``None`` (not "+N vs nothing").
    compared: bool = True

    @property
    def incidents_change(self) -> int | None:
        return self.incidents - self.previous_incidents if self.compared else None

    @property
    def fatalities_change(self) -> int | None:
        return self.fatalities - self.previous_fatalities if self.compared else None

    @property
    def incidents_change_pct(self) -> float | None:
        return change_pct(self.incidents, self.previous_incidents) if self.compared else None

    @property
    def fatalities_change_pct(self) -> float | None:
        return change_pct(self.fatalities, self.previous_fatalities) if self.compared else None


@dataclass(frozen=True)
class Summary:
    """The rows, most incidents first, and what they compare: ``previous`` is ``None`` when there is no
    earlier day in the data (every previous figure is then 0 and every change in per cent ``None``)."""

    by: str
    rows: tuple[SummaryRow, ...]
    start: date
    end: date
    previous: tuple[date, date] | None
    baseline_given: bool
    bin_days: int
    displaced_series: str | None = None  # the headline series the displaced column quotes


def change_pct(current: int, previous: int) -> float | None:
    """The change from ``previous`` to ``current`` in per cent; ``None`` when ``previous`` is 0."""
    if previous == 0:
        return None
    return 100.0 * (current - previous) / previous


def previous_period(start: date, end: date, bounds: tuple[date, date]) -> tuple[date, date] | None:
    """The period of equal length just before ``start``..``end`` (inclusive), clipped at the data's first
    day; ``None`` when the range is empty or starts on (or before) the first day."""
    if start > end or start <= bounds[0]:
        return None
    length = (end - start).days + 1
    return max(start - timedelta(days=length), bounds[0]), start - timedelta(days=1)


def baseline_period(baseline: tuple[date, date], bounds: tuple[date, date]) -> tuple[date, date] | None:
    """The analyst's baseline (dates in either order) cut to the data's period, ``None`` when it lies
    wholly outside: days without data are not days without incidents (the headline's rule too)."""
    low, high = sorted(baseline)
    start, end = max(low, bounds[0]), min(high, bounds[1])
    return (start, end) if start <= end else None


def comparison_period(state: FilterState, bounds: tuple[date, date],
                      baseline: tuple[date, date] | None) -> tuple[date, date] | None:
    """:func:`baseline_period` when a baseline is given, else :func:`previous_period`."""
    if baseline is None:
        return previous_period(state.start, state.end, bounds)
    return baseline_period(baseline, bounds)


def bin_days(start: date, end: date) -> int:
    """Days per sparkline bin: 1 up to :data:`MAX_BINS` days, then 7, then 30 (never more than ~62 bins
    of a year's selection)."""
    days = (end - start).days + 1
    return 1 if days <= MAX_BINS else 7 if days <= 7 * MAX_BINS else max(30, math.ceil(days / MAX_BINS))


# ------------------------------------------------------------ group codes, once per store
@dataclass(frozen=True)
class _Groups:
    """Per incident, the code of its group at one level (-1: none); the groups' keys and labels."""

    codes: np.ndarray
    keys: tuple[str, ...]
    labels: tuple[str, ...]


_CACHE: weakref.WeakKeyDictionary[IncidentStore, dict[str, _Groups]] = weakref.WeakKeyDictionary()
_OFFERED: weakref.WeakKeyDictionary[IncidentStore, dict[str, bool]] = weakref.WeakKeyDictionary()
_SUMS: weakref.WeakKeyDictionary[IncidentStore, dict[str, DaySums | None]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _first_rows(codes: np.ndarray, size: int, chunk: int = 1 << 16) -> np.ndarray:
    """The row where each code ``0 .. size - 1`` first appears (-1: never), in chunks of rows until every
    code present is found: at 10^7 rows a full ``np.unique(return_index=True)`` sorts them all, and in
    real data every area has appeared after the first few chunks."""
    first = np.full(size, -1, dtype=np.int64)
    if not size or not len(codes):
        return first
    if codes.dtype.itemsize <= 2:  # int8/int16 codes: -1 lands past the last code, no copy of the rows
        seen = np.zeros(1 << (8 * codes.dtype.itemsize), dtype=bool)
        seen[codes.view(np.uint8 if codes.dtype.itemsize == 1 else np.uint16)] = True
        left = int(np.count_nonzero(seen[:size]))
    else:
        left = int(np.count_nonzero(np.bincount(codes[codes >= 0], minlength=size)))
    for start in range(0, len(codes), chunk):
        if not left:
            break
        found, where = np.unique(codes[start:start + chunk], return_index=True)
        new = (found >= 0) & (first[np.maximum(found, 0)] < 0)
        first[found[new]] = where[new] + start
        left -= int(np.count_nonzero(new))
    return first


def _factorize_codes(codes: np.ndarray, categories: pd.Index) -> tuple[np.ndarray, list[str]]:
    """``pd.factorize`` of a categorical's ``codes`` (groups in order of first appearance, -1 for missing)
    without gathering 10^7 values first."""
    first = _first_rows(codes, len(categories))
    present = np.flatnonzero(first >= 0)
    order = present[np.argsort(first[present], kind="stable")]
    remap = np.full(len(categories) + 1, -1, dtype=np.int32)
    remap[order] = np.arange(len(order), dtype=np.int32)
    return remap[codes], [str(categories[i]) for i in order.tolist()]  # code -1 picks the trailing -1


def _admin_groups(store: IncidentStore, level: int) -> _Groups:
    """Areas by p-code where incidents carry one, else by the name the source wrote (key ``""``)."""
    facets = store.columns.facets
    n = len(store.incidents)
    codes = np.full(n, -1, dtype=np.int32)
    keys: list[str] = []
    labels: list[str] = []
    names = store.incidents.get(f"admin{level}")
    if facets is not None and n:
        pcodes = facets.admin_codes[level - 1]
        first_rows = _first_rows(pcodes, len(facets.admin_names))
        present = np.flatnonzero(first_rows >= 0)
        first = first_rows[present]
        remap = np.full(len(facets.admin_names) + 1, -1, dtype=np.int32)
        remap[present] = np.arange(len(present), dtype=np.int32)
        codes = remap[pcodes]  # -1 picks the trailing -1
        keys = [facets.admin_names[i] for i in present.tolist()]
        written = names.iloc[first].tolist() if names is not None else [None] * len(keys)
        labels = [str(w) if isinstance(w, str) and w.strip() else k for k, w in zip(keys, written, strict=True)]
    if names is not None and n:
        unplaced = codes < 0
        categorical = isinstance(names.dtype, pd.CategoricalDtype)
        if not categorical and unplaced.any():
            unplaced &= names.notna().to_numpy(dtype=bool)  # nothing to group where no name is written
        if unplaced.all():  # no p-codes at this level: group every row by name, without gathering them
            by_name, uniques = (_factorize_codes(names.cat.codes.to_numpy(), names.cat.categories) if categorical
                                else pd.factorize(names, use_na_sentinel=True))
            codes = np.where(by_name >= 0, by_name + len(keys), -1).astype(np.int32)
        elif unplaced.any():
            rows = np.flatnonzero(unplaced)
            by_name, uniques = (_factorize_codes(names.cat.codes.to_numpy()[rows], names.cat.categories)
                                if categorical else pd.factorize(names.iloc[rows], use_na_sentinel=True))
            named = by_name >= 0
            codes[rows[named]] = by_name[named] + len(keys)
        else:
            uniques = []
        labels += [str(u) for u in uniques]
        keys += [""] * len(uniques)
    return _Groups(codes, tuple(keys), tuple(labels))


def _groups(store: IncidentStore, by: str) -> _Groups:
    with _LOCK:
        found = _CACHE.setdefault(store, {}).get(by)
    if found is not None:
        return found
    if by == "event_type":
        columns = store.columns
        found = _Groups(columns.type_codes.astype(np.int32), columns.type_names, columns.type_names)
    elif by == "actor":
        facets = store.columns.facets
        names = facets.actor_names if facets is not None else ()
        codes = facets.actor1_codes.astype(np.int32) if facets is not None else np.full(
            len(store.incidents), -1, dtype=np.int32)
        found = _Groups(codes, tuple(facet_key(a) for a in names), names)
    else:
        found = _admin_groups(store, ADMIN_LEVELS[by])
    with _LOCK:
        _CACHE.setdefault(store, {})[by] = found
    return found


def has_level(store: IncidentStore, by: str) -> bool:
    """Whether any incident names a group at ``by`` (admin levels without any area are not offered).

    Admin levels are answered from the p-codes' codes and the names' emptiness, not by grouping
    every row (seconds at 10^7, and the page offers the levels at start-up); once per store and level.
    """
    if by not in ADMIN_LEVELS:
        return by in BY and bool(np.any(_groups(store, by).codes >= 0))
    with _LOCK:
        found = _OFFERED.setdefault(store, {}).get(by)
    if found is None:
        level, facets = ADMIN_LEVELS[by], store.columns.facets
        names = store.incidents.get(f"admin{level}")
        found = bool(len(store.incidents)) and (
            (facets is not None and int(facets.admin_codes[level - 1].max()) >= 0)
            or (names is not None and (int(names.cat.codes.max()) >= 0 if isinstance(names.dtype, pd.CategoricalDtype)
                                       else bool(names.notna().any()))))
        with _LOCK:
            _OFFERED.setdefault(store, {})[by] = found
    return found


# ------------------------------------------------------------ counting
def _coded(store: IncidentStore, by: str, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group code, row position) pairs of the selection; an incident counts once per actor it names."""
    groups = _groups(store, by)
    codes = groups.codes[positions]
    if by != "actor" or store.columns.facets is None:
        return codes, positions
    second = store.columns.facets.actor2_codes[positions].astype(np.int32)
    extra = (second >= 0) & (second != codes)
    none = (codes < 0) & ~extra  # neither actor named: one "no actor" row
    first = (codes >= 0) | none
    return np.concatenate([codes[first], second[extra]]), np.concatenate([positions[first], positions[extra]])


def _totals(store: IncidentStore, coded: tuple[np.ndarray, np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Incidents and fatalities per group code (the last slot: incidents without a group)."""
    codes, rows = coded
    slot = np.where(codes < 0, size, codes)
    deaths = np.nan_to_num(store.columns.fatalities[rows].astype(np.float64))
    return (np.bincount(slot, minlength=size + 1),
            np.rint(np.bincount(slot, weights=deaths, minlength=size + 1)).astype(np.int64))


def _positions(store: IncidentStore, state: FilterState, period: tuple[date, date] | None) -> np.ndarray:
    if period is None:
        return np.empty(0, dtype=np.int64)
    return store.positions(replace(state, start=period[0], end=period[1]))


def _both(store: IncidentStore, state: FilterState,
          period: tuple[date, date] | None) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the selection and of the comparison period; one query when the period ends the day
    before the selection starts (the default), split where the selection begins (rows are date-sorted)."""
    if state.is_empty_range:
        return np.empty(0, dtype=np.int64), _positions(store, state, period)
    if period is None or period[1] + timedelta(days=1) != state.start:
        return _positions(store, state, (state.start, state.end)), _positions(store, state, period)
    both = _positions(store, state, (period[0], state.end))
    split = int(np.searchsorted(store.columns.days[both], (state.start - _EPOCH).days, side="left"))
    return both[split:], both[:split]


_Counted = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _shown(incidents: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Group slots with an incident in the selection or in the period it is compared with."""
    return np.flatnonzero((incidents > 0) | (previous > 0))


def _from_rows(store: IncidentStore, by: str, state: FilterState, period: tuple[date, date] | None,
               size: int, step: int, bins: int) -> _Counted:
    """Counts, fatalities (selection, comparison), the slots shown and their sparkline bins, from rows."""
    current, before = _both(store, state, period)
    coded = _coded(store, by, current)
    incidents, fatalities = _totals(store, coded, size)
    previous_incidents, previous_fatalities = _totals(store, _coded(store, by, before), size)
    codes, rows = coded
    slot = np.where(codes < 0, size, codes).astype(np.int64)
    offset = (store.columns.days[rows] - (state.start - _EPOCH).days) // step
    shown = _shown(incidents, previous_incidents)
    compact = np.full(size + 1, -1, dtype=np.int64)
    compact[shown] = np.arange(len(shown))
    series = np.bincount(compact[slot] * bins + offset, minlength=len(shown) * bins).reshape(len(shown), bins) \
        if len(shown) else np.zeros((0, bins), dtype=np.int64)
    return incidents, fatalities, previous_incidents, previous_fatalities, shown, series


def _from_days(sums: DaySums | SignedSums, store: IncidentStore, state: FilterState, period: tuple[date, date] | None,
               step: int, bins: int) -> _Counted:
    """The same as :func:`_from_rows` from running sums per day (dates and event types, and at most one
    filter whose rows have sums of their own: :mod:`geodata.query.summary_facets`)."""
    index = store.columns.type_index
    types = None if state.event_types is None else np.asarray(
        [index[t] for t in state.event_types if t in index], dtype=np.intp)
    empty = np.zeros(sums.groups, dtype=np.int64)
    start, end = (state.start - _EPOCH).days, (state.end - _EPOCH).days
    incidents, fatalities = (empty, empty) if state.is_empty_range else sums.totals(start, end, types)
    previous_incidents, previous_fatalities = (empty, empty) if period is None else sums.totals(
        (period[0] - _EPOCH).days, (period[1] - _EPOCH).days, types)
    shown = _shown(incidents, previous_incidents)
    series = np.zeros((len(shown), bins), dtype=np.int64) if state.is_empty_range else \
        sums.bins(start, end, step, bins, types)[shown]
    return incidents, fatalities, previous_incidents, previous_fatalities, shown, series


def _day_sums(store: IncidentStore, by: str) -> DaySums | None:
    """The running sums of ``by`` (built on first use, then kept with the store), ``None`` when too big."""
    with _LOCK:
        kept = _SUMS.setdefault(store, {})
        if by in kept:
            return kept[by]
    groups = _groups(store, by)

    def pairs(start: int, stop: int) -> tuple[np.ndarray, np.ndarray | slice]:
        if by == "actor":  # an incident counts once for each actor it names
            return _coded(store, by, np.arange(start, stop, dtype=np.int64))
        return groups.codes[start:stop], slice(start, stop)

    columns = store.columns
    found = build_day_sums(columns.days, columns.type_codes, len(columns.type_names), len(groups.keys),
                           columns.fatalities, pairs)
    with _LOCK:
        _SUMS.setdefault(store, {})[by] = found
    return found


def summary(store: IncidentStore, state: FilterState, by: str = "admin1",
            baseline: tuple[date, date] | None = None, names: Mapping[str, str] | None = None) -> Summary:
    """The groups of the selection ``state`` by ``by`` (one of :data:`BY`), most incidents first.

    ``baseline`` replaces the previous period of equal length; ``names`` (p-code → name, e.g. from the
    stored boundaries) names admin areas instead of the incidents' own admin names.
    """
    if by not in BY:
        raise ValueError(f"cannot summarise by {by!r}: choose one of {', '.join(BY)}")
    bounds = store.date_range()
    groups = _groups(store, by)
    size = len(groups.keys)
    period = comparison_period(state, bounds, baseline)
    step = bin_days(state.start, state.end) if not state.is_empty_range else 1
    bins = max(1, math.ceil(((state.end - state.start).days + 1) / step)) if not state.is_empty_range else 1
    sums: DaySums | SignedSums | None
    if row_mask(store.columns, 0, 0, replace(state, event_types=None)) is None:
        sums = _day_sums(store, by)
    else:  # one filter more (an actor, a precision, ...): its rows' own sums, when kept
        sums = facet_sums(store, state, by, size, lambda rows: _coded(store, by, rows), lambda: _day_sums(store, by))
    if sums is not None and (state.event_types is None or sums.by_type):
        counted = _from_days(sums, store, state, period, step, bins)
    else:
        counted = _from_rows(store, by, state, period, size, step, bins)
    incidents, fatalities, previous_incidents, previous_fatalities, shown, series = counted

    displaced, series_name = _displaced(store, by, state, groups.keys)
    names = names or {}
    out = []
    for row, code in enumerate(shown.tolist()):
        if code == size:
            key, label = "", _nothing(by)
        else:
            key, label = groups.keys[code], groups.labels[code]
            if by in ADMIN_LEVELS and key:
                label = names.get(key, label)
        out.append(SummaryRow(
            key=key, label=label, incidents=int(incidents[code]), fatalities=int(fatalities[code]),
            previous_incidents=int(previous_incidents[code]), previous_fatalities=int(previous_fatalities[code]),
            series=tuple(int(v) for v in series[row]), displaced=displaced.get(key) if key else None,
            compared=period is not None,
        ))
    out.sort(key=lambda r: (-r.incidents, -r.fatalities, r.key == "", r.label))
    return Summary(by=by, rows=tuple(out), start=state.start, end=state.end, previous=period,
                   baseline_given=baseline is not None, bin_days=step, displaced_series=series_name)


def _nothing(by: str) -> str:
    if by in ADMIN_LEVELS:
        return f"No admin {ADMIN_LEVELS[by]} area given"
    return "No actor named" if by == "actor" else "No event type"


def _displaced(store: IncidentStore, by: str, state: FilterState,
               keys: tuple[str, ...]) -> tuple[dict[str, float], str | None]:
    """The headline series' figures in force for the selection, summed per area p-code.

    A figure belongs to an area when its own p-code or one of its ``admin*_pcode`` columns starts
    with the area's (the rule of :func:`geodata.query.displacement.within_areas`), vectorised: one
    prefix lookup per column and p-code length.
    """
    series = store.dataset.headline
    if by not in ADMIN_LEVELS or series is None or state.is_empty_range:
        return {}, series
    figures = store.displacement
    rows = _in_range(figures[figures["series"] == series], store.dataset.series(series).kind, state.start, state.end)
    wanted = {k for k in keys if k}
    if rows.empty or not wanted:
        return {}, series
    area = pd.Series(pd.NA, index=rows.index, dtype="string")
    for column in ("pcode", "admin1_pcode", "admin2_pcode", "admin3_pcode"):
        if column not in rows:
            continue
        text = rows[column].astype("string")
        for length in sorted({len(k) for k in wanted}):
            found = text.str[:length]
            area = area.fillna(found.where(found.isin(wanted)))
    people = rows["displaced"].astype("float64")
    totals = people.groupby(area.to_numpy(), dropna=True).sum()
    return {str(k): float(v) for k, v in totals.items()}, series
