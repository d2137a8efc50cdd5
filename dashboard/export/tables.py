"""The filtered incidents as files: CSV (plain, Excel-safe) and GeoJSON (RFC 7946).

Both contain exactly ``store.select(state)``, in date order, with every
canonical column and then every field of the source. The CSV is a plain
table: its header on line 1, UTF-8 with a BOM, so ``pandas.read_csv``, QGIS
and Excel read it as it is; where it comes from (:class:`Provenance`) goes
beside it, in a sidecar ``<name>.provenance.txt`` or a briefing pack, never
inside it. The GeoJSON says it in a top-level ``metadata`` member, which
GeoJSON readers ignore.

CSV cells are neutralised against formula injection by the one rule every
CSV of the project uses (:func:`geodata.ingest.csvsafe.neutralise`, shared
with the import's quarantine file): a text cell starting with ``= + - @``
(fullwidth forms too), a tab or a carriage return gets a leading ``'`` so
that a spreadsheet shows it as text instead of running it. Numbers
(including text that is exactly a number such as ``-2``) stay numbers.
"""
from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime
from typing import Any

import pandas as pd

from dashboard.export.provenance import Provenance
from geodata import CRS, FilterState, IncidentStore
from geodata.ingest.csvsafe import neutralise
from geodata.model.schema import INCIDENTS

BOM = "\ufeff"


def _columns(frame: pd.DataFrame) -> list[str]:
    """The canonical incident columns present, in schema order, then every other field the dataset keeps
    (the source's own columns such as ACLED's ``timestamp`` or UCDP's ``high``, under their source names)."""
    canonical = [c for c in INCIDENTS.names if c in frame.columns]
    return canonical + [str(c) for c in frame.columns if c not in INCIDENTS.names and c != "geometry"]


def _plain(value: Any) -> Any:
    """A cell as a JSON/CSV-ready Python value: None for missing, ISO text for dates."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = _columns(frame)
    return [{c: _plain(v) for c, v in zip(columns, row, strict=True)}
            for row in frame[columns].itertuples(index=False, name=None)]


def csv_bytes(store: IncidentStore, state: FilterState) -> bytes:
    """The filtered incidents as a plain CSV: header on line 1, UTF-8 with a BOM (so Excel reads
    Arabic), CRLF line ends, formula-neutral cells, missing values empty."""
    frame = store.select(state)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = _columns(frame)
    writer.writerow([neutralise(c) for c in columns])
    for record in _records(frame):
        writer.writerow(["" if record[c] is None else neutralise(record[c]) for c in columns])
    return (BOM + out.getvalue()).encode("utf-8")


def provenance_bytes(provenance: Provenance, files: list[str] | None = None) -> bytes:
    """The provenance sidecar of a CSV (or of a pack, listing its ``files``): plain UTF-8 text."""
    return provenance.text(files).encode("utf-8")


def geojson_bytes(store: IncidentStore, state: FilterState, provenance: Provenance) -> bytes:
    """The filtered incidents as an RFC 7946 FeatureCollection (WGS 84 lon/lat, no ``crs``).

    Every feature is a Point ``[longitude, latitude]`` with the other columns
    as properties and ``id`` = the event id. Provenance goes in a foreign
    member ``metadata`` (RFC 7946 section 6.1).
    """
    features = []
    for record in _records(store.select(state)):
        lon, lat = record.pop("longitude"), record.pop("latitude")
        features.append({"type": "Feature", "id": record["event_id"],
                         "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": record})
    collection = {
        "type": "FeatureCollection",
        "metadata": {label.lower(): text for label, text in provenance.lines()}
        | {"rows": len(features), "coordinates": f"WGS 84 longitude, latitude ({CRS})"},
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8")
