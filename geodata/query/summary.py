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
from geodata.query.columns import facet_key
from geodata.query.displacement import _in_range
from geodata.query.store import IncidentStore

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
_LOCK = threading.Lock()


def _admin_groups(store: IncidentStore, level: int) -> _Groups:
    """Areas by p-code where incidents carry one, else by the name the source wrote (key ``""``)."""
    facets = store.columns.facets
    n = len(store.incidents)
    codes = np.full(n, -1, dtype=np.int32)
    keys: list[str] = []
    labels: list[str] = []
    names = store.incidents.get(f"admin{level}")
    if facets is not None and n:
        pcodes = facets.admin_codes[level - 1].astype(np.int32)
        present, first = np.unique(pcodes, return_index=True)
        keep = present >= 0
        present, first = present[keep], first[keep]
        remap = np.full(len(facets.admin_names) + 1, -1, dtype=np.int32)
        remap[present] = np.arange(len(present), dtype=np.int32)
        codes = remap[pcodes]  # -1 picks the trailing -1
        keys = [facets.admin_names[i] for i in present.tolist()]
        written = names.iloc[first].tolist() if names is not None else [None] * len(keys)
        labels = [str(w) if isinstance(w, str) and w.strip() else k for k, w in zip(keys, written, strict=True)]
    if names is not None and n:
        unplaced = np.flatnonzero(codes < 0)
        if len(unplaced):
            by_name, uniques = pd.factorize(names.iloc[unplaced], use_na_sentinel=True)
            named = by_name >= 0
            codes[unplaced[named]] = by_name[named] + len(keys)
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
    """Whether any incident names a group at ``by`` (admin levels without any area are not offered)."""
    return by in BY and bool(np.any(_groups(store, by).codes >= 0))


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
    current, before = _both(store, state, period)
    coded = _coded(store, by, current)
    incidents, fatalities = _totals(store, coded, size)
    previous_incidents, previous_fatalities = _totals(store, _coded(store, by, before), size)

    step = bin_days(state.start, state.end) if not state.is_empty_range else 1
    bins = max(1, math.ceil(((state.end - state.start).days + 1) / step)) if not state.is_empty_range else 1
    codes, rows = coded
    slot = np.where(codes < 0, size, codes).astype(np.int64)
    offset = (store.columns.days[rows] - (state.start - _EPOCH).days) // step
    shown = np.flatnonzero((incidents > 0) | (previous_incidents > 0))
    compact = np.full(size + 1, -1, dtype=np.int64)
    compact[shown] = np.arange(len(shown))
    series = np.bincount(compact[slot] * bins + offset, minlength=len(shown) * bins).reshape(len(shown), bins) \
        if len(shown) else np.zeros((0, bins), dtype=np.int64)

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
