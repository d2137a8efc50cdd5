"""The render browser gets only the outlines near the view, and draws exactly the same pixels."""
from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageChops

from dashboard.export import render
from dashboard.export.outlines import clip_outlines, view_bounds
from dashboard.export.service import briefing_figure
from dashboard.export.sizes import custom_size
from dashboard.state.mapview import MapView, opening_view
from geodata import FilterState
from tests.support import require

STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)


def spec(center=(15.5, 30.0), zoom=5.0, **extra) -> dict:
    style = render.offline_map_style()
    return {"data": [], "layout": {"width": 960, "height": 540, "map": {
        "style": style, "center": {"lat": center[0], "lon": center[1]}, "zoom": zoom,
        "domain": {"x": [0.0, 0.5], "y": [0.25, 1.0]}, **extra}}}


def names(figure: dict) -> set[str]:
    features = figure["layout"]["map"]["style"]["sources"]["countries"]["data"]["features"]
    return {str(f["properties"].get("name") or f["properties"].get("NAME")) for f in features}


def test_view_bounds_cover_the_view_and_as_much_again_each_way():
    west, south, east, north = view_bounds({"center": {"lat": 0, "lon": 20}, "zoom": 2}, 512, 512)
    # 512 px at zoom 2 is a quarter of the world's width: 90 degrees, then a view more on each side.
    assert (west, east) == pytest.approx((20 - 135, 20 + 135))
    assert south == pytest.approx(-north) and 60 < north < 85.06
    assert view_bounds({"center": {"lat": 0, "lon": 170}, "zoom": 3}, 960, 540) is None  # across 180°
    assert view_bounds({"center": {"lat": 0, "lon": 0}, "zoom": 3, "bearing": 30}, 960, 540) is None


def test_outlines_near_sudan_are_kept_and_far_ones_dropped_without_touching_the_shared_style():
    figure = spec()
    everything = names(figure)
    clipped = clip_outlines(figure)
    kept = names(clipped)
    assert {"Sudan", "Chad", "Egypt", "Ethiopia", "S. Sudan"} <= kept
    assert not {"Brazil", "Japan", "Canada", "Australia"} & kept
    assert len(kept) < len(everything) / 4
    assert names(figure) == everything  # the caller's dict (shared by frames) is untouched
    assert clipped["layout"]["map"]["style"]["sources"]["country-labels"] is \
        figure["layout"]["map"]["style"]["sources"]["country-labels"]


def test_views_it_cannot_reason_about_keep_every_outline():
    for figure in (spec(pitch=40), spec(bearing=10), spec(zoom=0.5), spec(center=(60, 178))):
        assert clip_outlines(figure) is figure


@pytest.mark.browser
@pytest.mark.slow
def test_a_clipped_briefing_has_the_same_pixels(sudan):
    require(render.find_chromium(), "no Chromium for kaleido (install Debian's chromium)")
    size = custom_size(800, 450)
    state = FilterState.default(sudan.date_range())
    for view in (opening_view(sudan.dataset.view, sudan.extent), MapView(13.45, 22.45, 7.5)):
        figure = briefing_figure(sudan, state, view, title="", size=size, app_url="/", generated_at=STAMP)
        whole = figure.to_plotly_json()
        opts, scale = render._opts("png", size)
        unclipped = render._run(lambda w=whole, o=opts, s=scale: render._render(w, o, s, render.find_chromium(), 120, ""),
                                120)
        clipped = render.render_figure(figure, "png", size)
        assert len(names(clip_outlines(whole))) < len(names(whole)) / 4
        difference = ImageChops.difference(Image.open(io.BytesIO(unclipped)).convert("RGB"),
                                           Image.open(io.BytesIO(clipped)).convert("RGB"))
        assert difference.getbbox() is None
