"""Flows filtering: which flows a date range and an area selection keep, how they add up per pair, how each
end is placed (never invented), and what is said about those left off the map. Fixtures in Somalia and
Sudan; the real HNAP workbook in shared/ with the Syrian boundaries."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geodata.catalog.parquet import DataDirectory
from geodata.geo.boundaries import label_points
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest.formats import read_source
from geodata.ingest.pipeline import ingest_file
from geodata.model.series import OD, SeriesInfo
from geodata.query.flows import Locator, aggregate, flow_series, in_range, placed_flows, within_areas
from tests.hnap_sudan import BOUNDARIES, FLOWS, write_workbook
from tests.support import shared_data

SOURCE = "PRMN Somalia (synthetic)"
#: Region points as boundaries give them (a point inside each area).
REGIONS = pd.DataFrame({"pcode": ["SO22", "SO24", "SO26"], "name": ["Banadir", "Bay", "Gedo"],
                        "admin_level": [1, 1, 1], "latitude": [2.05, 2.70, 3.50], "longitude": [45.30, 43.60, 42.20]})


def flows(*rows: tuple) -> pd.DataFrame:
    """Flows from (origin, origin_pcode, destination, destination_pcode, people, start, end[, movement])."""
    return pd.DataFrame([{"origin": r[0], "origin_pcode": r[1], "destination": r[2], "destination_pcode": r[3],
                          "people": float(r[4]), "period_start": pd.Timestamp(r[5]), "period_end": pd.Timestamp(r[6]),
                          "movement": r[7] if len(r) > 7 else "arrivals", "source": SOURCE,
                          "source_url": "https://example.org"} for r in rows])


MONTHS = flows(("Bay", "SO24", "Banadir", "SO22", 4_000, "2023-03-01", "2023-03-31"),
               ("Bay", "SO24", "Banadir", "SO22", 6_500, "2023-04-01", "2023-04-30"),
               ("Gedo", "SO26", "Banadir", "SO22", 900, "2023-04-01", "2023-04-30"),
               ("Gedo", "SO26", "Bay", "SO24", 300, "2023-04-01", "2023-04-30", "returns"),
               ("Bay", "SO24", "Banadir", "SO22", 700, "2023-04-01", "2023-04-30", "returns"))


def pairs(placed) -> dict[tuple[str, str, str], float]:
    return {(o, d, m): p for o, d, m, p in zip(placed.flows["origin"], placed.flows["destination"],
                                               placed.flows["movement"], placed.flows["people"], strict=True)}


def test_a_flow_counts_in_full_when_its_period_overlaps_the_dates():
    march, april = MONTHS.iloc[0], MONTHS.iloc[1]
    assert in_range(MONTHS, date(2023, 3, 31), date(2023, 4, 1))["people"].tolist() == MONTHS["people"].tolist()
    only_march = in_range(MONTHS, date(2023, 3, 10), date(2023, 3, 12))
    assert only_march["people"].tolist() == [march["people"]]  # a day inside the month: the whole month's flow
    assert in_range(MONTHS, date(2023, 4, 30), date(2023, 5, 31))["people"].tolist()[0] == april["people"]
    assert in_range(MONTHS, date(2023, 5, 1), date(2023, 5, 31)).empty  # the day after: none
    assert in_range(MONTHS, date(2023, 2, 1), date(2023, 2, 28)).empty  # the month before: none
    assert in_range(MONTHS, date(2023, 4, 2), date(2023, 4, 1)).empty  # start after end


def test_flows_add_up_per_pair_and_movement_never_across_movements():
    placed = placed_flows(MONTHS, date(2023, 3, 1), date(2023, 4, 30), Locator(REGIONS))
    assert pairs(placed) == {("Bay", "Banadir", "arrivals"): 10_500, ("Gedo", "Banadir", "arrivals"): 900,
                             ("Bay", "Banadir", "returns"): 700, ("Gedo", "Bay", "returns"): 300}
    top = placed.flows.iloc[0]  # most people first
    assert (top["origin"], top["figures"]) == ("Bay", 2)
    assert (top["period_start"], top["period_end"]) == (pd.Timestamp("2023-03-01"), pd.Timestamp("2023-04-30"))
    # Only April: March's 4,000 are not counted.
    april = placed_flows(MONTHS, date(2023, 4, 1), date(2023, 4, 30), Locator(REGIONS))
    assert pairs(april)[("Bay", "Banadir", "arrivals")] == 6_500
    assert placed.note == "" and placed.unplaced == 0


def test_ends_without_a_pcode_are_told_apart_by_name():
    table = flows(("Baidoa town", None, "Mogadishu", None, 10, "2023-04-01", "2023-04-30"),
                  ("baidoa TOWN", None, "Mogadishu", None, 5, "2023-04-01", "2023-04-30"),
                  ("Dinsoor", None, "Mogadishu", None, 7, "2023-04-01", "2023-04-30"))
    assert sorted(aggregate(table)["people"].tolist()) == [7.0, 15.0]


def test_area_selection_keeps_flows_with_an_end_inside_it():
    gedo = within_areas(MONTHS, ["SO26"])
    assert set(gedo["origin"]) == {"Gedo"} and len(gedo) == 2
    into_bay = within_areas(MONTHS, ["SO24"])
    assert len(into_bay) == 4  # from Bay, and the return from Gedo to Bay
    assert len(within_areas(MONTHS, [])) == len(MONTHS)
    no_codes = flows(("Baidoa town", None, "Mogadishu", None, 10, "2023-04-01", "2023-04-30"))
    assert within_areas(no_codes, ["SO24"]).empty  # cannot be placed in an area: left out, like figures


def test_ends_are_placed_by_boundaries_then_displacement_figures_then_names_never_guessed():
    figures = pd.DataFrame({
        "pcode": ["SO2601-C1", "SO2601-C2", "SO2801-C1", "SO3001-C1"],
        "admin1_pcode": ["SO26", "SO26", "SO28", "SO30"],
        "latitude": [3.0, 4.0, 4.7, None], "longitude": [42.0, 42.4, 45.2, None]})
    places = pd.DataFrame({"place_id": ["p1", "p2", "p3", "p4"], "name": ["Dolow", "Luuq", "Garbahaarey", "Buurhakaba"],
                           "aliases": [None, None, None, "Bur Hakaba"], "latitude": [4.16, 3.80, 3.33, 2.80],
                           "longitude": [42.08, 42.55, 42.22, 44.08]})
    more = pd.concat([places, pd.DataFrame({"place_id": ["p5"], "name": ["Luuq"], "latitude": [9.0],
                                            "longitude": [48.0]})], ignore_index=True)
    locate = Locator(REGIONS, figures, Gazetteer(more)).locate
    assert locate("SO26", "Gedo") == (3.50, 42.20, "boundaries")  # boundaries first, before figures inside Gedo
    assert locate("SO2601-C2", None) == (4.0, 42.4, "displacement figure")
    assert locate("SO28", "Hiraan") == (4.7, 45.2, "displacement figures in the area")
    assert locate("SO30", "Galgaduud") is None  # its figure has no point: nothing to stand for it
    assert locate(None, "bay") == (2.70, 43.60, "boundaries (by name)")
    assert locate(None, "Bur Hakaba") == (2.80, 44.08, "gazetteer (by name)")  # an alias
    assert locate(None, "Dolow")[:2] == (4.16, 42.08)
    assert locate(None, "Luuq") is None  # two places of that name far apart: not guessed
    assert locate(None, "Doolow") is None  # a spelling variant is a guess: not used
    assert locate("", "") is None


def test_flows_with_an_end_that_cannot_be_placed_are_counted_not_drawn():
    table = pd.concat([MONTHS, flows(("Hiraan", "SO28", "Banadir", "SO22", 1_250, "2023-04-01", "2023-04-30"),
                                     ("Hiraan", "SO28", "Bay", "SO24", 50, "2023-04-01", "2023-04-30"),
                                     ("Banadir", "SO22", "Bakool", None, 20, "2023-04-01", "2023-04-30"))])
    placed = placed_flows(table, date(2023, 4, 1), date(2023, 4, 30), Locator(REGIONS))
    assert (placed.unplaced, placed.unplaced_people) == (3, 1_320)
    assert placed.note == "not drawn: 3 flows without a location (Hiraan, Bakool)"
    assert not {"Hiraan", "Bakool"} & (set(placed.flows["origin"]) | set(placed.flows["destination"]))
    assert placed.flows[["origin_lat", "origin_lon", "destination_lat", "destination_lon"]].notna().all().all()


def test_what_a_flow_counts_comes_from_its_series():
    arrivals = SeriesInfo(kind=OD, label="IDP movements from origin to destination in the month", unit="month",
                          source="HNAP / OCHA IDP movements (May 2023)")
    returns = SeriesInfo(kind=OD, label="IDP returns from origin to destination in the month", unit="month",
                         source="HNAP / OCHA IDP movements (April 2023)")
    series = {"hnap_arrivals": SeriesInfo(kind="flow"), "hnap_arrivals_od": arrivals, "hnap_returns_od": returns}
    assert flow_series(series, "arrivals", "HNAP / OCHA IDP movements (May 2023)") is arrivals
    assert flow_series(series, "returns", "HNAP / OCHA IDP movements (March 2023)") is returns  # by movement
    assert flow_series({"x_od": arrivals}, "moves", "other") is arrivals  # the only one
    assert flow_series({}, "arrivals", SOURCE).kind == OD


def test_imported_sudan_workbook_places_every_state_with_a_boundary(tmp_path):
    data = DataDirectory(tmp_path / "data")
    ingest_file(BOUNDARIES, "boundaries", data, report_root=tmp_path)
    ingest_file(write_workbook(tmp_path), "hnap", data, dataset="sudan-flows", report_root=tmp_path)
    dataset = data.load("sudan-flows")
    placed = placed_flows(dataset.flows, *dataset.period, Locator(label_points(data.boundaries()),
                                                                  dataset.displacement))
    drawn = {(o, d): p for (o, d, _), p in pairs(placed).items()}
    assert drawn == {pair: people for pair, people in FLOWS.items() if pair[0] != "Blue Nile"}
    assert placed.note == "not drawn: 1 flow without a location (Blue Nile)"
    assert set(placed.flows["origin_basis"]) == {"boundaries"}
    assert placed_flows(dataset.flows, date(2023, 6, 1), date(2023, 6, 30), Locator()).flows.empty


def test_real_hnap_matrix_is_placed_whole_by_the_governorates():
    """January 2019: every one of the 36 movements between governorates is drawn, 110,925 people in all."""
    boundaries = read_source(shared_data("data", "boundaries", "syr_adm1_ocha_cod_v02.geojson"), "boundaries").frame
    table = read_source(shared_data("data", "displacement", "hnap_idp_movements_2019-01_workbook.xlsx"),
                        "hnap").tables["flows"]
    placed = placed_flows(table, date(2019, 1, 31), date(2019, 2, 15), Locator(label_points(boundaries)))
    assert (len(placed.flows), placed.unplaced) == (36, 0)
    assert placed.flows["people"].sum() == pytest.approx(110_925)
    assert placed.flows.iloc[0][["origin", "destination"]].tolist() == ["Deir-ez-Zor", "Deir-ez-Zor"]
    assert placed_flows(table, date(2019, 2, 1), date(2019, 2, 28), Locator()).flows.empty


def test_beyond_the_limit_the_smallest_flows_are_counted_not_drawn():
    table = pd.concat([MONTHS, flows(("Hiraan", "SO28", "Banadir", "SO22", 1_250, "2023-04-01", "2023-04-30"))])
    placed = placed_flows(table, date(2023, 4, 1), date(2023, 4, 30), Locator(REGIONS), limit=2)
    assert placed.flows["people"].tolist() == [6_500, 900]  # the two largest of the four placed
    assert (placed.smaller, placed.smaller_below) == (2, 700)
    assert placed.note == ("not drawn: 1 flow without a location (Hiraan); "
                           "2 smaller flows (at most 700 people each)")
