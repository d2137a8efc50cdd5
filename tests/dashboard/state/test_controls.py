"""The page state after each kind of trigger: controls, brush, quick ranges, playback, URL."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from dashboard.state.controls import (
    CLEAR,
    MAP_CLICK,
    PLAY,
    STEP_BACK,
    STEP_FORWARD,
    TICK,
    TIMELINE_BRUSH,
    URL,
    Context,
    Playback,
    brushed_dates,
    controls_from_page,
    quick_range,
    reconcile,
    step_window,
)
from dashboard.state.mapview import MapView
from dashboard.state.url import PageState, from_query, to_query
from geodata import FilterState

BOUNDS = (date(2019, 12, 1), date(2020, 3, 10))
TYPES = ("Battles", "Explosions/Remote violence", "Strategic developments")
CTX = Context(bounds=BOUNDS, event_types=TYPES, dataset="nw_syria_2020", version="v1",
              basemaps=("plain", "osm"), admin_codes=frozenset({"SY07", "SY02"}))


def controls(**changes):
    values = controls_from_page(PageState(FilterState.default(BOUNDS), dataset="nw_syria_2020"), CTX)
    values.update(changes)
    return values


def test_default_controls_describe_the_default_state():
    outcome = reconcile("event_types", controls(), CTX)
    assert outcome.page.filter == FilterState.default(BOUNDS)
    assert outcome.controls == controls()
    assert outcome.search == "?start=2019-12-01&end=2020-03-10&ds=nw_syria_2020&v=v1"


def test_picker_and_slider_agree():
    by_picker = reconcile("picker_start", controls(picker_start="2020-02-27", picker_end="2020-02-27"), CTX)
    assert by_picker.controls["slider"] == [88, 88]
    by_slider = reconcile("slider", controls(slider=[62, 88]), CTX)
    assert (by_slider.controls["picker_start"], by_slider.controls["picker_end"]) == ("2020-02-01", "2020-02-27")
    assert by_slider.page.filter.start == date(2020, 2, 1)


def test_every_filter_control_reaches_the_state():
    outcome = reconcile("actors", controls(
        event_types=["Battles"], sub_types=["Armed clash"], actors=["Civilians (Syria)"], admin=["SY07"],
        fatalities_min=3, fatalities_max="40", precision=[1, 2], text="  convoy ", basemap="osm", admin_level=2,
        layers=["incidents", "boundaries"]), CTX)
    state = outcome.page.filter
    assert state.event_types == ("Battles",) and state.sub_event_types == ("Armed clash",)
    assert state.actors == ("Civilians (Syria)",) and state.admin_codes == ("SY07",)
    assert (state.fatalities_min, state.fatalities_max) == (3, 40) and state.precision == (1, 2)
    assert state.text == "convoy" and state.layers == frozenset({"incidents", "boundaries"})
    assert not state.show_approximate  # "approximate" not ticked in the layers checklist
    assert outcome.page.basemap == "osm" and outcome.page.admin_level == 2
    assert from_query(outcome.search, BOUNDS).filter == state


def test_tampered_controls_fall_back():
    outcome = reconcile("actors", controls(
        picker_start={"x": 1}, event_types="Battles", actors=[{"$gt": 1}], fatalities_min=-4, precision="all",
        text=["x"], basemap="javascript:alert(1)", admin_level=True, layers=7, dataset="other"), CTX)
    state = outcome.page.filter
    assert state.start == BOUNDS[0] and state.event_types is None and state.actors == ()
    assert state.fatalities_min is None and state.precision is None and state.text == ""
    assert outcome.page.basemap == "plain" and outcome.page.admin_level == 1
    assert outcome.controls["dataset"] == "nw_syria_2020"


@pytest.mark.parametrize("x_range, expected", [
    (["2020-02-10 12:00", "2020-02-20 12:00"], (date(2020, 2, 11), date(2020, 2, 20))),
    (["2020-02-20 12:00", "2020-02-10 12:00"], (date(2020, 2, 11), date(2020, 2, 20))),  # dragged leftwards
    (["2020-02-27 03:00", "2020-02-27 09:00"], (date(2020, 2, 27), date(2020, 2, 27))),  # inside one gap
    (["2019-01-01", "2021-01-01"], BOUNDS),  # clamped
    ([1580515200000, 1581033600000], (date(2020, 2, 1), date(2020, 2, 7))),  # epoch ms
])
def test_brushed_dates(x_range, expected):
    assert brushed_dates(x_range, BOUNDS) == expected


@pytest.mark.parametrize("bad", [None, [], ["2020-01-01"], ["x", "y"], [True, False], "2020-01-01", [{}, []]])
def test_malformed_brush_is_ignored(bad):
    assert brushed_dates(bad, BOUNDS) is None
    outcome = reconcile(TIMELINE_BRUSH, controls(), CTX, brush=bad)
    assert (outcome.page.filter.start, outcome.page.filter.end) == BOUNDS


def test_brush_sets_every_date_control():
    outcome = reconcile(TIMELINE_BRUSH, controls(), CTX, brush=["2020-02-01 00:00", "2020-02-27 00:00"])
    assert outcome.controls["picker_start"] == "2020-02-01" and outcome.controls["picker_end"] == "2020-02-27"
    assert outcome.controls["slider"] == [62, 88]


def test_quick_ranges():
    assert quick_range(7, BOUNDS) == (date(2020, 3, 4), date(2020, 3, 10))
    assert quick_range(90, BOUNDS) == (date(2019, 12, 12), date(2020, 3, 10))
    assert quick_range(365, BOUNDS) == BOUNDS and quick_range(None, BOUNDS) == BOUNDS
    outcome = reconcile("quick-30", controls(), CTX)
    assert (outcome.page.filter.start, outcome.page.filter.end) == (date(2020, 2, 10), date(2020, 3, 10))


def test_steps_in_moving_and_cumulative_windows():
    moving, weekly = Playback(window_days=14), Playback(step_days=7, mode="cumulative")
    assert step_window(date(2020, 1, 1), date(2020, 1, 14), 1, moving, BOUNDS) == (date(2020, 1, 2), date(2020, 1, 15))
    assert step_window(date(2020, 1, 1), date(2020, 1, 14), -1, moving, BOUNDS) == (date(2019, 12, 31), date(2020, 1, 13))
    assert step_window(date(2020, 1, 1), date(2020, 1, 14), 1, weekly, BOUNDS) == (BOUNDS[0], date(2020, 1, 21))
    assert step_window(date(2020, 3, 1), date(2020, 3, 8), 1, weekly, BOUNDS)[1] == BOUNDS[1]  # clamped
    assert step_window(BOUNDS[0], BOUNDS[0], -1, moving, BOUNDS) == (BOUNDS[0], BOUNDS[0])
    back = reconcile(STEP_BACK, controls(picker_start="2020-02-01", picker_end="2020-02-14"), CTX, playback=moving)
    assert (back.page.filter.start, back.page.filter.end) == (date(2020, 1, 31), date(2020, 2, 13))
    forward = reconcile(STEP_FORWARD, controls(picker_start="2020-02-01", picker_end="2020-02-14"), CTX,
                        playback=replace(weekly, mode="moving", window_days=3))
    assert (forward.page.filter.start, forward.page.filter.end) == (date(2020, 2, 19), date(2020, 2, 21))


def test_playback_ticks_move_the_window_without_writing_history():
    playing = Playback(playing=True, window_days=14)
    tick = reconcile(TICK, controls(picker_start="2020-02-01", picker_end="2020-02-14"), CTX, playback=playing)
    assert (tick.page.filter.start, tick.page.filter.end) == (date(2020, 2, 2), date(2020, 2, 15))
    assert tick.search is None
    late = reconcile(TICK, controls(picker_start="2020-02-01", picker_end="2020-02-14"), CTX, playback=Playback())
    assert late.page.filter.start == date(2020, 2, 1)  # a tick after the pause moves nothing


def test_starting_playback_shapes_or_rewinds_the_window():
    started = reconcile(PLAY, controls(picker_start="2020-01-01", picker_end="2020-02-14"), CTX,
                        playback=Playback(playing=True, window_days=7))
    assert (started.page.filter.start, started.page.filter.end) == (date(2020, 2, 8), date(2020, 2, 14))
    rewound = reconcile(PLAY, controls(), CTX, playback=Playback(playing=True, mode="cumulative"))
    assert (rewound.page.filter.start, rewound.page.filter.end) == (BOUNDS[0], BOUNDS[0])
    stopped = reconcile(PLAY, controls(picker_start="2020-01-01", picker_end="2020-02-14"), CTX, playback=Playback())
    assert stopped.page.filter.start == date(2020, 1, 1) and stopped.search is not None  # the link is written


def test_clear_all_resets_filters_and_dates_but_keeps_layers():
    outcome = reconcile(CLEAR, controls(actors=["x"], text="y", precision=[1], picker_start="2020-02-01",
                                        layers=["incidents"]), CTX)
    assert outcome.page.filter == replace(FilterState.default(BOUNDS), layers=frozenset({"incidents"}))
    assert outcome.controls["actors"] == [] and outcome.controls["text"] == ""


def test_clicking_an_area_toggles_it_in_the_admin_filter():
    click = {"points": [{"location": "SY07", "curveNumber": 0}]}
    added = reconcile(MAP_CLICK, controls(), CTX, click=click)
    assert added.page.filter.admin_codes == ("SY07",)
    removed = reconcile(MAP_CLICK, controls(admin=["SY07", "SY02"]), CTX, click=click)
    assert removed.page.filter.admin_codes == ("SY02",)
    for junk in (None, {"points": "x"}, {"points": [{"location": "SY99"}]}, {"points": [{"customdata": [1]}]}):
        assert reconcile(MAP_CLICK, controls(), CTX, click=junk).page.filter.admin_codes == ()


def test_url_restores_everything_and_is_not_rewritten():
    page = PageState(replace(FilterState(date(2020, 2, 1), date(2020, 2, 27), ("Battles",)), actors=("x",),
                             precision=(1,), show_approximate=False),
                     basemap="osm", admin_level=3, view=MapView(35.7, 36.5, 11.0), dataset="nw_syria_2020",
                     version="v1")
    outcome = reconcile(URL, {}, CTX, search=to_query(page))
    assert outcome.page.filter == page.filter and outcome.view == page.view and outcome.search is None
    assert outcome.controls["event_types"] == ["Battles"] and outcome.controls["precision"] == [1]
    assert "approximate" not in outcome.controls["layers"] and outcome.controls["basemap"] == "osm"
    assert outcome.notice == ""
    initial = reconcile(None, {}, CTX, search="")
    assert initial.page.filter == FilterState.default(BOUNDS) and initial.view is None and not initial.reset_view


def test_links_for_other_data_say_so():
    other_version = reconcile(URL, {}, CTX, search="?start=2020-01-01&ds=nw_syria_2020&v=old")
    assert "version old" in other_version.notice and "v1" in other_version.notice
    other_dataset = reconcile(URL, {}, CTX, search="?ds=somewhere_else")
    assert "somewhere_else" in other_dataset.notice
    assert reconcile(URL, {}, replace(CTX, basemaps=("plain",)), search="?base=local").page.basemap == "plain"


def test_a_view_is_written_to_the_link():
    outcome = reconcile("view", controls(), CTX, view=MapView(35.7, 36.5, 11.0))
    assert "lat=35.70000&lon=36.50000&zoom=11.00" in outcome.search
    assert reconcile("view", controls(), CTX, view=MapView(35.7, 36.5, 11.0), search=outcome.search).search is None
