"""The map: incidents, displacement and context layers on an offline MapLibre style.

Each layer has its own pure builder returning traces; :func:`incident_map`
composes them. Every trace carries ``meta`` = its layer name, so tests and
the export can find a layer's points without guessing from colours.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from dashboard.figures import plain
from dashboard.figures.basemap import ATTRIBUTIONS, GLYPH_FONT, GLYPH_FONT_BOLD, map_style
from dashboard.figures.incidents import RICH_HOVER_LIMIT as RICH_HOVER_LIMIT
from dashboard.figures.incidents import IncidentPoints as IncidentPoints
from dashboard.figures.incidents import incident_hover_data as incident_hover_data
from dashboard.figures.incidents import incident_layer, size_key
from dashboard.figures.incidents import marker_size as marker_size
from dashboard.figures.overlays import drawable
from dashboard.figures.style import (
    AGGREGATE_COLOUR,
    CONTEXT_COLOUR,
    DISPLACEMENT_COLOURS,
    esc,
    escape,
    format_count,
    short_count,
)
from dashboard.figures.wording import when_words
from geodata import FilterState, Gazetteer
from geodata.model.series import SeriesInfo
from geodata.query.budget import (
    DEFAULT_POINT_BUDGET,
    GridCells,
)

#: Layers of incident points (raw or aggregated).
INCIDENT_METAS = ("incidents", "incidents-aggregate")

#: Keep pan and zoom when the filter changes: plotly keeps user view while this is unchanged.
MAP_UIREVISION = "incident-map"

#: Displacement symbol diameter (px) for one million people; area is proportional to the figure.
DISPLACEMENT_PX_PER_MILLION = 64.0
DISPLACEMENT_TITLE = "Displacement (area: people; disc: as of a date, ring: in a period)"


def aggregate_layer(cells: GridCells) -> list[dict]:
    """Grid cells as circles whose area grows with the number of incidents in the cell, relative to
    the fullest cell (absolute sizes would all reach the cap at 10^6 incidents)."""
    largest = int(cells.counts.max()) if len(cells.counts) else 0
    size = (6.0 + 34.0 * np.sqrt(cells.counts / max(largest, 1))).astype(np.uint8)
    return [plain.trace(
        "scattermap",
        name=f"Incidents per grid cell (~{cells.cell_degrees * 111:.0f} km; largest {largest:,})",
        meta="incidents-aggregate",
        legendgroup="incidents",
        legendgrouptitle=dict(text="Incidents (aggregated)"),
        lat=cells.latitude, lon=cells.longitude, mode="markers",
        marker=dict(size=size, color=AGGREGATE_COLOUR, opacity=0.7),
        customdata=np.column_stack([cells.counts.astype(np.float32), cells.fatalities.astype(np.float32)]),
        hovertemplate="%{customdata[0]:,.0f} incidents<br>%{customdata[1]:,.0f} reported fatalities"
                      "<br><i>Zoom in or narrow the filter for points</i><extra></extra>",
    )]


def status_text(points: IncidentPoints, budget: int, hidden: int = 0) -> str:
    """One line saying what the map shows, for the analyst (points, points in view, or cells).

    It starts with the number of incidents the filter selects, the headline's
    number; ``hidden`` of them are area-coded ones whose layer is off, and it says so.
    """
    plan = points.plan
    total = plan.total + hidden
    off = f"; {hidden:,} area-coded not drawn (their layer is off)" if hidden else ""
    if isinstance(plan, GridCells):
        return (f"{total:,} incidents aggregated into {len(plan.counts):,} grid cells; "
                f"zoom in or narrow the filter to see points (point budget {budget:,}){off}")
    if plan.clipped_to_view:
        return f"{len(plan.positions):,} of {total:,} incidents (those in view) shown as points{off}"
    if hidden:
        return f"{total:,} incidents: {plan.total:,} shown as points{off}"
    return f"{total:,} incident{'s' if total != 1 else ''} shown as points"


def displacement_layer(figures: pd.DataFrame, series: Mapping[str, SeriesInfo]) -> list[dict]:
    """Proportional circles: area proportional to people displaced, a fixed scale across dates.

    Each series is named in its source's words (``series``), a stock's
    figures "as of" their date, a flow's "in" their period. Stocks are
    drawn first so the smaller period figures sit on top.
    """
    traces = []
    kinds = {name: info.kind for name, info in series.items()}
    order = sorted(kinds, key=lambda s: kinds[s] != "stock")
    stock_places = set(figures.loc[figures["series"].map(kinds) == "stock", "pcode"].dropna())
    for name in order:
        rows = figures[figures["series"] == name]  # kept when empty: the legend stays put during playback
        kind = kinds[name]
        people = rows["displaced"].astype("float64").to_numpy()
        size = np.maximum(DISPLACEMENT_PX_PER_MILLION * np.sqrt(people / 1_000_000), 10.0)
        qualifier = rows["qualifier"].astype("string").fillna("")
        info = series[name]
        when = np.array([when_words(info, a, s, e) for a, s, e in
                         zip(rows["as_of"], rows["period_start"], rows["period_end"], strict=True)], dtype=object)
        detail: np.ndarray = np.column_stack([
            escape(rows["place"]),
            escape(qualifier + np.where(qualifier == "", "", " ")),
            [format_count(float(p)) for p in people],
            when,
            escape(rows["scope"].fillna(rows["place"]) if "scope" in rows else rows["place"]),
            escape(rows["source"]),
        ])
        label = info.label
        colour = DISPLACEMENT_COLOURS.get(kind, DISPLACEMENT_COLOURS["flow"])
        if kind != "stock":  # a pale centre under the translucent disc: a ring, not only another colour
            traces.append(plain.trace("scattermap", name=f"{label} (centre)", meta="displacement-ring",
                legendgroup="displacement", showlegend=False, hoverinfo="skip", mode="markers",
                lat=rows["latitude"].to_numpy(dtype="float64"), lon=rows["longitude"].to_numpy(dtype="float64"),
                marker=dict(size=size * 0.55, color="#ffffff", opacity=0.85)))
        traces.append(plain.trace("scattermap",
            name=label,
            meta="displacement",
            legendgroup="displacement",
            legendgrouptitle=dict(text=DISPLACEMENT_TITLE),
            lat=rows["latitude"].to_numpy(dtype="float64"),
            lon=rows["longitude"].to_numpy(dtype="float64"),
            mode="markers+text",
            # A period figure drawn inside a cumulative one would hide its label: hover tells it.
            text=[short_count(float(p)) if kind == "stock" or code not in stock_places else ""
                  for p, code in zip(people, rows["pcode"], strict=True)],
            textfont=dict(family=GLYPH_FONT_BOLD, size=11, color="#1a1a1a"),
            textposition="top center" if kind == "stock" else "middle center",
            marker=dict(size=size, color=colour, opacity=0.38),
            customdata=detail,
            hovertemplate=("<b>%{customdata[0]}</b><br>%{customdata[1]}%{customdata[2]} " + esc(info.measure)
                           + " %{customdata[3]}<br>Scope: %{customdata[4]}<br>Source: %{customdata[5]}"
                           "<extra>" + esc(label) + "</extra>"),
        ))
    return traces


def _roads_name(roads: pd.Series) -> str:
    """The highways' legend entry from the data's road names ("M4 / M5 highways"), short when many."""
    names = sorted({str(r) for r in roads.dropna()})
    return (" / ".join(names) + " highways" if 0 < len(names) <= 3 and sum(map(len, names)) <= 24
            else "Highways") + " (schematic)"


def context_layer(places: pd.DataFrame, highways: pd.DataFrame) -> list[dict]:
    """The dataset's schematic highways through the towns they join (named by its own road names), and
    town labels."""
    traces = []
    if not highways.empty and not places.empty:
        where = places.set_index("place_id")[["latitude", "longitude"]]
        lat: list[float | None] = []
        lon: list[float | None] = []
        for _road, stops in highways.sort_values(["road", "seq"]).groupby("road", sort=True):
            points = where.reindex(stops["place_id"]).dropna()
            lat += points["latitude"].tolist() + [None]
            lon += points["longitude"].tolist() + [None]
        traces.append(plain.trace("scattermap",
            name=_roads_name(highways["road"]), meta="context", legendgroup="context",
            legendgrouptitle=dict(text="Context"),
            lat=lat, lon=lon, mode="lines", line=dict(color=CONTEXT_COLOUR, width=2.5),
            hoverinfo="skip", connectgaps=False,
        ))
    towns = places[places["kind"].isin(["city", "town", "village"])] if "kind" in places else places
    if not towns.empty:
        traces.append(plain.trace("scattermap",
            name="Towns", meta="context", legendgroup="context", legendgrouptitle=dict(text="Context"),
            lat=towns["latitude"].to_numpy(dtype="float64"), lon=towns["longitude"].to_numpy(dtype="float64"),
            mode="markers+text", text=towns["name"].astype(str).tolist(),
            textposition="top right", textfont=dict(family=GLYPH_FONT, size=11, color="#333333"),
            marker=dict(size=4, color="#333333"),
            hovertemplate="%{text}<extra>town</extra>",
        ))
    return traces


def town_label_layer(latitude: np.ndarray, longitude: np.ndarray, labels: list[str], population: np.ndarray,
                     source: str) -> list[dict]:
    """Names of populated places (chosen and decluttered by :mod:`dashboard.views.towns`), as map
    text drawn with the local glyphs (Latin names: see :func:`~dashboard.figures.overlays.drawable`).
    One trace, also when empty: a pan replaces it in place."""
    text = [drawable(name) for name in labels]
    hover = np.column_stack([[esc(t) for t in text], [format_count(float(p)) for p in population]]) \
        if len(text) else np.empty((0, 2), dtype=object)
    return [plain.trace("scattermap",
        name="Towns (GeoNames)", meta="town-labels", legendgroup="context", legendgrouptitle=dict(text="Context"),
        lat=np.asarray(latitude, dtype="float64"), lon=np.asarray(longitude, dtype="float64"),
        mode="markers+text", text=text, textposition="top right",
        textfont=dict(family=GLYPH_FONT, size=10, color="#4d4d4d"), marker=dict(size=3, color="#6b6b6b"),
        customdata=hover,
        hovertemplate="%{customdata[0]} (population %{customdata[1]})<extra>" + esc(source) + "</extra>",
    )]


def _points(values: Any) -> int:
    return len(values) if values is not None and hasattr(values, "__len__") else 0


def _placeholder(trace: dict) -> dict:
    """An empty scattermap trace as one point without coordinates: it draws nothing, keeps its legend
    entry, and keeps its MapLibre layers (see :func:`with_uids`)."""
    kept = {k: v for k, v in trace.items() if k in ("type", "name", "meta", "legendgroup", "legendgrouptitle",
                                                     "showlegend", "mode", "line", "textfont", "uid")}
    marker = trace.get("marker") or {}
    kept["marker"] = {k: v for k, v in marker.items() if k in ("color", "opacity", "symbol") and isinstance(v, str)}
    if "text" in trace:
        kept["text"] = [""]
    return {**kept, "lat": [None], "lon": [None], "hoverinfo": "skip"}


def with_uids(traces: list[dict]) -> list[dict]:
    """The traces as plotly's map can update them: each with a ``uid`` naming its layer and entry, and
    none empty (copies; shared traces stay as built).

    Plotly matches a map's traces across updates by ``uid``; without one it
    goes by position, and a layer switched on or off shifts every trace after
    it. And plotly hides an empty scattermap trace by disposing its MapLibre
    layers, then disposes them again when the trace goes: MapLibre refuses
    to remove a layer that is not there, plotly throws "Map error." and the
    map stops updating. An empty trace is therefore sent as one point
    without coordinates (nothing drawn, legend entry kept).
    """
    seen: dict[str, int] = {}
    out = []
    for trace in traces:
        key = f"{trace.get('meta', '')}:{trace.get('name', '')}"
        seen[key] = seen.get(key, -1) + 1
        # Plotly puts the uid in CSS class names: letters and digits only.
        digest = hashlib.blake2s(f"{key}#{seen[key]}".encode(), digest_size=6).hexdigest()
        uid = f"{re.sub('[^a-z0-9]+', '-', key.lower()).strip('-')[:24]}-{digest}"
        if trace.get("type") == "scattermap" and not _points(trace.get("lat")):
            out.append(_placeholder({**trace, "uid": uid}))
        else:
            out.append({**trace, "uid": uid})
    return out


def map_credit(context: list[dict], base: str) -> str:
    """The map's credit line: the basemap's source, and a word on schematic roads when they are drawn."""
    schematic = any(trace.get("meta") == "context" and trace.get("mode") == "lines" for trace in context)
    return ("Highways schematic · " if schematic else "") + base


@functools.lru_cache(maxsize=64)
def offline_style(base_url: str, focus: tuple[str, ...] = ()) -> plain.Ready:
    """The plain offline style for ``base_url`` and the data's countries, built once (shared, JSON-ready)."""
    return plain.Ready(map_style(base_url, focus=focus))


