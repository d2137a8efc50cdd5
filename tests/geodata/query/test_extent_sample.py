"""The extent of a large dataset is taken from an evenly spaced sample of the points that have both
coordinates (rows without are skipped, not sampled as gaps), the same from the store's float32 columns
as from float64 ones; on incidents across Peru."""
from __future__ import annotations

import numpy as np

from geodata.query.extent import SAMPLE, _sample, data_extent


def peru(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(8)
    lon = rng.uniform(-81.0, -69.0, n)
    lat = rng.uniform(-18.0, 0.0, n)
    lon[: n // 5] = np.nan  # the first fifth unplaced (no coordinates)
    lat[n // 2: n // 2 + 100] = np.inf
    return lon, lat


def test_the_sample_is_evenly_spaced_over_the_points_with_coordinates():
    lon, lat = peru(3 * SAMPLE)
    placed = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    expected = placed[(np.arange(SAMPLE) * (len(placed) / SAMPLE)).astype(np.int64)]
    got_lon, got_lat = _sample(lon.astype(np.float32), lat.astype(np.float32))
    assert got_lon.dtype == np.float64 and len(got_lon) == SAMPLE
    np.testing.assert_array_equal(got_lon, lon.astype(np.float32)[expected].astype(np.float64))
    np.testing.assert_array_equal(got_lat, lat.astype(np.float32)[expected].astype(np.float64))


def test_float32_columns_give_the_extent_of_the_same_points():
    lon, lat = peru(2 * SAMPLE)
    narrow = data_extent(lon.astype(np.float32), lat.astype(np.float32))
    wide = data_extent(lon.astype(np.float32).astype(np.float64), lat.astype(np.float32).astype(np.float64))
    assert narrow == wide and narrow is not None
    assert -81.0 <= narrow.west < -80.5 and -69.5 < narrow.east <= -69.0 and not narrow.trimmed
    few_lon, few_lat = np.array([-77.03, -71.54, np.nan]), np.array([-12.05, -13.53, -9.0])  # Lima, Cusco, unplaced
    assert data_extent(few_lon, few_lat) == data_extent(few_lon[:2], few_lat[:2])
    assert data_extent([-77, -71], [-12, -13]) is not None  # plain lists of integers still work
