"""Town labels from GeoNames for any dataset, and the marker of a place found by the search."""
from __future__ import annotations

import numpy as np
import pytest

from dashboard.callbacks.map import town_label_patch
from dashboard.figures import plain
from dashboard.figures.overlays import drawable
from dashboard.state import mapview
from dashboard.views import towns
from dashboard.views.map import MapAssets, labels_follow_view, map_figure, view_needs_redraw
from dashboard.views.selection import place_search
from geodata import IncidentStore
from geodata.catalog.parquet import DataDirectory
from geodata.geo.gazetteer import normalise
from geodata.ingest.pipeline import ingest_file
from tests.support import REPO

SUDAN = REPO / "tests" / "data" / "sudan" / "acled_sudan_2024.csv"
#: Darfur and Kordofan, as a 1100 x 700 px map shows them at zoom 6.
DARFUR = {"lat": 12.5, "lon": 26.0, "zoom": 6.0}


@pytest.fixture(scope="module")
def sudan(tmp_path_factory) -> IncidentStore:
    catalog = DataDirectory(tmp_path_factory.mktemp("catalog"))
    ingest_file(SUDAN, "acled", catalog, dataset="sudan-2024")
    return IncidentStore(catalog.load("sudan-2024"))


def pixels(labels, zoom):
    return towns.world_pixels(labels["longitude"].to_numpy(), labels["latitude"].to_numpy(), zoom)


def test_labels_are_places_in_view_at_most_n_and_never_crowded(sudan):
    labels = towns.town_labels(sudan, DARFUR, limit=12, spacing=60.0)
    box = towns.view_box(DARFUR)
    assert 0 < len(labels) <= 12
    assert labels["latitude"].between(box.south, box.north).all()
    assert labels["longitude"].between(box.west, box.east).all()
    x, y = pixels(labels, DARFUR["zoom"])
    distance = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    np.fill_diagonal(distance, np.inf)
    assert distance.min() >= 60.0


def test_bigger_places_win(sudan):
    labels = towns.town_labels(sudan, DARFUR, limit=12, spacing=60.0)
    box = towns.view_box(DARFUR)
    cities = sudan.geonames
    inside = cities[cities["latitude"].between(box.south, box.north) & cities["longitude"].between(box.west, box.east)]
    assert inside["population"].max() == labels["population"].max()  # the biggest place in view is labelled
    assert labels["population"].is_monotonic_decreasing
    # Every place in view left out is crowded out by a bigger labelled place, or beyond the limit.
    x, y = pixels(labels, DARFUR["zoom"])
    ix, iy = pixels(inside, DARFUR["zoom"])
    kept = labels["label"].tolist()
    for i, (_, place) in enumerate(inside.iterrows()):
        if place["label"] in kept:
            continue
        near = np.hypot(x - ix[i], y - iy[i]) < 60.0
        assert near.any() or len(labels) == 12
        if near.any():
            assert labels["population"].to_numpy()[near].max() >= place["population"]


def test_the_limit_keeps_the_most_populous(sudan):
    labels = towns.town_labels(sudan, DARFUR, limit=3, spacing=1.0)
    box = towns.view_box(DARFUR)
    cities = sudan.geonames
    inside = cities[cities["latitude"].between(box.south, box.north) & cities["longitude"].between(box.west, box.east)]
    assert labels["label"].tolist() == inside.nlargest(3, "population")["label"].tolist()


def test_no_labels_below_town_zoom_and_a_zoom_in_shows_smaller_places(sudan):
    assert towns.town_labels(sudan, {**DARFUR, "zoom": towns.TOWN_LABEL_ZOOM - 1}).empty
    near = towns.town_labels(sudan, {"lat": 13.6, "lon": 25.3, "zoom": 9.0})
    assert "El Fasher" in near["label"].tolist()


def test_declutter_keeps_order_spacing_and_limit():
    x = np.array([0.0, 10.0, 100.0, 105.0, 300.0, 400.0])
    y = np.zeros(6)
    assert towns.declutter(x, y, 50.0, 10).tolist() == [0, 2, 4, 5]
    assert towns.declutter(x, y, 50.0, 2).tolist() == [0, 2]
    taken = (np.array([290.0]), np.array([0.0]))
    assert towns.declutter(x, y, 50.0, 10, taken).tolist() == [0, 2, 5]


def test_the_scenario_gains_geonames_labels_that_do_not_repeat_its_towns(store):
    candidates = towns.label_candidates(store)
    own = store.dataset.places
    own_names = {normalise(n) for n in own["name"]}
    assert len(candidates) > 100 and not own_names & {normalise(n) for n in candidates["name"]}
    labels = towns.town_labels(store, {"lat": 35.9, "lon": 36.7, "zoom": 9.0})
    assert len(labels) > 5 and not own_names & {normalise(n) for n in labels["label"]}


