"""How incidents are drawn (colour, size, aggregation, weight) and the comparison period: in the link and back."""
from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

import pytest

from dashboard.state.controls import Context, controls_from_page, page_from_controls, reconcile
from dashboard.state.url import PageState, display_from_dict, from_query, to_query
from geodata import FilterState

# A dataset of another place and period (Sahel, 2022).
BOUNDS = (date(2022, 1, 1), date(2022, 6, 30))
CTX = Context(bounds=BOUNDS, event_types=("Battles", "Riots"), dataset="sahel_2022", version="v1")

STYLED = PageState(FilterState(date(2022, 3, 1), date(2022, 3, 31), layers=frozenset({"incidents", "density",
                                                                                       "flows", "territory"})),
                   colour_by="actor", size_by="fixed", aggregate="hexagons", weight="fatalities",
                   baseline=(date(2022, 1, 1), date(2022, 1, 31)))


def test_every_display_setting_survives_the_link():
    assert from_query(to_query(STYLED), BOUNDS) == STYLED
    parsed = parse_qs(to_query(STYLED).lstrip("?"))
    assert parsed["colour"] == ["actor"] and parsed["size"] == ["fixed"]
    assert parsed["agg"] == ["hexagons"] and parsed["weight"] == ["fatalities"]
    assert (parsed["bstart"], parsed["bend"]) == (["2022-01-01"], ["2022-01-31"])
    assert parsed["layer"] == ["density", "flows", "incidents", "territory"]


def test_defaults_stay_out_of_the_link():
    assert to_query(PageState(FilterState.default(BOUNDS))) == "?start=2022-01-01&end=2022-06-30"


@pytest.mark.parametrize("search", [
    "?colour=population&size=huge&agg=pie&weight=votes&bstart=2022-13-01&bend=x",
    "?colour=&size=&agg=&weight=&bstart=2022-01-01",  # half a baseline is none
    "?colour=" + "a" * 500,
])
def test_unknown_values_fall_back_to_the_defaults(search):
    page = from_query(search, BOUNDS)
    assert (page.colour_by, page.size_by, page.aggregate, page.weight, page.baseline) == (
        "event_type", "fatalities", "density", "incidents", None)


def test_a_baseline_typed_backwards_is_put_in_order():
    page = from_query("?bstart=2022-02-28&bend=2022-02-01", BOUNDS)
    assert page.baseline == (date(2022, 2, 1), date(2022, 2, 28))


def test_controls_show_the_page_and_read_back_the_same_page():
    shown = controls_from_page(STYLED, CTX)
    assert (shown["colour_by"], shown["size_by"], shown["aggregate"], shown["weight"]) == (
        "actor", "fixed", "hexagons", "fatalities")
    assert (shown["baseline_start"], shown["baseline_end"]) == ("2022-01-01", "2022-01-31")
    back = page_from_controls(shown, (STYLED.filter.start, STYLED.filter.end), CTX)
    assert (back.colour_by, back.size_by, back.aggregate, back.weight, back.baseline) == (
        "actor", "fixed", "hexagons", "fatalities", STYLED.baseline)


def test_changing_the_colour_control_writes_the_link_and_the_display_store():
    values = controls_from_page(PageState(FilterState.default(BOUNDS)), CTX) | {"colour_by": "precision"}
    outcome = reconcile("colour_by", values, CTX, search="?start=2022-01-01&end=2022-06-30")
    assert "colour=precision" in outcome.search
    assert outcome.page.display()["colour_by"] == "precision"
    assert outcome.page.filter == FilterState.default(BOUNDS)  # drawing, not counting


def test_the_display_store_is_read_back_defensively():
    assert display_from_dict({"colour_by": "<script>", "baseline": ["2022-02-01", "2022-01-01"], "admin_level": True}) == {
        "basemap": "plain", "admin_level": 1, "colour_by": "event_type", "size_by": "fatalities",
        "aggregate": "density", "weight": "incidents", "baseline": (date(2022, 1, 1), date(2022, 2, 1))}
    assert display_from_dict(None)["aggregate"] == "density"


def test_previous_period_button_forgets_the_picked_baseline():
    values = controls_from_page(STYLED, CTX)
    outcome = reconcile("baseline-clear", values, CTX, search=to_query(STYLED))
    assert outcome.page.baseline is None
    assert (outcome.controls["baseline_start"], outcome.controls["baseline_end"]) == (None, None)
    assert "bstart" not in outcome.search
