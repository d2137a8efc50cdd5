"""URL <-> state: every part of the view survives a round trip; malformed links fall back."""
from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

import pytest

from dashboard.state.mapview import MapView
from dashboard.state.url import MAX_QUERY, PageState, from_query, to_query
from geodata import FilterState

BOUNDS = (date(2019, 12, 1), date(2020, 3, 10))

FULL = PageState(
    filter=FilterState(
        date(2020, 2, 1), date(2020, 2, 27), ("Battles", "Explosions/Remote violence"),
        frozenset({"incidents", "boundaries", "choropleth"}),
        sub_event_types=("Air/drone strike", "Armed clash"), actors=("Military Forces of Turkey (2016-)",),
        admin_codes=("SY07", "SY070003"), fatalities_min=1, fatalities_max=60, precision=(1, 2),
        text="market & mosque = 100% ?", show_approximate=False),
    basemap="osm", admin_level=3, view=MapView(35.7, 36.5, 11.0), dataset="nw_syria_2020", version="ab12cd34ef56",
)


@pytest.mark.parametrize("page", [
    PageState(FilterState.default(BOUNDS)),
    FULL,
    PageState(FilterState(date(2020, 1, 1), date(2020, 1, 31), (), frozenset(), precision=())),
    PageState(FilterState(date(2020, 3, 1), date(2020, 2, 1)), view=MapView(-12.5, -170.25, 0.5)),
])
def test_round_trip(page):
    assert from_query(to_query(page), BOUNDS) == page


def test_default_link_is_short_and_readable():
    query = to_query(PageState(FilterState.default(BOUNDS)))
    assert query == "?start=2019-12-01&end=2020-03-10"


def test_keys_agree_with_the_export_links():
    parsed = parse_qs(to_query(FULL).lstrip("?"))
    assert parsed["type"] == ["Battles", "Explosions/Remote violence"]
    assert parsed["layer"] == ["boundaries", "choropleth", "incidents"]
    assert (parsed["lat"], parsed["lon"], parsed["zoom"]) == (["35.70000"], ["36.50000"], ["11.00"])
    assert parsed["q"] == ["market & mosque = 100% ?"]


def test_no_type_and_no_layer_differ_from_all():
    none = to_query(PageState(FilterState(*BOUNDS, event_types=(), layers=frozenset())))
    assert "type=&" in none and none.endswith("layer=")
    page = from_query(none, BOUNDS)
    assert page.filter.event_types == () and page.filter.layers == frozenset()
    assert from_query("?start=2020-01-01", BOUNDS).filter.event_types is None


@pytest.mark.parametrize("search", [
    None, 12, "", "?", "garbage", "?start=yesterday&end=&type", "?" + "a=1&" * 5000, "?q=" + "x" * (MAX_QUERY + 1),
    "?lat=95&lon=10&zoom=3", "?lat=nan&lon=10&zoom=3", "?lat=1e400&lon=1&zoom=1", "?base=javascript:alert(1)",
    "?adm=7", "?prec=9", "?fmin=-1&fmax=abc", "?ds=%00%01&v=" + "x" * 300, "?layer=evil",
])
def test_malformed_queries_fall_back_never_raise(search):
    page = from_query(search, BOUNDS)
    assert isinstance(page, PageState)
    assert BOUNDS[0] <= page.filter.start <= BOUNDS[1] and BOUNDS[0] <= page.filter.end <= BOUNDS[1]
    assert page.basemap in ("plain", "osm", "local") and page.admin_level in (1, 2, 3)
    assert page.view is None or (-85.06 <= page.view.lat <= 85.06 and 0 <= page.view.zoom <= 22)
    assert page.filter.precision is None and page.filter.fatalities_min is None
    assert "\x00" not in page.dataset and len(page.version) <= 100


def test_partial_links_keep_the_good_parts():
    page = from_query("?start=2020-02-27&end=2020-02-27&actor=x&lat=35.7&lon=36.5&zoom=bad&fmin=3", BOUNDS)
    assert page.filter.start == page.filter.end == date(2020, 2, 27)
    assert page.filter.actors == ("x",) and page.filter.fatalities_min == 3
    assert page.view is None  # a view needs all three numbers


def test_dates_are_clamped_to_the_data():
    page = from_query("?start=1990-01-01&end=2030-01-01", BOUNDS)
    assert (page.filter.start, page.filter.end) == BOUNDS
