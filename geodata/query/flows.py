"""Origin-to-destination flows for a date range, each end placed on the map, or counted as not drawn.

Dates: a flow counts over its whole period ``[period_start, period_end]``
(both inclusive); it is selected when that period overlaps the selected
range, and then counts in full (a month's matrix is not split by day), the
same rule as a displacement flow figure (:mod:`geodata.query.displacement`).

Places: an end is placed by, in order, (1) its p-code among the boundaries'
area points, (2) its p-code among the dataset's located displacement
figures (a figure with that p-code, else the median point of the figures
inside that area by their ``admin1_pcode`` ... ``admin3_pcode``), (3) its
name, when exactly one point answers it: a boundary's name, else an exact
name or alias in the gazetteer (spelling variants are guesses, not used).
No location is ever invented: a flow with an end that none of these places
is left off the map and counted in :attr:`PlacedFlows.note`.

Flows are summed per (origin, destination, movement): arrivals and returns
count different things and are never added together.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from geodata.geo.gazetteer import Gazetteer, normalise
from geodata.model.series import OD, SeriesInfo, default_label

#: How near (degrees) several answers for one name must lie to count as one point.
SAME_POINT = 0.01
#: Names of ends listed in the note, at most.
MAX_NAMED = 3
#: Pairs drawn at most (the largest); a map of more arcs is unreadable and slow to send. The rest are counted.
MAX_DRAWN = 1_500
PLACED_COLUMNS = ["origin", "origin_pcode", "destination", "destination_pcode", "movement", "people",
                  "period_start", "period_end", "figures", "source", "origin_lat", "origin_lon",
                  "destination_lat", "destination_lon", "origin_basis", "destination_basis"]


@dataclass(frozen=True)
class PlacedFlows:
    """The flows to draw (one row per origin, destination and movement, columns :data:`PLACED_COLUMNS`,
    most people first) and those left out for want of a location."""

    flows: pd.DataFrame
    unplaced: int = 0
    unplaced_people: float = 0.0
    unplaced_ends: tuple[str, ...] = field(default_factory=tuple)
    smaller: int = 0  # placed, but beyond the MAX_DRAWN largest
    smaller_below: float = 0.0  # the people of the smallest one drawn: those left out have fewer

    @property
    def note(self) -> str:
        """'not drawn: 1 flow without a location (Blue Nile)', '... 40 smaller flows (under 12 people
        each)', or '' when every flow is drawn."""
        parts = []
        if self.unplaced:
            named = ", ".join(self.unplaced_ends[:MAX_NAMED])
            more = f" and {len(self.unplaced_ends) - MAX_NAMED} more" if len(self.unplaced_ends) > MAX_NAMED else ""
            plural = "s" if self.unplaced != 1 else ""
            parts.append(f"{self.unplaced:,} flow{plural} without a location ({named}{more})")
        if self.smaller:
            plural = "s" if self.smaller != 1 else ""
            parts.append(f"{self.smaller:,} smaller flow{plural} (at most {self.smaller_below:,.0f} people each)")
        return "not drawn: " + "; ".join(parts) if parts else ""


def _text(values: pd.Series) -> pd.Series:
    """Stripped text, blank cells missing."""
    out = values.astype("string").str.strip()
    return out.mask(out == "")


