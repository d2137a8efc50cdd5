"""Where a dataset opens: its own view, else its data fitted to the screen, else the world."""
from __future__ import annotations

import numpy as np

from dashboard.state.mapview import REFERENCE_SCREEN_MAP, WORLD_VIEW, MapView, fit_box, opening_view, world_px
from geodata.query.extent import data_extent


def _shown(view: MapView) -> tuple[float, float, float, float]:
    """(west, south, east, north) a reference-sized map shows at ``view``."""
    cx, cy = world_px(view.lon, view.lat, view.zoom)
    half_w, half_h = REFERENCE_SCREEN_MAP[0] / 2, REFERENCE_SCREEN_MAP[1] / 2
    world = 512 * 2 ** view.zoom

    def lonlat(x: float, y: float) -> tuple[float, float]:
        return x / world * 360 - 180, float(np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * y / world)))))

    west, north = lonlat(cx - half_w, cy - half_h)
    east, south = lonlat(cx + half_w, cy + half_h)
    return west, south, east, north


def test_a_dataset_with_its_own_view_opens_there():
    assert opening_view({"lat": 12.0, "lon": 30.0, "zoom": 5}, None) == MapView(12.0, 30.0, 5.0)


def test_the_opening_view_holds_all_the_data_when_it_has_no_view():
    # Incidents across Myanmar (Sittwe, Myitkyina, Yangon, Lashio): the view must hold every one.
    lon = np.array([92.9, 97.4, 96.2, 97.75])
    lat = np.array([20.15, 25.38, 16.87, 22.93])
    view = opening_view({}, data_extent(lon, lat))
    west, south, east, north = _shown(view)
    assert west < lon.min() and east > lon.max() and south < lat.min() and north > lat.max()
    assert view.zoom > 4  # a country, not the world


def test_a_few_outliers_do_not_shrink_the_data_to_a_dot():
    rng = np.random.default_rng(3)
    lon = np.concatenate([rng.uniform(-75.0, -73.0, 990), [151.2] * 5])  # Colombia, and 5 points in Sydney
    lat = np.concatenate([rng.uniform(3.0, 6.0, 990), [-33.9] * 5])
    extent = data_extent(lon, lat)
    assert extent is not None and extent.trimmed
    view = opening_view(None, extent)
    west, south, east, north = _shown(view)
    assert west < -74.9 and east > -73.1 and view.zoom > 4


def test_no_data_opens_on_the_world():
    assert opening_view(None, data_extent(np.array([]), np.array([]))) == WORLD_VIEW


def test_one_place_is_not_zoomed_in_to_the_street():
    assert fit_box(36.6, 35.8, 36.6, 35.8).zoom <= 11
