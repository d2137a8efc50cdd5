"""Export benchmark: a briefing PNG from a cold browser against the warm one, and a playback GIF.

    python bench/export_bench.py                          # the default dataset, slide PNG, 20-frame GIF
    python bench/export_bench.py --dataset data/sudan-2024 --repeat 5 --frames 20

Prints, each with the machine's load average (2 cores shared with other
work make every figure move):

* cold: a briefing PNG rendered by a Chromium started for it and closed
  afterwards (``render_figure(..., warm=False)``), median of ``--repeat``;
* warm: the same figure (the dict ``briefing_export`` renders) on the
  process's warm browser (the first render, which opens it, reported
  apart), median and best; the ratio cold / warm;
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
from dashboard.export.service import briefing_export, briefing_spec  # noqa: E402
from dashboard.export.sizes import parse_size  # noqa: E402
from dashboard.state.mapview import opening_view  # noqa: E402
from geodata import DEFAULT_DATASET, FilterState, IncidentStore  # noqa: E402
from geodata.catalog.parquet import open_dataset  # noqa: E402

STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"


def _tree_cpu() -> float:
    """CPU seconds of this process (all threads), its exited children, and the live warm Chromium's tree."""
    own = os.times()
    total = own.user + own.system + own.children_user + own.children_system
    browser = warm.current()
    root = browser.session.subprocess.pid if browser is not None and browser.is_open else None
    if root is None:
        return total
    parents, spent = {}, {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = open(f"/proc/{entry.name}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            spent[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    for pid in spent:
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        total += spent[pid] if ancestor == root else 0.0
    return total


def _browser_cpu() -> dict[str, float]:
    """CPU seconds so far of the warm Chromium's processes by kind (``--type``), SwiftShader's threads apart.

    Why: the tree's total says how much, not where; the GPU process's unnamed worker threads
    (``Thread<NN>``) are SwiftShader drawing WebGL, its main thread decodes commands and compiles shaders.
    """
    browser = warm.current()
    if browser is None or not browser.is_open:
        return {}
    root, tick = browser.session.subprocess.pid, os.sysconf("SC_CLK_TCK")
    kinds: dict[str, float] = {}
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(open(f"/proc/{entry.name}/stat").read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    for pid in parents:
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor != root:
            continue
        try:
            args = open(f"/proc/{pid}/cmdline").read().replace("\0", " ").split()
            threads = list(os.scandir(f"/proc/{pid}/task"))
        except OSError:
            continue
        kind = next((a.split("=", 1)[1] for a in args if a.startswith("--type=")), "browser")
        for thread in threads:
            try:
                stat = open(f"/proc/{pid}/task/{thread.name}/stat").read()
            except OSError:
                continue
            name = kind + (" (SwiftShader)" if kind == "gpu-process" and stat.split("(", 1)[1].startswith("Thread<")
                           else "")
            fields = stat.rsplit(")", 1)[1].split()
            kinds[name] = kinds.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return kinds


def where(before: dict[str, float], after: dict[str, float], runs: int) -> str:
    """The browser's CPU a run by kind of process, largest first."""
    spent = {kind: (after[kind] - before.get(kind, 0.0)) / runs for kind in after}
    return ", ".join(f"{kind} {cpu:.2f}" for kind, cpu in sorted(spent.items(), key=lambda kv: -kv[1]) if cpu >= 0.01)


CPU: list[float] = []


def timed(action, repeat: int) -> list[float]:
    """Wall seconds of each run; the CPU seconds each took (Python, Chromium) go to CPU."""
    times = []
    CPU.clear()
    for _ in range(repeat):
        cpu = _tree_cpu()
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
        CPU.append(_tree_cpu() - cpu)
    return times


def cpu_note() -> str:
    """The CPU the runs took: on an idle 2-core machine the wall time is near this or below it."""
    return f"CPU {statistics.median(CPU):.2f} s a run (Python + Chromium, load-independent)"


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
    # The dict the app renders (briefing_export builds it so): the map style is not deep-copied.
    figure = briefing_spec(store, state, view, title="", size=size, app_url="/", generated_at=STAMP)
    print(f"dataset {store.name}: {len(store.incidents):,} incidents; briefing {size.width}x{size.height} px")
    print(f"start: {load()}")

    warm.shutdown()
    cold = timed(lambda: render.render_figure(figure, "png", size, warm=False), args.repeat)
    print(f"cold PNG   median {statistics.median(cold):6.2f} s  (each {', '.join(f'{t:.2f}' for t in cold)})"
          f"  CPU not counted (the browser's processes exit unwaited)  {load()}")
    opening = timed(lambda: render.render_figure(figure, "png", size), 1)[0]
    kinds = _browser_cpu()
    hot = timed(lambda: render.render_figure(figure, "png", size), args.repeat)
    spent = where(kinds, _browser_cpu(), args.repeat)
    print(f"warm PNG   median {statistics.median(hot):6.2f} s  best {min(hot):.2f} s  "
          f"(each {', '.join(f'{t:.2f}' for t in hot)}; "
          f"the first, opening the browser: {opening:.2f} s)  {cpu_note()}  {load()}")
    print(f"warm PNG   Chromium CPU a run by process: {spent}")
    print(f"ratio cold / warm: {statistics.median(cold) / statistics.median(hot):.1f}x")
    whole = timed(lambda: briefing_export(store, state, view, fmt="png", title="", size=size, app_url="/",
                                          generated_at=STAMP), args.repeat)
    print(f"warm briefing_export (build + render) median {statistics.median(whole):6.2f} s  {cpu_note()}  {load()}")

    if args.frames:
        first = store.date_range()[0]
        span = FilterState.from_dict({**state.to_dict(), "start": first.isoformat(),
                                      "end": (first + timedelta(days=args.frames - 1)).isoformat()},
                                     store.date_range())
        frames = (span.end - span.start).days + 1
        gifs = []
        took = timed(lambda: gifs.append(playback_export(store, span, view, fmt="gif", title="", app_url="/",
                                                         options=PlaybackOptions(step="day"), generated_at=STAMP)),
                     1)[0]
        print(f"GIF of {frames} frames (960x540): {took:6.2f} s, {took / frames:.2f} s a frame, "
              f"{len(gifs[0].content) / 1e6:.1f} MB  {cpu_note()}  {load()}")
    warm.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
