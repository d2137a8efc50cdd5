"""Briefing polish: map labels chosen by priority and never overlapping, filters in words, a footer
that fits the page, a link that is public or says it is relative."""
from __future__ import annotations

import html
import itertools
from datetime import UTC, datetime

import numpy as np
import pytest

from dashboard.export.briefing import LINK_CHAR_EM
from dashboard.export.labels import CHAR_EM, LINE_EM, PAD_PX, candidates, choose, declutter_traces, overlaps
from dashboard.export.legend import CHAR_EM as LEGEND_CHAR_EM
from dashboard.export.legend import ENTRY_INDENT, LEGEND_MIN_ROW, fit_legend
from dashboard.export.provenance import RELATIVE_LINK_NOTE
from dashboard.export.service import briefing_figure, link_of
from dashboard.export.sizes import PRESETS
from dashboard.state.mapview import MapView
from geodata import FilterState

STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)


def text_trace(meta, names, lats, lons, size=11, position="top right", population=None):
    trace = {"type": "scattermap", "meta": meta, "mode": "markers+text", "text": list(names),
             "lat": list(lats), "lon": list(lons), "textfont": {"size": size}, "textposition": position}
    if population is not None:
        trace["customdata"] = [[n, f"{p:,}"] for n, p in zip(names, population, strict=True)]
    return trace


def test_a_town_with_incidents_wins_over_a_bigger_town_without():
    # Kenya, near Mandera: a small town with incidents and a much bigger GeoNames town 6 km east,
    # their names in each other's way at zoom 8.
    own = text_trace("context", ["Rhamu"], [3.93], [41.22])
    big = text_trace("town-labels", ["Mandera Town Centre"], [3.93], [41.274], size=10, population=[120_000])
    incidents = (np.array([3.931, 3.929]), np.array([41.221, 41.219]))
    ranked = candidates([big, own], (3.93, 41.22), 8.0, incidents)
    assert overlaps(ranked[0].box, ranked[1].box)
    assert [label.text for label in ranked] == ["Rhamu", "Mandera Town Centre"]
    kept = choose(ranked, 800, 500)
    assert kept[0].text == "Rhamu"
    for a, b in itertools.combinations(kept, 2):
        assert not overlaps(a.box, b.box)
    # Without incidents nearby, population decides between GeoNames towns.
    towns = text_trace("town-labels", ["Small", "Large"], [3.93, 3.95], [41.22, 41.25], population=[900, 80_000])
    assert [label.text for label in candidates([towns], (3.93, 41.22), 9.0, (np.array([]), np.array([])))] == \
        ["Large", "Small"]


def test_many_incidents_rank_the_labels_as_counting_every_one_would(monkeypatch):
    # Kenya: 300,000 incidents around Mandera, fewer near El Wak, none near Takaba; ranked from a sample.
    from dashboard.export import labels

    rng = np.random.default_rng(5)
    mandera = (rng.normal(3.93, 0.02, 240_000), rng.normal(41.86, 0.02, 240_000))
    el_wak = (rng.normal(2.80, 0.02, 60_000), rng.normal(40.93, 0.02, 60_000))
    incidents = (np.concatenate([mandera[0], el_wak[0]]), np.concatenate([mandera[1], el_wak[1]]))
    towns = text_trace("town-labels", ["Takaba", "El Wak", "Mandera"], [3.40, 2.80, 3.93], [40.23, 40.93, 41.86],
                       population=[90_000, 50_000, 20_000])
    sampled = [label.text for label in candidates([towns], (3.4, 41.0), 7.0, incidents)]
    monkeypatch.setattr(labels, "NEARBY_SAMPLE", 10**9)  # every incident counted
    assert sampled == [label.text for label in candidates([towns], (3.4, 41.0), 7.0, incidents)]
    assert sampled == ["Mandera", "El Wak", "Takaba"]


