"""Town labels for any dataset: GeoNames places in view, chosen by population, kept apart on screen.

No tile server draws place names offline, so the map labels towns itself:
at most :data:`MAX_TOWN_LABELS` of the places in view, biggest first, none
closer than :data:`LABEL_SPACING_PX` screen pixels at the current zoom to
one already chosen (or to a town the dataset's own ``places`` table
labels). Places the dataset's own table already names are left out.
"""
from __future__ import annotations

import math
import threading
import weakref
from typing import Any

import numpy as np
import pandas as pd

from dashboard.state import mapview
from geodata import IncidentStore
from geodata.geo.gazetteer import normalise
from geodata.query.budget import Viewport

#: Town labels show from this zoom on (a region or closer); below it the basemap's country labels do.
TOWN_LABEL_ZOOM = 5.5
MAX_TOWN_LABELS = 60
LABEL_SPACING_PX = 80.0
#: Map size (px) assumed while the browser has not reported the visible corners (after a move on purpose).
MAP_PIXELS = (1100.0, 700.0)
#: MapLibre's world is 512 px wide at zoom 0.
TILE_PX = 512.0
_TOWN_KINDS = ("city", "town", "village")


def world_pixels(longitude: np.ndarray, latitude: np.ndarray, zoom: float) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates at ``zoom`` (x east, y south)."""
    scale = TILE_PX * 2.0 ** zoom
    lat = np.radians(np.clip(np.asarray(latitude, dtype="float64"), -85.05, 85.05))
    x = (np.asarray(longitude, dtype="float64") + 180.0) / 360.0 * scale
    y = (1.0 - np.log(np.tan(lat) + 1.0 / np.cos(lat)) / math.pi) / 2.0 * scale
    return x, y


def view_box(view: Any) -> Viewport | None:
    """The visible box of a view store: its reported corners, else centre and zoom over
    :data:`MAP_PIXELS`; ``None`` for an unusable store."""
    viewport = mapview.viewport_from_relayout(mapview.as_relayout(view))
    if viewport is not None:
        return viewport
    centre = mapview.MapView.from_dict(view)
    if centre is None:
        return None
    x, y = world_pixels(np.array([centre.lon]), np.array([centre.lat]), centre.zoom)
    scale = TILE_PX * 2.0 ** centre.zoom
    half_w, half_h = MAP_PIXELS[0] / 2, MAP_PIXELS[1] / 2
    west, east = (x[0] - half_w) / scale * 360.0 - 180.0, (x[0] + half_w) / scale * 360.0 - 180.0

    def lat_at(py: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * py / scale))))

    return Viewport(west=max(west, -180.0), south=max(lat_at(y[0] + half_h), -85.0), east=min(east, 180.0),
                    north=min(lat_at(y[0] - half_h), 85.0), zoom=centre.zoom)


def declutter(x: np.ndarray, y: np.ndarray, spacing: float, limit: int,
              taken: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Indices of the points kept, in the given order (put the biggest first): each at least
    ``spacing`` from every point kept before it and from the ``taken`` points, at most ``limit``.
    A grid of ``spacing``-sized cells makes each test look at nine cells only."""
    cells: dict[tuple[int, int], list[tuple[float, float]]] = {}

    def clear(px: float, py: float) -> bool:
        cx, cy = int(px // spacing), int(py // spacing)
        return all((px - qx) ** 2 + (py - qy) ** 2 >= spacing ** 2
                   for dx in (-1, 0, 1) for dy in (-1, 0, 1) for qx, qy in cells.get((cx + dx, cy + dy), ()))

    def add(px: float, py: float) -> None:
        cells.setdefault((int(px // spacing), int(py // spacing)), []).append((px, py))

    if taken is not None:
        for px, py in zip(taken[0].tolist(), taken[1].tolist(), strict=True):
            add(px, py)
    kept: list[int] = []
    for i, (px, py) in enumerate(zip(x.tolist(), y.tolist(), strict=True)):
        if len(kept) >= limit:
            break
        if clear(px, py):
            kept.append(i)
            add(px, py)
    return np.asarray(kept, dtype=np.int64)


def _own_towns(places: pd.DataFrame) -> pd.DataFrame:
    if places.empty:
        return places
    return places[places["kind"].isin(_TOWN_KINDS)] if "kind" in places else places


#: Candidates per store, kept as long as the store lives (a re-imported dataset's old store is freed).
_candidates: weakref.WeakKeyDictionary[IncidentStore, pd.DataFrame] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def label_candidates(store: IncidentStore) -> pd.DataFrame:
    """The store's GeoNames places (most populous first) without those its own places table names
    (same name or alias, within 10 km) or that lie within 2 km of one of its towns; computed once
    per store."""
    with _lock:
        found = _candidates.get(store)
        if found is None:
            found = _candidates[store] = _label_candidates(store)
        return found


def _label_candidates(store: IncidentStore) -> pd.DataFrame:
    cities = store.geonames
    towns = _own_towns(store.dataset.places)
    if cities.empty or towns.empty:
        return cities
    names: set[str] = set()
    for column in ("name", "name_ar", "aliases"):
        if column in towns:
            for value in towns[column].dropna().astype(str):
                names.update(normalise(n) for n in value.split("|") if n.strip())
    lat, lon = cities["latitude"].to_numpy(dtype="float64"), cities["longitude"].to_numpy(dtype="float64")
    tlat, tlon = towns["latitude"].to_numpy(dtype="float64"), towns["longitude"].to_numpy(dtype="float64")
    km = np.hypot((lat[:, None] - tlat[None, :]) * 111.2,
                  (lon[:, None] - tlon[None, :]) * 111.2 * np.cos(np.radians(lat))[:, None]).min(axis=1)
    same_name = np.array([normalise(n) in names for n in cities["name"]], dtype=bool)
    duplicate = (km < 2.0) | (same_name & (km < 10.0))
    return cities[~duplicate].reset_index(drop=True)


#: Labels chosen per store and view: a filter change (a date drag, playback) keeps the view, and choosing
#: them again would cost the map callback a few milliseconds each time.
_chosen: weakref.WeakKeyDictionary[IncidentStore, dict[str, pd.DataFrame]] = weakref.WeakKeyDictionary()
MAX_CHOSEN_VIEWS = 64


def cached_town_labels(store: IncidentStore, view: Any, marked: tuple[float, float] | None = None) -> pd.DataFrame:
    """:func:`town_labels` with the default limit and spacing, remembered per store for the last
    :data:`MAX_CHOSEN_VIEWS` views (the answer depends on the view and the marker alone)."""
    box = view_box(view)
    key = repr((None if box is None else (box.west, box.south, box.east, box.north, box.zoom), marked))
    with _lock:
        views = _chosen.setdefault(store, {})
        found = views.get(key)
    if found is None:
        found = town_labels(store, view, marked=marked)
        with _lock:
            if len(views) >= MAX_CHOSEN_VIEWS:
                views.pop(next(iter(views)))
            views[key] = found
    return found


def town_labels(store: IncidentStore, view: Any, *, limit: int = MAX_TOWN_LABELS,
                spacing: float = LABEL_SPACING_PX, marked: tuple[float, float] | None = None) -> pd.DataFrame:
    """The GeoNames places to label in the view (``label``, ``latitude``, ``longitude``,
    ``population``): only at :data:`TOWN_LABEL_ZOOM` or closer, only places in view, biggest
    first, decluttered (see :func:`declutter`); the dataset's own towns and the ``marked``
    place (latitude, longitude: the search's marker, labelled itself) keep their room."""
    box = view_box(view)
    cities = label_candidates(store)
    if box is None or box.zoom < TOWN_LABEL_ZOOM or cities.empty:
        return cities.iloc[0:0]
    lat, lon = cities["latitude"].to_numpy(dtype="float64"), cities["longitude"].to_numpy(dtype="float64")
    inside = np.flatnonzero((lat >= box.south) & (lat <= box.north) & (lon >= box.west) & (lon <= box.east))
    inside = inside[:5000]  # most populous first: the rest could never win a place
    x, y = world_pixels(lon[inside], lat[inside], box.zoom)
    towns = _own_towns(store.dataset.places)
    keep_lat = towns["latitude"].to_numpy(dtype="float64")
    keep_lon = towns["longitude"].to_numpy(dtype="float64")
    if marked is not None:
        keep_lat, keep_lon = np.append(keep_lat, marked[0]), np.append(keep_lon, marked[1])
    taken = world_pixels(keep_lon, keep_lat, box.zoom) if len(keep_lat) else None
    kept = inside[declutter(x, y, spacing, limit, taken)]
    return cities.iloc[kept][["label", "latitude", "longitude", "population"]]


def follows_view(store: IncidentStore, layers: Any) -> bool:
    """Whether the map must be redrawn when the view changes, for its town labels."""
    return "context" in layers and not label_candidates(store).empty
