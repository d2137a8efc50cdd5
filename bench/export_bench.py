"""Export benchmark: a briefing PNG from a cold browser against the warm one, and a playback GIF.

    python bench/export_bench.py                          # the default dataset, slide PNG, 20-frame GIF
    python bench/export_bench.py --dataset data/sudan-2024 --repeat 5 --frames 20

Prints, each with the machine's load average (2 cores shared with other
work make every figure move):

* cold: a briefing PNG rendered by a Chromium started for it and closed
  afterwards (``render_figure(..., warm=False)``), median of ``--repeat``;
* warm: the same figure on the process's warm browser (the first render,
  which opens it, reported apart), median; the ratio cold / warm;
* warm end to end: ``briefing_export`` (build the page, then render), median;
* a ``--frames``-frame GIF of day steps (moving 14-day window) over the
  dataset's first days, warm, with seconds per frame.

The targets of issue 16: a warm briefing PNG under 2 s, a 20-frame GIF under 30 s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.export import render, warm  # noqa: E402
from dashboard.export.animation import PlaybackOptions, playback_export  # noqa: E402
from dashboard.export.service import briefing_export, briefing_figure  # noqa: E402
from dashboard.export.sizes import parse_size  # noqa: E402
from dashboard.state.mapview import opening_view  # noqa: E402
from geodata import DEFAULT_DATASET, FilterState, IncidentStore  # noqa: E402
from geodata.catalog.parquet import open_dataset  # noqa: E402

STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"


def timed(action, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=None, help="dataset folder (default: the shipped one)")
    parser.add_argument("--size", default="slide", help="briefing size (default slide, 1920x1080)")
    parser.add_argument("--repeat", type=int, default=3, help="renders per measurement (median)")
    parser.add_argument("--frames", type=int, default=20, help="frames of the GIF (0: skip it)")
    args = parser.parse_args(argv)
    if render.find_chromium() is None:
        print("no Chromium: nothing to measure", file=sys.stderr)
        return 1
    store = IncidentStore(open_dataset(args.dataset or DEFAULT_DATASET))
    state = FilterState.default(store.date_range())
    view = opening_view(store.dataset.view, store.extent)
    size = parse_size(args.size)
    figure = briefing_figure(store, state, view, title="", size=size, app_url="/", generated_at=STAMP)
    print(f"dataset {store.name}: {len(store.incidents):,} incidents; briefing {size.width}x{size.height} px")
    print(f"start: {load()}")

    warm.shutdown()
    cold = timed(lambda: render.render_figure(figure, "png", size, warm=False), args.repeat)
    print(f"cold PNG   median {statistics.median(cold):6.2f} s  (each {', '.join(f'{t:.2f}' for t in cold)})"
          f"  {load()}")
    opening = timed(lambda: render.render_figure(figure, "png", size), 1)[0]
    hot = timed(lambda: render.render_figure(figure, "png", size), args.repeat)
    print(f"warm PNG   median {statistics.median(hot):6.2f} s  (each {', '.join(f'{t:.2f}' for t in hot)}; "
          f"the first, opening the browser: {opening:.2f} s)  {load()}")
    print(f"ratio cold / warm: {statistics.median(cold) / statistics.median(hot):.1f}x")
    whole = timed(lambda: briefing_export(store, state, view, fmt="png", title="", size=size, app_url="/",
                                          generated_at=STAMP), args.repeat)
    print(f"warm briefing_export (build + render) median {statistics.median(whole):6.2f} s  {load()}")

    if args.frames:
        first = store.date_range()[0]
        span = FilterState.from_dict({**state.to_dict(), "start": first.isoformat(),
                                      "end": (first + timedelta(days=args.frames - 1)).isoformat()},
                                     store.date_range())
        frames = (span.end - span.start).days + 1
        began = time.perf_counter()
        gif = playback_export(store, span, view, fmt="gif", options=PlaybackOptions(step="day"), title="",
                              app_url="/", generated_at=STAMP)
        took = time.perf_counter() - began
        print(f"GIF of {frames} frames (960x540): {took:6.2f} s, {took / frames:.2f} s a frame, "
              f"{len(gif.content) / 1e6:.1f} MB  {load()}")
    warm.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
