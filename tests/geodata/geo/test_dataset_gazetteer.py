"""The place search of an imported, non-Syrian dataset: its own locations, its admin names, its
boundaries and GeoNames towns of its countries, by any spelling or script, saying what matched."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from geodata import Gazetteer, IncidentStore
from geodata.catalog.parquet import DataDirectory
from geodata.geo import geonames, locations
from geodata.ingest.pipeline import ingest_file
from tests.support import REPO

SUDAN = REPO / "tests" / "data" / "sudan" / "acled_sudan_2024.csv"


@pytest.fixture(scope="module")
def sudan(tmp_path_factory) -> IncidentStore:
    catalog = DataDirectory(tmp_path_factory.mktemp("catalog"))
    ingest_file(SUDAN, "acled", catalog, dataset="sudan-2024")
    return IncidentStore(catalog.load("sudan-2024"))


def test_the_countries_come_from_the_iso_column_or_else_from_the_points(sudan):
    assert locations.dataset_countries(sudan.incidents) == ["SD"]
    anonymous = sudan.incidents.drop(columns=["iso", "country"])
    assert locations.dataset_countries(anonymous) == ["SD"]  # every point lies inside Sudan's outline
    assert set(sudan.geonames["country"]) == {"SD"}


def test_a_name_from_its_own_location_column_is_found_at_its_incidents(sudan):
    matches = sudan.search_gazetteer().find("Zamzam camp")
    assert matches, "the dataset's own location is not found"
    first = matches[0]
    assert (first.name, first.origin) == ("Zamzam Camp", locations.ORIGIN_LOCATION)
    rows = sudan.incidents[sudan.incidents["location"] == "Zamzam Camp"]
    assert first.latitude == pytest.approx(rows["latitude"].median())
    assert first.longitude == pytest.approx(rows["longitude"].median())
    assert first.answer == "Zamzam Camp (dataset locations)"  # the query was the name itself


def test_an_area_coded_row_gives_no_location_point(sudan):
    # "Jebel Marra" is coded to an area (geo-precision 3): its point is a centroid, not the place.
    matches = sudan.search_gazetteer().find("Jebel Marra")
    assert all(m.origin != locations.ORIGIN_LOCATION for m in matches)


def test_an_admin_name_is_found_inside_its_incidents(sudan):
    first = sudan.search_gazetteer().find("north darfur")[0]
    assert (first.name, first.origin) == ("North Darfur", locations.ORIGIN_ADMIN)
    rows = sudan.incidents[sudan.incidents["admin1"] == "North Darfur"]
    assert rows["latitude"].min() <= first.latitude <= rows["latitude"].max()
    assert rows["longitude"].min() <= first.longitude <= rows["longitude"].max()


@pytest.mark.parametrize("query", ["Kasala", "كسلا"])
def test_a_geonames_town_is_found_by_a_latin_and_an_arabic_spelling(sudan, query):
    # Kassala is in no row of the file: only GeoNames knows it.
    assert not sudan.incidents["location"].str.contains("Kassala").any()
    first = sudan.search_gazetteer().find(query)[0]
    assert (first.name, first.origin, first.matched) == ("Kassala", "GeoNames", query)
    assert first.answer == f"Kassala — matched '{query}' (GeoNames)"
    assert (first.latitude, first.longitude) == pytest.approx((15.45, 36.40), abs=0.05)


def test_a_geonames_town_is_found_in_burmese_script():
    table = locations.search_places(pd.DataFrame(), pd.DataFrame(), geonames.cities(["MM"]))
    first = Gazetteer(table).find("မန္တလေးမြို့")[0]
    assert (first.name, first.origin) == ("Mandalay", "GeoNames")
    assert first.answer == "Mandalay — matched 'မန္တလေးမြို့' (GeoNames)"


def test_boundary_names_are_found_in_arabic(sudan):
    labels = pd.DataFrame({"pcode": ["SD01"], "name": ["Khartoum State"], "name_ar": ["ولاية الخرطوم"],
                           "admin_level": [1], "latitude": [15.6], "longitude": [32.6]})
    first = sudan.search_gazetteer(labels).find("ولاية الخرطوم")[0]
    assert (first.name, first.origin, first.place_id) == ("Khartoum State", "boundaries", "boundary:SD01")
    assert sudan.search_gazetteer().find("ولاية الخرطوم") == []  # without boundaries: not there


def test_nothing_assumes_syria(sudan):
    gazetteer = sudan.search_gazetteer()
    assert gazetteer.find("Saraqib") == [] and gazetteer.find("سراقب") == []


def test_an_unknown_name_finds_nothing(sudan):
    assert sudan.search_gazetteer().find("Atlantis of the Nile") == []


@pytest.mark.slow
def test_the_fast_geonames_reader_reads_what_the_whole_file_holds():
    """The records found by scanning the file's bytes are exactly the country's records."""
    everything = json.loads(geonames.data_file().read_bytes()).values()
    for country in ("SD", "MM", "AD"):
        expected = {f"geonames:{c['geonameid']}" for c in everything if c["countrycode"] == country}
        assert set(geonames.cities([country])["place_id"]) == expected and expected


def test_a_displacement_only_dataset_has_its_places_and_its_countrys_towns():
    figures = pd.DataFrame({"place": ["Tawila", "Tawila", "Kassala town"], "latitude": [13.50, 13.52, None],
                            "longitude": [24.97, 24.99, None]})
    nothing = pd.DataFrame(columns=["location", "latitude", "longitude", "geo_precision"])
    assert locations.dataset_countries(nothing, None, figures) == ["SD"]  # from the figures' points
    table = locations.search_places(pd.DataFrame(), nothing, geonames.cities(["SD"]), displacement=figures)
    first = Gazetteer(table).find("tawila")[0]
    assert (first.name, first.origin) == ("Tawila", locations.ORIGIN_DISPLACEMENT)
    assert (first.latitude, first.longitude) == pytest.approx((13.51, 24.98))
    assert all(m.origin != locations.ORIGIN_DISPLACEMENT for m in Gazetteer(table).find("Kassala town"))  # no point
