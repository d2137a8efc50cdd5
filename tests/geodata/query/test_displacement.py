"""Displacement series by kind, from real files: a DTM-style stock for two Sudanese states (mapped CSV),
PRMN-style monthly arrivals in Somalia (HXL), merged into an incident dataset and read back from disk."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from geodata import FilterState, IncidentStore, load_dataset
from geodata.catalog.parquet import DataDirectory
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest import pipeline
from geodata.ingest.formats import read_source
from geodata.model import schema
from geodata.model.dataset import DEFAULT_DATASET, load_table
from geodata.model.errors import SchemaError
from geodata.model.series import FLOW, OD, STOCK, SeriesInfo, series_info
from tests.support import REPO

DATA = REPO / "tests" / "data"


@pytest.fixture()
def catalog(tmp_path):
    return DataDirectory(tmp_path / "data")


def ingest_file(*args, **kwargs):
    """The import as the command line runs it, with a small gazetteer (every row has coordinates:
    nothing to geocode, so no need to build the default one)."""
    places = load_table(DEFAULT_DATASET / "places.csv", schema.PLACES)
    return pipeline.ingest_file(*args, gazetteer=Gazetteer(places), **kwargs)


def _dtm(catalog, dataset="sudan-dtm"):
    ingest_file(DATA / "dtm_sudan_idps.csv", "csv", catalog, dataset=dataset,
                mapping=DATA / "dtm_sudan_mapping.json", report_root=catalog.root)
    return catalog.load(dataset)


def test_mapped_stock_keeps_the_sources_words_and_since_date(catalog):
    dataset = _dtm(catalog)
    info = dataset.map_series["dtm_idps"]
    assert info == SeriesInfo(kind=STOCK, label="IDPs displaced since 15 Apr 2023 (cumulative)",
                              since=date(2023, 4, 15), source="IOM DTM Sudan")
    stored = json.loads((catalog.root / "sudan-dtm" / "dataset.json").read_text())
    assert stored["map_series"]["dtm_idps"]["label"] == "IDPs displaced since 15 Apr 2023 (cumulative)"
    assert info.measure == "IDPs displaced"


def test_stock_headline_on_a_range_ending_on_the_figures_date(catalog):
    store = IncidentStore(_dtm(catalog))
    # The last update is dated 28 May, the range's end: it counts (both states, latest each).
    figure = store.displaced_in_range(date(2023, 5, 24), date(2023, 5, 28))
    assert figure is not None and figure.people == 785_000 and figure.figures == 2
    assert figure.last_as_of.date() == date(2023, 5, 28)
    # A stock is in force after its date: the 23 May figures answer for a range after them.
    later = store.displaced_in_range(date(2023, 5, 24), date(2023, 5, 27))
    assert later is not None and later.people == 690_000
    assert store.displaced_in_range(date(2023, 5, 1), date(2023, 5, 8)) is None
    assert store.displaced_in_range(date(2023, 5, 1), date(2023, 5, 28), ("SD02",)).people == 185_000


def test_flow_counts_the_figures_whose_period_overlaps_the_range(catalog):
    ingest_file(DATA / "hxl_somalia_arrivals.csv", "hxl", catalog, dataset="somalia", report_root=catalog.root)
    dataset = catalog.load("somalia")
    info = dataset.map_series["hxl_idps"]  # #affected+idps+arrivals under the header "New arrivals"
    assert (info.kind, info.label, info.unit, info.measure) == (FLOW, "New arrivals", "month", "new arrivals")
    assert dataset.period == (date(2023, 2, 1), date(2023, 3, 31))  # the months' own bounds
    store = IncidentStore(dataset)
    march = store.displaced_in_range(date(2023, 3, 10), date(2023, 3, 12))  # inside March, no figure dated then
    assert march is not None and march.people == 18_500 and march.period_start.date() == date(2023, 3, 1)
    both = store.displaced_in_range(date(2023, 2, 28), date(2023, 3, 1))
    assert both is not None and both.people == 31_500 and both.figures == 4
    drawn = store.displacement_on_map(FilterState(date(2023, 2, 1), date(2023, 3, 31)))
    assert sorted(drawn["displaced"].tolist()) == [6500, 12000]  # the latest month per region


def test_hxl_idps_without_a_movement_tag_are_a_stock(tmp_path):
    path = tmp_path / "somalia_idps.csv"
    path.write_text("#date+reported,#adm1+name,#adm1+code,#affected+idps,#geo+lat,#geo+lon,#meta+source,#meta+url\n"
                    "2023-03-31,Banadir,SO22,500000,2.0469,45.3182,CCCM (synthetic),https://example.org\n")
    info = read_source(path, "hxl").series["hxl_idps"]
    assert (info.kind, info.label, info.source) == (STOCK, "IDPs", "CCCM (synthetic)")


def test_displacement_merged_into_an_incident_dataset_is_described(catalog):
    ingest_file(DATA / "acled_sudan_sample.csv", "acled", catalog, dataset="sudan", report_root=catalog.root)
    assert catalog.load("sudan").map_series == {}
    dataset = _dtm(catalog, "sudan")
    assert list(dataset.map_series) == ["dtm_idps"] and dataset.headline == "dtm_idps"
    store = IncidentStore(dataset)
    start, end = store.date_range()
    assert len(store.displacement_on_map(FilterState(start, end))) == 2
    assert store.displacement_series()["displaced"].tolist() == [390_000, 690_000, 785_000]


def test_old_dataset_json_with_plain_kinds_still_loads(tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(DEFAULT_DATASET, folder)
    meta = json.loads((folder / "dataset.json").read_text())
    meta["map_series"] = {"nw_cumulative": "stock", "monthly_arrivals": "flow"}
    (folder / "dataset.json").write_text(json.dumps(meta))
    dataset = load_dataset(folder)
    assert dataset.series_kinds == {"nw_cumulative": STOCK, "monthly_arrivals": FLOW}
    assert dataset.map_series["monthly_arrivals"].label == "Displaced in the period"
    store = IncidentStore(dataset)
    assert store.displaced_in_range(date(2020, 2, 24), date(2020, 2, 27)).people == 948_000


def test_the_scenario_describes_its_own_series(scenario):
    info = scenario.map_series["nw_cumulative"]
    assert (info.kind, info.label, info.since) == (STOCK, "Displaced since 1 Dec 2019 (cumulative)",
                                                   date(2019, 12, 1))
    assert scenario.map_series["monthly_arrivals"] == SeriesInfo(
        kind=FLOW, label="IDP arrivals in the month", unit="month", source="OCHA / IDP (WoS) Task Force")


def test_origin_destination_and_bad_records():
    od = series_info({"kind": "od", "unit": "month"})
    assert od.kind == OD and od.label == "Movements from origin to destination in the month"
    with pytest.raises(SchemaError, match=r"dataset.json.*map_series.arrivals.kind.*expected one of stock, flow, od"):
        series_info({"kind": "inflow"}, name="arrivals")
    with pytest.raises(SchemaError, match="map_series.arrivals.since.*YYYY-MM-DD"):
        series_info({"kind": "stock", "since": "15/04/2023"}, name="arrivals")
