"""Playback export: the frames' windows, the bound checked before rendering, and from the command line a
GIF (frame count, distinct frames, the same bytes twice) and an MP4 (H.264 container, duration, the same
bytes twice), every
frame showing the title band and the scale bar where the briefing draws them. On a Sudanese dataset."""
from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from hashlib import sha256
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence
from plotly.utils import PlotlyJSONEncoder

from dashboard.export import animation, render, warm
from dashboard.export.__main__ import main
from dashboard.export.animation import MAX_FRAMES, PlaybackOptions, frame_windows
from dashboard.export.service import briefing_figure
from dashboard.state.mapview import opening_view
from geodata import FilterState, IncidentStore
from geodata.catalog import DataDirectory
from geodata.catalog.parquet import open_dataset
from geodata.ingest import ingest_file
from tests.support import REPO, require

STAMP = datetime(2026, 5, 4, 13, 2, tzinfo=UTC)
#: Four weeks of the Sudan 2024 fixture: four frames a week apart.
LINK = "http://127.0.0.1:8050/datasets/sudan-2024/?start=2024-04-15&end=2024-05-12"
INK = np.array([0x1F, 0x23, 0x28])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """The ACLED Sudan 2024 fixture imported for real; the dataset's folder."""
    catalog = DataDirectory(tmp_path_factory.mktemp("playback") / "data")
    ingest_file(REPO / "tests" / "data" / "sudan" / "acled_sudan_2024.csv", "acled", catalog, dataset="sudan-2024")
    return catalog.root / "sudan-2024"


@pytest.fixture(scope="module")
def store(folder) -> IncidentStore:
    return IncidentStore(open_dataset(folder))


def run(folder: Path, out: Path, *extra: str) -> int:
    return main(["--url", LINK, "--dataset", str(folder), "--out", str(out), "--stamp", "2026-05-04T13:02", *extra])


def as_json(figure: dict) -> str:
    """The figure without its map style, as canonical JSON (typed arrays included)."""
    layout = dict(figure["layout"], map={k: v for k, v in figure["layout"]["map"].items() if k != "style"})
    return json.dumps({"data": figure["data"], "layout": layout}, cls=PlotlyJSONEncoder, sort_keys=True)


# ----------------------------------------------------------------- windows
def test_moving_windows_step_a_week_and_end_on_the_last_day():
    windows = frame_windows(date(2024, 4, 15), date(2024, 5, 12), PlaybackOptions(step="week", window_days=14))
    assert windows == [(date(2024, 4, 15), date(2024, 4, 21)), (date(2024, 4, 15), date(2024, 4, 28)),
                       (date(2024, 4, 22), date(2024, 5, 5)), (date(2024, 4, 29), date(2024, 5, 12))]


def test_cumulative_windows_by_month_start_on_the_first_day():
    windows = frame_windows(date(2023, 11, 20), date(2024, 2, 10), PlaybackOptions(step="month", mode="cumulative"))
    assert windows == [(date(2023, 11, 20), date(2023, 11, 30)), (date(2023, 11, 20), date(2023, 12, 31)),
                       (date(2023, 11, 20), date(2024, 1, 31)), (date(2023, 11, 20), date(2024, 2, 10))]


def test_daily_windows_and_a_period_that_is_not_whole_steps():
    assert frame_windows(date(2024, 1, 1), date(2024, 1, 3), PlaybackOptions(step="day", window_days=2)) == [
        (date(2024, 1, 1), date(2024, 1, 1)), (date(2024, 1, 1), date(2024, 1, 2)), (date(2024, 1, 2), date(2024, 1, 3))]
    weeks = frame_windows(date(2024, 1, 1), date(2024, 1, 10), PlaybackOptions(step="week", mode="cumulative"))
    assert [end for _, end in weeks] == [date(2024, 1, 7), date(2024, 1, 10)]


@pytest.mark.parametrize("options, message", [
    (dict(step="fortnight"), "step must be one of day, week, month"),
    (dict(mode="sliding"), "mode must be one of moving, cumulative"),
    (dict(window_days=0), "window must be 1–3660 days"),
    (dict(fps=0), "fps must be 0.1–30 frames a second"),
])
def test_bad_options_are_refused_in_words(options, message):
    with pytest.raises(ValueError, match=message):
        PlaybackOptions(**options)


