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


def test_cells_kept_between_calls_give_the_point_by_point_answer_to_every_later_call():
    from geodata.geo import countries

    countries._cells.cache_clear()  # this test's calls fill the process's grid from empty
    rng = np.random.default_rng(7)
    centres = [(36.6, 36.2), (-72.4, 7.8), (22.4, 13.0), (179.9, -16.5), (-179.9, -16.5)]
    for size, spread in [(20_000, 0.3), (12_000, 1.0), (40, 0.3), (3, 2.0), (15_000, 0.05)]:
        picks = rng.integers(0, len(centres), size)
        lon = np.array([centres[p][0] for p in picks]) + rng.normal(0, spread, size)
        lat = np.array([centres[p][1] for p in picks]) + rng.normal(0, spread, size)
        lon[::7] = np.round(lon[::7] * 32) / 32  # on the edges of fine and coarse cells
        lat[::5] = np.round(lat[::5] * 4) / 4
        lon[1::50], lat[2::50] = 181.0, -90.5     # off the Earth: tested one by one
        lat[3::60] = 90.0
        found = countries_at(lon, lat)
        assert (found.astype(str) == one_by_one(lon, lat).astype(str)).all(), size
    cells = countries._cells()
    assert (cells.coarse >= -1).sum() > 10 and len(cells.fine) > 0  # cells settled and kept


def test_country_indexes_are_the_outlines_rows():
    from geodata.geo.countries import country_indexes_at

    lon, lat = np.array([36.3, 0.0, np.nan, 20.9]), np.array([35.0, 0.0, 1.0, 42.6])  # Syria, sea, none, Kosovo
    found = country_indexes_at(lon, lat)
    names = country_outlines()["name"].to_numpy()
    assert names[found[0]] == "Syria" and found[1:3].tolist() == [-1, -1] and names[found[3]] == "Kosovo"
    codes = countries_at(lon, lat)
    assert codes[:3].tolist() == ["SY", None, None] and codes[3] != codes[3]  # NaN: Kosovo's outline has no code