def test_labels_never_overlap_leave_the_map_or_cover_its_furniture():
    rng = np.random.default_rng(7)
    lats, lons = 2.0 + rng.random(200) * 0.5, 45.0 + rng.random(200) * 0.5  # Somalia, a crowded box
    traces = [text_trace("town-labels", [f"Town number {i}" for i in range(200)], lats, lons,
                         population=list(range(200, 0, -1)))]
    furniture = [(-300.0, 100.0, -150.0, 140.0)]
    out, kept = declutter_traces(traces, (2.25, 45.25), 9.0, (640.0, 300.0), (lats[:5], lons[:5]), furniture)
    assert 5 < len(kept) < 200 and all(text == "" for text in out[0]["text"])  # the page draws them instead
    for a, b in itertools.combinations(kept, 2):
        assert not overlaps(a.box, b.box), (a.text, b.text)
    for label in kept:
        left, top, right, bottom = label.box
        assert -320 <= left and right <= 320 and -150 <= top and bottom <= 150
        assert not overlaps(label.box, furniture[0])


def drawn_boxes(figure):
    """The map labels' boxes on the page (px), estimated from the annotations as the chooser does."""
    width, height = figure.layout.width, figure.layout.height
    boxes = []
    for a in figure.layout.annotations:
        if a.name != "map-label":
            continue
        text = html.unescape(a.text.removeprefix("<b>").removesuffix("</b>"))
        left, top = a.x * width - PAD_PX, (1 - a.y) * height - PAD_PX
        boxes.append((text, (left, top, left + CHAR_EM * a.font.size * len(text) + 2 * PAD_PX,
                             top + LINE_EM * a.font.size + 2 * PAD_PX)))
    return boxes


@pytest.mark.parametrize("which", ["scenario", "sudan"])
def test_the_briefing_map_labels_do_not_collide(which, store, sudan):
    chosen = store if which == "scenario" else sudan
    if which == "scenario":
        state = FilterState.from_dict({"start": "2020-02-01", "end": "2020-02-29"}, store.date_range())
        view = MapView(35.9, 36.75, 7.7)
    else:  # where most of the Sudan sample's incidents are, close enough for town names
        state = FilterState(*sudan.date_range())
        view = MapView(float(sudan.incidents["latitude"].median()), float(sudan.incidents["longitude"].median()), 7.0)
    figure = briefing_figure(chosen, state, view, title="", size=PRESETS["slide"], app_url="/",
                             generated_at=STAMP)
    boxes = drawn_boxes(figure)
    assert boxes, "no map label at all"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not overlaps(box_a, box_b), (a, b)
    domain = figure.layout.map.domain
    left, right = domain.x[0] * figure.layout.width, domain.x[1] * figure.layout.width
    top, bottom = (1 - domain.y[1]) * figure.layout.height, (1 - domain.y[0]) * figure.layout.height
    for text, box in boxes:
        assert left - 1 <= box[0] and box[2] <= right + 1 and top - 1 <= box[1] and box[3] <= bottom + 1, text
    for trace in figure.data:  # MapLibre draws no label text itself (it would hide some again)
        if trace.type == "scattermap" and trace.meta in ("context", "town-labels", "displacement"):
            assert trace.text is None or not any(trace.text)
    if which == "scenario":  # the figure and the towns the incidents were in come first
        labels = {text for text, _ in boxes}
        assert "948k" in labels and {"Balyun", "Taftanaz", "Kafr Nabl"} <= labels


def test_subtitle_is_the_filters_in_words(store):
    state = FilterState.from_dict({"start": "2020-02-01", "end": "2020-02-29", "event_types": ["Battles"]},
                                  store.date_range())
    figure = briefing_figure(store, state, MapView(35.9, 36.75, 7.7), title="", size=PRESETS["slide"],
                             app_url="/", generated_at=STAMP)
    subtitle = next(a.text for a in figure.layout.annotations if a.name == "subtitle")
    assert subtitle.startswith("1 Feb 2020 – 29 Feb 2020 (29 days) · event types: Battles")
    assert "default" not in subtitle and "map layers" not in subtitle  # the legend names the layers
    sources = next(a.text for a in figure.layout.annotations if a.name == "sources")
    assert "geodata/" not in sources and "README" not in sources  # no internal path


