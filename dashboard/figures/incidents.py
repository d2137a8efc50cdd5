"""The incident layer: one trace per category of the colour field, a mark on each point, counts
where incidents share a spot, and the fatality size key.

Why here and not in ``map.py``: the layer has grown its own vocabulary
(colour key, marks, co-location badges, size key), and every part stays a
pure function of numpy arrays (O(n) or a sort per view, no loop per point).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.figures import plain
from dashboard.figures.basemap import GLYPH_FONT_BOLD
from dashboard.figures.style import (
    FIXED_SIZE,
    category_colours,
    category_marks,
    cell_text,
    esc,
    fatality_text,
    format_day,
    marker_diameter,
    text_on,
)
from geodata import GEO_PRECISION, Gazetteer
from geodata.query.budget import GridCells, PointSelection
from geodata.query.columns import HotColumns

#: The fields points can be coloured by, as the legend names them.
COLOUR_TITLES = {"event_type": "event type", "actor": "actor", "sub_event_type": "sub-type",
                 "precision": "location precision"}
#: Up to this many points carry their category's mark (a letter drawn by MapLibre) and the counts of
#: shared spots: above it, placing thousands of labels would slow the map, the points are too dense to
#: read them anyway, and the map callback keeps its old cost (no sort). A click still lists a spot.
MARK_LIMIT = 5_000
#: Fatalities the size key shows, each drawn with the points' own size formula.
SIZE_KEY_FATALITIES = (1, 10, 100)
COUNT_META = "incidents-count"
COUNT_LEGEND = "2, 3 … incidents at one spot (click for the list)"

INCIDENT_HOVER = (
    "<b>%{customdata[1]}</b><br>"
    "%{customdata[0]} · %{customdata[2]}<br>"
    "Actors: %{customdata[3]}<br>"
    "Fatalities: %{customdata[4]}<br>"
    "Location: %{customdata[6]}<br>"
    "Source: %{customdata[5]}"
    "<extra></extra>"
)
COMPACT_HOVER = ("<b>%{fullData.name}</b><br>Fatalities: %{customdata:.0f}<br>"
                 "<i>Narrow the filter for details</i><extra></extra>")
#: Up to this many points get full hover text (place, actors, source...); above it the hover is
#: compact (type and fatalities from typed arrays) so the payload stays ~17 bytes per point.
RICH_HOVER_LIMIT = 500
HOVER_COLUMNS = ["event_date", "location", "event_type", "sub_event_type", "actor1", "actor2", "fatalities",
                 "fatalities_low", "fatalities_high", "source", "geo_precision", "geo_precision_note", "event_id"]


def marker_size(fatalities: np.ndarray) -> np.ndarray:
    """Marker diameter in px as uint8 (one byte a point on the wire); see :func:`marker_diameter`."""
    return marker_diameter(fatalities).astype(np.uint8)


@dataclass(frozen=True)
class ColourKey:
    """What the points are coloured by: ``names`` (the legend's entries, in order, the same for every
    filter) and ``codes``, one per incident of the store (index into ``names``)."""

    field: str
    names: tuple[str, ...]
    codes: np.ndarray

    @property
    def title(self) -> str:
        return COLOUR_TITLES.get(self.field, self.field)

    @classmethod
    def of_types(cls, columns: HotColumns, event_types: list[str]) -> ColourKey:
        """The key by event type, the entries in ``event_types`` order."""
        lut = np.asarray([event_types.index(t) if t in event_types else -1 for t in columns.type_names] + [-1],
                         dtype=np.int16)
        return cls("event_type", tuple(event_types), lut[columns.type_codes])


@dataclass(frozen=True)
class IncidentPoints:
    """What the incident layer draws: the store's hot columns and the plan for this view.

    ``rows`` are the canonical rows of ``plan.positions`` (same order) when
    there are few enough for full hover text, else ``None``. ``key`` says
    what colours the points (by event type when ``None``); ``size_by`` is
    ``"fatalities"`` or ``"fixed"``.
    """

    columns: HotColumns
    plan: PointSelection | GridCells
    rows: pd.DataFrame | None = None
    key: ColourKey | None = None
    size_by: str = "fatalities"

    @property
    def drawn(self) -> int:
        """Incidents drawn as points (0 when aggregated)."""
        return len(self.plan.positions) if isinstance(self.plan, PointSelection) else 0


def incident_hover_data(incidents: pd.DataFrame, gazetteer: Gazetteer) -> np.ndarray:
    """customdata rows: date, place, type, actors, fatalities, source, precision, event id.

    Every text from data is HTML-escaped. A plain loop: it only runs for the
    few hundred points that get rich hover, where it beats pandas' per-call overhead.
    """
    display: dict[str, str] = {}
    rows = []
    frame = incidents.reindex(columns=HOVER_COLUMNS)
    for (day, place, kind, sub, actor1, actor2, best, low, high, source, precision, note,
         event_id) in frame.itertuples(index=False, name=None):
        place = cell_text(place)
        if place not in display:
            display[place] = gazetteer.display_name(place)
        kind = cell_text(kind) + (f" – {cell_text(sub)}" if cell_text(sub) else "")
        actors = (cell_text(actor1) or "unknown") + (f" vs {cell_text(actor2)}" if cell_text(actor2) else "")
        where = GEO_PRECISION.get(int(precision), "unknown") if cell_text(precision) else "unknown"
        where += f" ({cell_text(note)})" if cell_text(note) else ""
        rows.append([
            format_day(day), esc(display[place]), esc(kind), esc(actors), fatality_text(best, low, high),
            esc(cell_text(source)[:300]), esc(where), esc(cell_text(event_id)),
        ])
    return np.array(rows, dtype=object) if rows else np.empty((0, 8), dtype=object)


def legend_name(name: str, mark: str) -> str:
    """A legend entry: the mark drawn on the points, then the category (its full name stays in the data)."""
    return f"{mark} · {name}" if mark else name


def incident_layer(points: IncidentPoints, gazetteer: Gazetteer, event_types: list[str],
                   shown: list[str] | None = None) -> list[dict]:
    """One trace per category of the colour key (every category of the dataset, whatever the
    filter), each with its colour and its mark, sized by fatalities or fixed; then the counts of
    incidents sharing a spot.

    Built from numpy arrays, so plotly sends typed arrays. Every category keeps
    its trace (empty when it has no incident; out of the legend when the
    filter leaves its event type out, ``shown``): the legend and colours stay
    put during playback, and plotly never has to remove a trace that was
    empty — it would remove MapLibre layers an empty trace never added, throw
    "Map error." and stop updating the map.
    """
    assert isinstance(points.plan, PointSelection), "grid cells are drawn by aggregate_layer"
    columns, positions = points.columns, points.plan.positions
    key = points.key or ColourKey.of_types(columns, event_types)
    codes = key.codes[positions]
    # Group the points by category once (a stable sort keeps date order), then each trace is a slice.
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    chosen = positions[order]
    lat, lon, deaths = columns.latitude[chosen], columns.longitude[chosen], columns.fatalities[chosen]
    sizes = marker_size(deaths) if points.size_by != "fixed" else None
    rich = incident_hover_data(points.rows.take(order), gazetteer) if points.rows is not None else None
    colours, marks = category_colours(key.names), category_marks(key.names)
    marked = len(positions) <= MARK_LIMIT
    title = f"Incidents by {key.title}" + (" (size: fatalities)" if sizes is not None else "")
    traces = []
    for code, (name, colour, mark) in enumerate(zip(key.names, colours, marks, strict=True)):
        run = slice(int(np.searchsorted(codes, code, side="left")), int(np.searchsorted(codes, code, side="right")))
        if rich is not None:
            hover = dict(customdata=rich[run], hovertemplate=INCIDENT_HOVER)
        else:
            hover = dict(customdata=deaths[run], hovertemplate=COMPACT_HOVER)
        text = dict(mode="markers+text", text=mark, textposition="middle center",
                    textfont=dict(family=GLYPH_FONT_BOLD, size=9, color=text_on(colour))) \
            if marked and mark else dict(mode="markers")
        traces.append(plain.trace(
            "scattermap",
            name=legend_name(name, mark),
            meta="incidents",
            legendgroup="incidents",
            legendgrouptitle=dict(text=title),
            showlegend=shown is None or key.field != "event_type" or name in shown,
            lat=lat[run],
            lon=lon[run],
            marker=dict(size=sizes[run] if sizes is not None else FIXED_SIZE, color=colour, opacity=0.88),
            **text,
            **hover,
        ))
    shared = positions if marked else positions[:0]
    return traces + count_layer(columns.latitude[shared], columns.longitude[shared])


def colocated(latitude: np.ndarray, longitude: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(latitude, longitude, count) of every spot where more than one of the points lies (the
    same float32 coordinates: what the map draws as one disc). One sort of 64-bit keys (both
    coordinates' bits), no loop per point; the coordinates come back out of the keys."""
    lat = np.ascontiguousarray(latitude, dtype=np.float32)
    lon = np.ascontiguousarray(longitude, dtype=np.float32)
    spots = np.sort((lat.view(np.uint32).astype(np.uint64) << np.uint64(32)) | lon.view(np.uint32))
    starts = np.flatnonzero(np.r_[True, spots[1:] != spots[:-1]]) if len(spots) else np.empty(0, dtype=np.int64)
    counts = np.diff(np.r_[starts, len(spots)])
    keys = spots[starts[counts > 1]]
    return ((keys >> np.uint64(32)).astype(np.uint32).view(np.float32),
            (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32).view(np.float32), counts[counts > 1].astype(np.uint32))


