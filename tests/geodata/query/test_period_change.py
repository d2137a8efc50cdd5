"""The headline's change arithmetic on a Sudanese incidents file (every figure counted by hand from
tests/data/sudan/acled_sudan_2024.csv) and the Sudanese DTM-style displacement figures."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from geodata import FilterState, IncidentStore
from geodata.catalog.parquet import DataDirectory
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest.pipeline import ingest_file
from geodata.model import schema
from geodata.model.dataset import DEFAULT_DATASET, load_table
from geodata.query.change import BASELINE, PREVIOUS, Change, Period, compare, comparison_period, displaced_before
from tests.support import REPO

DATA = REPO / "tests" / "data"
#: 14 May – 11 Jun 2024, 29 days: SDN1012–SDN1019, 8 incidents, 15+10+0+4+0+6+0+3 = 38 fatalities.
WINDOW = FilterState(date(2024, 5, 14), date(2024, 6, 11))


@pytest.fixture(scope="module")
def sudan(tmp_path_factory):
    catalog = DataDirectory(tmp_path_factory.mktemp("data"))
    ingest_file(DATA / "sudan" / "acled_sudan_2024.csv", "acled", catalog, dataset="sudan-2024")
    return IncidentStore(catalog.load("sudan-2024"))


@pytest.fixture(scope="module")
def sudan_idps(tmp_path_factory):
    """The 2023 Sudan sample with the DTM-style IDP figures (9, 23 and 28 May 2023) merged in."""
    catalog = DataDirectory(tmp_path_factory.mktemp("data"))
    gazetteer = Gazetteer(load_table(DEFAULT_DATASET / "places.csv", schema.PLACES))
    ingest_file(DATA / "acled_sudan_sample.csv", "acled", catalog, dataset="sudan", gazetteer=gazetteer)
    ingest_file(DATA / "dtm_sudan_idps.csv", "csv", catalog, dataset="sudan", gazetteer=gazetteer,
                mapping=DATA / "dtm_sudan_mapping.json")
    return IncidentStore(catalog.load("sudan"))


def test_the_previous_period_has_equal_length_and_every_other_filter(sudan):
    assert sudan.date_range() == (date(2024, 4, 15), date(2024, 6, 12))
    result = compare(sudan, WINDOW)
    # 15 Apr – 13 May: SDN1001–SDN1011, 12+4+7+3+9+5+0+6+11+2+8 = 67 fatalities
    assert result.kind == PREVIOUS and result.period == Period(date(2024, 4, 15), date(2024, 5, 13))
    assert result.period.days == 29 and not result.clipped
    assert result.incidents == Change(8, 11) and result.incidents.delta == -3
    assert result.incidents.percent == pytest.approx(-300 / 11)
    assert result.fatalities == Change(38, 67) and result.fatalities.percent == pytest.approx(-2900 / 67)
    battles = compare(sudan, replace(WINDOW, event_types=("Battles",)))
    assert battles.incidents == Change(3, 4)  # SDN1013, 1015, 1019 against SDN1001, 1003, 1008, 1009
    assert battles.fatalities == Change(17, 36)


def test_the_previous_period_is_clipped_at_the_first_day_and_absent_before_it(sudan):
    clipped = compare(sudan, FilterState(date(2024, 5, 1), date(2024, 6, 12)))  # 43 days
    assert clipped.period == Period(date(2024, 4, 15), date(2024, 4, 30)) and clipped.period.days == 16
    assert clipped.clipped
    assert clipped.incidents == Change(14, 6) and clipped.fatalities == Change(69, 40)
    first = compare(sudan, FilterState(date(2024, 4, 15), date(2024, 5, 1)))
    assert first.period is None and first.incidents is None and first.fatalities is None


def test_empty_periods_and_no_percentage_of_nothing(sudan):
    protests = compare(sudan, replace(WINDOW, event_types=("Protests",)))
    assert protests.incidents == Change(1, 0) and protests.incidents.percent is None  # SDN1016, 27 May
    assert protests.fatalities == Change(0, 0) and protests.fatalities.percent is None
    none = compare(sudan, FilterState(date(2024, 5, 1), date(2024, 5, 12), event_types=("Protests",)))
    assert none.incidents == Change(0, 0) and none.incidents.delta == 0 and none.incidents.percent is None
    empty = compare(sudan, FilterState(date(2024, 6, 1), date(2024, 5, 1)))
    assert empty.period is None and empty.incidents is None


def test_a_baseline_the_analyst_picks(sudan):
    picked = compare(sudan, WINDOW, (date(2024, 5, 4), date(2024, 4, 21)))  # either order
    assert picked.kind == BASELINE and picked.period == Period(date(2024, 4, 21), date(2024, 5, 4))
    assert picked.incidents == Change(8, 4)  # SDN1004–SDN1007
    assert picked.fatalities == Change(38, 17) and picked.fatalities.percent == pytest.approx(2100 / 17)
    partly = compare(sudan, WINDOW, (date(2024, 4, 1), date(2024, 4, 20)))  # cut to the data: 15–20 Apr
    assert partly.period == Period(date(2024, 4, 15), date(2024, 4, 20)) and partly.clipped
    assert partly.incidents == Change(8, 3) and partly.fatalities == Change(38, 23)
    before = compare(sudan, WINDOW, (date(2024, 1, 1), date(2024, 1, 31)))  # no data: not zero incidents
    assert before.kind == BASELINE and before.period is None and before.incidents is None


def test_comparison_period_alone():
    bounds = (date(2021, 1, 1), date(2021, 12, 31))
    one_day = Period(date(2021, 3, 1), date(2021, 3, 1))
    assert comparison_period(one_day, bounds) == (Period(date(2021, 2, 28), date(2021, 2, 28)), False)
    assert comparison_period(Period(date(2021, 3, 1), date(2021, 3, 31)), bounds)[0] == \
        Period(date(2021, 1, 29), date(2021, 2, 28))
    assert comparison_period(one_day, bounds, (date(2021, 12, 1), date(2022, 1, 31))) == \
        (Period(date(2021, 12, 1), date(2021, 12, 31)), True)


def test_the_displaced_figure_changes_only_against_another_dated_figure(sudan_idps):
    late = FilterState(date(2023, 5, 15), date(2023, 5, 28))
    earlier = displaced_before(sudan_idps, late, compare(sudan_idps, late))
    # 1–14 May: the 9 May figures (300,000 + 90,000) against 28 May's 785,000
    assert earlier is not None and earlier.people == 390_000 and earlier.last_as_of.date() == date(2023, 5, 9)
    last_days = FilterState(date(2023, 5, 24), date(2023, 5, 28))
    assert displaced_before(sudan_idps, last_days, compare(sudan_idps, last_days)).people == 690_000
    same = FilterState(date(2023, 5, 10), date(2023, 5, 12))  # 7–9 May: the same 9 May figures
    assert displaced_before(sudan_idps, same, compare(sudan_idps, same)) is None
    khartoum = replace(late, admin_codes=("SD01",))
    assert displaced_before(sudan_idps, khartoum, compare(sudan_idps, khartoum)).people == 300_000
