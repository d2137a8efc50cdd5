"""An analyst sees every field of the source: in the detail panel (under its source name) and in the
CSV and GeoJSON exports, after the canonical columns."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from dashboard.export.provenance import Provenance
from dashboard.export.tables import csv_bytes, geojson_bytes
from dashboard.views.detail import incident_detail, source_fields
from geodata import FilterState, IncidentStore
from geodata.catalog.parquet import DataDirectory
from geodata.ingest import ingest_file
from geodata.model.schema import INCIDENTS
from tests.support import REPO

DATA = REPO / "tests" / "data"
STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def sudan(tmp_path_factory):
    root = tmp_path_factory.mktemp("sudan")
    data = DataDirectory(root / "data")
    ingest_file(DATA / "acled_sudan_sample.csv", "acled", data, dataset="sudan", report_root=root)
    return IncidentStore(data.load("sudan"))


def texts(component) -> list[str]:
    """Every text inside a Dash component tree."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in texts(c)]
    return texts(getattr(component, "children", None) or [])


def test_detail_panel_lists_every_source_field_by_its_source_name(sudan):
    row = sudan.incidents.set_index("event_id").loc["SDN31002"]
    shown = texts(incident_detail(sudan.incidents[sudan.incidents["event_id"] == "SDN31002"].iloc[0]))
    for name, value in (("assoc_actor_1", "Janjaweed Militia"), ("inter1", "8"), ("interaction", "78"),
                        ("civilian_targeting", "Civilian targeting"), ("timestamp", "1684002000"),
                        ("iso", "729"), ("region", "Northern Africa"), ("source_scale", "National-Regional"),
                        ("disorder_type", "Political violence")):
        assert name in shown and value in shown, name
    assert dict(source_fields(row))["country"] == "Sudan"


def test_csv_and_geojson_exports_keep_every_source_field_after_the_canonical_columns(sudan):
    state = FilterState.from_dict({}, sudan.date_range())
    provenance = Provenance.of(sudan, state, "http://127.0.0.1:8050/", STAMP)
    table = pd.read_csv(io.BytesIO(csv_bytes(sudan, state)), dtype=str, keep_default_na=False)  # a plain table
    canonical = [c for c in INCIDENTS.names if c in table.columns]
    assert list(table.columns[:len(canonical)]) == canonical
    for field in ("assoc_actor_1", "inter1", "interaction", "civilian_targeting", "tags", "timestamp", "iso",
                  "region", "country", "source_scale", "disorder_type"):
        assert field in table.columns[len(canonical):], field
    assert table.set_index("event_id").loc["SDN31002", "assoc_actor_1"] == "Janjaweed Militia"
    features = json.loads(geojson_bytes(sudan, state, provenance))["features"]
    props = {f["id"]: f["properties"] for f in features}
    assert props["SDN31002"]["assoc_actor_1"] == "Janjaweed Militia" and props["SDN31002"]["timestamp"] == "1684002000"
