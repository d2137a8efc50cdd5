"""Displacement flows on the map: origin-to-destination arcs, width by people, arrow heads at the destination.

A scattermap trace has one line width, so flows are binned into fixed
width classes (powers of ten of people, the same on every date and every
dataset) and each class present is one trace, named in the legend
("10,000–100,000 people"). An arc bends to the right of its direction, so
A→B and B→A stay apart; two short barbs at its end point at the
destination. A movement within one area (origin = destination) has no
line: it is a circle at the area, sized by the same classes. Hover names
both ends, the people and the period in the source's words. The flows
that could not be placed are named in a legend entry, never drawn
elsewhere.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from dashboard.figures import plain
from dashboard.figures.style import esc, format_count
from dashboard.figures.wording import period_words
from geodata.model.series import SeriesInfo

FLOW_COLOUR = "#6a3d9a"
#: (lower bound in people, line width px); a class runs to the next bound.
WIDTH_CLASSES = ((0.0, 1.0), (100.0, 2.0), (1_000.0, 3.5), (10_000.0, 5.5), (100_000.0, 8.0))
#: Vertices of an arc (a quadratic Bézier curve); its bend as a share of the arc's length.
ARC_VERTICES = 16
BEND = 0.18
#: Arrow barbs: length as a share of the arc (at most MAX_BARB degrees), angle from the arc.
BARB = 0.12
MAX_BARB = 0.6
BARB_ANGLE = np.radians(25.0)
LEGEND_TITLE = "Displacement flows (width: people)"


def width_class(people: np.ndarray) -> np.ndarray:
    """The index in :data:`WIDTH_CLASSES` of each figure."""
    bounds = np.array([low for low, _ in WIDTH_CLASSES[1:]])
    return np.searchsorted(bounds, np.asarray(people, dtype="float64"), side="right")


def class_label(index: int) -> str:
    """'Fewer than 100 people', '1,000–10,000 people', '100,000 people or more'."""
    low = WIDTH_CLASSES[index][0]
    if index == 0:
        return f"Fewer than {format_count(WIDTH_CLASSES[1][0])} people"
    if index == len(WIDTH_CLASSES) - 1:
        return f"{format_count(low)} people or more"
    return f"{format_count(low)}–{format_count(WIDTH_CLASSES[index + 1][0])} people"


def arc(lat0: float, lon0: float, lat1: float, lon1: float) -> tuple[list[float | None], list[float | None]]:
    """An arc from origin to destination with an arrow head, as polyline vertices (``None`` between
    the arc and the barbs). Computed on a plane scaled by the cosine of the latitude, so angles look right."""
    scale = max(np.cos(np.radians((lat0 + lat1) / 2)), 0.05)
    a = np.array([lon0 * scale, lat0])
    b = np.array([lon1 * scale, lat1])
    along = b - a
    length = float(np.hypot(*along))
    right = np.array([along[1], -along[0]])
    control = (a + b) / 2 + BEND * right
    t = np.linspace(0.0, 1.0, ARC_VERTICES)[:, None]
    points = (1 - t) ** 2 * a + 2 * (1 - t) * t * control + t ** 2 * b
    heading = b - control
    heading = heading / (np.hypot(*heading) or 1.0)
    barb = min(BARB * length, MAX_BARB)
    barbs = []
    for angle in (BARB_ANGLE, -BARB_ANGLE):
        c, s = np.cos(angle), np.sin(angle)
        back = -np.array([c * heading[0] - s * heading[1], s * heading[0] + c * heading[1]])
        barbs.append(b + barb * back)
    head = [barbs[0], b, barbs[1]]
    lon = [float(p[0] / scale) for p in points] + [None] + [float(p[0] / scale) for p in head]
    lat = [float(p[1]) for p in points] + [None] + [float(p[1]) for p in head]
    return lat, lon


def hover_text(flows: pd.DataFrame, describe: Callable[[str, str], SeriesInfo]) -> list[str]:
    """One hover label per flow: both ends, the people and the period in the source's words, the source."""
    out = []
    columns = ["origin", "destination", "people", "period_start", "period_end", "movement", "source"]
    for origin, destination, people, start, end, movement, source in flows[columns].itertuples(index=False):
        info = describe(str(movement), str(source))
        when = period_words(pd.Timestamp(start), pd.Timestamp(end), info.unit)
        ends = f"{esc(origin)} → {esc(destination)}" if origin != destination else f"Within {esc(origin)}"
        out.append(f"<b>{ends}</b><br>{format_count(float(people))} people: {esc(info.measure)}"
                   f"{' in ' + esc(when) if when else ''}<br>Source: {esc(source)}")
    return out


def _legend(trace: dict) -> dict:
    return {**trace, "meta": "flows", "legendgroup": "flows", "legendgrouptitle": dict(text=LEGEND_TITLE)}


def flow_layer(flows: pd.DataFrame, describe: Callable[[str, str], SeriesInfo], note: str = "") -> list[dict]:
    """The flows (columns of :data:`geodata.query.flows.PLACED_COLUMNS`) as map traces: one per width
    class present, one of circles for movements within one area, and the ``note`` on flows not drawn
    as a legend entry. ``describe(movement, source)`` says what a flow counts."""
    traces: list[dict] = []
    if len(flows):
        people = flows["people"].to_numpy(dtype="float64")
        classes = width_class(people)
        text = np.array(hover_text(flows, describe), dtype=object)
        same = ((flows["origin_lat"] == flows["destination_lat"])
                & (flows["origin_lon"] == flows["destination_lon"])).to_numpy(dtype=bool)
        for index in sorted(set(classes[~same].tolist()), reverse=True):
            rows = np.flatnonzero((classes == index) & ~same)
            lat: list[float | None] = []
            lon: list[float | None] = []
            hover: list[str] = []
            for i in rows:
                r = flows.iloc[i]
                a_lat, a_lon = arc(float(r["origin_lat"]), float(r["origin_lon"]),
                                   float(r["destination_lat"]), float(r["destination_lon"]))
                lat += a_lat + [None]
                lon += a_lon + [None]
                hover += [text[i]] * (len(a_lat) + 1)
            traces.append(_legend(plain.trace("scattermap",
                name=class_label(index), mode="lines", lat=lat, lon=lon, connectgaps=False,
                line=dict(color=FLOW_COLOUR, width=WIDTH_CLASSES[index][1]), opacity=0.8,
                text=hover, hovertemplate="%{text}<extra></extra>",
            )))
        if same.any():
            rows = np.flatnonzero(same)
            traces.append(_legend(plain.trace("scattermap",
                name="Moved within one area", mode="markers",
                lat=flows["origin_lat"].to_numpy(dtype="float64")[rows],
                lon=flows["origin_lon"].to_numpy(dtype="float64")[rows],
                marker=dict(size=np.array([6 + 3 * WIDTH_CLASSES[c][1] for c in classes[rows]]), color=FLOW_COLOUR,
                            opacity=0.35),
                text=text[rows].tolist(), hovertemplate="%{text}<extra></extra>",
            )))
    if note:
        # Nothing drawn: the legend entry carries the note (see dashboard.figures.map.with_uids).
        traces.append(_legend(plain.trace("scattermap", name=esc(note), mode="markers", lat=[], lon=[],
                                          marker=dict(color="rgba(0,0,0,0)"))))
    return traces
