"""Above :data:`~geodata.geo.locations.COUNTRY_SAMPLE` points, the dataset's countries come from evenly spaced
rows: the same countries as every point gives, a country holding a small share included."""
from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.geo import locations


def test_a_sample_of_the_points_finds_the_countries_every_point_finds(monkeypatch):
    rng = np.random.default_rng(7)
    nairobi = pd.DataFrame({"latitude": rng.normal(-1.29, 0.2, 9_000), "longitude": rng.normal(36.82, 0.2, 9_000)})
    mogadishu = pd.DataFrame({"latitude": rng.normal(2.05, 0.1, 400), "longitude": rng.normal(45.32, 0.1, 400)})
    kampala = pd.DataFrame({"latitude": rng.normal(0.35, 0.05, 200), "longitude": rng.normal(32.58, 0.05, 200)})
    frame = pd.concat([nairobi, mogadishu, kampala]).sample(frac=1.0, random_state=3).reset_index(drop=True)
    every = locations.dataset_countries(frame)
    assert every == ["KE", "SO", "UG"]
    monkeypatch.setattr(locations, "COUNTRY_SAMPLE", 1_000)  # every 10th row
    assert locations.dataset_countries(frame) == every