def test_too_many_frames_are_refused_before_anything_renders(store, monkeypatch):
    def no_render(*args, **kwargs):
        raise AssertionError("rendered although the playback is too long")

    monkeypatch.setattr(animation, "render_frames", no_render)
    state = FilterState.from_dict({"start": "2024-04-15", "end": "2024-06-12"}, store.date_range())
    view = opening_view(store.dataset.view, store.extent)
    with pytest.raises(ValueError, match=f"more than {MAX_FRAMES} frames; choose a longer step"):
        # 59 days a day apart is under the bound; a long period of days is not.
        animation.check_frames(frame_windows(date(2020, 1, 1), date(2021, 1, 1), PlaybackOptions(step="day")),
                               FilterState.from_dict({"start": "2020-01-01", "end": "2021-01-01"},
                                                     (date(2020, 1, 1), date(2021, 1, 1))))
    empty = FilterState.from_dict({"start": "2024-05-01", "end": "2024-04-01"}, store.date_range())
    with pytest.raises(ValueError, match="the link's dates are empty"):
        animation.playback_export(store, empty, view, fmt="gif", options=PlaybackOptions(), title="", app_url="/")
    with pytest.raises(ValueError, match="a storyboard holds at most 30 frames and this playback has 59"):
        animation.playback_export(store, state, view, fmt="storyboard", options=PlaybackOptions(step="day"),
                                  title="", app_url="/")


def test_cli_refuses_bad_options_in_one_line(folder, tmp_path, capsys):
    assert run(folder, tmp_path / "play.gif", "--window", "0") == 1
    err = capsys.readouterr().err
    assert err == "error: window must be 1–3660 days, got 0\n"
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("display", [None, {"colour_by": "actor", "size_by": "fixed"}])
def test_a_frame_is_the_briefing_of_its_window(store, display):
    """Each frame's figure is the briefing's, with the screen's colour and size settings (the map style
    aside, shared by all frames)."""
    state = FilterState.from_dict({"start": "2024-04-15", "end": "2024-05-12"}, store.date_range())
    view = opening_view(store.dataset.view, store.extent)
    size = animation.DEFAULT_SIZE
    windows = frame_windows(state.start, state.end, PlaybackOptions())
    states = animation.frame_states(state, windows)
    frames = list(animation.frame_figures(store, states, view, title="Sudan", size=size, app_url="/",
                                          generated_at=STAMP, display=display))
    assert len(frames) == 4
    assert frames[0]["layout"]["map"]["style"] is frames[3]["layout"]["map"]["style"]
    if display:  # coloured by actor: the plain event-type briefing would differ
        plain = briefing_figure(store, states[3], view, title="Sudan", size=size, app_url="/",
                                generated_at=STAMP).to_plotly_json()
        assert as_json(frames[3]) != as_json(plain)
    for frame, window in zip(frames, states, strict=True):
        expected = briefing_figure(store, window, view, title="Sudan", size=size, app_url="/",
                                   generated_at=STAMP, display=display).to_plotly_json()
        assert frame["layout"]["map"]["style"] == expected["layout"]["map"]["style"]
        assert as_json(frame) == as_json(expected)
    subtitles = [next(a["text"] for a in f["layout"]["annotations"] if a["name"] == "subtitle") for f in frames]
    assert subtitles[0].startswith("15 Apr 2024 – 21 Apr 2024 (7 days)")
    assert subtitles[3].startswith("29 Apr 2024 – 12 May 2024 (14 days)")


# ----------------------------------------------------------------- rendered
def _boxes(store: IncidentStore) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """Where a frame draws its title and its scale bar's dark half (px boxes of a 960x540 frame)."""
    state = FilterState.from_dict({"start": "2024-04-15", "end": "2024-04-21"}, store.date_range())
    states = animation.frame_states(state, [(state.start, state.end)])
    frame = next(animation.frame_figures(store, states, opening_view(store.dataset.view, store.extent),
                                         title="", size=animation.DEFAULT_SIZE, app_url="/", generated_at=STAMP))
    width, height = animation.DEFAULT_SIZE.width, animation.DEFAULT_SIZE.height
    title = next(a for a in frame["layout"]["annotations"] if a["name"] == "title")
    x, y = round(title["x"] * width), round((1 - title["y"]) * height)
    bar = next(s for s in frame["layout"]["shapes"] if s.get("name") == "scale-bar")
    left, right = round(bar["x0"] * width) + 1, round(bar["x1"] * width) - 1
    top, bottom = round((1 - bar["y1"]) * height) + 1, round((1 - bar["y0"]) * height) - 1
    return (x, y, x + 120, y + 24), (left, top, right, bottom)


