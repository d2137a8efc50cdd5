"""The legend, map hover, timeline and headline say what each displacement series counts, in its source's
words: a stock as of its date (since its start when cumulative), a flow over its period. Figures from real
files: DTM-style Sudan stocks merged into the Sudan incident sample, the shipped scenario, HNAP's month."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.figures.headline import headline
from dashboard.figures.wording import displaced_sentence, missing_sentence, period_words
from dashboard.views.headline import update_headline
from dashboard.views.map import update_map
from dashboard.views.timeline import update_timeline
from geodata import FilterState, IncidentStore
from geodata.catalog.parquet import DataDirectory
from geodata.geo.gazetteer import Gazetteer
from geodata.ingest.pipeline import ingest_file
from geodata.model import schema
from geodata.model.dataset import DEFAULT_DATASET, load_table
from geodata.model.series import FLOW, OD, STOCK, SeriesInfo, series_info
from geodata.query.columns import FatalityTotals
from geodata.query.displacement import Displaced
from tests.support import REPO, shared_data

DATA = REPO / "tests" / "data"
DTM_LABEL = "IDPs displaced since 15 Apr 2023 (cumulative)"


def _figure(people, kind, as_of, start=None, end=None, *, figures=1, qualifier="", sources=("OCHA",)):
    stamp = pd.Timestamp
    return Displaced(series="s", kind=kind, people=people, figures=figures, qualifier=qualifier,
                     first_as_of=stamp(as_of), last_as_of=stamp(as_of), period_start=stamp(start) if start else None,
                     period_end=stamp(end) if end else None, sources=sources)


def test_stock_says_since_when_and_as_of():
    info = SeriesInfo(kind=STOCK, label="Displaced since 15 Apr 2023 (cumulative)", since=date(2023, 4, 15))
    said = displaced_sentence(_figure(948_000, STOCK, "2023-05-23", "2023-04-15", "2023-05-23",
                                      qualifier="more than"), info)
    assert said == "more than 948,000 displaced since 15 Apr 2023, as of 23 May 2023 (OCHA)"
    plain = SeriesInfo(kind=STOCK, label="IDPs in the area as of the round")
    assert displaced_sentence(_figure(12_500, STOCK, "2023-02-28", sources=("IOM DTM",)), plain) == \
        "12,500 IDPs in the area, as of 28 Feb 2023 (IOM DTM)"


def test_flow_says_its_period():
    info = SeriesInfo(kind=FLOW, label="IDP arrivals in the month", unit="month")
    said = displaced_sentence(_figure(61_000, FLOW, "2020-02-29", "2020-02-01", "2020-02-29", sources=("HNAP",)), info)
    assert said == "61,000 IDP arrivals in February 2020 (HNAP)"
    two = _figure(80_000, FLOW, "2023-03-31", "2023-02-01", "2023-03-31", figures=4, sources=("A", "B", "C"))
    assert displaced_sentence(two, info) == "80,000 IDP arrivals in Feb – Mar 2023 across 4 places (A; B and 1 more)"
    weekly = SeriesInfo(kind=FLOW, label="New displacements in the week", unit="week")
    assert displaced_sentence(_figure(900, FLOW, "2023-05-07", "2023-05-01", "2023-05-07", sources=()), weekly) == \
        "900 new displacements in 1 – 7 May 2023"


def test_period_words():
    assert period_words(date(2022, 12, 1), date(2023, 2, 28), "month") == "Dec 2022 – Feb 2023"
    assert period_words(date(2023, 4, 28), date(2023, 5, 4), "week") == "28 Apr – 4 May 2023"
    assert period_words(date(2023, 5, 4), date(2023, 5, 4), "day") == "4 May 2023"


def test_origin_destination_and_missing_figures():
    od = series_info({"kind": "od", "unit": "month", "label": "IDP movements by origin and destination"})
    said = displaced_sentence(_figure(3_000, OD, "2019-01-31", "2019-01-01", "2019-01-31", sources=("HNAP",)), od)
    assert said == "3,000 IDP movements by origin and destination in January 2019 (HNAP)"
    stock = SeriesInfo(kind=STOCK, label=DTM_LABEL)
    assert missing_sentence(stock, areas=False) == f"no figure on or before the end date ({DTM_LABEL})"
    flow = SeriesInfo(kind=FLOW, label="New arrivals", unit="month")
    assert missing_sentence(flow, areas=True) == "no figure for the selected areas for a period in the selected dates " \
                                                 "(New arrivals)"
    h = headline(FatalityTotals(0, 0, 0, 0, 0), None, flow)
    assert h.displaced == "–" and h.displaced_detail.startswith("no figure for a period")


@pytest.fixture(scope="module")
def sudan(tmp_path_factory):
    """The Sudan ACLED sample with the DTM-style IDP figures merged in, as an analyst imports them."""
    catalog = DataDirectory(tmp_path_factory.mktemp("data"))
    gazetteer = Gazetteer(load_table(DEFAULT_DATASET / "places.csv", schema.PLACES))
    ingest_file(DATA / "acled_sudan_sample.csv", "acled", catalog, dataset="sudan", gazetteer=gazetteer)
    ingest_file(DATA / "dtm_sudan_idps.csv", "csv", catalog, dataset="sudan", gazetteer=gazetteer,
                mapping=DATA / "dtm_sudan_mapping.json")
    return IncidentStore(catalog.load("sudan"))


def _whole(store, **more):
    start, end = store.date_range()
    return FilterState(start, end, **more).to_dict()


def test_merged_figures_on_the_map_in_the_sources_words(sudan):
    figure = update_map(_whole(sudan), sudan, "/assets/")
    circles = [t for t in figure.data if t.meta == "displacement"]
    assert [t.name for t in circles] == [DTM_LABEL]
    assert sorted(circles[0].customdata[:, 2].tolist()) == ["185,000", "600,000"]
    assert circles[0].customdata[0, 3] == "as of 28 May 2023"
    assert "IDPs displaced %{customdata[3]}" in circles[0].hovertemplate


def test_merged_figures_on_the_timeline_and_headline(sudan):
    figure = update_timeline(_whole(sudan), sudan)
    line = next(t for t in figure.data if t.meta == "displacement")
    assert line.name == DTM_LABEL and list(line.y) == [390_000, 690_000, 785_000]
    assert line.customdata[-1][3] == "as of 28 May 2023"
    assert figure.layout.yaxis2.title.text == "IDPs displaced"
    h = update_headline(_whole(sudan), sudan)
    assert h.displaced == "785,000"
    assert h.displaced_detail == ("IDPs displaced since 15 Apr 2023, as of 28 May 2023 across 2 places "
                                  "(IOM DTM Sudan Situation Update (synthetic test row))")


def test_scenario_labels_come_from_its_dataset_json(store):
    state = FilterState(date(2020, 1, 1), date(2020, 2, 27))
    names = [t.name for t in update_map(state.to_dict(), store, "/assets/").data if t.meta == "displacement"]
    assert names == ["Displaced since 1 Dec 2019 (cumulative)", "IDP arrivals in the month"]
    line = next(t for t in update_timeline(state.to_dict(), store).data if t.meta == "displacement")
    assert line.name == "Displaced since 1 Dec 2019 (cumulative)"
    h = update_headline(state.to_dict(), store)
    assert h.displaced == "more than 948,000"
    assert h.displaced_detail.startswith("displaced since 1 Dec 2019, as of 23 Feb 2020 (OCHA")


def test_hnap_month_headline_counts_the_figures_on_its_last_day(tmp_path):
    catalog = DataDirectory(tmp_path)
    ingest_file(shared_data("data", "displacement", "hnap_idp_movements_2019-01_community_arrivals.csv"), "hnap",
                catalog, dataset="hnap", gazetteer=Gazetteer(load_table(DEFAULT_DATASET / "places.csv", schema.PLACES)))
    store = IncidentStore(catalog.load("hnap"))
    h = update_headline(_whole(store), store)
    assert h.displaced == "110,925"
    assert h.displaced_detail == ("IDP arrivals in January 2019 across 541 places "
                                  "(HNAP / OCHA IDP movements (January 2019))")
