"""How the headline says a change ('+12 (+40%) vs previous 29 days') and a displacement figure in its
source's words ('almost 1,000,000', its date said once)."""
from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.figures.headline import MINUS, change_words, compared_with, headline
from dashboard.figures.wording import displaced_caption, earlier_words, figure_words
from geodata.model.series import FLOW, STOCK, SeriesInfo
from geodata.query.change import BASELINE, PREVIOUS, Change, Comparison, Period
from geodata.query.columns import FatalityTotals
from geodata.query.displacement import Displaced

MAY = Period(date(2023, 5, 1), date(2023, 5, 29))  # 29 days


def _previous(before: Period | None, *, clipped: bool = False) -> Comparison:
    return Comparison(PREVIOUS, MAY, before, None, None, clipped)


def _figure(people, as_of, *, qualifier="", sources=("IOM DTM",), kind=STOCK, start=None, end=None):
    stamp = pd.Timestamp
    return Displaced(series="s", kind=kind, people=people, figures=1, qualifier=qualifier,
                     first_as_of=stamp(as_of), last_as_of=stamp(as_of), period_start=stamp(start) if start else None,
                     period_end=stamp(end) if end else None, sources=sources)


def test_change_against_the_previous_period():
    april = _previous(Period(date(2023, 4, 2), date(2023, 4, 30)))
    assert change_words(Change(42, 30), april) == "+12 (+40%) vs previous 29 days"
    assert change_words(Change(27, 30), april) == f"{MINUS}3 ({MINUS}10%) vs previous 29 days"
    assert change_words(Change(30, 30), april) == "no change vs previous 29 days"
    assert change_words(Change(5, 0), april) == "+5 vs previous 29 days"  # no percentage of nothing
    assert change_words(Change(0, 0), april) == "no change vs previous 29 days"
    assert change_words(Change(1001, 1000), april) == "+1 (+<1%) vs previous 29 days"
    assert change_words(Change(12_345, 10), april) == "+12,335 (+123350%) vs previous 29 days"


def test_the_real_length_compared_and_no_earlier_data():
    clipped = _previous(Period(date(2023, 4, 20), date(2023, 4, 30)), clipped=True)
    assert change_words(Change(3, 1), clipped) == "+2 (+200%) vs previous 11 days"
    one = _previous(Period(date(2023, 4, 30), date(2023, 4, 30)), clipped=True)
    assert compared_with(one) == "previous 1 day"
    assert change_words(None, _previous(None)) == "no earlier data"
    backwards = Comparison(PREVIOUS, Period(date(2023, 5, 2), date(2023, 5, 1)), None, None, None)
    assert change_words(None, backwards) == ""  # no dates selected: no change to speak of


def test_a_baseline_is_said_by_its_dates():
    same_length = Comparison(BASELINE, MAY, Period(date(2023, 1, 1), date(2023, 1, 29)), None, None)
    assert change_words(Change(10, 20), same_length) == f"{MINUS}10 ({MINUS}50%) vs 1 – 29 Jan 2023"
    shorter = Comparison(BASELINE, MAY, Period(date(2022, 12, 25), date(2023, 1, 7)), None, None)
    assert change_words(Change(10, 5), shorter) == "+5 (+100%) vs 25 Dec 2022 – 7 Jan 2023 (14 days)"
    assert change_words(None, Comparison(BASELINE, MAY, None, None, None)) == "no data in the baseline"


def test_the_big_figure_carries_the_sources_qualifier_and_one_as_of_date():
    info = SeriesInfo(kind=STOCK, label="Displaced since 1 Jan 2024 (cumulative)", since=date(2024, 1, 1))
    figure = _figure(1_000_000, "2024-03-05", qualifier="almost",
                     sources=("UNHCR Flash Update (as of 5 Mar 2024)", "IOM DTM Report (as of 6 March 2024)"))
    assert figure_words(figure) == "almost 1,000,000"
    caption = displaced_caption(figure, info)
    assert caption == "displaced since 1 Jan 2024, as of 5 Mar 2024 (UNHCR Flash Update; IOM DTM Report)"
    assert caption.count("as of") == 1 and "1,000,000" not in caption
    plain = _figure(12_500, "2023-02-28")
    assert figure_words(plain) == "12,500"  # no qualifier of ours where the source gave none
    h = headline(FatalityTotals(3, 3, 9, 9, 9), figure, info)
    assert (h.displaced, h.displaced_detail) == ("almost 1,000,000", caption)
    assert (h.incidents_change, h.fatalities_change, h.displaced_change) == ("", "", "")


def test_the_displaced_figure_moves_in_the_earlier_figures_own_words():
    stock = SeriesInfo(kind=STOCK, label="IDPs displaced since 15 Apr 2023 (cumulative)", since=date(2023, 4, 15))
    now, before = _figure(785_000, "2023-05-28"), _figure(390_000, "2023-05-09", qualifier="more than")
    assert earlier_words(now, before, stock) == "up from more than 390,000 on 9 May 2023"
    assert earlier_words(before, now, stock) == "down from 785,000 on 28 May 2023"
    assert earlier_words(now, now, stock) == "unchanged from 785,000 on 28 May 2023"
    flow = SeriesInfo(kind=FLOW, label="IDP arrivals in the month", unit="month")
    march = _figure(61_000, "2023-03-31", kind=FLOW, start="2023-03-01", end="2023-03-31")
    feb = _figure(48_000, "2023-02-28", kind=FLOW, start="2023-02-01", end="2023-02-28", qualifier="about")
    assert earlier_words(march, feb, flow) == "up from about 48,000 in February 2023"
    comparison = Comparison(PREVIOUS, MAY, Period(date(2023, 4, 2), date(2023, 4, 30)), Change(4, 2), Change(0, 3))
    h = headline(FatalityTotals(4, 4, 0, 0, 0), now, stock, comparison=comparison, displaced_before=before)
    assert h.incidents_change == "+2 (+100%) vs previous 29 days"
    assert h.fatalities_change == f"{MINUS}3 ({MINUS}100%) vs previous 29 days"
    assert h.displaced_change == "up from more than 390,000 on 9 May 2023"