class Locator:
    """Finds a point for a flow's end (see the module docstring for the order)."""

    def __init__(self, boundary_points: pd.DataFrame | None = None, displacement: pd.DataFrame | None = None,
                 gazetteer: Gazetteer | None = None):
        self._by_code: dict[str, tuple[float, float, str]] = {}
        self._by_name: dict[str, tuple[float, float, str] | None] = {}
        if boundary_points is not None and len(boundary_points):
            for code, name, lat, lon in zip(_text(boundary_points["pcode"]), boundary_points["name"],
                                            boundary_points["latitude"], boundary_points["longitude"], strict=True):
                if pd.isna(lat) or pd.isna(lon):
                    continue
                if not pd.isna(code):
                    self._by_code.setdefault(str(code), (float(lat), float(lon), "boundaries"))
                if isinstance(name, str) and name.strip():
                    self._name(normalise(name), (float(lat), float(lon), "boundaries (by name)"))
        if displacement is not None and len(displacement) and {"latitude", "longitude"} <= set(displacement.columns):
            self._add_figures(displacement)
        self._gazetteer = gazetteer

    def _name(self, key: str, point: tuple[float, float, str]) -> None:
        known = self._by_name.get(key, point)
        same = known is not None and abs(known[0] - point[0]) < SAME_POINT and abs(known[1] - point[1]) < SAME_POINT
        self._by_name[key] = known if same else None  # two areas of one name: ambiguous, not guessed

    def _add_figures(self, figures: pd.DataFrame) -> None:
        lat = pd.to_numeric(figures["latitude"], errors="coerce").to_numpy(dtype="float64")
        lon = pd.to_numeric(figures["longitude"], errors="coerce").to_numpy(dtype="float64")
        located = ~(np.isnan(lat) | np.isnan(lon))
        # A figure's own p-code first, then the areas that hold figures (their median point).
        for column, basis in (("pcode", "displacement figure"), ("admin3_pcode", "displacement figures in the area"),
                              ("admin2_pcode", "displacement figures in the area"),
                              ("admin1_pcode", "displacement figures in the area")):
            if column not in figures.columns:
                continue
            text = _text(figures[column])
            codes = text.astype(object).to_numpy()
            keep = located & text.notna().to_numpy(dtype=bool)
            if not keep.any():
                continue
            frame = pd.DataFrame({"code": codes[keep], "lat": lat[keep], "lon": lon[keep]})
            for code, row in frame.groupby("code", sort=False)[["lat", "lon"]].median().iterrows():
                self._by_code.setdefault(str(code), (float(row["lat"]), float(row["lon"]), basis))

    def locate(self, pcode: object, name: object) -> tuple[float, float, str] | None:
        """``(latitude, longitude, basis)`` of an end, or ``None`` when nothing places it."""
        if isinstance(pcode, str) and pcode.strip():
            hit = self._by_code.get(pcode.strip())
            if hit is not None:
                return hit
        if not isinstance(name, str) or not name.strip():
            return None
        hit = self._by_name.get(normalise(name))
        if hit is not None:
            return hit
        if self._gazetteer is None:
            return None
        matches = [m for m in self._gazetteer.find(name, limit=20) if m.how in ("name", "alias")]
        if not matches:
            return None
        first = matches[0]
        if any(abs(m.latitude - first.latitude) >= SAME_POINT or abs(m.longitude - first.longitude) >= SAME_POINT
               for m in matches[1:]):
            return None
        return first.latitude, first.longitude, "gazetteer (by name)"


