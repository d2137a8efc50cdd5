"""The real inputs in shared/data (OCHA COD-AB boundaries, the HNAP January 2019 workbook) import with
their known counts."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from geodata import assign_admin_codes, detect_format, import_file, load_dataset
from tests.support import shared_data

BOUNDARIES = ("data", "boundaries")
WORKBOOK = ("data", "displacement", "hnap_idp_movements_2019-01_workbook.xlsx")


@pytest.mark.parametrize("name, rows, level, repaired", [
    ("syr_adm0_ocha_cod_v02.geojson", 1, 0, 1),
    ("syr_adm1_ocha_cod_v02.geojson", 14, 1, 7),
    ("syr_adm2_ocha_cod_v02.geojson", 62, 2, 9),
    ("syr_adm3_ocha_cod_v02.geojson", 272, 3, 15),
    ("shapefile_adm2/syr_admin2.shp", 62, 2, 0),
])
def test_cod_ab_layers(name, rows, level, repaired):
    result = import_file(shared_data(*BOUNDARIES, *name.split("/")))
    frame = result.frame
    assert (result.rows_in, result.imported, result.quarantined, result.duplicates) == (rows, rows, 0, 0)
    assert frame.crs.to_string() == "EPSG:4326" and frame.is_valid.all()
    assert set(frame["admin_level"]) == {level} and frame["pcode"].is_unique
    assert frame["name_ar"].str.contains("[\u0600-\u06ff]", regex=True).all()
    assert sum("make_valid" in w.reason for w in result.warnings) == repaired
    if level:
        assert frame["parent_pcode"].notna().all()


def test_cod_ab_idleb_names_and_parents():
    adm1 = import_file(shared_data(*BOUNDARIES, "syr_adm1_ocha_cod_v02.geojson")).frame.set_index("pcode")
    assert adm1.loc["SY07", "name"] == "Idleb" and adm1.loc["SY07", "name_ar"] == "إدلب"
    adm2 = import_file(shared_data(*BOUNDARIES, "syr_adm2_ocha_cod_v02.geojson")).frame
    idleb = adm2[adm2["parent_pcode"] == "SY07"].set_index("pcode")["name"].to_dict()
    assert idleb == {"SY0700": "Idleb", "SY0702": "Al Ma'ra", "SY0703": "Harim", "SY0704": "Jisr-Ash-Shugur",
                     "SY0705": "Ariha"}


def test_hnap_workbook_arrivals_and_flows(adm3):
    capitals = gpd.read_file(shared_data(*BOUNDARIES, "syr_admin_capitals_points_ocha.geojson"))
    path = shared_data(*WORKBOOK)
    assert detect_format(path) == "hnap"
    result = import_file(path, capitals=capitals, boundaries=adm3)
    frame = result.frame
    assert (result.rows_in, result.imported, result.quarantined, result.duplicates) == (541, 541, 0, 0)
    assert frame["displaced"].sum() == 110_925
    assert set(frame["as_of"].dt.strftime("%Y-%m-%d")) == {"2019-01-31"}  # the month of the file, not the sheet name
    by_governorate = frame.groupby("admin1")["displaced"].sum()
    assert by_governorate["Idleb"] == 32_057 and by_governorate["Aleppo"] == 23_331
    assert frame["drawable"].all()
    assert frame["location_basis"].value_counts().to_dict() == {"sub-district capital (admin capitals)": 400,
                                                                "sub-district centroid": 141}
    # The source's own p-codes are kept; one sub-district capital on the Tartous coast lies just
    # off its polygon's coastline: flagged, not dropped.
    raw = pd.read_excel(path, sheet_name="December_IDPflow")
    assert frame["admin3_pcode"].tolist() == raw["Nahya PCODE"].tolist()
    outside = frame[frame["outside_boundaries"].astype(bool)]
    assert outside["place"].tolist() == ["Jamasa"] and outside["admin3_pcode"].tolist() == ["SY100002"]
    flows = result.tables["flows"]
    assert len(flows) == 36 and flows["people"].sum() == pytest.approx(110_925)
    into_idleb = flows[flows["destination_pcode"] == "SY07"]
    assert into_idleb["people"].sum() == pytest.approx(32_057)
    assert flows["origin_pcode"].notna().all() and flows["destination_pcode"].notna().all()


def test_hnap_returns_sheet_and_csv_extracts_agree():
    workbook = import_file(shared_data(*WORKBOOK), movement="returns")
    extract = import_file(shared_data("data", "displacement", "hnap_idp_spontaneous_returns_2019-01_community.csv"))
    arrivals = import_file(shared_data("data", "displacement", "hnap_idp_movements_2019-01_community_arrivals.csv"))
    assert workbook.imported == extract.imported == 278 and arrivals.imported == 541
    assert workbook.frame["displaced"].sum() == extract.frame["displaced"].sum() == 103_396
    assert set(extract.frame["series"]) == {"hnap_returns"} and set(arrivals.frame["series"]) == {"hnap_arrivals"}
    assert not extract.frame["drawable"].any()  # no points given: kept, flagged
    assert any("not drawable" in w.reason for w in extract.warnings)
    assert len(workbook.tables["flows"]) == 40


def test_scenario_points_get_the_facts_pcodes(adm3):
    incidents = pd.DataFrame(load_dataset().incidents.drop(columns="geometry"))
    located = assign_admin_codes(incidents, adm3)
    known = incidents["admin3_pcode"].notna()
    assert (located.loc[known, "admin3_pcode"] == incidents.loc[known, "admin3_pcode"]).all()
    assert (located.loc[known, "admin2_pcode"] == incidents.loc[known, "admin2_pcode"]).all()
    assert (located["admin1"] == incidents["admin1"]).all()  # the source's own names are kept
    assert not located["outside_boundaries"].any()
