"""A place name is matched only inside the admin area its row gives; otherwise the row sits at that area's
centroid, marked approximate, or is left without a point and said so."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geodata import import_table, read_acled
from geodata.geo.boundaries import read_boundaries
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest.locate import file_gazetteer
from geodata.ingest.pipeline import shipped_places
from geodata.ingest.readers import read_hnap
from geodata.model.schema import PLACES
from tests.support import REPO, shared_data

DATA = REPO / "tests" / "data"
SAMPLE = DATA / "acled_sudan_sample.csv"


@pytest.fixture(scope="module")
def sudan():
    return read_boundaries([DATA / "sudan_adm1_sample.geojson", DATA / "sudan_adm2_sample.geojson"])


@pytest.fixture(scope="module")
def gazetteer():
    rows = [("g1", "Omdurman", 15.6445, 32.4777), ("g2", "Um Badda", 15.62, 32.40),
            ("g3", "Hillat Ahmed", 15.52, 32.60),      # one in Khartoum ...
            ("g4", "Hillat Ahmed", 13.40, 22.50)]      # ... one of the same name near El Geneina
    return Gazetteer(pd.DataFrame([{"place_id": i, "name": n, "latitude": y, "longitude": x, "source": "test"}
                                   for i, n, y, x in rows], columns=PLACES.names))


def rows_without_points(tmp_path, changes: list[dict]):
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False).head(len(changes))
    for i, change in enumerate(changes):
        for column, value in {"latitude": "", "longitude": "", **change}.items():
            frame.loc[i, column] = value
    path = tmp_path / "no_points.csv"
    frame.to_csv(path, index=False)
    return read_acled(path)


def test_a_name_is_matched_inside_its_area_and_a_name_found_elsewhere_falls_back_to_the_area_centroid(
        tmp_path, sudan, gazetteer):
    source = rows_without_points(tmp_path, [
        {"location": "Omdurman", "admin1": "Khartoum", "admin2": "Omdurman"},
        {"location": "Hillat Ahmed", "admin1": "West Darfur", "admin2": "El Geneina"},
        {"location": "Omdurman", "admin1": "Khartoum", "admin2": "Bahri"},       # not inside Bahri
    ])
    result = import_table(source, gazetteer=gazetteer, area=sudan)
    assert (result.imported, result.quarantined) == (3, 0)
    rows = result.frame.set_index("event_id")
    assert (rows.loc["SDN31000", "latitude"], rows.loc["SDN31000", "longitude"]) == (15.6445, 32.4777)
    assert (rows.loc["SDN31001", "latitude"], rows.loc["SDN31001", "longitude"]) == (13.40, 22.50)
    bahri = sudan.set_index("pcode").geometry["SD0103"]
    centroid = rows.loc["SDN31002"]
    assert bahri.contains(shapely.Point(centroid["longitude"], centroid["latitude"]))
    assert centroid["geo_precision"] == 3
    assert centroid["geo_precision_note"].startswith("approximate: centroid of Bahri (SD0103)")
    assert "'Omdurman' is not found inside it" in centroid["geo_precision_note"]
    said = [w.reason for w in result.warnings]
    assert said[0].startswith("rows without coordinates, placed by name: 2 inside their own admin area")
    assert any(r.startswith("placed at its admin area's centroid (approximate") for r in said)


def test_a_row_whose_area_cannot_be_checked_is_not_placed_and_says_why(tmp_path, gazetteer):
    source = rows_without_points(tmp_path, [{"location": "Hillat Ahmed", "country": "", "iso": ""},
                                            {"location": "Omdurman", "country": "", "iso": "", "admin1": "",
                                             "admin2": "", "admin3": ""}])
    result = import_table(source, gazetteer=gazetteer)
    assert (result.imported, result.quarantined) == (1, 1)       # a row naming no area: a unique name is enough
    reason = result.quarantine["reason"].iloc[0]
    assert reason.startswith("not placed: 'Hillat Ahmed' cannot be checked against its admin area (Khartoum)")


def test_a_name_unique_in_the_rows_country_is_placed_and_the_unchecked_area_said(tmp_path, gazetteer):
    source = rows_without_points(tmp_path, [{"location": "Um Badda", "admin2": "Omdurman"}])
    result = import_table(source, gazetteer=gazetteer)
    assert result.imported == 1
    assert "the only place of that name in SD; its admin area (Omdurman) not checked" in \
        result.frame["geocode_match"].iloc[0]


@pytest.mark.slow
def test_hnap_communities_land_inside_their_own_sub_district():
    folder = shared_data("data", "boundaries")
    boundaries = read_boundaries([folder / f"syr_adm{n}_ocha_cod_v02.geojson" for n in (1, 2, 3)])
    source = read_hnap(shared_data("data", "displacement", "hnap_idp_spontaneous_returns_2019-01_community.csv"))
    result = import_table(source, gazetteer=file_gazetteer(source.frame, boundaries, shipped_places()), area=boundaries)
    figures = result.frame
    assert figures["latitude"].notna().all() and figures["drawable"].all()
    polygons = boundaries.set_index("pcode").geometry
    points = gpd.points_from_xy(figures["longitude"], figures["latitude"])
    own = [polygons[code].buffer(0.01).contains(point) for code, point in zip(figures["admin3_pcode"], points, strict=True)]
    assert all(own), figures.loc[[not o for o in own], ["place", "admin3_pcode"]]
    hole = figures.set_index("place").loc["Hole"]
    assert hole["location_basis"] == "admin area centroid (approximate)"   # al-Hol camp, not Kafr Laha in Homs


def test_hnap_communities_without_boundaries_are_kept_undrawn_and_said(gazetteer):
    source = read_hnap(shared_data("data", "displacement", "hnap_idp_spontaneous_returns_2019-01_community.csv"))
    places = pd.DataFrame([{"place_id": "k", "name": "Hole", "latitude": 34.86, "longitude": 36.53,  # a Homs 'Hole'
                            "source": "test"}], columns=PLACES.names)
    result = import_table(source, gazetteer=Gazetteer(places))
    assert result.imported == result.rows_in and result.frame["latitude"].isna().all()
    assert not result.frame["drawable"].any()
    said = [w.reason for w in result.warnings if w.line == 2]
    assert said == ["kept without a point (not placed: 'Hole' cannot be checked against its admin area "
                    "(SY080006): no boundaries are loaded, and the row names no country)"]
