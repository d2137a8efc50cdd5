"""Browser timing: the app on N synthetic incidents in headless Chromium (Debian's, never downloaded).

    python bench/browser_timing.py --n 1000000

Prints the time to first map paint (navigation start to MapLibre's 'idle'
with the incident layer drawn) and the time from a slider change to the
updated map (key press on the end handle to 'idle' after the new figure),
median of several runs, and the same for a small dataset as a reference;
then what the server spent on each callback of the first page and of the
slider changes (the browser waits for the slowest it depends on).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from dashboard.app import create_app, start_warm_up  # noqa: E402
from geodata.catalog.parquet import write_dataset  # noqa: E402
from geodata.model.dataset import dataset_from_incidents  # noqa: E402
from geodata.synthetic import synthetic_incidents  # noqa: E402

#: Resolves when the map's current figure is drawn and MapLibre is idle; returns the status line.
MAP_DRAWN = """async (previous) => {
  const deadline = Date.now() + 120000;
  while (Date.now() < deadline) {
    const gd = document.querySelector('#incident-map .js-plotly-plot');
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    const status = gd && gd.layout && (gd.layout.annotations || []).find(a => a.name === 'status');
    if (sub && sub.map && status && status.text !== previous) {
      await new Promise(resolve => { sub.map.once('idle', resolve); sub.map.triggerRepaint(); });
      return status.text;
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
  throw new Error('map not drawn');
}"""


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"


#: (callback outputs, server seconds) of every callback request answered, in the order they finished.
TIMINGS: list[tuple[str, float]] = []


def _time_callbacks(flask_app) -> None:
    """Record each callback request's server time (from the request's arrival to its answer)."""
    import flask

    @flask_app.before_request
    def _start():
        flask.g.bench_start = time.perf_counter()

    @flask_app.after_request
    def _stop(response):
        if flask.request.path.endswith("_dash-update-component") and "bench_start" in flask.g:
            body = flask.request.get_json(silent=True) or {}
            TIMINGS.append((str(body.get("output", "?")), time.perf_counter() - flask.g.bench_start))
        return response


def callback_lines(timings: list[tuple[str, float]], what: str) -> list[str]:
    """The slowest server time of each callback (outputs shortened), slowest first."""
    slowest: dict[str, float] = {}
    for output, seconds in timings:
        name = " ".join(dict.fromkeys(part.rsplit(".", 1)[0] for part in output.strip(".").split("...")))
        slowest[name] = max(seconds, slowest.get(name, 0.0))
    return [f"    {what}: {seconds * 1000:8.0f} ms  {name}"
            for name, seconds in sorted(slowest.items(), key=lambda item: -item[1]) if seconds >= 0.005]


def serve(folder: Path):
    app = create_app(dataset=str(folder))
    _time_callbacks(app.server)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    start_warm_up(app)  # as app.py and gunicorn's workers do when they start serving
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def measure(url: str, runs: int) -> tuple[list[float], list[float], list[str]]:
    from playwright.sync_api import sync_playwright

    first_paint, slider, lines = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            TIMINGS.clear()
            start = time.perf_counter()
            page.goto(url)
            status = page.evaluate(MAP_DRAWN, None)
            first_paint.append(time.perf_counter() - start)
            lines += callback_lines(TIMINGS, f"first page, run {len(first_paint)}")
            TIMINGS.clear()
            handle = page.locator("#date-range-slider [role=slider]").nth(1)
            for _ in range(3):
                handle.focus()
                start = time.perf_counter()
                handle.press("PageDown")
                status = page.evaluate(MAP_DRAWN, status)
                slider.append(time.perf_counter() - start)
            lines += callback_lines(TIMINGS, f"slider changes, run {len(first_paint)}")
            page.close()
        browser.close()
    return first_paint, slider, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / ".cache",
                        help="keep generated datasets here (default bench/.cache, shared with dashboard_bench)")
    args = parser.parse_args(argv)
    print(f"browser_timing: {' '.join(sys.argv)}; {load_average()}")
    with tempfile.TemporaryDirectory(prefix="conflict-map-browser-") as tmp:
        for n in args.n:
            folder = (args.workdir or Path(tmp)) / f"syn{n}"
            if not (folder / "dataset.json").exists():
                write_dataset(dataset_from_incidents(synthetic_incidents(n), name=folder.name,
                                                     title=f"Synthetic {n:,}"), folder)
            start = time.perf_counter()
            server, url = serve(folder)
            print(f"N = {n:>9,}: app created in {time.perf_counter() - start:.1f} s (in this process)", flush=True)
            try:
                paint, slider, lines = measure(url, args.runs)
            finally:
                server.shutdown()
            print(f"N = {n:>9,}: first map paint median {statistics.median(paint):.2f} s "
                  f"(min {min(paint):.2f}, max {max(paint):.2f}); slider change to updated map median "
                  f"{statistics.median(slider):.2f} s (min {min(slider):.2f}, max {max(slider):.2f}, "
                  f"{len(slider)} changes); {load_average()}")
            print(f"N = {n:>9,}: server time per callback (the slowest of each; under 5 ms left out):")
            print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