@pytest.mark.parametrize("app_url", ["https://maps.example.org/conflict/", "/"])
def test_the_footer_link_fits_the_page_and_says_where_it_points(store, app_url):
    many = store.event_types() * 3
    state = FilterState.from_dict({"event_types": many[:5], "text": "x" * 300, "actors": ["A" * 200]},
                                  store.date_range())
    size = PRESETS["slide"]
    figure = briefing_figure(store, state, MapView(35.9, 36.75, 7.7), title="", size=size, app_url=app_url,
                             generated_at=STAMP)
    footer = next(a for a in figure.layout.annotations if a.name == "generated")
    shown = next(a for a in figure.layout.annotations if a.name == "link")
    assert "Mono" in shown.font.family  # no ligature: a link copied from the PDF works
    lines = [html.unescape(line) for line in shown.text.split("<br>")]
    link = link_of(store, state, MapView(35.9, 36.75, 7.7), app_url)
    width, _ = size.layout
    inner = width - 2 * 20 * min(width / 960, size.layout[1] / 540)
    assert len(lines) >= 3
    for line in lines:
        assert len(line) * LINK_CHAR_EM * shown.font.size <= inner + 1, line
    prose = [html.unescape(line) for line in footer.text.split("<br>")]
    for line in prose:
        assert len(line) * CHAR_EM * footer.font.size <= inner + 1, line
    text = " ".join(prose + lines)
    if app_url.startswith("https"):
        assert "View: https://maps.example.org/conflict/?" in text and RELATIVE_LINK_NOTE not in text
    else:
        assert f"View ({RELATIVE_LINK_NOTE}): /?" in text
    assert "127.0.0.1" not in text
    assert link in "".join(lines)  # the whole link is there, broken only where its lines end


def test_the_legend_fits_its_column(store):
    state = FilterState.from_dict({"start": "2020-02-01", "end": "2020-02-29"}, store.date_range())
    figure = briefing_figure(store, state, MapView(35.9, 36.75, 7.7), title="", size=PRESETS["slide"],
                             app_url="/", generated_at=STAMP)
    width = figure.layout.width
    left = figure.layout.legend.x * width
    per_char = LEGEND_CHAR_EM * figure.layout.legend.font.size
    shown = [t for t in figure.data if t.type == "scattermap" and t.showlegend is not False]
    for trace in shown:  # plotly would shrink the whole page to make room for a wider legend
        for line in str(trace.name).split("<br>"):
            assert left + ENTRY_INDENT + len(line) * per_char <= width, line
        if trace.legendgrouptitle and trace.legendgrouptitle.text:
            for line in trace.legendgrouptitle.text.split("<br>"):
                assert left + len(line) * per_char <= width, line
    # Rows of at least 19 px from the legend's top must end above the footer's rule.
    top = (1 - figure.layout.legend.y) * figure.layout.height
    footer = min((1 - s.y0) * figure.layout.height for s in figure.layout.shapes
                 if s.type == "line" and s.y0 == s.y1 and (1 - s.y0) * figure.layout.height > top)
    titles = {t.legendgroup for t in shown if t.legendgrouptitle and t.legendgrouptitle.text}
    lines = sum(str(t.name).count("<br>") + 1 for t in shown) + len(titles)
    assert top + LEGEND_MIN_ROW * lines <= footer
    assert all(t.meta != "town-labels" for t in shown)  # the first to go: the map names the towns itself


def test_the_legend_gives_up_context_before_titles():
    import plotly.graph_objects as go

    traces = [go.Scattermap(name=f"{meta} {i}", meta=meta, legendgroup=meta, legendgrouptitle={"text": meta.title()})
              for meta in ("context", "incidents") for i in range(4)]
    figure = go.Figure(traces)
    fit_legend(figure, room=7 * LEGEND_MIN_ROW + 20, u=1.0, width=260)
    kept = [t for t in figure.data if t.showlegend is not False]
    assert {t.meta for t in kept} == {"incidents"} and all(t.legendgrouptitle.text for t in kept)
    fit_legend(figure, room=4.5 * LEGEND_MIN_ROW, u=1.0, width=260)
    assert not any(t.legendgrouptitle and t.legendgrouptitle.text for t in figure.data if t.showlegend is not False)
