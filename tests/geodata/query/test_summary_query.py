"""The summary's arithmetic on a small Colombian incidents file (every figure counted by hand), its
displacement figures on the Sudanese sample files, and its agreement with pandas on synthetic data."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from geodata import FilterState, IncidentStore
from geodata.catalog.parquet import DataDirectory
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest import pipeline
from geodata.model import schema
from geodata.model.dataset import DEFAULT_DATASET, dataset_from_incidents, load_table
from geodata.query.summary import bin_days, change_pct, comparison_period, has_level, previous_period, summary
from geodata.synthetic import synthetic_incidents
from tests.support import REPO

DATA = REPO / "tests" / "data"
HEADER = ("event_id,event_date,date_precision,event_type,sub_event_type,actor1,actor2,location,admin1,admin1_pcode,"
          "admin2,admin3,latitude,longitude,geo_precision,fatalities,notes,source,source_url")
# id, date, type, actor1, actor2, department, p-code, fatalities ("" = not reported)
ROWS = [
    ("C01", "2021-01-01", "Battles", "ELN", "Military Forces of Colombia", "Arauca", "CO81", "2"),
    ("C02", "2021-02-20", "Battles", "ELN", "Military Forces of Colombia", "Antioquia", "CO05", "1"),
    ("C03", "2021-02-25", "Violence against civilians", "Clan del Golfo", "Civilians (Colombia)", "Antioquia",
     "CO05", "3"),
    ("C04", "2021-02-27", "Battles", "FARC dissidents", "Military Forces of Colombia", "Cauca", "CO19", "0"),
    ("C05", "2021-02-28", "Explosions/Remote violence", "FARC dissidents", "Civilians (Colombia)", "Cauca",
     "CO19", "2"),
    ("C06", "2021-03-01", "Battles", "ELN", "Military Forces of Colombia", "Antioquia", "CO05", "4"),
    ("C07", "2021-03-02", "Battles", "ELN", "Military Forces of Colombia", "Antioquia", "CO05", ""),
    ("C08", "2021-03-05", "Violence against civilians", "Clan del Golfo", "Civilians (Colombia)", "Antioquia",
     "CO05", "1"),
    ("C09", "2021-03-09", "Battles", "FARC dissidents", "FARC dissidents", "Cauca", "CO19", "5"),
    ("C10", "2021-03-10", "Protests", "Protesters (Colombia)", "", "Valle del Cauca", "CO76", "0"),
    ("C11", "2021-03-10", "Battles", "ELN", "Military Forces of Colombia", "", "", "0"),
    ("C12", "2021-03-20", "Battles", "ELN", "Military Forces of Colombia", "Arauca", "CO81", "1"),
]
MARCH = FilterState(date(2021, 3, 1), date(2021, 3, 10))


@pytest.fixture(scope="module")
def colombia(tmp_path_factory):
    path = tmp_path_factory.mktemp("colombia") / "incidents.csv"
    lines = [HEADER] + [f"{i},{d},day,{t},,{a1},{a2},{name or 'unknown'},{name},{code},,,4.6,-74.1,1,{f},"
                        f"test row,test fixture,https://example.org"
                        for i, d, t, a1, a2, name, code, f in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    incidents = load_table(path, schema.INCIDENTS)
    return IncidentStore(dataset_from_incidents(incidents, name="colombia", title="Colombia test",
                                                period=(date(2021, 1, 1), date(2021, 3, 31))))


def by_label(result):
    return {row.label: row for row in result.rows}


# ---------------------------------------------------------------- the comparison period
def test_previous_period_has_the_same_length_and_ends_the_day_before():
    bounds = (date(2020, 1, 1), date(2020, 12, 31))
    assert previous_period(date(2020, 3, 1), date(2020, 3, 10), bounds) == (date(2020, 2, 20), date(2020, 2, 29))
    assert previous_period(date(2020, 3, 1), date(2020, 3, 31), bounds) == (date(2020, 1, 30), date(2020, 2, 29))
    assert previous_period(date(2020, 5, 5), date(2020, 5, 5), bounds) == (date(2020, 5, 4), date(2020, 5, 4))


def test_previous_period_is_clipped_at_the_first_day_or_absent():
    bounds = (date(2021, 1, 1), date(2021, 3, 31))
    assert previous_period(date(2021, 1, 5), date(2021, 1, 20), bounds) == (date(2021, 1, 1), date(2021, 1, 4))
    assert previous_period(date(2021, 1, 1), date(2021, 1, 20), bounds) is None
    assert previous_period(date(2021, 2, 1), date(2021, 1, 20), bounds) is None  # empty range


def test_a_baseline_replaces_the_previous_period_in_order():
    bounds = (date(2021, 1, 1), date(2021, 3, 31))
    # In order, and cut to the data's period (the headline's rule: days without data are not days without incidents).
    assert comparison_period(MARCH, bounds, (date(2021, 1, 31), date(2020, 6, 1))) == (date(2021, 1, 1),
                                                                                        date(2021, 1, 31))
    assert comparison_period(MARCH, bounds, (date(2020, 1, 1), date(2020, 1, 31))) is None
    assert comparison_period(MARCH, bounds, None) == (date(2021, 2, 19), date(2021, 2, 28))


def test_change_in_per_cent_is_none_when_there_was_nothing_before():
    assert change_pct(6, 4) == 50.0
    assert change_pct(0, 4) == -100.0
    assert change_pct(3, 0) is None
    assert change_pct(0, 0) is None


def test_sparkline_bins_are_days_then_weeks_then_months():
    assert bin_days(date(2021, 3, 1), date(2021, 3, 10)) == 1
    assert bin_days(date(2021, 1, 1), date(2021, 12, 31)) == 7
    assert bin_days(date(2017, 1, 1), date(2021, 12, 31)) == 30


# ---------------------------------------------------------------- counting
def test_admin_areas_ranked_with_their_change_against_the_previous_ten_days(colombia):
    result = summary(colombia, MARCH, "admin1")
    assert result.previous == (date(2021, 2, 19), date(2021, 2, 28)) and not result.baseline_given
    assert [r.label for r in result.rows] == ["Antioquia", "Cauca", "Valle del Cauca", "No admin 1 area given"]
    rows = by_label(result)
    antioquia = rows["Antioquia"]
    # C06 (4), C07 (not reported: counts as an incident, adds no deaths), C08 (1); before: C02 (1), C03 (3)
    assert (antioquia.key, antioquia.incidents, antioquia.fatalities) == ("CO05", 3, 5)
    assert (antioquia.previous_incidents, antioquia.previous_fatalities) == (2, 4)
    assert (antioquia.incidents_change, antioquia.incidents_change_pct) == (1, 50.0)
    assert (antioquia.fatalities_change, antioquia.fatalities_change_pct) == (1, 25.0)
    cauca = rows["Cauca"]
    assert (cauca.incidents, cauca.fatalities, cauca.incidents_change_pct, cauca.fatalities_change_pct) == (
        1, 5, -50.0, 150.0)
    valle = rows["Valle del Cauca"]
    assert (valle.previous_incidents, valle.incidents_change, valle.incidents_change_pct) == (0, 1, None)
    unplaced = rows["No admin 1 area given"]
    assert (unplaced.key, unplaced.incidents) == ("", 1)  # C11: counted, not dropped, and not clickable
    assert sum(r.incidents for r in result.rows) == len(colombia.positions(MARCH))
    assert "Arauca" not in rows  # nothing in either period


def test_sparkline_counts_each_day_of_the_selection(colombia):
    result = summary(colombia, MARCH, "admin1")
    assert result.bin_days == 1
    assert by_label(result)["Antioquia"].series == (1, 1, 0, 0, 1, 0, 0, 0, 0, 0)
    assert all(sum(r.series) == r.incidents for r in result.rows)


def test_an_empty_period_keeps_the_areas_that_had_incidents_before(colombia):
    quiet = FilterState(date(2021, 3, 11), date(2021, 3, 19))
    result = summary(colombia, quiet, "admin1")
    assert result.previous == (date(2021, 3, 2), date(2021, 3, 10))
    rows = by_label(result)
    assert {label: (r.incidents, r.previous_incidents, r.incidents_change_pct) for label, r in rows.items()} == {
        "Antioquia": (0, 2, -100.0), "Cauca": (0, 1, -100.0), "Valle del Cauca": (0, 1, -100.0),
        "No admin 1 area given": (0, 1, -100.0)}
    # before: C07 (no figure) + C08 (1 death); now none
    assert (rows["Antioquia"].previous_fatalities, rows["Antioquia"].fatalities_change_pct) == (1, -100.0)


def test_a_range_starting_on_the_first_day_has_nothing_to_compare_with(colombia):
    result = summary(colombia, FilterState(date(2021, 1, 1), date(2021, 1, 10)), "admin1")
    assert result.previous is None
    [arauca] = result.rows
    assert (arauca.label, arauca.incidents, arauca.previous_incidents, arauca.incidents_change_pct) == (
        "Arauca", 1, 0, None)


def test_an_empty_range_gives_zero_incidents_and_no_comparison(colombia):
    result = summary(colombia, FilterState(date(2021, 3, 10), date(2021, 3, 1)), "admin1")
    assert result.rows == () and result.previous is None


def test_a_baseline_is_compared_with_instead(colombia):
    result = summary(colombia, MARCH, "admin1", baseline=(date(2021, 1, 1), date(2021, 1, 31)))
    assert result.previous == (date(2021, 1, 1), date(2021, 1, 31)) and result.baseline_given
    rows = by_label(result)
    assert (rows["Arauca"].incidents, rows["Arauca"].previous_incidents, rows["Arauca"].incidents_change) == (0, 1, -1)
    assert rows["Antioquia"].previous_incidents == 0 and rows["Antioquia"].incidents_change_pct is None
    before_the_data = summary(colombia, MARCH, "admin1", baseline=(date(2020, 1, 1), date(2020, 1, 31)))
    assert before_the_data.previous is None and before_the_data.baseline_given  # nothing to compare with
    assert all(r.incidents_change is None and r.incidents_change_pct is None for r in before_the_data.rows)


def test_every_other_filter_applies_to_both_periods(colombia):
    battles = replace(MARCH, event_types=("Battles",))
    rows = by_label(summary(colombia, battles, "admin1"))
    assert (rows["Antioquia"].incidents, rows["Antioquia"].previous_incidents) == (2, 1)  # C06, C07 / C02
    assert (rows["Cauca"].incidents, rows["Cauca"].previous_incidents) == (1, 1)          # C09 / C04
    assert "Valle del Cauca" not in rows


def test_actors_count_an_incident_once_for_each_actor_it_names(colombia):
    result = summary(colombia, MARCH, "actor")
    rows = by_label(result)
    assert rows["ELN"].incidents == 3 and rows["Military Forces of Colombia"].incidents == 3
    assert (rows["FARC dissidents"].incidents, rows["FARC dissidents"].fatalities) == (1, 5)  # C09 names it twice
    assert rows["FARC dissidents"].previous_incidents == 2
    assert rows["Protesters (Colombia)"].incidents == 1 and rows["ELN"].key == "ELN"
    assert all(r.displaced is None for r in result.rows)


def test_event_types_ranked_by_incidents(colombia):
    result = summary(colombia, MARCH, "event_type")
    assert [(r.key, r.incidents, r.previous_incidents) for r in result.rows] == [
        ("Battles", 4, 2), ("Violence against civilians", 1, 1), ("Protests", 1, 0),
        ("Explosions/Remote violence", 0, 1)]


def test_names_from_the_boundaries_win_and_levels_without_areas_are_not_offered(colombia):
    result = summary(colombia, MARCH, "admin1", names={"CO05": "Antioquia (boundaries)"})
    assert result.rows[0].label == "Antioquia (boundaries)"
    assert has_level(colombia, "admin1") and not has_level(colombia, "admin2")
    with pytest.raises(ValueError, match="cannot summarise by 'country'"):
        summary(colombia, MARCH, "country")


def test_areas_named_only_by_text_are_grouped_by_name_and_cannot_filter():
    incidents = synthetic_incidents(2_000)  # admin1 names (Idleb, Aleppo), no p-codes
    store = IncidentStore(dataset_from_incidents(incidents, name="syn", title="syn"))
    start, end = store.date_range()
    result = summary(store, FilterState(date(2019, 1, 1), date(2019, 12, 31)), "admin1")
    selected = incidents[(incidents["event_date"] >= "2019-01-01") & (incidents["event_date"] <= "2019-12-31")]
    expected = selected.groupby("admin1").agg(n=("event_id", "size"), f=("fatalities", "sum"))
    assert {r.label: (r.incidents, r.fatalities) for r in result.rows} == {
        name: (int(row.n), int(row.f)) for name, row in expected.iterrows()}
    assert all(r.key == "" for r in result.rows)
    assert result.bin_days == 7 and all(sum(r.series) == r.incidents for r in result.rows)


def test_counts_agree_with_pandas_on_synthetic_data():
    incidents = synthetic_incidents(20_000)
    store = IncidentStore(dataset_from_incidents(incidents, name="syn", title="syn"))
    state = FilterState(date(2020, 1, 1), date(2020, 6, 30), event_types=("Battles", "Protests"))
    selected = store.select(state)
    result = summary(store, state, "event_type")
    assert {r.key: r.incidents for r in result.rows} == selected["event_type"].value_counts().to_dict()
    actors = summary(store, state, "actor")
    for row in actors.rows[:3]:
        named = (selected["actor1"] == row.label) | (selected["actor2"] == row.label)
        assert row.incidents == int(named.sum())
        assert row.fatalities == int(selected.loc[named, "fatalities"].sum())


# ---------------------------------------------------------------- displacement in force (Sudan sample files)
@pytest.fixture(scope="module")
def sudan(tmp_path_factory):
    root = tmp_path_factory.mktemp("sudan")
    catalog = DataDirectory(root / "data")
    gazetteer = Gazetteer(load_table(DEFAULT_DATASET / "places.csv", schema.PLACES))
    pipeline.ingest_file(DATA / "sudan_adm1_sample.geojson", "boundaries", catalog, report_root=root)
    pipeline.ingest_file(DATA / "acled_sudan_sample.csv", "acled", catalog, dataset="sudan", report_root=root,
                         gazetteer=gazetteer)
    pipeline.ingest_file(DATA / "dtm_sudan_idps.csv", "csv", catalog, dataset="sudan",
                         mapping=DATA / "dtm_sudan_mapping.json", report_root=root, gazetteer=gazetteer)
    return IncidentStore(catalog.load("sudan"))


def test_admin_rows_carry_the_displaced_figure_in_force(sudan):
    state = FilterState(date(2023, 5, 15), date(2023, 5, 28))
    result = summary(sudan, state, "admin1")
    rows = {r.key: r for r in result.rows}
    assert result.displaced_series == "dtm_idps"
    assert rows["SD01"].label == "Khartoum" and rows["SD01"].displaced == 600_000
    assert rows["SD01"].displaced == sudan.displaced_in_range(state.start, state.end, ["SD01"]).people
    assert rows["SD02"].displaced == 185_000
    selected = sudan.select(state)
    assert rows["SD01"].incidents == int((selected["admin1_pcode"] == "SD01").sum()) > 0
    # Before the first DTM update nothing is in force.
    early = {r.key: r for r in summary(sudan, FilterState(date(2023, 5, 1), date(2023, 5, 8)), "admin1").rows}
    assert early and all(r.displaced is None for r in early.values())
