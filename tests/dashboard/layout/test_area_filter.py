"""The admin-area filter names areas (p-code in brackets) and says where the source and the boundaries
disagree; briefings and provenance name the filtered areas the same way."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from dashboard import ids
from dashboard.export.provenance import Provenance
from dashboard.layout import build_layout
from dashboard.server.mapsources import load_map_sources
from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents
from tests.dashboard.support import find_component

BOUNDARIES = gpd.GeoDataFrame(
    {"pcode": ["CO05", "CO27"], "name": ["Antioquia", "Chocó"], "admin_level": [1, 1], "parent_pcode": ["CO", "CO"]},
    geometry=[shapely.box(-77.0, 5.4, -73.9, 8.9), shapely.box(-78.0, 4.0, -76.0, 8.5)], crs="EPSG:4326")


@pytest.fixture(scope="module")
def colombia() -> IncidentStore:
    frame = synthetic_incidents(40, seed=5)
    frame["admin1_pcode"] = ["CO05"] * 30 + ["CO27"] * 10
    frame["admin1"] = ["Antioquia"] * 26 + ["Chocó"] * 4 + ["Chocó"] * 10  # 4 named Chocó lie in Antioquia
    return IncidentStore(dataset_from_incidents(frame, name="colombia_test", title="Colombia (test)"))


def test_areas_are_offered_by_name_with_the_pcode(colombia):
    layout = build_layout(colombia, load_map_sources(BOUNDARIES))
    labels = [option["label"] for option in find_component(layout, ids.ADMIN_AREAS).options]
    assert labels == ["Antioquia (CO05) · admin 1", "Chocó (CO27) · admin 1"]


def test_the_page_says_where_the_source_and_the_boundaries_disagree(colombia):
    note = find_component(build_layout(colombia, load_map_sources(BOUNDARIES)), ids.ADMIN_NOTE)
    assert not getattr(note, "hidden", False)
    assert "4 incidents name an admin area other than the boundary they lie in" in note.children
    assert "“Chocó” but lie in Antioquia (CO05)" in note.children


def test_no_note_when_they_agree(colombia):
    agreeing = colombia.incidents.assign(admin1=["Antioquia"] * 30 + ["Choco"] * 10)
    store = IncidentStore(dataset_from_incidents(agreeing, name="colombia_ok", title="Colombia (test)"))
    assert find_component(build_layout(store, load_map_sources(BOUNDARIES)), ids.ADMIN_NOTE).hidden is True


def test_exports_name_the_filtered_areas(colombia):
    start, end = colombia.date_range()
    state = FilterState(start, end, admin_codes=("CO27",))
    words = Provenance.of(colombia, state, link="").filters
    assert "areas: Chocó (CO27)" in words and "p-codes" not in words
