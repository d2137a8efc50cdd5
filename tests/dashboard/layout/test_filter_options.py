"""The filters' hints come from the data: the fatalities bound shows the largest reported figure (0 when
none is reported), stored or in memory; on incidents in eastern DR Congo."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard import ids
from dashboard.layout import build_layout
from geodata import IncidentStore
from geodata.catalog.parquet import read_dataset, write_dataset
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents
from tests.dashboard.support import find_component


def kivu_incidents(deaths: list[int | None]) -> pd.DataFrame:
    frame = synthetic_incidents(len(deaths), seed=2)
    frame["latitude"], frame["longitude"] = -1.68 + np.zeros(len(deaths)), 29.22 + np.zeros(len(deaths))  # Goma
    frame["fatalities"] = pd.Series(deaths, dtype="Int64")
    return frame


@pytest.mark.parametrize("stored", [False, True])
@pytest.mark.parametrize(("deaths", "hint"), [([3, None, 41, 0, None], "41"), ([None, None], "0")])
def test_the_fatalities_bound_shows_the_largest_reported_figure(deaths, hint, stored, tmp_path):
    dataset = dataset_from_incidents(kivu_incidents(deaths), name="kivu", title="North Kivu (test)")
    if stored:
        write_dataset(dataset, tmp_path / "kivu")
        dataset = read_dataset(tmp_path / "kivu")
    assert find_component(build_layout(IncidentStore(dataset)), ids.FATALITIES_MAX).placeholder == hint
