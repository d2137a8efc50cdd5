"""Territory changes on the map: who gained ground, where, and how recently within the date range.

One trace per side that gained (government, non-state, a transfer without
fighting), always all three so the legend stays put during playback. A
marker fades with its age inside the range (the newest opaque, the oldest
faint), so stepping the range forward shows the front line moving.
"""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely

from dashboard.figures import plain
from dashboard.figures.style import category_colours, esc, fatality_text
from geodata.query.territory import SIDES, TerritoryChanges

SIDE_COLOURS = {"government": "#0072B2", "non-state": "#D55E00", "transfer": "#6b6b6b"}
SIDE_NAMES = {"government": "Government regained", "non-state": "Non-state actor took",
              "transfer": "Transferred without fighting"}
#: Opacity of the oldest change in the range (the newest is opaque).
OLDEST_OPACITY = 0.2
LEGEND_TITLE = "Territory changes (faint = earlier)"


def recency_opacity(days: np.ndarray, first: int, last: int) -> np.ndarray:
    """Opacity per change: :data:`OLDEST_OPACITY` on day ``first`` rising to 1 on day ``last``."""
    span = max(last - first, 1)
    age = np.clip((np.asarray(days, dtype=np.float64) - first) / span, 0.0, 1.0)
    return (OLDEST_OPACITY + (1.0 - OLDEST_OPACITY) * age).astype(np.float32)


def territory_layer(changes: TerritoryChanges, first_day: int, last_day: int, *,
                    total: int | None = None) -> list[dict]:
    """The changes as markers coloured by the side that gained, faded by age between ``first_day`` and
    ``last_day`` (days since 1970-01-01, the filter's range). ``total`` > ``len(changes)`` says in the
    legend that only the latest were drawn."""
    opacity = recency_opacity(changes.days, first_day, last_day)
    dates = np.datetime_as_string(changes.days.astype("datetime64[D]")) if len(changes) else np.empty(0, dtype=str)
    title = LEGEND_TITLE
    if total is not None and total > len(changes):
        title = f"Territory changes: latest {len(changes):,} of {total:,} (faint = earlier)"
    traces = []
    for code, side in enumerate(SIDES):
        rows = np.flatnonzero(changes.side == code)
        detail = np.column_stack([
            dates[rows], [esc(g) if g else "actor not given" for g in changes.gainer[rows]],
            [fatality_text(None if d != d else int(d), None, None) for d in changes.fatalities[rows].tolist()],
        ]) if len(rows) else np.empty((0, 3), dtype=object)
        traces.append(plain.trace(
            "scattermap", name=f"{SIDE_NAMES[side]} ({len(rows):,})", meta="territory", legendgroup="territory",
            legendgrouptitle=dict(text=title),
            lat=changes.latitude[rows], lon=changes.longitude[rows], mode="markers",
            marker=dict(size=13, color=SIDE_COLOURS[side], opacity=opacity[rows]),
            customdata=detail,
            hovertemplate=(f"<b>{esc(SIDE_NAMES[side])} ground</b><br>%{{customdata[0]}} · gained by "
                           "%{customdata[1]}<br>Fatalities: %{customdata[2]}<extra>territory change</extra>"),
        ))
    return traces


def control_layer(areas: gpd.GeoDataFrame, holders: list[str], as_of: str, source: str) -> list[dict]:
    """Areas of control in force on ``as_of`` (a snapshot: ``holder`` and polygon ``geometry``), one
    translucent fill per holder in ``holders`` order (colours stay put across dates), drawn under
    everything; the legend names the snapshot's date and file."""
    colours = dict(zip(holders, category_colours(holders, {}), strict=True))
    title = f"Areas of control as of {as_of} ({source})"
    traces = []
    for holder in holders:
        rows = areas[areas["holder"] == holder]
        shapes = shapely.set_precision(rows.geometry.values, 1e-4) if len(rows) else []
        ids = [str(i) for i in range(len(rows))]
        geojson = plain.Ready({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": i, "properties": {}, "geometry": json.loads(shapely.to_geojson(shape))}
            for i, shape in zip(ids, shapes, strict=True)]})
        traces.append(plain.trace(
            "choroplethmap", name=esc(holder), meta="control-areas", legendgroup="control-areas",
            legendgrouptitle=dict(text=esc(title)), showlegend=True, showscale=False,
            geojson=geojson, locations=ids, z=[1.0] * len(ids), zmin=0.0, zmax=1.0,
            colorscale=[[0.0, colours[holder]], [1.0, colours[holder]]],
            marker=dict(opacity=0.22, line=dict(width=1.2, color=colours[holder])),
            hovertemplate=f"Held by {esc(holder)} as of {esc(as_of)}<extra>{esc(source)}</extra>",
        ))
    return traces