def has_title_and_scale_bar(image: Image.Image, boxes) -> bool:
    rgb = np.asarray(image.convert("RGB")).astype(int)
    (tl, tt, tr, tb), (bl, bt, br, bb) = boxes
    title_ink = (np.abs(rgb[tt:tb, tl:tr] - INK).sum(axis=2) < 60).sum()
    # The bar's dark half: a solid dark block of its size, within a few px of where the figure puts it
    # (plotly rounds the map's and the shapes' edges differently).
    dark = np.abs(rgb[:, bl:br + 1] - INK).sum(axis=2) < 60
    bar = any(dark[top:top + bb - bt + 1].mean() > 0.9 for top in range(max(bt - 8, 0), bt + 8))
    return bool(title_ink > 150 and bar)


@pytest.mark.slow
@pytest.mark.browser
def test_gif_has_a_frame_per_week_all_distinct_and_the_same_bytes_twice(folder, store, tmp_path, capsys):
    require(render.find_chromium(), "no Chromium for kaleido (install Debian's chromium)")
    warm.shutdown()  # the first file from a Chromium started for it, the second from the same one, warm
    assert run(folder, tmp_path / "play.gif", "--step", "week", "--fps", "4") == 0
    captured = capsys.readouterr()
    assert [line for line in captured.err.splitlines() if line.startswith("frame")] == [
        f"frame {i}/4" for i in range(5)]
    assert "wrote" in captured.out
    content = (tmp_path / "play.gif").read_bytes()
    gif = Image.open(io.BytesIO(content))
    assert gif.format == "GIF" and gif.n_frames == 4 and gif.size == (960, 540)
    assert gif.info["loop"] == 0 and gif.info["duration"] == 250
    frames = [frame.convert("RGB") for frame in ImageSequence.Iterator(gif)]
    assert len({frame.tobytes() for frame in frames}) == 4
    boxes = _boxes(store)
    assert all(has_title_and_scale_bar(frame, boxes) for frame in frames)
    # Same link, same dataset version, same stamp: the same file, byte for byte, from a cold Chromium and
    # from the warm one (compared by digest: pytest's diff of two megabyte strings would take hours).
    browser = warm.current()
    assert browser is not None and browser.is_open
    assert run(folder, tmp_path / "again.gif", "--step", "week", "--fps", "4") == 0
    assert warm.current() is browser  # it was the warm browser that drew the second file
    assert sha256(content).hexdigest() == sha256((tmp_path / "again.gif").read_bytes()).hexdigest()


@pytest.mark.slow
@pytest.mark.browser
def test_mp4_is_h264_with_one_frame_per_step_at_the_speed_asked(folder, store, tmp_path, capsys):
    require(render.find_chromium(), "no Chromium for kaleido (install Debian's chromium)")
    import imageio_ffmpeg

    out = tmp_path / "play.mp4"
    warm.shutdown()
    assert run(folder, out, "--step", "week", "--fps", "2", "--mode", "cumulative") == 0
    assert "frame 4/4" in capsys.readouterr().err
    content = out.read_bytes()
    assert content[4:8] == b"ftyp" and b"avc1" in content[:4096]  # an MP4 whose track is H.264, moov first
    assert content.find(b"moov") < content.find(b"mdat")
    assert imageio_ffmpeg.count_frames_and_secs(str(out)) == (4, 2.0)
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    assert tuple(meta["size"]) == (960, 540) and meta["fps"] == 2
    boxes = _boxes(store)
    for raw in reader:
        frame = Image.frombytes("RGB", (960, 540), raw)
        assert has_title_and_scale_bar(frame, boxes)
    # Made again on the warm browser: the same file, byte for byte.
    assert run(folder, tmp_path / "again.mp4", "--step", "week", "--fps", "2", "--mode", "cumulative") == 0
    assert sha256(content).hexdigest() == sha256((tmp_path / "again.mp4").read_bytes()).hexdigest()
