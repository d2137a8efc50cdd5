"""The HNAP reader says what its series count, on the real January 2019 workbook and extracts in shared/data,
and an imported month answers the headline for a range ending on the month's last day."""
from __future__ import annotations

from datetime import date

from geodata import IncidentStore
from geodata.catalog.parquet import DataDirectory
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest.formats import read_source
from geodata.ingest.pipeline import ingest_file
from geodata.model import schema
from geodata.model.dataset import DEFAULT_DATASET, load_table
from geodata.model.series import FLOW, OD
from tests.support import shared_data

FOLDER = ("data", "displacement")
SOURCE = "HNAP / OCHA IDP movements (January 2019)"


def test_workbook_arrivals_are_a_monthly_flow_and_its_matrix_an_origin_destination_series():
    source = read_source(shared_data(*FOLDER, "hnap_idp_movements_2019-01_workbook.xlsx"), "hnap")
    arrivals, matrix = source.series["hnap_arrivals"], source.series["hnap_arrivals_od"]
    assert (arrivals.kind, arrivals.label, arrivals.unit, arrivals.source) == (
        FLOW, "IDP arrivals in the month", "month", SOURCE)
    assert arrivals.measure == "IDP arrivals"
    assert (matrix.kind, matrix.unit) == (OD, "month") and "origin to destination" in matrix.label
    assert len(source.tables["flows"]) and set(source.tables["flows"]["movement"]) == {"arrivals"}


def test_returns_extract_is_a_flow_of_returns():
    source = read_source(shared_data(*FOLDER, "hnap_idp_spontaneous_returns_2019-01_community.csv"), "hnap")
    assert list(source.series) == ["hnap_returns"]
    returns = source.series["hnap_returns"]
    assert (returns.kind, returns.label, returns.unit) == (FLOW, "Spontaneous IDP returns in the month", "month")


def test_imported_month_counts_every_figure_dated_on_the_end_date(tmp_path):
    catalog = DataDirectory(tmp_path)
    places = load_table(DEFAULT_DATASET / "places.csv", schema.PLACES)
    ingest_file(shared_data(*FOLDER, "hnap_idp_movements_2019-01_community_arrivals.csv"), "hnap", catalog,
                dataset="hnap", gazetteer=Gazetteer(places))
    dataset = catalog.load("hnap")
    assert dataset.map_series["hnap_arrivals"].kind == FLOW and dataset.headline == "hnap_arrivals"
    assert dataset.period == (date(2019, 1, 1), date(2019, 1, 31))
    store = IncidentStore(dataset)
    # All 541 figures are dated 31 January, the range's last day: before, the headline found none.
    figure = store.displaced_in_range(*dataset.period)
    assert figure is not None and (figure.people, figure.figures) == (110_925, 541)
    assert figure.period_start.date() == date(2019, 1, 1) and figure.sources == (SOURCE,)
    assert store.displaced_in_range(date(2019, 1, 31), date(2019, 1, 31)).people == 110_925
    # Community codes (C6807) do not nest: the figures are placed in areas by their governorate's code.
    assert store.displaced_in_range(date(2019, 1, 10), date(2019, 1, 12), ("SY07",)).people == 32_057
