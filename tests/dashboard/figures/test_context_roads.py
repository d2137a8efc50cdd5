"""The highways' legend entry is named from the dataset's own roads, never from one scenario's."""
from __future__ import annotations

import pandas as pd

from dashboard.figures.map import context_layer

PLACES = pd.DataFrame({"place_id": ["nbo", "nak", "eld", "ksm"], "name": ["Nairobi", "Nakuru", "Eldoret", "Kisumu"],
                       "latitude": [-1.29, -0.30, 0.51, -0.09], "longitude": [36.82, 36.07, 35.27, 34.77],
                       "kind": ["city"] * 4})


def _highways(roads: list[str]) -> pd.DataFrame:
    rows = [(road, seq, place) for road in roads for seq, place in enumerate(["nbo", "nak", "eld"])]
    return pd.DataFrame(rows, columns=["road", "seq", "place_id"])


def test_a_kenyan_road_names_its_legend_entry():
    names = [t["name"] for t in context_layer(PLACES, _highways(["A104"]))]
    assert names[0] == "A104 highways (schematic)" and "M4" not in " ".join(names)


def test_many_roads_are_simply_highways():
    names = [t["name"] for t in context_layer(PLACES, _highways(["A1", "A2", "A104", "B3"]))]
    assert names[0] == "Highways (schematic)"