def test_labels_use_drawable_latin_names():
    assert drawable("Myitkyina") == "Myitkyina"
    assert drawable("Nayʼ Pyi Taw") == "Nay' Pyi Taw"  # modifier apostrophe (no glyph) -> '
    assert drawable("Ḩamāh") == "Ḩamāh" and drawable("سراقب") == "سراقب"  # covered ranges stay
    assert drawable("မန္တလေး") == ""  # Burmese has no local glyphs


def traces(figure, meta):
    return [t for t in figure["data"] if t.get("meta") == meta]


def test_the_map_shows_town_labels_and_follows_the_view(sudan):
    figure = map_figure(None, sudan, "/assets/", view=DARFUR)
    labels = traces(figure, "town-labels")
    assert len(labels) == 1 and 0 < len(labels[0]["text"]) <= towns.MAX_TOWN_LABELS
    assert "Nyala" in labels[0]["text"]
    off = map_figure({"layers": ["incidents"]}, sudan, "/assets/", view=DARFUR)
    assert traces(off, "town-labels") == []  # a part of the context layer
    # A pan under the point budget redraws nothing but the labels: their trace is replaced in place.
    panned = mapview.after_pan({"map.center": {"lat": 13.0, "lon": 25.0}, "map.zoom": 7.0}, DARFUR)
    assert not view_needs_redraw(panned, None, sudan) and labels_follow_view(None, sudan)
    assert not labels_follow_view({"layers": ["incidents"]}, sudan)
    moved = map_figure(None, sudan, "/assets/", view=panned)
    patch = town_label_patch(plain.encoded(moved)).to_plotly_json()
    index = next(i for i, t in enumerate(moved["data"]) if t.get("meta") == "town-labels")
    assert index == next(i for i, t in enumerate(figure["data"]) if t.get("meta") == "town-labels")
    assert [op["location"] for op in patch["operations"]] == [["data", index]]
    assert patch["operations"][0]["params"]["value"]["text"] != labels[0]["text"]
    # Zoomed out, the trace stays (empty), so the next pan finds it at the same place.
    far = map_figure(None, sudan, "/assets/", view={**DARFUR, "zoom": 3.0})
    assert [sum(1 for name in t["text"] if name) for t in traces(far, "town-labels")] == [0]


def test_a_place_found_is_marked_at_the_gazetteer_point(sudan):
    moved, message = place_search("كسلا", sudan, DARFUR)
    assert message.startswith("Kassala — matched 'كسلا' (GeoNames)")
    figure = map_figure(None, sudan, "/assets/", view=moved)
    ring = traces(figure, "place")[0]
    assert "Kassala" not in traces(figure, "town-labels")[0]["text"]  # the marker names it, once
    assert ring["text"] == ["Kassala"] and (ring["lat"][0], ring["lon"][0]) == pytest.approx((15.451, 36.400), abs=1e-3)
    assert ring["customdata"][0] == "Kassala — matched 'كسلا' (GeoNames)"
    # The mark stays through a pan, and is drawn only where a source put a place.
    panned = mapview.after_pan({"map.center": {"lat": 15.0, "lon": 36.0}, "map.zoom": 9.0}, moved)
    assert traces(map_figure(None, sudan, "/assets/", view=panned), "place")
    forged = {**moved, "place": {"id": "geonames:0", "matched": "<b>nowhere</b>"}}
    assert traces(map_figure(None, sudan, "/assets/", view=forged), "place") == []


def test_a_search_for_nothing_says_so_and_moves_nothing(sudan):
    moved, message = place_search("Atlantis of the Nile", sudan, DARFUR)
    assert moved is None and "No place matching 'Atlantis of the Nile'" in message


def test_stored_boundaries_are_searchable_in_arabic_and_marked(sudan):
    import geopandas as gpd
    import shapely

    from dashboard.server.mapsources import load_map_sources

    sources = load_map_sources(gpd.GeoDataFrame({
        "pcode": ["SD05", "SD02"], "name": ["River Nile", "North Darfur"], "name_ar": ["نهر النيل", "شمال دارفور"],
        "admin_level": [1, 1], "parent_pcode": ["SD", "SD"],
    }, geometry=[shapely.box(32.5, 16.5, 35.0, 22.0), shapely.box(22.5, 12.5, 27.5, 20.0)], crs="EPSG:4326"))
    moved, message = place_search("نهر النيل", sudan, DARFUR, sources)
    assert message.startswith("River Nile — matched 'نهر النيل' (boundaries)")
    assert 16.5 < moved["lat"] < 22.0 and 32.5 < moved["lon"] < 35.0  # a point inside the area
    figure = map_figure(None, sudan, "/assets/", view=moved, assets=MapAssets(sources=sources))
    assert traces(figure, "place")[0]["text"] == ["River Nile"]
    # Without those boundaries the same view store draws no marker: there is no such place.
    assert traces(map_figure(None, sudan, "/assets/", view=moved), "place") == []
