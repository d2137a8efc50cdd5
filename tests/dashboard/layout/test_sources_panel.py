"""The 'About the data' panel lists every source a dataset cites once, with its link when it has one,
the same for a dataset in memory and for the stored one (memory-mapped, categorical columns, whose
pairs are counted from their codes)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from dash import html

from dashboard import ids
from dashboard.layout import build_layout
from geodata import IncidentStore
from geodata.catalog.parquet import read_dataset, write_dataset
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents
from tests.dashboard.support import find_component

#: Kenyan sources: two with links, one cited with two links, one whose "link" is not one, one without.
SOURCES = (("Daily Nation", "https://nation.africa/kenya"), ("The Standard", "https://www.standardmedia.co.ke"),
           ("The Standard", "https://www.standardmedia.co.ke/counties"), ("Radio Citizen", "Radio Citizen FM"),
           ("KNCHR field report", None), (None, "https://example.org/uncited"))


def kenya_incidents(n: int = 3_000) -> pd.DataFrame:
    frame = synthetic_incidents(n, seed=4)
    pick = np.random.default_rng(4).integers(0, len(SOURCES), n)
    frame["source"] = pd.Series([SOURCES[i][0] for i in pick], dtype=frame["source"].dtype)
    frame["source_url"] = pd.Series([SOURCES[i][1] for i in pick], dtype=frame["source_url"].dtype)
    frame["latitude"], frame["longitude"] = -1.3 + frame["latitude"] - 35.75, 36.8 + frame["longitude"] - 36.75
    return frame


def cited(store: IncidentStore) -> list[tuple[str, str | None]]:
    """(text, link) of each item in the panel's list of sources."""
    panel = find_component(build_layout(store), ids.SOURCES)
    listed = next(c for c in panel.children if isinstance(c, html.Ul))
    out = []
    for item in listed.children:
        inner = item.children
        out.append((inner.children, inner.href) if isinstance(inner, html.A) else (inner, None))
    return out


@pytest.mark.parametrize("kind", ["in memory", "stored"])
def test_each_source_is_listed_once_with_its_link(kind, tmp_path):
    dataset = dataset_from_incidents(kenya_incidents(), name="kenya", title="Kenya (test)")
    if kind == "stored":
        write_dataset(dataset, tmp_path / "kenya")
        dataset = read_dataset(tmp_path / "kenya")
        assert isinstance(dataset.incidents["source"].dtype, pd.CategoricalDtype)
    listed = cited(IncidentStore(dataset))
    assert sorted(listed, key=str) == sorted([
        ("Daily Nation", "https://nation.africa/kenya"), ("KNCHR field report", None), ("Radio Citizen", None),
        ("The Standard", "https://www.standardmedia.co.ke"), ("The Standard", "https://www.standardmedia.co.ke/counties"),
    ], key=str)
    assert [text for text, _ in listed] == sorted(text for text, _ in listed)  # by source