def in_range(flows: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """The flows whose period ``[period_start, period_end]`` overlaps ``[start, end]`` (all inclusive)."""
    if start > end or flows.empty:
        return flows.iloc[0:0]
    first = pd.to_datetime(flows["period_start"])
    last = pd.to_datetime(flows["period_end"])
    return flows[((first <= pd.Timestamp(end)) & (last >= pd.Timestamp(start))).to_numpy(dtype=bool)]


def within_areas(flows: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """The flows with an end inside the admin areas ``codes`` (p-codes nest by prefix); all without codes.
    A flow whose ends have no p-code cannot be placed in an area and is left out when areas are chosen."""
    if not codes:
        return flows
    inside = np.zeros(len(flows), dtype=bool)
    for column in ("origin_pcode", "destination_pcode"):
        values = flows[column].astype("string")
        for code in codes:
            inside |= values.str.startswith(str(code)).fillna(False).to_numpy(dtype=bool)
    return flows[inside]


def _joined(values: pd.Series) -> str:
    return "; ".join(dict.fromkeys(str(v) for v in values if not pd.isna(v)))


def _end_key(codes: pd.Series, names: pd.Series) -> pd.Series:
    """An end's p-code, else its normalised name (folded only where there is no p-code)."""
    key = _text(codes)
    blank = key.isna().to_numpy(dtype=bool)
    if blank.any():
        key = key.astype(object)
        key[blank] = [normalise(str(n)) for n in names.to_numpy(dtype=object)[blank]]
    return key


def aggregate(flows: pd.DataFrame) -> pd.DataFrame:
    """One row per (origin, destination, movement): people summed, the periods' span, the sources named.
    Ends are told apart by p-code when they have one, else by name."""
    if flows.empty:
        return pd.DataFrame(columns=PLACED_COLUMNS[:10])
    frame = flows.assign(
        _from=_end_key(flows["origin_pcode"], flows["origin"]),
        _to=_end_key(flows["destination_pcode"], flows["destination"]),
        people=pd.to_numeric(flows["people"], errors="coerce").astype("float64"),
        period_start=pd.to_datetime(flows["period_start"]), period_end=pd.to_datetime(flows["period_end"]))
    grouped = frame.groupby(["_from", "_to", "movement"], sort=False, dropna=False)
    first = grouped[["origin", "origin_pcode", "destination", "destination_pcode"]].first()
    out = first.assign(people=grouped["people"].sum(), period_start=grouped["period_start"].min(),
                       period_end=grouped["period_end"].max(), figures=grouped.size(),
                       source=grouped["source"].first().astype("string"))
    several = (grouped["source"].nunique() > 1).to_numpy(dtype=bool)
    if several.any():  # rare: the same pair from several sources names them all
        out.loc[several, "source"] = grouped["source"].unique()[several].map(_joined).to_numpy()
    return out.reset_index(level="movement").reset_index(drop=True)[PLACED_COLUMNS[:10]]


def placed_flows(flows: pd.DataFrame, start: date, end: date, locator: Locator,
                 areas: Sequence[str] = (), limit: int = MAX_DRAWN) -> PlacedFlows:
    """The flows of ``[start, end]`` (inside ``areas`` when given), summed per pair and placed, the
    ``limit`` largest kept; those with an end that cannot be placed, and the smaller ones beyond the
    limit, are counted, never drawn somewhere else."""
    pairs = aggregate(within_areas(in_range(flows, start, end), areas))
    if pairs.empty:
        return PlacedFlows(pd.DataFrame(columns=PLACED_COLUMNS))
    ends = {}
    found: dict[tuple[object, object], tuple[float, float, str] | None] = {}  # each end looked up once
    for side in ("origin", "destination"):
        points = []
        codes = _text(pairs[f"{side}_pcode"]).astype(object).to_numpy()  # numpy objects: fast to walk
        for code, name in zip(codes, pairs[side].astype(object).to_numpy(), strict=True):
            key = (None if code is pd.NA else code, name)
            if key not in found:
                found[key] = locator.locate(*key)
            points.append(found[key])
        ends[side] = points
        pairs[f"{side}_lat"] = [p[0] if p else np.nan for p in points]
        pairs[f"{side}_lon"] = [p[1] if p else np.nan for p in points]
        pairs[f"{side}_basis"] = [p[2] if p else "" for p in points]
    placed = np.array([o is not None and d is not None for o, d in zip(ends["origin"], ends["destination"],
                                                                         strict=True)], dtype=bool)
    missing = pairs[~placed]
    unplaced_rows = np.flatnonzero(~placed)
    names = [str(missing[side].iloc[k]) for k, i in enumerate(unplaced_rows) for side in ("origin", "destination")
             if ends[side][i] is None]
    drawn = pairs[placed].sort_values("people", ascending=False, kind="stable").reset_index(drop=True)
    smaller = max(len(drawn) - limit, 0)
    below = float(drawn["people"].iloc[limit]) if smaller else 0.0
    return PlacedFlows(drawn[PLACED_COLUMNS].iloc[:limit], unplaced=int((~placed).sum()),
                       unplaced_people=float(missing["people"].sum()), unplaced_ends=tuple(dict.fromkeys(names)),
                       smaller=smaller, smaller_below=below)


def flow_series(series: Mapping[str, SeriesInfo], movement: str, source: str) -> SeriesInfo:
    """What a flow counts, in its source's words: the dataset's origin-to-destination series of the same
    source, else the one named after its movement, else the only one, else a plain label."""
    od = {name: info for name, info in series.items() if info.kind == OD}
    by_source = [info for info in od.values() if info.source and info.source in source]
    if by_source:
        return by_source[0]
    by_movement = [info for name, info in od.items() if movement and movement in name]
    if by_movement:
        return by_movement[0]
    if len(od) == 1:
        return next(iter(od.values()))
    return SeriesInfo(kind=OD, label=default_label(OD, "period"))
