"""``python -m dashboard.export``: a shared link in, a file out; one line and a non-zero status on failure."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from PIL import Image

from dashboard.export import render
from dashboard.export.__main__ import main
from tests.support import REPO

LINK = "http://127.0.0.1:8050/?start=2020-02-27&end=2020-02-27"


def test_csv_and_geojson_from_a_link(tmp_path, capsys):
    assert main(["--url", LINK, "--out", str(tmp_path / "day.csv"), "--public-url", "https://maps.example.org"]) == 0
    text = (tmp_path / "day.csv").read_text(encoding="utf-8-sig")
    assert "NWS-E15" in text and "NWS-E16" in text and "NWS-E14" not in text
    provenance = (tmp_path / "day.provenance.txt").read_text(encoding="utf-8")  # beside the plain CSV
    assert "View: https://maps.example.org/?start=2020-02-27&end=2020-02-27" in provenance
    assert "127.0.0.1" not in provenance  # the public address, never the one the script was given
    assert main(["--url", LINK + "&type=Battles", "--out", str(tmp_path / "day.geojson")]) == 0
    data = json.loads((tmp_path / "day.geojson").read_text(encoding="utf-8"))
    assert [f["id"] for f in data["features"]] == ["NWS-E15"]
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--url", "ftp://host/x", "--out", "x.csv"], "not an http(s) link"),
    (["--url", LINK, "--out", "brief.docx"], "--out must end in"),
    (["--url", LINK, "--out", "/nonexistent/dir/brief.pdf"], "no such folder"),
    (["--url", LINK, "--out", "brief.png", "--size", "99999x2"], "size must be"),
    (["--url", LINK + "&ds=another_dataset", "--out", "day.csv"], "the link shows dataset 'another_dataset'"),
    (["--url", LINK, "--out", "day.csv", "--dataset", "/nonexistent/dataset"], "dataset"),
])
def test_failures_are_one_line_and_non_zero(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_missing_chromium_for_a_briefing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(render, "find_chromium", lambda: None)
    assert main(["--url", LINK, "--out", str(tmp_path / "brief.pdf")]) == 1
    assert capsys.readouterr().err == ("error: Server-side export needs Chromium; the camera button in the map "
                                       "still downloads a PNG\n")


@pytest.mark.browser
def test_briefing_png_from_the_command_line(tmp_path):
    if render.find_chromium() is None:
        pytest.skip("no Chromium for kaleido")
    out = tmp_path / "brief.png"
    done = subprocess.run([sys.executable, "-m", "dashboard.export", "--url", LINK, "--out", str(out),
                           "--size", "640x360", "--title", "Regenerated"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert Image.open(io.BytesIO(out.read_bytes())).size == (640, 360)
    assert done.stdout.startswith("wrote ")
