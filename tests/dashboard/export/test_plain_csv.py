"""The CSV export is a plain table any tool opens; its provenance is a sidecar; links use the public URL.

On an ACLED Sudan export imported for real (not the shipped scenario): pandas reads the CSV with
its defaults, every field of the source survives, and the provenance file says what a reader needs.
"""
from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from dashboard.export.links import public_base, rebase
from dashboard.export.provenance import RELATIVE_LINK_NOTE, Provenance, public_attribution
from dashboard.export.service import table_export
from geodata import FilterState
from tests.support import REPO

DATA = REPO / "tests" / "data"
PUBLIC = "https://maps.example.org/conflict/"
STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)
#: Fields of an ACLED export that are not canonical columns: the CSV keeps them under their names.
ACLED_FIELDS = ("assoc_actor_1", "inter1", "interaction", "civilian_targeting", "tags", "timestamp", "iso",
                "region", "country", "source_scale", "disorder_type")


def test_pandas_reads_the_csv_with_its_defaults_and_every_field_is_kept(sudan):
    state = FilterState(*sudan.date_range())
    export = table_export(sudan, state, fmt="csv", app_url=PUBLIC, generated_at=STAMP)
    assert export.content.startswith(b"\xef\xbb\xbfevent_id,")  # BOM, then the header on line 1
    table = pd.read_csv(io.BytesIO(export.content))  # no comment=, no skiprows=: defaults
    assert len(table) == len(sudan.select(state)) == len(sudan.incidents)
    assert table.columns[0] == "event_id" and not table["event_id"].astype(str).str.startswith("#").any()
    raw = pd.read_csv(DATA / "acled_sudan_sample.csv", dtype=str, keep_default_na=False).set_index("event_id_cnty")
    mine = pd.read_csv(io.BytesIO(export.content), dtype=str, keep_default_na=False).set_index("event_id")
    for field in ACLED_FIELDS:
        assert field in mine.columns, field
        assert mine[field].to_dict() == raw.loc[mine.index, field].to_dict(), field
    assert pd.api.types.is_float_dtype(table["latitude"]) and table["fatalities"].notna().all()
    text = export.content.decode("utf-8-sig")
    assert "conflict-map" not in text and "http" not in text.splitlines()[0]  # no provenance inside the data


def test_the_provenance_sidecar_says_dataset_selection_sources_and_the_public_link(sudan):
    bounds = sudan.date_range()
    state = FilterState.from_dict({"start": bounds[0].isoformat(), "end": bounds[1].isoformat(),
                                   "event_types": ["Battles"]}, bounds)
    export = table_export(sudan, state, fmt="provenance.txt", app_url=PUBLIC, generated_at=STAMP,
                          display={"colour_by": "actor", "baseline": ["2023-01-01", "2023-01-31"]})
    assert export.filename.endswith("_incidents.provenance.txt") and export.mime == "text/plain"
    text = export.content.decode("utf-8")
    version = sudan.dataset.version
    assert f"Dataset: {sudan.dataset.title} (sudan, version {version}; period" in text
    assert "event types: Battles" in text and "map layers: incidents" in text and "default" not in text
    assert f"Rows: {len(sudan.select(state))} incidents" in text
    assert "Generated: 2026-05-04 13:02 UTC" in text
    assert "markers coloured by actor" in text and "changes compared with 1 Jan 2023 – 31 Jan 2023" in text
    link = next(line for line in text.splitlines() if line.startswith("View: "))
    assert link.startswith("View: https://maps.example.org/conflict/?") and "type=Battles" in link
    assert "colour=actor" in link and "ds=sudan" in link  # the link reopens the same display
    # Every source the rows cite, with its rows and its latest event.
    cited = sudan.select(state)["source"].value_counts()
    top = cited.index[0]
    assert f"- Incidents: {top} ({cited.iloc[0]} row" in text and "latest event" in text
    assert export.filename.replace(".provenance.txt", ".csv") in text  # names the CSV it belongs to
    # The basemap as this dataset draws it: outlines only (no other dataset's highways).
    assert "- Basemap: Natural Earth country outlines (public domain)\n" in text and "schematic" not in text


def test_without_a_public_url_the_link_is_relative_and_says_so(sudan):
    state = FilterState(*sudan.date_range())
    text = table_export(sudan, state, fmt="provenance.txt", app_url=public_base(None, "/datasets/sudan/")
                        ).content.decode("utf-8")
    assert "View: /datasets/sudan/?" in text and RELATIVE_LINK_NOTE in text
    assert "127.0.0.1" not in text and "localhost" not in text


def test_public_base_and_rebase():
    assert public_base("https://maps.example.org/conflict", "/") == "https://maps.example.org/conflict/"
    assert public_base(None, "/datasets/sudan/") == "/datasets/sudan/"
    # A script's link to a local server is moved to the public address (or made relative), never kept.
    assert rebase("http://127.0.0.1:8050/datasets/sudan/", "https://maps.example.org") == \
        "https://maps.example.org/datasets/sudan/"
    assert rebase("http://127.0.0.1:8050/", None) == "/"
    assert rebase("https://maps.example.org/conflict/datasets/x/", "https://maps.example.org/conflict") == \
        "https://maps.example.org/conflict/datasets/x/"


@pytest.mark.parametrize("given, shown", [
    ("Compiled from the rows' sources (OCHA, SOHR); see geodata/scenarios/x/README.md.",
     "Compiled from the rows' sources (OCHA, SOHR)."),
    ("ACLED, https://acleddata.com/data/export.csv; OCHA/UNCS boundaries. Notes in /srv/data/notes.txt",
     "ACLED, https://acleddata.com/data/export.csv; OCHA/UNCS boundaries."),
    ("UCDP GED 24.1 (CC BY 4.0).", "UCDP GED 24.1 (CC BY 4.0)."),
])
def test_sources_name_no_internal_path(given, shown):
    assert public_attribution(given) == shown


def test_geojson_metadata_says_the_link_is_relative(sudan):
    state = FilterState(*sudan.date_range())
    provenance = Provenance.of(sudan, state, "/?start=2023-01-01", STAMP)
    assert dict(provenance.lines())["View"] == f"/?start=2023-01-01 ({RELATIVE_LINK_NOTE})"
    assert provenance.period[0] >= date(2000, 1, 1)
