"""The incident layer and its legend, on a Kenyan dataset: counts where incidents share a spot, entries
that stay put across filters, the size key, colour and size by field, displacement series apart."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from dashboard.figures import plain
from dashboard.figures.incidents import (
    COUNT_META,
    FIXED_SIZE,
    SIZE_KEY_FATALITIES,
    colocated,
    marker_size,
)
from dashboard.figures.map import displacement_layer
from dashboard.figures.style import OTHER_CATEGORY, category_colours
from dashboard.views.colours import TOP, colour_key
from dashboard.views.map import map_figure
from geodata import FilterState
from geodata.model.series import SeriesInfo
from tests.dashboard.figures.kenya_support import GARISSA, MANDERA, kenya_store


@pytest.fixture(scope="module")
def kenya(tmp_path_factory):
    return kenya_store(tmp_path_factory.mktemp("kenya"))


def figure(store, start=None, end=None, types=None, **display):
    state = FilterState(start or store.date_range()[0], end or store.date_range()[1],
                        tuple(types) if types else None)
    return plain.as_figure(map_figure(state.to_dict(), store, "/assets/", display=display))


def incident_traces(fig):
    return [t for t in fig.data if t.meta == "incidents"]


def counts_at(fig) -> dict[tuple[float, float], int]:
    trace = next(t for t in fig.data if t.meta == COUNT_META)  # always there: empty is one null point
    if trace.customdata is None:
        assert list(trace.lat) == [None]
        return {}
    return {(round(float(la), 4), round(float(lo), 4)): int(n)
            for la, lo, n in zip(trace.lat, trace.lon, trace.customdata, strict=True)}


def test_a_spot_with_several_incidents_shows_their_number(kenya):
    assert counts_at(figure(kenya)) == {GARISSA: 3, MANDERA: 2}
    # The first week: Garissa's incident of 2 March alone (no count), Mandera not yet.
    assert counts_at(figure(kenya, date(2024, 3, 2), date(2024, 3, 8))) == {}
    assert counts_at(figure(kenya, date(2024, 3, 2), date(2024, 3, 10))) == {GARISSA: 2}
    # Other types at the spot filtered out: the count follows.
    assert counts_at(figure(kenya, types=["Battles", "Protests"])) == {GARISSA: 2}


def test_colocated_groups_by_the_drawn_coordinates():
    lat = np.array([1.0, 2.0, 1.0, 1.0, 3.0, 2.0], dtype=np.float32)
    lon = np.array([5.0, 6.0, 5.0, 5.5, 7.0, 6.0], dtype=np.float32)
    spots = {(float(a), float(b)): int(n) for a, b, n in zip(*colocated(lat, lon), strict=True)}
    assert spots == {(1.0, 5.0): 2, (2.0, 6.0): 2}


def test_legend_entries_and_colours_stay_put_across_filters(kenya):
    for field in ("event_type", "actor", "sub_event_type", "precision"):
        whole = incident_traces(figure(kenya, colour_by=field))
        one_day = incident_traces(figure(kenya, date(2024, 3, 20), date(2024, 3, 20), colour_by=field))
        assert [t.name for t in whole] == [t.name for t in one_day], field
        assert [t.marker.color for t in whole] == [t.marker.color for t in one_day], field
        assert [t.uid for t in whole] == [t.uid for t in one_day], field
        assert sum(t.lat[0] is not None for t in one_day) == 1  # one incident on 20 March; the rest empty
    names = [t.name for t in incident_traces(figure(kenya))]
    assert names == ["B · Battles", "E · Explosions/Remote violence", "V · Violence against civilians",
                     "P · Protests", "R · Riots"]


def test_every_point_wears_its_category_mark_and_the_marks_differ(kenya):
    traces = incident_traces(figure(kenya, colour_by="actor"))
    marks = [t.text for t in traces]
    assert len(set(marks)) == len(marks) and all(isinstance(m, str) and len(m) == 1 for m in marks)
    assert all(t.mode == "markers+text" and t.name.startswith(f"{t.text} · ") for t in traces)


def test_size_key_is_drawn_with_the_points_own_sizes(kenya):
    fig = figure(kenya)
    circles = [s for s in fig.layout.shapes if s.name == "size-key" and s.type == "circle"]
    widths = [round(s.x1 - s.x0, 3) for s in circles]
    assert widths == [float(d) for d in marker_size(np.asarray(SIZE_KEY_FATALITIES, dtype=np.float32))]
    assert all(s.xsizemode == "pixel" and s.ysizemode == "pixel" for s in circles)
    labels = [a.text for a in fig.layout.annotations if a.name == "size-key"]
    assert labels == ["Fatalities", "1", "10", "100"]
    assert fig.layout.legend.itemsizing == "constant"  # swatches never change with the data
    # The same key whatever the filter: a week with other fatalities.
    week = figure(kenya, date(2024, 3, 2), date(2024, 3, 8))
    assert [s.to_plotly_json() for s in week.layout.shapes] == [s.to_plotly_json() for s in fig.layout.shapes]


def test_size_fixed_draws_every_point_alike_and_drops_the_key(kenya):
    fig = figure(kenya, size_by="fixed")
    assert all(t.marker.size == FIXED_SIZE for t in incident_traces(fig))
    assert not fig.layout.shapes and not [a for a in fig.layout.annotations if a.name == "size-key"]
    assert "size: fatalities" not in incident_traces(fig)[0].legendgrouptitle.text
    sized = incident_traces(figure(kenya))
    riots = next(t for t in sized if t.name.endswith("Riots"))
    assert len(set(np.asarray(riots.marker.size).tolist())) > 1  # 0 to 9 killed: sizes differ


def test_colour_by_actor_keeps_the_top_actors_and_groups_the_rest(kenya):
    key = colour_key(kenya, "actor")
    assert len(key.names) == TOP + 1 and key.names[-1] == OTHER_CATEGORY
    assert key.names[0] == "Al Shabaab"  # three incidents: the most
    fig = figure(kenya, colour_by="actor")
    traces = incident_traces(fig)
    assert incident_traces(fig)[0].legendgrouptitle.text.startswith("Incidents by actor")
    other = next(t for t in traces if t.name.endswith(OTHER_CATEGORY))
    outside = ~kenya.incidents["actor1"].isin(key.names[:-1])
    assert other.marker.color == "#666666" and len(other.lat) == int(outside.sum()) == 15 - 3 - 7
    drawn = sum(len([x for x in t.lat if x is not None]) for t in traces)
    assert drawn == len(kenya.incidents)
    # Each point's colour is its actor's.
    shabaab = next(t for t in traces if t.name.endswith("Al Shabaab"))
    expected = set(kenya.incidents.loc[kenya.incidents["actor1"] == "Al Shabaab", "latitude"].round(4))
    assert {round(float(v), 4) for v in shabaab.lat} == expected


def test_colour_by_precision_and_sub_type(kenya):
    precision = incident_traces(figure(kenya, colour_by="precision"))
    by_name = {t.name.split(" · ", 1)[1]: len([x for x in t.lat if x is not None]) for t in precision}
    assert by_name == {"exact place": 5, "near the place (a few km)": 9, "area or admin centroid": 1}
    sub = incident_traces(figure(kenya, colour_by="sub_event_type"))
    assert [t.name.split(" · ", 1)[1] for t in sub][0] == "Mob violence"  # ten riots: the commonest
    assert len({t.marker.color for t in sub}) == len(sub)


def test_an_unknown_colour_field_falls_back_to_event_type(kenya):
    names = [t.name for t in incident_traces(figure(kenya, colour_by="<script>", size_by=7))]
    assert names[0] == "B · Battles"


def test_displacement_series_differ_in_colour_and_pattern():
    figures = pd.DataFrame({
        "series": ["idps", "arrivals"], "pcode": ["KE07", "KE07"], "place": ["Garissa", "Garissa"],
        "latitude": [GARISSA[0]] * 2, "longitude": [GARISSA[1]] * 2, "displaced": [40_000.0, 6_000.0],
        "qualifier": [None, None], "as_of": pd.to_datetime(["2024-03-20"] * 2),
        "period_start": pd.to_datetime([None, "2024-03-01"]), "period_end": pd.to_datetime([None, "2024-03-20"]),
        "source": ["IOM DTM Kenya", "IOM DTM Kenya"],
    })
    series = {"idps": SeriesInfo(kind="stock", label="IDPs"), "arrivals": SeriesInfo(kind="flow", label="Arrivals")}
    traces = displacement_layer(figures, series)
    stock = next(t for t in traces if t["meta"] == "displacement" and t["name"] == "IDPs")
    flow = next(t for t in traces if t["meta"] == "displacement" and t["name"] == "Arrivals")
    assert stock["marker"]["color"] != flow["marker"]["color"]
    rings = [t for t in traces if t["meta"] == "displacement-ring"]
    assert len(rings) == 1 and list(rings[0]["lat"]) == list(flow["lat"])  # the pale centre: a ring
    assert traces.index(rings[0]) == traces.index(flow) - 1  # under the translucent disc
    assert all(np.asarray(rings[0]["marker"]["size"]) < np.asarray(flow["marker"]["size"]))
    # A series with no figure in the window keeps its legend entry (an empty trace).
    empty = displacement_layer(figures[figures["series"] == "idps"], series)
    assert [t["name"] for t in empty if t["meta"] == "displacement"] == ["IDPs", "Arrivals"]


def test_category_colours_are_distinct_and_stable():
    names = ["State-based violence", "Non-state conflict", "One-sided violence", OTHER_CATEGORY]
    colours = category_colours(names)
    assert colours == category_colours(list(names)) and len(set(colours)) == len(colours)
    assert colours[-1] == "#666666"


def test_approximate_halos_take_the_colour_of_their_category(kenya):
    fig = figure(kenya, colour_by="precision")
    halo = next(t for t in fig.data if t.meta == "approximate" and t.showlegend)
    colours = {t.name.split(" · ", 1)[1]: t.marker.color for t in incident_traces(fig)}
    scale = [c for _, c in halo.marker.colorscale]
    assert scale[int(halo.marker.color[0])] == colours["area or admin centroid"]


def test_other_is_marked_plus_and_no_mark_repeats(kenya):
    names = [t.name for t in incident_traces(figure(kenya, colour_by="actor"))]
    assert names[-1] == f"+ · {OTHER_CATEGORY}"
    marks = [n.split(" · ", 1)[0] for n in names]
    assert len(set(marks)) == len(marks)


def test_above_the_mark_limit_points_carry_no_letters(kenya, monkeypatch):
    from dashboard.figures import incidents

    monkeypatch.setattr(incidents, "MARK_LIMIT", 5)
    traces = incident_traces(figure(kenya))
    assert all(t.mode == "markers" and t.text is None for t in traces)


def test_above_the_mark_limit_spots_carry_no_count_but_keep_the_trace(kenya, monkeypatch):
    from dashboard.figures import incidents

    monkeypatch.setattr(incidents, "MARK_LIMIT", 5)
    assert counts_at(figure(kenya)) == {}  # the trace is there (one null point): the legend stays put


def test_another_sources_types_have_the_same_colours_on_map_timeline_and_filters(tmp_path):
    """UCDP's types are none of ACLED's: each still gets its own colour, the same in every view."""
    from dashboard import ids
    from dashboard.app import create_app
    from dashboard.views.timeline import update_timeline
    from geodata import IncidentStore
    from geodata.catalog.parquet import DataDirectory
    from geodata.ingest import ingest_file
    from tests.dashboard.support import find_component
    from tests.support import REPO

    catalog = DataDirectory(tmp_path / "data")
    ingest_file(REPO / "tests" / "data" / "ucdp_myanmar_sample.csv", "ucdp", catalog, dataset="myanmar",
                report_root=tmp_path)
    store = IncidentStore(catalog.load("myanmar"))
    on_map = {t.name.split(" · ", 1)[1]: t.marker.color for t in incident_traces(figure(store))}
    assert len(set(on_map.values())) == len(on_map) > 1 and "#666666" not in on_map.values()
    bars = {t.name: t.marker.color for t in update_timeline(FilterState(*store.date_range()).to_dict(), store).data
            if t.meta == "incidents-per-day"}
    assert bars == on_map
    app = create_app(store)
    checklist = find_component(app.layout() if callable(app.layout) else app.layout, ids.EVENT_TYPES)
    swatches = {o["value"]: o["label"].children[0].style["backgroundColor"] for o in checklist.options}
    assert swatches == on_map
