"""The map view-model draws flows only with their layer on, for the filter's dates and areas, placed by the
app's boundaries; a dataset without flows says so in the legend. On the imported Sudan fixture."""
from __future__ import annotations

import pytest

from dashboard.figures import plain
from dashboard.server.mapsources import load_map_sources
from dashboard.views.flows import NO_FLOWS
from dashboard.views.map import MapAssets, map_figure
from geodata import FilterState, IncidentStore
from geodata.catalog.parquet import DataDirectory
from geodata.ingest.pipeline import ingest_file
from tests.hnap_sudan import BOUNDARIES, write_workbook


@pytest.fixture(scope="module")
def sudan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flows")
    data = DataDirectory(folder / "data")
    ingest_file(BOUNDARIES, "boundaries", data, report_root=folder)
    for month, scale in (("2023-05", 1.0), ("2023-06", 0.5)):
        ingest_file(write_workbook(folder, month, scale), "hnap", data, dataset="sudan-flows", report_root=folder)
    return IncidentStore(data.load("sudan-flows")), load_map_sources(data.boundaries())


def flow_names(store, sources, **state) -> list[str]:
    figure = map_figure(FilterState(**state).to_dict(), store, "/assets/", assets=MapAssets(sources=sources))
    return [t["name"] for t in figure["data"] if t.get("meta") == "flows"]


def test_flows_follow_the_layer_the_dates_and_the_areas(sudan):
    from datetime import date

    store, sources = sudan
    may = dict(start=date(2023, 5, 1), end=date(2023, 5, 31))
    assert flow_names(store, sources, **may) == []  # the layer is off by default
    on = frozenset({"flows"})
    assert flow_names(store, sources, **may, layers=on) == [
        "100,000 people or more", "10,000–100,000 people", "1,000–10,000 people", "Moved within one area",
        "not drawn: 1 flow without a location (Blue Nile)"]
    # June's figures are half May's: no flow reaches 100,000; both months together add up.
    june = flow_names(store, sources, start=date(2023, 6, 1), end=date(2023, 6, 30), layers=on)
    assert "100,000 people or more" not in june and "10,000–100,000 people" in june
    both = map_figure(FilterState(date(2023, 5, 1), date(2023, 6, 30), layers=on).to_dict(), store, "/assets/",
                      assets=MapAssets(sources=sources))
    top = next(t for t in both["data"] if t.get("name") == "100,000 people or more")
    assert "Khartoum → Aj Jazirah</b><br>180,000 people" in top["text"][0]
    assert "May – Jun 2023" in top["text"][0]
    plain.validated(both)
    # West Darfur selected: only its flow to Khartoum (1,200 people in May).
    darfur = flow_names(store, sources, **may, layers=on, admin_codes=("SD02",))
    assert darfur == ["1,000–10,000 people"]


def test_without_boundaries_the_ends_fall_back_to_the_located_figures(sudan):
    from datetime import date

    store, _ = sudan
    names = flow_names(store, load_map_sources(None), start=date(2023, 5, 1), end=date(2023, 5, 31),
                       layers=frozenset({"flows"}))
    # The communities' points (placed by the import inside the state boxes) stand for their states.
    assert "100,000 people or more" in names and names[-1] == "not drawn: 1 flow without a location (Blue Nile)"


def test_a_dataset_without_flows_says_so_when_the_layer_is_on(store):
    names = flow_names(store, load_map_sources(None), start=store.date_range()[0], end=store.date_range()[1],
                       layers=frozenset({"flows", "incidents"}))
    assert names == [NO_FLOWS]
