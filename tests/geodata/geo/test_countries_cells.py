"""countries_at settles whole grid cells for large files: the answer must be the point-by-point one."""
from __future__ import annotations

import numpy as np
import shapely

from geodata.geo.countries import _tree, countries_at, country_outlines


def one_by_one(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The reference: each point tested against every outline by the tree, no cells."""
    codes = country_outlines()["iso_a2"].to_numpy(dtype=object)
    out = np.full(len(lon), None, dtype=object)
    point, country = _tree().query(shapely.points(lon, lat), predicate="intersects")
    out[point] = codes[country]
    return out


def test_points_astride_borders_get_the_same_countries_as_one_by_one():
    rng = np.random.default_rng(5)
    # Colombia / Venezuela and Chad / Sudan borders, a coast (Ghana), points exactly on cell edges
    centres = [(-72.4, 7.8), (22.4, 13.0), (-1.0, 5.3)]
    lon = np.concatenate([c[0] + rng.normal(0, 0.4, 8000) for c in centres] + [np.arange(-3.0, 3.0, 0.03125)])
    lat = np.concatenate([c[1] + rng.normal(0, 0.4, 8000) for c in centres] + [np.full(192, 6.25)])
    found = countries_at(lon, lat)
    assert len(lon) >= 10_000  # large enough for the cells to be used
    assert {"CO", "VE", "TD", "SD", "GH"} <= set(found.tolist())
    assert None in set(found.tolist())  # some points at sea off Ghana
    assert (found.astype(str) == one_by_one(lon, lat).astype(str)).all()  # outlines without a code: NaN


def test_missing_coordinates_and_thinly_spread_points():
    rng = np.random.default_rng(6)
    lon, lat = rng.uniform(-180, 180, 12_000), rng.uniform(-60, 75, 12_000)
    lon[:5] = np.nan
    found = countries_at(lon, lat)
    assert found[:5].tolist() == [None] * 5
    assert (found[5:].astype(str) == one_by_one(lon[5:], lat[5:]).astype(str)).all()