def incident_map(*, incidents: IncidentPoints, context: list[dict], displacement: list[dict], gazetteer: Gazetteer,
                 state: FilterState,
                 event_types: list[str], view: dict, base_url: str, budget: int = DEFAULT_POINT_BUDGET,
                 below: list | None = None, under_incidents: list | None = None, above: list | None = None,
                 focus: tuple[str, ...] = (), hidden: int = 0) -> dict:
    """Compose the layers switched on in ``state`` over the offline style.

    ``base_url`` is the URL of the app's assets (glyphs and outlines), absolute
    or root-relative (``/assets/``). Extra layers (see ``figures/overlays.py``)
    go ``below`` everything, ``under_incidents`` just under the incident
    points, or ``above`` everything.
    ``focus`` names the data's countries (ISO alpha-2), drawn
    a shade lighter on the basemap.
    """
    traces: list[dict] = list(below or [])
    if "context" in state.layers:
        traces += context
    if "displacement" in state.layers:
        traces += displacement
    if "incidents" in state.layers:
        types = event_types if state.event_types is None else [t for t in event_types if t in state.event_types]
        if isinstance(incidents.plan, GridCells):
            traces += aggregate_layer(incidents.plan)
        else:
            traces += incident_layer(incidents, gazetteer, event_types, shown=types)
    first = next((i for i, t in enumerate(traces) if t["meta"] in INCIDENT_METAS), len(traces))
    traces[first:first] = list(under_incidents or [])
    traces += list(above or [])
    traces = with_uids(traces)
    points = "incidents" in state.layers and not isinstance(incidents.plan, GridCells)
    key_shapes, key_notes = size_key(incidents.size_by) if points else ([], [])
    return plain.figure(traces, dict(
        map=dict(style=offline_style(base_url, focus), center=dict(lat=view["lat"], lon=view["lon"]),
                 zoom=view["zoom"]),
        uirevision=MAP_UIREVISION,
        showlegend=True,  # even with one layer: the legend says what the symbols are
        margin=dict(l=0, r=0, t=0, b=0),
        # The legend explains; it does not filter (a click there would hide a type that the headline,
        # the link and the exports still count). Filters are on the left.
        # Swatches all of one size (plotly would size each by the mean of its points: they would change
        # with the data); the size key says what sizes mean. On a phone the page folds the legend
        # behind a button (assets/legend.js).
        legend=dict(x=0.99, y=0.99, xanchor="right", yanchor="top", bgcolor="rgba(255,255,255,0.9)",
                    itemclick=False, itemdoubleclick=False, itemsizing="constant",
                    bordercolor="#cccccc", borderwidth=1, font=dict(size=11),
                    grouptitlefont=dict(size=11), tracegroupgap=6),
        hoverlabel=dict(align="left", font=dict(size=12)),
        annotations=[dict(text=map_credit(context, ATTRIBUTIONS["plain"]), name="credit",
                          x=1, y=0, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                          showarrow=False, font=dict(size=10, color="#555"), bgcolor="rgba(255,255,255,0.7)"),
                     dict(text=esc(status_text(incidents, budget, hidden)), name="status",
                          x=0, y=0, xref="paper", yref="paper", xanchor="left", yanchor="bottom",
                          showarrow=False, font=dict(size=11, color="#222"), bgcolor="rgba(255,255,255,0.85)")
                     if "incidents" in state.layers else dict(text="", visible=False, name="status"),
                     *key_notes],
        shapes=key_shapes,
    ))
