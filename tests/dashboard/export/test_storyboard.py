"""The playback's storyboard: one A4 page with every frame's map under its dates, a legend, the sources
and the stamp, from the command line; the grid fits its cells; too many frames are refused first."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dashboard.export import animation, render
from dashboard.export.__main__ import main
from dashboard.export.storyboard import MAX_CELLS, check_storyboard, grid
from geodata.catalog import DataDirectory
from geodata.ingest import ingest_file
from tests.support import REPO, require

LINK = "http://127.0.0.1:8050/datasets/sudan-2024/?start=2024-04-15&end=2024-06-12"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The ACLED Sudan 2024 fixture imported for real; the dataset's folder."""
    catalog = DataDirectory(tmp_path_factory.mktemp("storyboard") / "data")
    ingest_file(REPO / "tests" / "data" / "sudan" / "acled_sudan_2024.csv", "acled", catalog, dataset="sudan-2024")
    return catalog.root / "sudan-2024"


@pytest.mark.parametrize("count", [1, 2, 5, 9, 13, 30])
def test_grid_holds_every_cell_inside_the_area(count):
    width, height, aspect, caption = 800.0, 600.0, 2.0, 12.0
    columns, rows, cell = grid(count, width, height, aspect, caption)
    assert columns * rows >= count > columns * (rows - 1)  # no empty row
    assert columns * cell <= width and rows * (cell / aspect + caption) <= height
    assert cell > 0.6 * min(width / columns, (height / rows - caption) * aspect)  # as large as it fits


def test_more_frames_than_a_page_holds_are_refused():
    check_storyboard(MAX_CELLS)
    with pytest.raises(ValueError, match=f"at most {MAX_CELLS} frames and this playback has {MAX_CELLS + 1}"):
        check_storyboard(MAX_CELLS + 1)


def test_cli_refuses_a_daily_storyboard_of_two_months_before_rendering(folder, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(animation, "render_frames", lambda *a, **k: pytest.fail("rendered"))
    assert main(["--url", LINK, "--dataset", str(folder), "--out", str(tmp_path / "board.pdf"), "--storyboard",
                 "--step", "day"]) == 1
    assert capsys.readouterr().err.startswith("error: a storyboard holds at most 30 frames and this playback has 59")


@pytest.mark.slow
@pytest.mark.browser
def test_storyboard_is_one_page_with_every_frame_under_its_dates(folder, tmp_path, capsys):
    require(render.find_chromium(), "no Chromium for kaleido (install Debian's chromium)")
    require(shutil.which("pdfinfo") and shutil.which("pdftotext") and shutil.which("pdftoppm"),
            "poppler-utils (pdfinfo, pdftotext, pdftoppm) not installed")
    out = tmp_path / "storyboard.pdf"
    assert main(["--url", LINK, "--dataset", str(folder), "--out", str(out), "--storyboard", "--step", "week",
                 "--title", "Darfur and Kordofan, spring 2024", "--stamp", "2026-05-04T13:02"]) == 0
    assert "frame 9/9" in capsys.readouterr().err
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert re.search(r"^Title:\s+Darfur and Kordofan, spring 2024$", info, re.M)
    assert re.search(r"^Page size:\s+84[12]\.\d+ x 59[45]\.\d+ pts \(A4\)", info, re.M)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\ufb02", "fl")  # the 'fl' ligature of the prose font
    assert "Darfur and Kordofan, spring 2024" in text
    assert "Playback 15 Apr 2024 – 12 Jun 2024 (59 days) · 9 frames, a week apart" in text
    for i, dates in enumerate(["15 Apr 2024 – 21 Apr 2024", "15 Apr 2024 – 28 Apr 2024", "22 Apr 2024 – 5 May 2024",
                               "30 May 2024 – 12 Jun 2024"]):
        assert f"{[1, 2, 3, 9][i]}. {dates}" in text
    assert "Generated 2026-05-04 13:02 UTC by conflict-map" in text and "Incidents: sudan-2024" in text
    assert "Nile" not in text.split("Playback")[0]  # nothing of another dataset in the header

    # Every cell holds a map: drawn, not blank, and the cells differ (the window moves).
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(out), str(tmp_path / "page")], check=True)
    page = np.asarray(Image.open(tmp_path / "page.png").convert("RGB")).astype(int)
    assert page.shape[1] > page.shape[0]  # landscape
    greyish = (np.abs(page - np.array([0xB9, 0xC0, 0xC7])).sum(axis=2) < 30)  # the cells' frames
    rows = np.nonzero(greyish.sum(axis=1) > page.shape[1] * 0.2)[0]
    assert len(rows) >= 6  # three rows of cells, a top and a bottom edge each


def test_a_pdf_date_is_rewritten_to_the_stamp_in_place():
    from datetime import UTC, datetime

    from dashboard.export.pdfdates import stamp_pdf

    info = b"<</Producer (Skia/PDF m156)\n/CreationDate (D:20261207193538+05'30')\n/ModDate (D:20261207193538+05'30')>>"
    stamped = stamp_pdf(info, datetime(2026, 5, 4, 13, 2, tzinfo=UTC))
    assert stamped == info.replace(b"D:20261207193538+05'30'", b"D:20260504130200+00'00'")
    odd = b"/CreationDate (D:20261207193538Z)"  # another length: rewriting it would move the objects after it
    assert stamp_pdf(odd, datetime(2026, 5, 4, tzinfo=UTC)) == odd


@pytest.mark.slow
@pytest.mark.browser
def test_a_storyboard_made_twice_with_one_stamp_is_the_same_file_dated_by_the_stamp(folder, tmp_path, capsys):
    import hashlib
    import time

    require(render.find_chromium(), "no Chromium for kaleido (install Debian's chromium)")
    require(shutil.which("pdfinfo"), "poppler-utils (pdfinfo) not installed")
    two_weeks = LINK.replace("end=2024-06-12", "end=2024-04-28")
    digests = []
    for name in ("first.pdf", "second.pdf"):
        out = tmp_path / name
        assert main(["--url", two_weeks, "--dataset", str(folder), "--out", str(out), "--storyboard", "--step",
                     "week", "--stamp", "2026-05-04T13:02"]) == 0
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
        time.sleep(1.1)  # Chromium's own clock would now print another second
    assert "frame 2/2" in capsys.readouterr().err
    assert digests[0] == digests[1]
    info = subprocess.run(["pdfinfo", "-isodates", str(tmp_path / "first.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"^CreationDate:\s+2026-05-04T13:02:00(\+00|Z)", info, re.M), info
    assert re.search(r"^ModDate:\s+2026-05-04T13:02:00(\+00|Z)", info, re.M), info
