"""What an export says about itself: the filters in words, the dataset and the sources.

Shared by the briefing (subtitle and footer) and the data files (header
block, GeoJSON ``metadata``), so every export describes its selection in the
same words. Plain text out; callers escape it for where it goes.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

from dashboard.figures.style import format_day
from geodata import GEO_PRECISION, FilterState, IncidentStore
from geodata.model.filters import DEFAULT_LAYERS
from geodata.query import facets

LAYER_WORDS = {"incidents": "incidents", "approximate": "approximate locations",
               "displacement": "displacement figures", "context": "towns & highways",
               "boundaries": "admin boundaries", "choropleth": "incidents by area"}
#: How many names of one filter are spelled out before "and N more".
LISTED = 4
BASEMAP_SOURCE = "Basemap: Natural Earth country outlines (public domain); M4/M5 highways schematic"


def date_range_words(state: FilterState) -> str:
    """'1 Mar 2023 – 9 Jun 2023 (101 days)' or '27 May 2023 (1 day)'."""
    if state.is_empty_range:
        return "no dates (start after end)"
    days = (state.end - state.start).days + 1
    span = format_day(state.start) if days == 1 else f"{format_day(state.start)} – {format_day(state.end)}"
    return f"{span} ({days} day{'s' if days != 1 else ''})"


def _names(label: str, values: tuple[str, ...] | list[str]) -> str:
    shown = ", ".join(values[:LISTED])
    more = len(values) - LISTED
    return f"{label}: {shown}" + (f" and {more} more" if more > 0 else "")


def area_names(store: IncidentStore, state: FilterState) -> dict[str, str]:
    """The names the incidents give the areas of ``state``'s area filter, by p-code ({} without one)."""
    if not state.admin_codes:
        return {}
    return {area.pcode: area.name for area in facets.admin_areas(store.incidents) if area.pcode in state.admin_codes}


def filter_words(state: FilterState, all_types: list[str], area_names: Mapping[str, str] | None = None) -> str:
    """The active filters as a phrase (dates are said separately), e.g.
    'all event types · actors: X · areas: Antioquia (CO05) · fatalities ≥ 10 · all map layers'.
    ``area_names`` names the areas of the area filter by p-code (else the p-codes are said alone)."""
    if state.event_types is None or set(all_types) <= set(state.event_types):
        parts = ["all event types"]
    elif not state.event_types:
        parts = ["no event type selected"]
    else:
        ordered = [t for t in all_types if t in state.event_types]
        parts = [_names("event types", ordered + sorted(set(state.event_types) - set(ordered)))]
    if getattr(state, "sub_event_types", ()):
        parts.append(_names("sub-types", state.sub_event_types))
    if getattr(state, "actors", ()):
        parts.append(_names("actors", state.actors))
    if getattr(state, "admin_codes", ()):
        names = area_names or {}
        parts.append(_names("areas", [f"{names[c]} ({c})" if names.get(c, c) != c else c for c in state.admin_codes]))
    low, high = getattr(state, "fatalities_min", None), getattr(state, "fatalities_max", None)
    if low is not None and high is not None:
        parts.append(f"fatalities {low}–{high}" if low != high else f"fatalities = {low}")
    elif low is not None:
        parts.append(f"fatalities ≥ {low}")
    elif high is not None:
        parts.append(f"fatalities ≤ {high}")
    precision = getattr(state, "precision", None)
    if precision is not None:
        parts.append(_names("location precision", [GEO_PRECISION.get(p, str(p)) for p in precision])
                     if precision else "no location precision selected")
    if getattr(state, "text", ""):
        parts.append(f"notes containing “{state.text}”")
    if state.layers == DEFAULT_LAYERS:
        parts.append("default map layers")
    elif not state.layers:
        parts.append("no map layer")
    else:
        parts.append("map layers: " + ", ".join(LAYER_WORDS.get(k, k) for k in
                                                [*LAYER_WORDS, *sorted(state.layers - set(LAYER_WORDS))]
                                                if k in state.layers))
    return " · ".join(parts)


def utc_stamp(moment: datetime | None = None) -> str:
    """'2026-05-04 13:02 UTC' (now when ``moment`` is ``None``)."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Provenance:
    """Where an export comes from: dataset, selection, time of export and the view's link."""

    dataset_name: str
    dataset_title: str
    dataset_version: str
    period: tuple[date, date]
    attribution: str
    dates: str
    filters: str
    generated: str
    link: str

    @classmethod
    def of(cls, store: IncidentStore, state: FilterState, link: str,
           generated_at: datetime | None = None) -> Provenance:
        dataset = store.dataset
        return cls(
            dataset_name=dataset.name, dataset_title=dataset.title,
            dataset_version=str(getattr(dataset, "version", "") or ""),
            period=store.date_range(), attribution=dataset.attribution,
            dates=date_range_words(state), filters=filter_words(state, store.event_types(), area_names(store, state)),
            generated=utc_stamp(generated_at), link=link,
        )

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) pairs for a header block."""
        version = f", version {self.dataset_version}" if self.dataset_version else ""
        return [
            ("Dataset", f"{self.dataset_title} ({self.dataset_name}{version}; period "
                        f"{format_day(self.period[0])} – {format_day(self.period[1])})"),
            ("Selection", f"{self.dates}; {self.filters}"),
            ("Source", self.attribution or "see the source and source_url of every row"),
            ("Exported", f"{self.generated} from conflict-map"),
            ("View", self.link),
        ]


def displacement_sources(store: IncidentStore, state: FilterState) -> list[tuple[str, date]]:
    """(source, latest 'as of' date) of every displacement figure the briefing shows.

    That is the headline figure for the range (its series' kind decides), plus the figures on
    the map when the displacement layer is on; sorted by date, then source.
    """
    frames = []
    headline = store.displaced_in_range(state.start, state.end, state.admin_codes)
    if headline is not None:
        frames.append(pd.DataFrame({"source": list(headline.sources), "as_of": headline.last_as_of}))
    if "displacement" in state.layers and not state.is_empty_range:
        frames.append(store.displacement_on_map(state)[["source", "as_of"]])
    if not frames:
        return []
    rows = pd.concat(frames).dropna()
    latest = rows.groupby("source", sort=False)["as_of"].max()
    pairs = [(str(source), pd.Timestamp(as_of).date()) for source, as_of in latest.items()]
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def incident_sources(store: IncidentStore, state: FilterState) -> int:
    """How many distinct sources the selected incidents cite (each row names its own)."""
    return int(store.select(state)["source"].nunique())
