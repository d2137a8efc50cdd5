"""Admin areas by name: the p-code in brackets, and a word where the source and the boundaries disagree."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from geodata.query.facets import AdminArea, admin_areas, admin_disagreements, area_label

# Two Colombian departments as squares (not their shapes: only the names and codes matter here).
BOUNDARIES = gpd.GeoDataFrame(
    {"pcode": ["CO05", "CO27"], "name": ["Antioquia", "Chocó"], "admin_level": [1, 1], "parent_pcode": ["CO", "CO"]},
    geometry=[shapely.box(-77.0, 5.4, -73.9, 8.9), shapely.box(-78.0, 4.0, -76.0, 8.5)], crs="EPSG:4326")


def incidents(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"admin1": [name for name, _ in rows], "admin1_pcode": [code for _, code in rows]})


def test_a_spelling_of_the_polygons_name_is_no_disagreement():
    frame = incidents([("Antioquía", "CO05"), ("ANTIOQUIA", "CO05"), ("Choco", "CO27")])
    assert admin_disagreements(frame, BOUNDARIES) == []


def test_another_area_named_than_the_polygon_is_said_with_its_count():
    # Three incidents the source puts in Chocó whose points lie in Antioquia's polygon.
    frame = incidents([("Chocó", "CO05")] * 3 + [("Antioquia", "CO05"), ("Bolívar", "CO27")])
    found = admin_disagreements(frame, BOUNDARIES)
    assert [(d.pcode, d.polygon_name, d.source_name, d.incidents) for d in found] == [
        ("CO05", "Antioquia", "Chocó", 3), ("CO27", "Chocó", "Bolívar", 1)]


def test_no_boundaries_means_nothing_to_compare():
    assert admin_disagreements(incidents([("Chocó", "CO05")]), None) == []


def test_areas_are_named_with_their_pcode_in_brackets():
    areas = admin_areas(incidents([("Antioquia", "CO05")]), BOUNDARIES)
    assert [area_label(a) for a in areas] == ["Antioquia (CO05)", "Chocó (CO27)"]
    assert area_label(AdminArea("CO99", "CO99", 1)) == "CO99"  # no name known: the code alone
