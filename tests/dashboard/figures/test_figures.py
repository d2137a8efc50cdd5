"""Figure builders: what the map, timeline and headline show for a filter."""
from __future__ import annotations

from datetime import date

import numpy as np

from dashboard.figures import plain
from dashboard.figures.headline import headline
from dashboard.figures.map import incident_hover_data, incident_map
from dashboard.figures.timeline import timeline_figure
from dashboard.views.map import DatedLayers, incident_points
from geodata import FilterState
from tests.dashboard.support import drawn

BASE = "http://127.0.0.1:8050/assets/"


def build_map(store, state):
    layers = DatedLayers(store)
    return plain.as_figure(incident_map(
        incidents=incident_points(store, state, None), context=layers.context(),
        displacement=layers.displacement(state.start, state.end), gazetteer=store.gazetteer,
        state=state, event_types=store.event_types(), view=store.dataset.view, base_url=BASE,
    ))


def layer_points(figure, layer):
    return sum(drawn(trace) for trace in figure.data if trace.meta == layer)


def test_points_on_map_equal_incidents_in_range(store):
    bounds = store.date_range()
    for state in (FilterState.default(bounds), FilterState(date(2020, 2, 27), date(2020, 2, 27)),
                  FilterState(date(2020, 1, 1), date(2020, 2, 10), ("Battles",)),
                  FilterState(date(2020, 3, 2), date(2020, 3, 1))):
        figure = build_map(store, state)
        assert layer_points(figure, "incidents") == len(store.select(state))


def test_map_traces_are_maplibre_with_offline_style(store):
    figure = build_map(store, FilterState.default(store.date_range()))
    assert {trace.type for trace in figure.data} == {"scattermap"}
    style = figure.layout.map.style
    assert style["glyphs"].startswith(BASE) and style["version"] == 8
    assert figure.layout.uirevision  # pan and zoom survive filter changes
    legend = {trace.name for trace in figure.data}
    assert {"B · Battles", "E · Explosions/Remote violence", "M4 / M5 highways (schematic)"} <= legend
    assert any(t.meta == "displacement" for t in figure.data)


def test_layers_toggle(store):
    bounds = store.date_range()
    only_incidents = FilterState(*bounds, layers=frozenset({"incidents"}))
    figure = build_map(store, only_incidents)
    assert {trace.meta for trace in figure.data} == {"incidents", "incidents-count"}
    none = build_map(store, FilterState(*bounds, layers=frozenset()))
    assert len(none.data) == 0


def test_hover_shows_alias_range_and_escapes_text(store):
    rows = store.select(FilterState(date(2020, 2, 27), date(2020, 2, 27)))
    data = incident_hover_data(rows, store.gazetteer)
    balyun = data[list(rows["location"]).index("Balyun")]
    assert balyun[0] == "27 Feb 2020" and balyun[1] == "Balyun (Behun)"
    assert balyun[4] == "34 (reported range 33–34)"
    hostile = rows.copy()
    hostile["actor1"] = "<img src=x onerror=alert(1)>"
    escaped = incident_hover_data(hostile, store.gazetteer)
    assert all("<img" not in cell for cell in escaped[:, 3]) and "&lt;img" in escaped[0, 3]


def test_displacement_symbols_scale_with_people(store):
    state = FilterState(date(2020, 1, 5), date(2020, 2, 27))
    figure = build_map(store, state)
    traces = [t for t in figure.data if t.meta == "displacement"]
    cumulative = next(t for t in traces if "cumulative" in t.name)
    assert list(cumulative.text) == ["948k"]
    arrivals = next(t for t in traces if "arrivals" in t.name)
    by_people = dict(zip([row[2] for row in arrivals.customdata], arrivals.marker.size, strict=True))
    assert by_people["320,600"] > by_people["132,600"]
    assert np.all(np.asarray(cumulative.marker.size) > max(by_people.values()))
    # The Idleb arrivals sit inside the cumulative circle: only the cumulative one is labelled there.
    assert dict(zip([row[2] for row in arrivals.customdata], arrivals.text, strict=True)) == {"320,600": "", "132,600": "133k"}


def test_timeline_bars_follow_types_and_mark_the_selection(store):
    state = FilterState(date(2020, 2, 1), date(2020, 2, 27), ("Battles",))
    figure = plain.as_figure(timeline_figure(store.daily_counts(state), store.displacement_series(), state.start,
                                             state.end, store.date_range()))
    bars = [t for t in figure.data if t.type == "bar"]
    assert [t.name for t in bars] == ["Battles"]
    assert int(np.sum(bars[0].y)) == int((store.incidents["event_type"] == "Battles").sum())
    line = next(t for t in figure.data if t.type == "scatter")
    assert max(line.y) >= 948_000 and line.yaxis == "y2"
    shade = figure.layout.shapes[0]
    assert str(shade.x0).startswith("2020-02-01") and str(shade.x1).startswith("2020-02-28")


def test_headline_counts_fatalities_and_displacement(store):
    state = FilterState(date(2020, 2, 27), date(2020, 2, 27))
    h = headline(store.fatality_totals(state), store.displaced_in_range(state.start, state.end))
    assert h.incidents == "2" and h.fatalities == "95"
    assert "94–95" in h.fatalities_detail
    assert h.displaced == "more than 948,000" and "as of 23 Feb 2020" in h.displaced_detail
    assert "948,000" not in h.displaced_detail  # the big figure says it, with its qualifier, once
    early = headline(store.fatality_totals(FilterState(date(2019, 12, 1), date(2019, 12, 20))),
                     store.displaced_in_range(date(2019, 12, 1), date(2019, 12, 20)))
    assert early.incidents == "1" and early.displaced == "–"


def test_every_map_trace_has_a_stable_uid_that_is_a_css_name():
    """Plotly matches traces by uid across updates (by position without one: see test_map_updates)."""
    from dashboard.figures.map import with_uids

    traces = [{"meta": "incidents", "name": "Explosions/Remote violence"}, {"meta": "approximate", "name": "x"},
              {"meta": "approximate", "name": "x"}, {"meta": "context", "name": "Towns"}]
    uids = [t["uid"] for t in with_uids(traces)]
    assert len(set(uids)) == 4 and all(u.replace("-", "").isalnum() for u in uids)
    # Without the approximate layers, the other traces keep their uids.
    assert [t["uid"] for t in with_uids([traces[0], traces[3]])] == [uids[0], uids[3]]
    assert "uid" not in traces[0]  # the shared traces are not changed


def test_an_empty_map_trace_is_sent_as_one_point_without_coordinates():
    """Plotly disposes an empty scattermap trace's layers twice ("Map error."): none is ever empty."""
    import numpy as np

    from dashboard.figures.map import with_uids

    empty = {"type": "scattermap", "meta": "incidents", "name": "Riots", "lat": np.array([]), "lon": np.array([]),
             "marker": {"size": np.array([], dtype=np.uint8), "color": "#56B4E9"}, "customdata": np.array([])}
    (sent,) = with_uids([empty])
    assert sent["lat"] == [None] and sent["lon"] == [None] and sent["hoverinfo"] == "skip"
    assert sent["name"] == "Riots" and sent["marker"] == {"color": "#56B4E9"}  # the legend keeps its swatch
    full = {**empty, "lat": np.array([1.0]), "lon": np.array([2.0])}
    assert with_uids([full])[0]["lat"] is full["lat"]
