"""The briefing pack: one zip with both briefings, the rows, the summary and their provenance.

The fast tests replace the renderer (its own tests render for real); the slow one runs the command
line end to end and reads the PDF's text: the public address, never the local one it was given.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime

import pandas as pd
import pytest
from PIL import Image

from dashboard import ids
from dashboard.export import render
from dashboard.export.service import pack_export
from dashboard.export.sizes import PRESETS
from dashboard.state.mapview import MapView
from dashboard.views.export import run_export
from geodata import FilterState
from tests.support import REPO, missing, require

STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)
PUBLIC = "https://maps.example.org/conflict/"


@pytest.fixture
def fake_render(monkeypatch):
    """The renderer replaced: a PDF or PNG-looking answer per call, the formats asked for recorded."""
    asked: list[str] = []

    def fake(figure, fmt, size, **_):
        asked.append(fmt)
        return b"%PDF-1.4 fake" if fmt == "pdf" else b"\x89PNG fake"

    monkeypatch.setattr("dashboard.export.service.render_figure", fake)
    return asked


def test_the_pack_holds_briefings_rows_summary_and_provenance(sudan, fake_render):
    state = FilterState(*sudan.date_range())
    view = MapView(15.5, 32.5, 7.0)
    export = pack_export(sudan, state, view, title="Sudan, May 2023", size=PRESETS["slide"], app_url=PUBLIC,
                         generated_at=STAMP, display={"weight": "fatalities"})
    start, end = (d.isoformat() for d in sudan.date_range())
    stem = f"sudan_{start}_{end}"
    assert export.filename == f"{stem}_pack.zip" and export.mime == "application/zip"
    assert sorted(fake_render) == ["pdf", "png"]
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    assert archive.testzip() is None
    assert archive.namelist() == [f"{stem}/{stem}_briefing.pdf", f"{stem}/{stem}_briefing.png",
                                  f"{stem}/{stem}_incidents.csv", f"{stem}/{stem}_incidents.geojson",
                                  f"{stem}/{stem}_summary.csv", f"{stem}/provenance.txt"]
    read = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
    assert read[f"{stem}_briefing.pdf"].startswith(b"%PDF") and read[f"{stem}_briefing.png"].startswith(b"\x89PNG")
    rows = pd.read_csv(io.BytesIO(read[f"{stem}_incidents.csv"]))  # pandas' defaults
    assert len(rows) == len(sudan.select(state)) and "assoc_actor_1" in rows.columns
    features = json.loads(read[f"{stem}_incidents.geojson"])["features"]
    assert sorted(f["id"] for f in features) == sorted(rows["event_id"])
    summary = pd.read_csv(io.BytesIO(read[f"{stem}_summary.csv"]))
    assert summary["incidents"].sum() == len(rows)  # every incident in one group (or "no area")
    provenance = read["provenance.txt"].decode("utf-8")
    assert f"Dataset: {sudan.dataset.title} (sudan, version {sudan.dataset.version}; period" in provenance
    assert "Selection: " in provenance and "all event types" in provenance
    assert "Generated: 2026-05-04 13:02 UTC" in provenance
    assert "View: https://maps.example.org/conflict/?" in provenance and "weight=fatalities" in provenance
    assert "- Incidents: " in provenance and "latest event" in provenance
    for name in read:
        assert f"\n- {name}\n" in provenance  # the files beside it
    # Every entry carries the export's time.
    assert {info.date_time[:5] for info in archive.infolist()} == {(2026, 5, 4, 13, 2)}


def test_the_pack_button(store, fake_render):
    state = {"start": "2020-02-27", "end": "2020-02-27"}
    data, status = run_export(ids.EXPORT_PACK, state, None, None, "", "slide", store, "/")
    assert data["filename"] == "nw_syria_2020_2020-02-27_2020-02-27_pack.zip"
    assert status.startswith("Downloaded nw_syria_2020_2020-02-27_2020-02-27_pack.zip")
    assert "a path on the conflict-map server" in status  # no public URL: the status line says so
    data, _ = run_export(ids.EXPORT_PROVENANCE, state, None, None, "", "slide", store, "/")
    assert data["filename"] == "nw_syria_2020_2020-02-27_2020-02-27_incidents.provenance.txt"
    assert run_export(ids.EXPORT_PACK, state, None, None, "", "../x", store, "/")[1] == "Choose a briefing size."


def pdf_words(path) -> tuple[float, list[tuple[float, float, str]]]:
    """The PDF page's width and its words (xMin, xMax, text), from poppler's ``pdftotext -bbox``."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', out).group(1))
    words = [(float(a), float(b), w) for a, b, w in
             re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', out)]
    return width, words


@pytest.mark.slow
@pytest.mark.browser
def test_pack_from_a_local_link_cites_the_public_address(tmp_path):
    if render.find_chromium() is None:
        missing("no Chromium for kaleido")
    require(shutil.which("pdftotext"), "poppler-utils (pdftotext) not installed")
    out = tmp_path / "pack.zip"
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.export", "--url", "http://127.0.0.1:8050/?start=2020-02-01&end=2020-02-29",
         "--out", str(out), "--public-url", "https://maps.example.org/conflict", "--size", "slide"],
        cwd=REPO, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr
    archive = zipfile.ZipFile(out)
    names = {name.rsplit("/", 1)[1]: name for name in archive.namelist()}
    pdf = tmp_path / "briefing.pdf"
    pdf.write_bytes(archive.read(names["nw_syria_2020_2020-02-01_2020-02-29_briefing.pdf"]))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "https://maps.example.org/conflict/?start=2020-02-01" in flat.replace(" ", "")
    assert "127.0.0.1" not in flat and "geodata/" not in flat and "default map layers" not in flat
    assert "1 Feb 2020 – 29 Feb 2020 (29 days) · all event types" in flat
    width, words = pdf_words(pdf)
    assert words and max(x_max for _, x_max, _ in words) <= width  # nothing runs off the page
    png = Image.open(io.BytesIO(archive.read(names["nw_syria_2020_2020-02-01_2020-02-29_briefing.png"])))
    assert png.size == (1920, 1080)
    provenance = archive.read(names["provenance.txt"]).decode("utf-8")
    assert "View: https://maps.example.org/conflict/?start=2020-02-01&end=2020-02-29" in provenance
    assert "127.0.0.1" not in provenance
