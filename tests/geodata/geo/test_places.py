"""The GeoNames gazetteer merged with the scenario's places, and geocoding rows that only name their place."""
from __future__ import annotations

import pandas as pd
import pytest

from geodata import (
    Gazetteer,
    geocode,
    geonames_places,
    import_table,
    load_dataset,
    merge_places,
    read_acled,
)
from geodata.model.schema import PLACES, check_table
from tests.support import BAD


@pytest.fixture(scope="module")
def geonames():
    return geonames_places("SY")


@pytest.fixture(scope="module")
def merged(geonames):
    return merge_places(load_dataset().places, geonames)


def test_geonames_syrian_places_follow_the_places_schema(geonames):
    assert 250 <= len(geonames) <= 400
    frame, problems = check_table(geonames.astype("object"), PLACES, "geonames")
    assert problems == [] and frame["place_id"].is_unique
    saraqib = geonames[geonames["name"] == "Saraqib"].iloc[0]
    assert saraqib["name_ar"] == "سراقب" and "Saraqeb" in saraqib["aliases"].split("|")
    assert "sraqb" not in saraqib["aliases"]  # machine transliterations are dropped
    assert saraqib["source_url"].startswith("https://www.geonames.org/")


def test_merge_keeps_the_scenarios_rows_and_adds_new_towns(merged, geonames):
    scenario = load_dataset().places
    assert merged["place_id"].tolist()[:len(scenario)] == scenario["place_id"].tolist()
    kept = merged.set_index("place_id").loc["saraqib"]
    assert (kept["latitude"], kept["longitude"]) == (35.8611, 36.8061)  # the scenario's point wins
    assert "Saraquib" in kept["aliases"].split("|")                     # GeoNames spellings join its aliases
    assert not merged["name"].eq("Saraqib").sum() > 1
    assert {"Binnish", "Maskanah"} <= set(merged["name"])
    assert len(merged) < len(scenario) + len(geonames)


def test_gazetteer_over_merged_places_finds_new_and_old_names(merged):
    gazetteer = Gazetteer(merged)
    assert gazetteer.find("Behun")[0].name == "Balyun"
    assert gazetteer.find("Binnesh")[0].name == "Binnish"
    assert gazetteer.find("بنش")[0].name == "Binnish"


def test_geocode_fills_only_rows_without_coordinates(merged):
    frame = pd.DataFrame({"location": ["Behun", "Binnish", "Saraqib", "Nowhere at all", None],
                          "latitude": ["", "", "35.0", "", ""], "longitude": ["", None, "36.0", "", ""]})
    out = geocode(frame, Gazetteer(merged))
    assert out["geocoded"].tolist() == [True, True, False, False, False]
    assert out["latitude"].tolist()[:3] == ["35.7", "35.95664", "35.0"]
    assert out["geocode_match"].iloc[0] == "Behun is another name for Balyun"
    assert out["geocode_match"].iloc[1] == "Binnish" and pd.isna(out["geocode_match"].iloc[3])


def test_geocode_leaves_ambiguous_names_alone():
    places = pd.DataFrame({"place_id": ["a", "b"], "name": ["Tall Hamid", "Tall Hamid"],
                           "latitude": [36.0, 34.0], "longitude": [37.0, 39.0]})
    out = geocode(pd.DataFrame({"location": ["Tall Hamid"], "latitude": [None], "longitude": [None]}),
                  Gazetteer(places))
    assert not out["geocoded"].iloc[0] and out["geocode_match"].iloc[0] == "ambiguous: Tall Hamid"


def test_import_geocodes_instead_of_quarantining(merged, tmp_path):
    text = (BAD / "acled_missing_coordinates.csv").read_text(encoding="utf-8")
    (tmp_path / "events.csv").write_text(text, encoding="utf-8")
    plain = import_table(read_acled(tmp_path / "events.csv"))
    assert plain.quarantined == 1
    located = import_table(read_acled(tmp_path / "events.csv"), gazetteer=Gazetteer(merged))
    assert (located.imported, located.quarantined) == (2, 0)
    row = located.frame.set_index("event_id").loc["SYR-BAD-1"]
    assert bool(row["geocoded"]) and (row["latitude"], row["longitude"]) == (35.8611, 36.8061)
    assert any("coordinates taken from the gazetteer" in w.reason and w.line == 3 for w in located.warnings)
