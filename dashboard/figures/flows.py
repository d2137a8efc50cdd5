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
ARC_VERTICES = 12
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


def arcs(lat0: np.ndarray, lon0: np.ndarray, lat1: np.ndarray, lon1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Arcs from origins to destinations with arrow heads, as one polyline: per flow the arc's
    :data:`ARC_VERTICES` vertices, a gap (NaN), the head's three (barb, tip, barb), a gap. Computed at once
    on a plane scaled by the cosine of the latitude, so angles look right; across the antimeridian an arc
    goes the short way round."""
    lat0, lon0, lat1, lon1 = (np.asarray(v, dtype="float64") for v in (lat0, lon0, lat1, lon1))
    lon1 = lon1 - 360.0 * np.round((lon1 - lon0) / 360.0)
    scale = np.maximum(np.cos(np.radians((lat0 + lat1) / 2)), 0.05)[:, None]
    a = np.stack([lon0, lat0], axis=1) * np.hstack([scale, np.ones_like(scale)])
    b = np.stack([lon1, lat1], axis=1) * np.hstack([scale, np.ones_like(scale)])
    along = b - a
    length = np.hypot(along[:, 0], along[:, 1])[:, None]
    control = (a + b) / 2 + BEND * np.stack([along[:, 1], -along[:, 0]], axis=1)
    t = np.linspace(0.0, 1.0, ARC_VERTICES)[None, :, None]
    points = (1 - t) ** 2 * a[:, None] + 2 * (1 - t) * t * control[:, None] + t ** 2 * b[:, None]
    heading = b - control
    heading = heading / np.where(length > 0, np.hypot(heading[:, 0], heading[:, 1])[:, None], 1.0)
    barb = np.minimum(BARB * length, MAX_BARB)
    sides = []
    for angle in (BARB_ANGLE, -BARB_ANGLE):
        c, s = np.cos(angle), np.sin(angle)
        back = -np.stack([c * heading[:, 0] - s * heading[:, 1], s * heading[:, 0] + c * heading[:, 1]], axis=1)
        sides.append(b + barb * back)
    gap = np.full((len(a), 1, 2), np.nan)
    line = np.concatenate([points, gap, sides[0][:, None], b[:, None], sides[1][:, None], gap], axis=1)
    return line[:, :, 1].ravel(), (line[:, :, 0] / scale).ravel()


def arc(lat0: float, lon0: float, lat1: float, lon1: float) -> tuple[list[float | None], list[float | None]]:
    """One arc of :func:`arcs` as lists, ``None`` at its gaps (the trailing one left off)."""
    lat, lon = arcs(np.array([lat0]), np.array([lon0]), np.array([lat1]), np.array([lon1]))
    return ([None if np.isnan(v) else float(v) for v in lat[:-1]],
            [None if np.isnan(v) else float(v) for v in lon[:-1]])


def hover_text(flows: pd.DataFrame, describe: Callable[[str, str], SeriesInfo]) -> list[str]:
    """One hover label per flow: both ends, the people and the period in the source's words, the source."""
    out = []
    said: dict[tuple, str] = {}  # what and when, per movement, source and period: a few distinct ones
    columns = ["origin", "destination", "people", "period_start", "period_end", "movement", "source"]
    for origin, destination, people, start, end, movement, source in flows[columns].itertuples(index=False):
        key = (movement, source, start, end)
        words = said.get(key)
        if words is None:
            info = describe(str(movement), str(source))
            when = period_words(pd.Timestamp(start), pd.Timestamp(end), info.unit)
            words = said[key] = f"{esc(info.measure)}{' in ' + esc(when) if when else ''}<br>Source: {esc(source)}"
        ends = f"{esc(origin)} → {esc(destination)}" if origin != destination else f"Within {esc(origin)}"
        out.append(f"<b>{ends}</b><br>{format_count(float(people))} people: {words}")
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
        ends = {c: flows[c].to_numpy(dtype="float64") for c in ("origin_lat", "origin_lon", "destination_lat",
                                                                 "destination_lon")}
        for index in sorted(set(classes[~same].tolist()), reverse=True):
            rows = np.flatnonzero((classes == index) & ~same)
            lat, lon = arcs(*(ends[c][rows] for c in ("origin_lat", "origin_lon", "destination_lat",
                                                      "destination_lon")))
            traces.append(_legend(plain.trace("scattermap",
                name=class_label(index), mode="lines", lat=lat, lon=lon, connectgaps=False,
                line=dict(color=FLOW_COLOUR, width=WIDTH_CLASSES[index][1]), opacity=0.8,
                text=np.repeat(text[rows], len(lat) // len(rows)).tolist(), hovertemplate="%{text}<extra></extra>",
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