def count_layer(latitude: np.ndarray, longitude: np.ndarray) -> list[dict]:
    """The number of incidents at each spot holding several, beside its disc (one trace, also when
    empty: see ``with_uids``). A click on it opens the list of them all in the detail panel."""
    lat, lon, counts = colocated(latitude, longitude)
    return [plain.trace(
        "scattermap", name=COUNT_LEGEND, meta=COUNT_META,
        legendgroup="incidents", legendgrouptitle=dict(text="Incidents"),
        # With markers: plotly gives a text-only map trace no text layer. The marker is invisible.
        lat=lat, lon=lon, mode="markers+text", marker=dict(size=1, color="#ffffff", opacity=0.01),
        customdata=counts, text=counts.astype(str),
        textposition="top right", textfont=dict(family=GLYPH_FONT_BOLD, size=12, color="#111111"),
        hovertemplate="%{customdata} incidents at this spot<br><i>Click for the list</i><extra></extra>",
    )]


def size_key(size_by: str, x: float = 1.0, y: float = 0.0) -> tuple[list[dict], list[dict]]:
    """(shapes, annotations) of the fatality size key, its bottom right corner at paper (``x``,
    ``y``) (the map's, above the credit line, by default): a disc for 1, 10 and 100 killed, each
    exactly as large as a point with that figure (pixel-sized shapes: the legend draws at most
    16 px, whatever the data). Nothing when the size is fixed."""
    if size_by == "fixed":
        return [], []
    diameters = [float(d) for d in marker_size(np.asarray(SIZE_KEY_FATALITIES, dtype=np.float32))]
    gap, pad, bottom, label = 12.0, 8.0, 20.0, 14.0
    width = sum(diameters) + gap * (len(diameters) - 1) + 2 * pad
    tallest = max(diameters)
    top = bottom + pad + label + tallest + 4 + 14
    common = dict(xref="paper", yref="paper", xsizemode="pixel", ysizemode="pixel", xanchor=x, yanchor=y)
    shapes = [dict(type="rect", name="size-key", x0=-width - 6, x1=-6, y0=bottom, y1=top,
                   fillcolor="rgba(255,255,255,0.9)", line=dict(color="#cccccc", width=1), **common)]
    annotations = [dict(text="Fatalities", name="size-key", x=x, y=y, xref="paper", yref="paper", xanchor="left",
                        yanchor="top", xshift=-width - 6 + pad, yshift=top - 2, showarrow=False,
                        font=dict(size=11, color="#222"))]
    left = -width - 6 + pad
    for deaths, diameter in zip(SIZE_KEY_FATALITIES, diameters, strict=True):
        centre = left + diameter / 2
        base = bottom + pad + label
        shapes.append(dict(type="circle", name="size-key", x0=centre - diameter / 2, x1=centre + diameter / 2,
                           y0=base, y1=base + diameter, fillcolor="rgba(102,102,102,0.55)",
                           line=dict(color="#444444", width=1), **common))
        annotations.append(dict(text=f"{deaths:,}", name="size-key", x=x, y=y, xref="paper", yref="paper",
                                xanchor="center", yanchor="bottom", xshift=centre, yshift=bottom + pad - 2,
                                showarrow=False, font=dict(size=10, color="#222")))
        left += diameter + gap
    return shapes, annotations
