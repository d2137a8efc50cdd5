"""Label declutter for the briefing's static map: no two labels overlap, the important ones win.

Why: on screen MapLibre hides a label that collides with another, in whatever order its layers
come, so a briefing lost the names of the towns the incidents were in while far-off villages
kept theirs, and a figure ("948k") sat on a town's name. A printed map cannot be zoomed: the
briefing chooses its labels itself, with priorities:

1. figures (displacement totals: the numbers the page is about);
2. places with selected incidents within :data:`NEAR_KM`, most incidents first;
3. the dataset's own places (its analysts chose them), then other labels (area names);
4. GeoNames towns by population (their trace lists them biggest first).

A label's box is estimated from its font size and characters (:data:`CHAR_EM` x size per
character, :data:`LINE_EM` x size high, placed as plotly places text for its ``textposition``);
a label tries its trace's position, then the others of :data:`POSITIONS`; one whose every box
overlaps a label kept before it, the map's furniture (north arrow, scale bar, status line) or the
map's edge is left out (its marker stays), and so is a label of rank 3 or 4 that
would cover the marks MapLibre draws on incidents (letters, counts). The caller draws the labels
kept on the page, over the map: MapLibre would hide some of them again. Pure: arrays in, trace
copies and labels out.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from dashboard.views.towns import world_pixels

#: Advance of an average DejaVu Sans character, in em (wide enough for capitals and diacritics).
#: A box on the map: left, top, right, bottom in px from its centre.
Box = tuple[float, float, float, float]

CHAR_EM = 0.62
#: A label's height in em, with MapLibre's line height.
LINE_EM = 1.2
#: Room kept around every label (px), as MapLibre's text padding.
PAD_PX = 2.0
#: Above this many marks in a trace, they are not obstacles (too dense to read; a label then goes over them).
MAX_MARKS = 5_000
#: An incident this close to a labelled place counts for it.
NEAR_KM = 5.0
#: Most incidents counted near the labels (evenly spaced above it, counts scaled): a ranking needs no more.
NEARBY_SAMPLE = 200_000
#: Where a label may go around its point, tried in this order after the trace's own position.
POSITIONS = ("top right", "top left", "bottom right", "bottom left", "middle right", "middle left",
             "top center", "bottom center")
FIGURE_METAS = ("displacement",)
GEONAMES_META = "town-labels"
#: The traces whose text is a label beside a point (an incident marker's own glyph or count is not).
LABEL_METAS = (*FIGURE_METAS, "context", GEONAMES_META, "boundaries", "place", "territory")


@dataclass(frozen=True)
class Label:
    """One label on the map: where its text is (px box on the map) and how much it matters."""

    trace: int
    point: int
    text: str
    box: tuple[float, float, float, float]  # left, top, right, bottom (px from the map's centre, padded)
    rank: tuple[float, ...]
    size: float = 12.0
    colour: str = "#333333"
    bold: bool = False
    #: Other places its text may go when ``box`` is taken (the trace's own position comes first).
    options: tuple[Box, ...] = ()


def text_box(x: float, y: float, text: str, size: float, position: str) -> tuple[float, float, float, float]:
    """The box (px) of ``text`` at ``size`` px drawn at point (x, y) with plotly's ``textposition``.

    Plotly anchors map text opposite its position and offsets it by about half an em sideways
    and one and a half em up or down (plotly.js ``convertTextOpts``).
    """
    width, height = CHAR_EM * size * len(text), LINE_EM * size
    vertical, _, horizontal = (position or "middle center").partition(" ")
    if horizontal == "right":
        left = x + 0.5 * size
    elif horizontal == "left":
        left = x - 0.5 * size - width
    else:
        left = x - width / 2
    if vertical == "top":
        top = y - 1.5 * size - (height - size) / 2
    elif vertical == "bottom":
        top = y + 0.5 * size - (height - size) / 2
    else:
        top = y - height / 2
    return (left - PAD_PX, top - PAD_PX, left + width + PAD_PX, top + height + PAD_PX)


def overlaps(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two boxes (left, top, right, bottom) share any area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _population(row: Any) -> float:
    try:
        return float(str(row[1]).replace(",", ""))
    except (IndexError, TypeError, ValueError):
        return 0.0


def _nearby(lat: np.ndarray, lon: np.ndarray, incidents: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """How many of the ``incidents`` (latitudes, longitudes) lie within :data:`NEAR_KM` of each point.

    A ranking, never shown: above :data:`NEARBY_SAMPLE` incidents it counts evenly spaced ones (date
    order, so every period counts) and scales up, so a briefing of 10^7 incidents ranks its labels in
    milliseconds instead of comparing every label with every incident (1.5 s)."""
    step = max(-(-len(incidents[0]) // NEARBY_SAMPLE), 1)
    ilat, ilon = (np.asarray(np.asarray(a)[::step], dtype="float64") for a in incidents)
    counts = np.zeros(len(lat), dtype=np.int64)
    if not len(ilat) or not len(lat):
        return counts
    degrees = NEAR_KM / 111.2
    # Only the incidents near some label matter (one pass over a million rows, then a few thousand).
    reach = degrees / max(math.cos(math.radians(min(float(np.abs(lat).max()), 85.0))), 0.1)
    near_any = (ilat >= lat.min() - degrees) & (ilat <= lat.max() + degrees) \
        & (ilon >= lon.min() - reach) & (ilon <= lon.max() + reach)
    ilat, ilon = ilat[near_any], ilon[near_any]
    for i, (la, lo) in enumerate(zip(lat.tolist(), lon.tolist(), strict=True)):
        near = (np.abs(ilat - la) <= degrees) & (np.abs(ilon - lo) <= degrees / max(math.cos(math.radians(la)), 0.1))
        if near.any():
            km = np.hypot((ilat[near] - la) * 111.2, (ilon[near] - lo) * 111.2 * math.cos(math.radians(la)))
            counts[i] = int((km <= NEAR_KM).sum()) * step
    return counts


def _labelled(trace: dict) -> bool:
    return trace.get("type") == "scattermap" and "text" in str(trace.get("mode", "")) \
        and trace.get("meta") in LABEL_METAS


def candidates(traces: Sequence[dict], centre: tuple[float, float], zoom: float,
               incidents: tuple[np.ndarray, np.ndarray]) -> list[Label]:
    """Every non-empty label of the text traces, placed on a map centred on ``centre`` (lat, lon)
    at ``zoom`` (px from the centre), ranked (see the module's docstring)."""
    cx, cy = world_pixels(np.array([centre[1]]), np.array([centre[0]]), zoom)
    found: list[Label] = []
    for t, trace in enumerate(traces):
        if not _labelled(trace):
            continue
        texts = trace.get("text")
        if texts is None or isinstance(texts, str):
            continue
        lat = np.asarray(trace.get("lat", []), dtype="float64")
        lon = np.asarray(trace.get("lon", []), dtype="float64")
        if len(lat) != len(texts) or not len(lat):
            continue
        x, y = world_pixels(lon, lat, zoom)
        x, y = x - cx[0], y - cy[0]
        font = trace.get("textfont") or {}
        size = float(font.get("size") or 12)
        colour, bold = str(font.get("color") or "#333333"), "Bold" in str(font.get("family") or "")
        position = str(trace.get("textposition") or "middle center")
        meta = trace.get("meta")
        near = _nearby(lat, lon, incidents)
        custom = trace.get("customdata")
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip() or not (math.isfinite(x[i]) and math.isfinite(y[i])):
                continue
            if meta in FIGURE_METAS:
                rank: tuple[float, ...] = (0, 0, 0)
            elif near[i]:
                rank = (1, -near[i], meta == GEONAMES_META)
            elif meta == GEONAMES_META:
                rank = (4, -_population(custom[i]) if custom is not None else 0, i)
            else:
                rank = (2 if meta == "context" else 3, 0, i)
            boxes = tuple(text_box(float(x[i]), float(y[i]), text, size, where)
                          for where in (position, *(p for p in POSITIONS if p != position)))
            found.append(Label(t, i, text, boxes[0], (*rank, t), size, colour, bold, boxes[1:]))
    return sorted(found, key=lambda label: label.rank)


def choose(labels: Iterable[Label], width: float, height: float,
           furniture: Iterable[Box] = (), marks: Iterable[Box] = ()) -> list[Label]:
    """The labels kept, in rank order: inside the ``width`` x ``height`` map (boxes relative to its
    centre), clear of the ``furniture`` boxes and of every label kept before, and of the incidents'
    ``marks`` where it can be (a figure or a place with incidents, what the marks are about, crosses
    them when no other place is free; other labels are then left out)."""
    taken = list(furniture)
    marked = list(marks)
    half_w, half_h = width / 2, height / 2
    kept: list[Label] = []
    for label in labels:
        free = [option for option in (label.box, *label.options)
                if -half_w <= option[0] and option[2] <= half_w and -half_h <= option[1] and option[3] <= half_h
                and not any(overlaps(option, box) for box in taken)]
        clear = [option for option in free if not any(overlaps(option, box) for box in marked)]
        # Every label takes a place clear of the marks if it has one; a figure or a place with
        # incidents takes a free place over them rather than none.
        chosen = clear[0] if clear else (free[0] if free and label.rank[0] < 2 else None)
        if chosen is not None:
            kept.append(replace(label, box=chosen, options=()))
            taken.append(chosen)
    return kept


def mark_boxes(traces: Sequence[dict], centre: tuple[float, float], zoom: float) -> list[Box]:
    """The boxes of the text MapLibre draws on points that are not labels (an incident's letter, a
    count): a label drawn over them would hide them."""
    cx, cy = world_pixels(np.array([centre[1]]), np.array([centre[0]]), zoom)
    boxes = []
    for trace in traces:
        if trace.get("type") != "scattermap" or "text" not in str(trace.get("mode", "")) or _labelled(trace):
            continue
        lat = np.asarray(trace.get("lat", []), dtype="float64")
        lon = np.asarray(trace.get("lon", []), dtype="float64")
        if not len(lat) or len(lat) > MAX_MARKS:
            continue
        x, y = world_pixels(lon, lat, zoom)
        size = float((trace.get("textfont") or {}).get("size") or 12)
        position = str(trace.get("textposition") or "middle center")
        text = trace.get("text")
        for i in range(len(lat)):
            if math.isfinite(x[i]) and math.isfinite(y[i]):
                chars = len(text[i]) if isinstance(text, (list, tuple)) and isinstance(text[i], str) else 2
                boxes.append(text_box(float(x[i] - cx[0]), float(y[i] - cy[0]), "x" * chars, size, position))
    return boxes


def declutter_traces(traces: list[dict], centre: tuple[float, float], zoom: float, size: tuple[float, float],
                     incidents: tuple[np.ndarray, np.ndarray],
                     furniture: Iterable[Box] = ()) -> tuple[list[dict], list[Label]]:
    """Copies of ``traces`` with every label's text removed, and the labels chosen, for the caller to
    draw on the page itself (MapLibre would hide some of them again behind the incidents' marks).

    ``furniture`` boxes are px relative to the map's centre, as the labels'.
    """
    kept = choose(candidates(traces, centre, zoom, incidents), size[0], size[1], furniture,
                  mark_boxes(traces, centre, zoom))
    out = []
    for trace in traces:
        texts = trace.get("text")
        if _labelled(trace) and texts is not None and not isinstance(texts, str):
            trace = {**trace, "text": ["" for _ in texts]}
        out.append(trace)
    return out, kept
