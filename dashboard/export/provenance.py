"""What an export says about itself: the filters in words, the dataset and the sources.

Shared by the briefing (subtitle and footer) and the data files (header
block, GeoJSON ``metadata``), so every export describes its selection in the
same words. Plain text out; callers escape it for where it goes.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

from dashboard.figures.style import format_day
from dashboard.state.url import parse_baseline
from geodata import CRS, GEO_PRECISION, FilterState, IncidentStore
from geodata.query import facets

LAYER_WORDS = {"incidents": "incidents", "approximate": "approximate locations",
               "displacement": "displacement figures", "context": "towns & highways",
               "boundaries": "admin boundaries", "choropleth": "incidents by area",
               "density": "incident density", "territory": "areas of control", "flows": "displacement flows"}
#: How many names of one filter are spelled out before "and N more".
LISTED = 4
BASEMAP_SOURCE = "Basemap: Natural Earth country outlines (public domain)"


def basemap_words(store: IncidentStore, state: FilterState) -> str:
    """The basemap's sources: the outlines, and the dataset's own highways (named from its table) when
    the context layer draws them."""
    roads = store.dataset.highways
    if "context" not in state.layers or roads.empty or "road" not in roads:
        return BASEMAP_SOURCE
    names = "/".join(sorted({str(r) for r in roads["road"].dropna()})[:LISTED])
    return f"{BASEMAP_SOURCE}; {names + ' ' if names else ''}highways schematic (the dataset's table)"


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


def filter_words(state: FilterState, all_types: list[str], area_names: Mapping[str, str] | None = None,
                 *, layers: bool = True) -> str:
    """The active filters as a phrase (dates are said separately), e.g.
    'all event types · actors: X · areas: Antioquia (CO05) · fatalities ≥ 10 · map layers: incidents'.
    ``area_names`` names the areas of the area filter by p-code (else the p-codes are said alone);
    ``layers`` false leaves the map layers out (a briefing's legend names them)."""
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
    if layers:
        parts.append(layer_words(state.layers))
    return " · ".join(parts)


def layer_words(layers: frozenset[str] | set[str]) -> str:
    """'map layers: incidents, displacement figures' (named, never "default": a reader has no defaults)."""
    if not layers:
        return "no map layer"
    return "map layers: " + ", ".join(LAYER_WORDS.get(k, k) for k in
                                      [*LAYER_WORDS, *sorted(set(layers) - set(LAYER_WORDS))] if k in layers)


#: A file path on the machine that made the dataset (not a URL): "a/b/README.md", "/srv/x", "./notes.txt".
_LOCAL_PATH = re.compile(r"(?:(?<=[\s(])|^)(?:~|\.{1,2})?/[\w.-]+/[\w./-]+"
                         r"|(?<![\w:/.])(?:[\w-]+/)+[\w-]+\.[A-Za-z]{1,8}\b")
RELATIVE_LINK_NOTE = ("a path on the conflict-map server, not a full address: no public address "
                      "(CONFLICT_MAP_PUBLIC_URL) is configured")


def public_attribution(text: str) -> str:
    """``text`` without the clauses that point at files on the machine that made the dataset.

    Why: "see geodata/scenarios/x/README.md" means nothing to a reader of a briefing (and tells
    them how the server is laid out); URLs stay.
    """
    if not text:
        return ""
    clauses = re.split(r"(?<=[;.])\s+", text.strip())
    kept = [c for c in clauses if not _LOCAL_PATH.search(re.sub(r"\w+://\S+", "", c))]
    joined = " ".join(kept).strip()
    return re.sub(r"[;,]$", ".", joined)


def link_note(link: str) -> str:
    """What a reader must know about a link that is only a path (``""`` for a full address)."""
    return "" if "://" in link else RELATIVE_LINK_NOTE


def utc_stamp(moment: datetime | None = None) -> str:
    """'2026-05-04 13:02 UTC' (now when ``moment`` is ``None``)."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


#: How many of the sources cited by the rows a provenance file names one by one.
LISTED_SOURCES = 40
_DISPLAY_WORDS = {"event_type": "event type", "sub_event_type": "sub-type", "actor": "actor",
                  "precision": "location precision", "fatalities": "fatalities", "fixed": "one size",
                  "density": "a density surface", "squares": "squares", "hexagons": "hexagons"}


def display_words(display: Mapping | None) -> str:
    """The display settings that change what a reader sees, in words ('' without any)."""
    if not isinstance(display, Mapping) or not display:
        return ""
    words = _DISPLAY_WORDS
    parts = [f"markers coloured by {words.get(str(display.get('colour_by', 'event_type')), 'event type')}",
             f"sized by {words.get(str(display.get('size_by', 'fatalities')), 'fatalities')}",
             f"above the point budget: {words.get(str(display.get('aggregate', 'density')), 'a density surface')} "
             f"counting {'fatalities' if display.get('weight') == 'fatalities' else 'incidents'}"]
    baseline = display.get("baseline")
    period = parse_baseline(*baseline) if isinstance(baseline, (list, tuple)) and len(baseline) == 2 else None
    if period is not None:
        parts.append(f"changes compared with {format_day(period[0])} – {format_day(period[1])}")
    else:
        parts.append("changes compared with the previous period of equal length")
    return " · ".join(parts)


@dataclass(frozen=True)
class Provenance:
    """Where an export comes from: dataset, selection, sources with their dates, time of export, link."""

    dataset_name: str
    dataset_title: str
    dataset_version: str
    period: tuple[date, date]
    attribution: str
    dates: str
    filters: str
    generated: str
    link: str
    rows: int = 0
    display: str = ""
    #: (what, source, its date in words), e.g. ("Displacement", "OCHA Sitrep 9", "as of 23 Feb 2020").
    sources: tuple[tuple[str, str, str], ...] = ()
    basemap: str = BASEMAP_SOURCE

    @classmethod
    def of(cls, store: IncidentStore, state: FilterState, link: str,
           generated_at: datetime | None = None, display: Mapping | None = None) -> Provenance:
        dataset = store.dataset
        selected = store.select(state)
        return cls(
            dataset_name=dataset.name, dataset_title=dataset.title,
            dataset_version=str(getattr(dataset, "version", "") or ""),
            period=store.date_range(), attribution=public_attribution(dataset.attribution),
            dates=date_range_words(state), filters=filter_words(state, store.event_types(), area_names(store, state)),
            generated=utc_stamp(generated_at), link=link, rows=len(selected), display=display_words(display),
            sources=tuple(_row_sources(selected)) + tuple(
                ("Displacement", source, f"as of {format_day(day)}") for source, day in
                displacement_sources(store, state)),
            basemap=basemap_words(store, state),
        )

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) pairs: the short form (GeoJSON ``metadata``)."""
        version = f", version {self.dataset_version}" if self.dataset_version else ""
        note = link_note(self.link)
        return [
            ("Dataset", f"{self.dataset_title} ({self.dataset_name}{version}; period "
                        f"{format_day(self.period[0])} – {format_day(self.period[1])})"),
            ("Selection", f"{self.dates}; {self.filters}"),
            ("Source", self.attribution or "see the source and source_url of every row"),
            ("Exported", f"{self.generated} from conflict-map"),
            ("View", self.link + (f" ({note})" if note else "")),
        ]

    def text(self, files: list[str] | None = None) -> str:
        """The provenance file: what the data is, which selection, every source with its date, the link.

        ``files`` (a pack's) are listed at the end. Plain UTF-8 text, one fact per line.
        """
        out = ["conflict-map export: provenance", ""]
        out += [f"{label}: {text}" for label, text in self.lines()[:2]]
        if self.display:
            out.append(f"Display: {self.display}")
        out.append(f"Rows: {self.rows} incidents (coordinates WGS 84, {CRS}; dates ISO 8601; "
                   "every field of the source kept)")
        out.append(f"View: {self.link}")
        if note := link_note(self.link):
            out.append(f"      ({note})")
        out += [f"Generated: {self.generated} by conflict-map", "", "Sources",
                f"- Dataset: {self.dataset_title}, as of {format_day(self.period[1])}"
                + (f": {self.attribution}" if self.attribution else "")]
        out += [f"- {what}: {source} ({when})" for what, source, when in self.sources]
        out.append(f"- {self.basemap}")
        if files:
            out += ["", "Files"] + [f"- {name}" for name in files]
        return "\n".join(out) + "\n"


def _row_sources(selected: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The sources the selected rows cite, most rows first, each with its rows and latest event."""
    if selected.empty or "source" not in selected:
        return []
    frame = pd.DataFrame({"source": selected["source"].astype("string").fillna("(no source given)"),
                          "day": pd.to_datetime(selected["event_date"])})
    grouped = frame.groupby("source", sort=False)["day"].agg(["size", "max"])
    grouped = grouped.sort_values(["size", "max"], ascending=[False, False])
    found = [("Incidents", str(source), f"{int(row['size'])} row{'s' if row['size'] != 1 else ''}, latest event "
              f"{format_day(pd.Timestamp(row['max']).date())}")
             for source, row in grouped.head(LISTED_SOURCES).iterrows()]
    if len(grouped) > LISTED_SOURCES:
        found.append(("Incidents", f"{len(grouped) - LISTED_SOURCES} more sources", "see the source column of the CSV"))
    return found


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
