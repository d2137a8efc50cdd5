"""The world's outlines: a point's country, a country column's code, distance outside a border."""
from __future__ import annotations

import numpy as np
import pytest

from geodata.geo.countries import countries_at, country_code, country_outlines, distance_to_country_km


def test_every_country_has_an_outline_and_most_have_codes():
    frame = country_outlines()
    assert len(frame) > 200 and frame.crs.to_epsg() == 4326
    assert frame["iso_a2"].notna().sum() > 230
    assert {"SY", "MM", "CO", "SD", "UA", "CD"} <= set(frame["iso_a2"].dropna())


def test_points_fall_in_their_countries():
    # Aleppo, Yangon, Bogotá, Khartoum, Kyiv, Goma; the open Atlantic; a missing coordinate.
    lon = np.array([37.16, 96.16, -74.07, 32.53, 30.52, 29.22, -30.0, np.nan])
    lat = np.array([36.20, 16.87, 4.71, 15.59, 50.45, -1.68, 30.0, 10.0])
    assert list(countries_at(lon, lat)) == ["SY", "MM", "CO", "SD", "UA", "CD", None, None]


@pytest.mark.parametrize("value, code", [
    ("Syria", "SY"), ("SYR", "SY"), ("sy", "SY"), (760, "SY"), ("760", "SY"),  # ACLED's iso is numeric
    ("Myanmar (Burma)", "MM"), ("DR Congo (Zaire)", "CD"),  # UCDP's names keep a former one in brackets
    ("Democratic Republic of Congo", "CD"), ("Côte d'Ivoire", "CI"), ("Colombia", "CO"),
    ("Atlantis", None), ("", None), (None, None), (float("nan"), None),
])
def test_country_columns_as_they_come(value, code):
    assert country_code(value) == code


def test_distance_outside_a_border():
    assert distance_to_country_km(37.16, 36.20, "SY") == 0.0  # Aleppo is inside
    outside = distance_to_country_km(36.6, 36.9, "SY")  # in Turkey, north of Idlib
    assert outside is not None and 5 < outside < 40
    assert distance_to_country_km(0.0, 0.0, "ZZ") is None


def test_the_antimeridian_splits_countries_instead_of_wrapping_them_round_the_world():
    # world-atlas's arcs put some points of 180° at -180°: a sliver of Fiji crossed the globe at 16.5° S and
    # a band of "Russia" covered 65-69° N from Alaska to Scandinavia, in the country checks and on the map.
    lon = np.array([15.0, -55.0, -100.0, -45.0, 20.0, 178.0, 172.0, -175.0])
    lat = np.array([-16.5, -16.52, 66.5, 67.0, 67.5, -17.8, 67.0, 67.0])
    assert countries_at(lon, lat).tolist() == ["AO", "BR", "CA", "GL", "SE", "FJ", "RU", "RU"]
    for part in country_outlines().geometry.explode(index_parts=False):
        ring = np.asarray(part.exterior.coords)
        across = np.flatnonzero(np.abs(np.diff(ring[:, 0])) > 180)
        # No ring jumps across the world, but round the South Pole (Antarctica's cap, below 60° S).
        assert (ring[across, 1] < -60).all(), part.bounds
