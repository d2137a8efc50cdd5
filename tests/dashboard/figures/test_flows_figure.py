"""The flows layer: one trace per width class present (named in people), arcs that end in an arrow head at
the destination, hover naming both ends with the people and period in the source's words, movements within
one area as circles, and the flows not drawn named in the legend. Fixture flows in Somalia."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.figures import plain
from dashboard.figures.flows import WIDTH_CLASSES, arc, class_label, flow_layer, width_class
from geodata.model.series import OD, SeriesInfo

INFO = SeriesInfo(kind=OD, label="IDP movements from region of origin to destination in the month", unit="month",
                  source="PRMN Somalia")


def describe(movement: str, source: str) -> SeriesInfo:
    return INFO


def placed(*rows: tuple) -> pd.DataFrame:
    """Placed flows from (origin, (lat, lon), destination, (lat, lon), people)."""
    return pd.DataFrame([{
        "origin": o, "origin_pcode": None, "destination": d, "destination_pcode": None, "movement": "arrivals",
        "people": float(p), "period_start": pd.Timestamp("2023-04-01"), "period_end": pd.Timestamp("2023-04-30"),
        "figures": 1, "source": "PRMN Somalia", "origin_lat": a[0], "origin_lon": a[1], "destination_lat": b[0],
        "destination_lon": b[1], "origin_basis": "boundaries", "destination_basis": "boundaries"}
        for o, a, d, b, p in rows])


BAY, BANADIR, GEDO = (2.70, 43.60), (2.05, 45.30), (3.50, 42.20)
FLOWS = placed(("Bay", BAY, "Banadir", BANADIR, 125_000), ("Gedo", GEDO, "Banadir", BANADIR, 40_000),
               ("Gedo", GEDO, "Bay", BAY, 12_000), ("Banadir", BANADIR, "Bay", BAY, 350),
               ("Bay", BAY, "Bay", BAY, 2_200))


def test_width_classes_are_fixed_powers_of_ten_named_in_people():
    assert width_class(np.array([0, 99, 100, 999.5, 1_000, 99_999, 100_000, 5e6])).tolist() == [0, 0, 1, 1, 2, 3, 4, 4]
    assert [class_label(i) for i in range(len(WIDTH_CLASSES))] == [
        "Fewer than 100 people", "100–1,000 people", "1,000–10,000 people", "10,000–100,000 people",
        "100,000 people or more"]
    widths = [w for _, w in WIDTH_CLASSES]
    assert widths == sorted(widths) and len(set(widths)) == len(widths)


def test_one_trace_per_class_present_widest_first_with_a_legend_title():
    traces = flow_layer(FLOWS, describe)
    lines = [t for t in traces if t["mode"] == "lines"]
    assert [t["name"] for t in lines] == ["100,000 people or more", "10,000–100,000 people", "100–1,000 people"]
    assert [t["line"]["width"] for t in lines] == [8.0, 5.5, 2.0]
    assert {t["meta"] for t in traces} == {"flows"}
    assert {t["legendgrouptitle"]["text"] for t in traces} == {"Displacement flows (width: people)"}
    # Two flows in the 10,000–100,000 class: two arcs, apart (a gap between them).
    middle = lines[1]
    assert int(np.isnan(middle["lat"]).sum()) == 4  # per arc: one gap before its head, one after it
    assert len(middle["text"]) == len(middle["lat"])  # every vertex hovers
    plain.validated(plain.figure(traces, {}))


def test_an_arc_leaves_the_origin_and_its_arrow_head_points_at_the_destination():
    lat, lon = arc(*BAY, *BANADIR)
    assert (lat[0], lon[0]) == pytest.approx(BAY)
    gap = lat.index(None)
    assert (lat[gap - 1], lon[gap - 1]) == pytest.approx(BANADIR)  # the arc ends there
    head_lat, head_lon = lat[gap + 1:], lon[gap + 1:]
    assert (head_lat[1], head_lon[1]) == pytest.approx(BANADIR)  # the head's tip is the destination
    # Both barbs lie behind the tip (on the origin's side, Banadir being east of Bay).
    assert head_lon[0] < BANADIR[1] and head_lon[2] < BANADIR[1]
    # It bends: the midpoint of the arc is off the straight line; the way back bends the other way.
    straight = ((BAY[0] + BANADIR[0]) / 2, (BAY[1] + BANADIR[1]) / 2)
    back_lat, _ = arc(*BANADIR, *BAY)
    middle = len(lat[:gap]) // 2
    assert abs(lat[middle] - straight[0]) > 0.05
    assert np.sign(lat[middle] - straight[0]) != np.sign(back_lat[middle] - straight[0])


def test_hover_names_both_ends_the_people_and_the_period_in_the_sources_words():
    traces = flow_layer(FLOWS, describe)
    biggest = traces[0]
    assert set(biggest["text"]) == {
        "<b>Bay → Banadir</b><br>125,000 people: IDP movements from region of origin to destination in April 2023"
        "<br>Source: PRMN Somalia"}
    assert len(biggest["text"]) == len(biggest["lat"])
    assert biggest["hovertemplate"] == "%{text}<extra></extra>"


def test_a_movement_within_one_area_is_a_circle_there():
    within = [t for t in flow_layer(FLOWS, describe) if t["name"] == "Moved within one area"]
    assert len(within) == 1 and within[0]["mode"] == "markers"
    assert (within[0]["lat"].tolist(), within[0]["lon"].tolist()) == ([BAY[0]], [BAY[1]])
    assert within[0]["text"][0].startswith("<b>Within Bay</b><br>2,200 people")


def test_flows_not_drawn_are_named_in_the_legend_and_nothing_is_drawn_for_them():
    note = "not drawn: 2 flows without a location (Hiraan, Bakool)"
    traces = flow_layer(FLOWS.iloc[:1], describe, note)
    assert traces[-1]["name"] == note and len(traces[-1]["lat"]) == 0
    only = flow_layer(FLOWS.iloc[0:0], describe, note)
    assert [t["name"] for t in only] == [note]
    assert flow_layer(FLOWS.iloc[0:0], describe) == []


def test_names_from_the_data_stay_text():
    hostile = placed(("<img src=x onerror=alert(1)>", BAY, "Banadir", BANADIR, 500))
    text = flow_layer(hostile, describe)[0]["text"][0]
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt; → Banadir" in text


def test_an_arc_across_the_antimeridian_goes_the_short_way():
    lat, lon = arc(-17.7, 178.4, -13.8, -171.8)  # Suva to Apia
    drawn = [v for v in lon[:lat.index(None)]]
    assert max(drawn) - min(drawn) < 15 and drawn[-1] == pytest.approx(188.2)
