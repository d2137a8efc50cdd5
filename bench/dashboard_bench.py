"""Dashboard benchmark: the fast path against a naive Dash map app, measured in the same run.

    python bench/dashboard_bench.py                       # N = 10^4, 10^5, 10^6
    python bench/dashboard_bench.py --sizes 10000000       # the naive baseline is skipped above --naive-max
    python bench/dashboard_bench.py --warm                 # the store's background warm-up first, as the app

Generated datasets are kept in bench/.cache (gitignored; ``--workdir`` elsewhere), so a
second run at 10^7 starts at once.

For each N, on the same synthetic data (bench/generate.py) and the same
sequence of filter states (30-day, 1-year and whole-range windows, each
with and without a type filter), it prints:

* server time per map callback, median and p95, including Dash's JSON
  encoding: for a filter change (the ``Patch`` of traces the app sends
  then), for the full figure, and for a state seen before (result cache);
* bytes per callback, and on the wire (zstd, as the app compresses for
  Chromium) per drawn point (or grid cell);
* the first call of each state apart (it pays the indexes and tables built on first use, unless the
  warm-up ran first: ``--warm``, as the app runs it after its first page);
* the same for a naive baseline: a GeoDataFrame boolean mask, then
  ``px.scatter_map`` and Dash's JSON encoding;
* the ratios; the process memory with the data loaded (ours against a
  naive GeoDataFrame of the same rows, each in a fresh process): total
  RSS, private (anonymous) RSS, and each over the process's own imports;
  and the app's start-up time (a fresh process: imports, reading the
  stored dataset, building the layout).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from backports import zstd  # noqa: E402
from dash._utils import to_json  # noqa: E402

from dashboard.callbacks.map import map_patch  # noqa: E402
from dashboard.figures import plain  # noqa: E402
from dashboard.server.cache import MemoryCache  # noqa: E402
from dashboard.server.heap import freeze_long_lived  # noqa: E402
from dashboard.views.aggregates import warm_up_steps  # noqa: E402
from dashboard.views.cached import cached_figure  # noqa: E402
from dashboard.views.headline import update_headline  # noqa: E402
from dashboard.views.map import (  # noqa: E402
    DatedLayers,  # noqa: E402
    MapAssets,
    map_figure,
)
from dashboard.views.summary import summary_table  # noqa: E402
from dashboard.views.timeline import timeline  # noqa: E402
from geodata import FilterState, IncidentStore  # noqa: E402
from geodata.catalog.parquet import read_dataset, sidecar_path, write_dataset  # noqa: E402
from geodata.model.dataset import dataset_from_incidents  # noqa: E402
from geodata.query.budget import DEFAULT_POINT_BUDGET  # noqa: E402
from geodata.query.summary import BY  # noqa: E402
from geodata.query.warmup import warm_up  # noqa: E402
from geodata.synthetic import synthetic_incidents  # noqa: E402

TYPES = ("Battles", "Explosions/Remote violence")
#: Generated datasets, kept between runs (gitignored).
CACHE = ROOT / "bench" / ".cache"

RSS = "int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) / 1024"
#: Private (anonymous) memory: what the process alone costs; file-backed pages (the memory-mapped
#: dataset, shared libraries) are page cache, shared between processes and evictable.
ANON = "int(open('/proc/self/status').read().split('RssAnon:')[1].split()[0]) / 1024"
MEMORY = f'{{"rss_mb": {RSS}, "anon_mb": {ANON}}}'

STARTUP = f"""
import json, os, sys, time
t, cpu = time.perf_counter(), time.process_time()
sys.path.insert(0, {str(ROOT)!r})
from dashboard.app import create_app
imports = {{**{MEMORY}, "seconds": time.perf_counter() - t}}
app = create_app(dataset=sys.argv[1])
print(json.dumps({{"seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - cpu, **{MEMORY},
                  "imports": imports, "load": os.getloadavg()[0]}}))
"""

#: The start-up of an app whose catalog is PostGIS: the version asked of the database, the snapshot mapped.
STARTUP_DATABASE = f"""
import json, os, sys, time
from pathlib import Path
t, cpu = time.perf_counter(), time.process_time()
sys.path.insert(0, {str(ROOT)!r})
from dashboard.app import create_app
from geodata import IncidentStore
from geodata.catalog.postgis import PostgisCatalog
from geodata.catalog.snapshot import load_through_snapshot
imports = {{**{MEMORY}, "seconds": time.perf_counter() - t}}
url, name, snapshots = sys.argv[1].split("|")
with PostgisCatalog(url) as catalog:
    app = create_app(IncidentStore(load_through_snapshot(catalog, name, Path(snapshots))))
print(json.dumps({{"seconds": time.perf_counter() - t, "cpu_seconds": time.process_time() - cpu, **{MEMORY},
                  "imports": imports, "load": os.getloadavg()[0]}}))
"""

NAIVE_MEMORY = f"""
import json, sys
import dash, plotly.express, geopandas as gpd, pandas as pd
imports = {MEMORY}
frame = pd.read_parquet(sys.argv[1] + "/incidents.parquet")
gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.longitude, frame.latitude), crs="EPSG:4326")
print(json.dumps({{**{MEMORY}, "imports": imports}}))
"""


def memory_lines(ours: dict, naive: dict) -> list[str]:
    """Ours against the naive baseline: total RSS, private (anonymous) RSS, and both over the imports."""
    lines = []
    for label, key in (("total RSS (VmRSS)", "rss_mb"), ("private memory (RssAnon)", "anon_mb")):
        o, n = ours[key], naive[key]
        o_data, n_data = o - ours["imports"][key], n - naive["imports"][key]
        lines.append(f"  {label:<25} ours {o:6.0f} MB, naive {n:6.0f} MB (naive / ours = {n / o:.1f}x); "
                     f"over the imports: ours {o_data:5.0f} MB, naive {n_data:5.0f} MB "
                     f"({n_data / max(o_data, 1):.1f}x)")
    return lines


def states(store: IncidentStore, extra: bool = True) -> list[tuple[str, FilterState]]:
    """Date windows with and without a type filter; with ``extra``, every other kind of filter too."""
    start, end = store.date_range()
    windows = {"30 days": end - timedelta(days=29), "1 year": end - timedelta(days=364), "whole": start}
    out = []
    for label, first in windows.items():
        out.append((f"{label}, all types", FilterState(first, end)))
        out.append((f"{label}, 2 types", FilterState(first, end, TYPES)))
    if not extra:
        return out
    names = store.columns.facets.actor_names if store.columns.facets is not None else ()
    out.append(("whole, 1 actor", FilterState(start, end, actors=tuple(names[:1]))))
    out.append(("whole, precision 1", FilterState(start, end, precision=(1,))))
    out.append(("whole, 5+ deaths", FilterState(start, end, fatalities_min=5)))
    out.append(("1 year, text", FilterState(windows["1 year"], end, text="air strike")))
    out.append(("whole, text", FilterState(start, end, text="air strike")))
    return out


def naive_callback(gdf, state: FilterState) -> tuple[str, int]:
    """What a typical Dash map app does: mask the GeoDataFrame, px.scatter_map, encode."""
    import plotly.express as px

    mask = (gdf["event_date"] >= pd.Timestamp(state.start)) & (gdf["event_date"] <= pd.Timestamp(state.end))
    if state.event_types is not None:
        mask &= gdf["event_type"].isin(state.event_types)
    rows = gdf[mask]
    figure = px.scatter_map(rows, lat="latitude", lon="longitude", color="event_type",
                            hover_name="location", hover_data=["fatalities", "actor1"],
                            zoom=7, map_style="white-bg")
    return to_json(figure), len(rows)


ASSETS = MapAssets(base_url="/assets/")  # as the app builds them once (register_callbacks)
LAYERS: dict[int, DatedLayers] = {}


def ours_callback(store: IncidentStore, state: FilterState, full: bool = False) -> tuple[str, int]:
    """What the map callback answers for a new filter state, as JSON: a ``Patch`` of the traces and
    status line (what a filter change sends), or with ``full`` the whole figure (first load, a
    change of basemap or view). Returns (JSON, drawn points)."""
    figure = map_figure(state.to_dict(), store, "/assets/", assets=ASSETS, layers=LAYERS[id(store)])
    drawn = sum(len(t["lat"]) for t in figure["data"] if t["meta"] in ("incidents", "incidents-aggregate"))
    encoded = plain.encoded(figure)
    return to_json(encoded if full else map_patch(encoded)), drawn


def cached_callback(store: IncidentStore, state: FilterState, cache: MemoryCache) -> tuple[str, int]:
    """The same full figure when the state was seen before (the app's result cache)."""
    parts = ("map", store.dataset.version, store.name, state.to_dict())
    figure = cached_figure(cache, parts, lambda: map_figure(state.to_dict(), store, "/assets/", assets=ASSETS,
                                                            layers=LAYERS[id(store)]))
    return to_json(figure), 0


#: CPU seconds of each run of the last :func:`timed` call: the process's own work, which a loaded machine
#: stretches far less than wall time (other processes' turns are not in it).
LAST_CPU: list[float] = []


def timed(function, repeats: int) -> tuple[list[float], str, int]:
    times, body, drawn = [], "", 0
    LAST_CPU.clear()
    for _ in range(repeats):
        t, cpu = time.perf_counter(), time.process_time()
        body, drawn = function()
        times.append(time.perf_counter() - t)
        LAST_CPU.append(time.process_time() - cpu)
    return times, body, drawn


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def subprocess_json(code: str, folder: Path | str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_average() -> str:
    """The machine's load (1, 5, 15 min): on a shared machine every figure is read against it."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"


def synthetic_folder(workdir: Path, n: int) -> Path:
    """The stored synthetic dataset of ``n`` incidents under ``workdir``, generated once and kept."""
    folder = workdir / f"syn{n}"
    if not (folder / "dataset.json").exists():
        t = time.perf_counter()
        write_dataset(dataset_from_incidents(synthetic_incidents(n), name=folder.name, title=f"Synthetic {n:,}"),
                      folder)
        print(f"generated {n:,} synthetic incidents into {folder} in {time.perf_counter() - t:.0f} s")
    return folder


def database_folder(url: str, workdir: Path, n: int) -> Path:
    """The local snapshot of the database's ``syn<n>`` (bench/postgis_bench.py loads it), written on its first
    open as the app's site writes it."""
    from geodata.catalog.postgis import PostgisCatalog
    from geodata.catalog.snapshot import load_through_snapshot

    with PostgisCatalog(url) as catalog:
        t = time.perf_counter()
        version = load_through_snapshot(catalog, f"syn{n}", workdir / "snapshots").version
        print(f"dataset syn{n} of {catalog.display}: its snapshot opened in {time.perf_counter() - t:.1f} s")
    return workdir / "snapshots" / f"syn{n}" / version


def bench_size(n: int, workdir: Path, repeats: int, naive_repeats: int, naive_max: int, warm: bool = False,
               only: tuple[str, ...] = (), database: str | None = None) -> None:
    folder = database_folder(database, workdir, n) if database else synthetic_folder(workdir, n)
    if only:
        bench_parts(n, folder, repeats, warm, only)
        return
    naive = n <= naive_max and not database
    print(f"\n=== N = {n:,} incidents (point budget {DEFAULT_POINT_BUDGET:,}); {load_average()} ===")
    if not sidecar_path(folder).exists():  # a folder written before the sidecar: the first start builds it
        initial = subprocess_json(STARTUP, folder)
        print(f"first start-up, building the incidents sidecar from the Parquet file: {initial['seconds']:.2f} s")
    startup = subprocess_json(STARTUP_DATABASE, f"{database}|syn{n}|{workdir / 'snapshots'}") if database \
        else subprocess_json(STARTUP, folder)
    where = ", the catalog PostGIS" if database else ""
    print(f"start-up (fresh process, imports + data + layout{where}): {startup['seconds']:.2f} s (imports "
          f"{startup['imports']['seconds']:.2f} s; CPU {startup['cpu_seconds']:.2f} s; "
          f"load average {startup['load']:.1f})")
    sidecar_mb = sidecar_path(folder).stat().st_size / 2**20
    print(f"app process: total RSS {startup['rss_mb']:.0f} MB, private (RssAnon) {startup['anon_mb']:.0f} MB, "
          f"after its imports {startup['imports']['rss_mb']:.0f} MB; the mapped Arrow file is {sidecar_mb:.0f} MB "
          f"(text stays there: file-backed pages, shared and evictable)")
    if naive:
        naive_memory = subprocess_json(NAIVE_MEMORY, folder)
        print("memory with data loaded (fresh processes: ours = app created; naive = GeoDataFrame read from the "
              "Parquet file; 'over the imports' = minus the same process's memory after its imports, before data):")
        print("\n".join(memory_lines(startup, naive_memory)))
    else:
        print(f"naive baseline skipped: N = {n:,} is above --naive-max {naive_max:,} (a GeoDataFrame of every row "
              f"and px.scatter_map over up to N points take minutes and gigabytes per state; measured at smaller N)")

    store = IncidentStore(read_dataset(folder))
    LAYERS[id(store)] = DatedLayers(store)
    gdf = None
    if naive:
        import geopandas as gpd

        frame = pd.read_parquet(folder / "incidents.parquet")
        gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.longitude, frame.latitude), crs="EPSG:4326")
    ours_callback(store, FilterState.default(store.date_range()))  # warm caches and imports once
    if warm:
        t, cpu = time.perf_counter(), time.process_time()
        built = warm_up(store, warm_up_steps(store))
        print(f"warm-up ran before the states (as the app runs it after its first page): {len(built)} builds in "
              f"{time.perf_counter() - t:.2f} s ({time.process_time() - cpu:.2f} s CPU)")
    else:
        print("warm-up NOT run before the states (--warm runs it): each state's first call pays what it builds")
    print(f"long-lived objects frozen, as the server does once set up (dashboard/server/heap.py): "
          f"{freeze_long_lived():,}")
    print("ours: the map callback's answer encoded as JSON: 'patch' for a filter change (what the app sends then),"
          " 'full' for the whole figure, 'cached' for a state seen before; 'wire' = the patch compressed with zstd"
          " (what Chromium receives; compressing took 'zstd' ms more); naive: uncompressed, as stock Dash sends it")
    print(f"{'filter state':<22}{'matching':>10} | {'first':>7}{'patch med':>10}{'p95':>7}{'full med':>9}{'cached':>7}"
          f"{'bytes':>9}{'wire':>8}{'B/pt':>6}{'zstd':>6}{'drawn':>7} | {'naive med':>9}{'bytes':>12}{'B/pt':>6}"
          f" | {'speed-up patch':>14}{'full':>6}{'bytes':>7}")
    cache = MemoryCache(256 * 1024 * 1024)
    all_ours: list[float] = []
    all_cpu: list[float] = []
    all_full: list[float] = []
    firsts: list[float] = []
    for label, state in states(store):
        first, _, _ = timed(lambda s=state: ours_callback(store, s), 1)  # before anything else asks for it
        firsts += first
        matching = len(store.positions(state))
        ours_times, ours_body, drawn = timed(lambda s=state: ours_callback(store, s), repeats)
        all_cpu += LAST_CPU
        full_times, _, _ = timed(lambda s=state: ours_callback(store, s, full=True), repeats)
        cached_times, _, _ = timed(lambda s=state: cached_callback(store, s, cache), repeats)
        all_ours += ours_times
        all_full += full_times
        packed_times, packed, _ = timed(lambda b=ours_body: (zstd.compress(b.encode(), level=3), 0), repeats)
        wire = len(packed)
        reps = naive_repeats if matching < 300_000 else 1
        if gdf is not None:
            naive_times, naive_body, naive_rows = timed(lambda s=state: naive_callback(gdf, s), reps)
        else:
            naive_times, naive_body, naive_rows = [float("nan")], "", 0
        ms = {name: statistics.median(times) * 1e3 for name, times in
              (("patch", ours_times), ("full", full_times), ("cached", cached_times), ("zstd", packed_times),
               ("naive", naive_times))}
        baseline = (f"{ms['naive']:>7.0f}ms{len(naive_body):>12,}{len(naive_body) / max(naive_rows, 1):>6.1f}"
                 f" | {ms['naive'] / ms['patch']:>13.0f}x{ms['naive'] / ms['full']:>5.0f}x"
                 f"{len(naive_body) / wire:>6.0f}x"
                 if gdf is not None else f"{'skipped':>9}{'':>18} | {'-':>14}")
        print(f"{label:<22}{matching:>10,} | {first[0] * 1e3:>5.0f}ms{ms['patch']:>8.1f}ms"
              f"{p95(ours_times) * 1e3:>5.1f}ms{ms['full']:>7.1f}ms"
              f"{ms['cached']:>5.1f}ms{len(ours_body):>9,}{wire:>8,}{wire / max(drawn, 1):>6.1f}{ms['zstd']:>6.1f}"
              f"{drawn:>7,} | {baseline}")
    print(f"ours, all states: patch median {statistics.median(all_ours) * 1e3:.1f} ms, "
          f"p95 {p95(all_ours) * 1e3:.1f} ms;"
          f" full figure median {statistics.median(all_full) * 1e3:.1f} ms, p95 {p95(all_full) * 1e3:.1f} ms")
    print(f"ours, all states, first call of each (not in the figures above): median "
          f"{statistics.median(firsts) * 1e3:.1f} ms, max {max(firsts) * 1e3:.1f} ms")
    print(f"ours, all states, CPU time of the patch: median {statistics.median(all_cpu) * 1e3:.1f} ms, "
          f"p95 {p95(all_cpu) * 1e3:.1f} ms ({load_average()})")
    other, other_cpu, other_first = [], [], []
    for _, state in states(store):
        for run in range(1 + max(repeats // 4, 1)):  # the first apart, then repeats (cached daily counts, as the app)
            t, cpu = time.perf_counter(), time.process_time()
            to_json(plain.encoded(timeline(state.to_dict(), store)))
            update_headline(state.to_dict(), store)
            if run == 0:
                other_first.append(time.perf_counter() - t)
                continue
            other.append(time.perf_counter() - t)
            other_cpu.append(time.process_time() - cpu)
    print(f"timeline + headline callbacks: median {statistics.median(other) * 1e3:.1f} ms, "
          f"p95 {p95(other) * 1e3:.1f} ms (CPU median {statistics.median(other_cpu) * 1e3:.1f} ms, "
          f"p95 {p95(other_cpu) * 1e3:.1f} ms; daily counts cached per filter without its dates, as in the app); "
          f"first call of each state apart: median {statistics.median(other_first) * 1e3:.1f} ms, "
          f"max {max(other_first) * 1e3:.1f} ms")
    summary_lines(store, repeats)
    aggregate_lines(store, repeats)
    print(f"end of N = {n:,}: {load_average()}")


def bench_parts(n: int, folder: Path, repeats: int, warm: bool, only: tuple[str, ...]) -> None:
    """Only the ``--only`` parts (summary, aggregates) on a store read in this process (no start-up or map)."""
    print(f"\n=== N = {n:,} incidents, only {', '.join(only)}; {load_average()} ===")
    store = IncidentStore(read_dataset(folder))
    LAYERS[id(store)] = DatedLayers(store)
    ours_callback(store, FilterState.default(store.date_range()))  # warm caches and imports once
    if warm:
        built = warm_up(store, warm_up_steps(store))
        print(f"warm-up ran first: {len(built)} builds")
    if "summary" in only:
        summary_lines(store, repeats)
    if "aggregates" in only:
        aggregate_lines(store, repeats)
    print(f"end of N = {n:,}: {load_average()}")


def summary_lines(store: IncidentStore, repeats: int) -> None:
    """The Summary tab's callback (ranked groups with their change, sparklines; JSON-encoded) per grouping,
    over every filter state (the first call of each state and grouping apart: it builds what it keeps); then
    per state over every grouping."""
    per_state: dict[str, list[float]] = {}
    firsts: dict[str, list[float]] = {}
    for by in BY:
        summary_table(FilterState.default(store.date_range()).to_dict(), {}, by, store)  # per-store codes, once
        year, every = [], []
        for label, state in states(store):
            call = lambda s=state, b=by: (to_json(summary_table(s.to_dict(), {}, b, store).data), 0)  # noqa: E731
            firsts.setdefault(label, []).extend(timed(call, 1)[0])
            times, _, _ = timed(call, repeats)
            every += times
            year += times if label.startswith("1 year") else []
            per_state.setdefault(label, []).extend(times)
        print(f"summary by {by:<10}: 1-year states median {statistics.median(year) * 1e3:.1f} ms, "
              f"p95 {p95(year) * 1e3:.1f} ms; all states median {statistics.median(every) * 1e3:.1f} ms, "
              f"p95 {p95(every) * 1e3:.1f} ms")
    for label, times in per_state.items():
        print(f"summary, {label:<20} (every grouping): median {statistics.median(times) * 1e3:6.1f} ms, "
              f"p95 {p95(times) * 1e3:6.1f} ms; first call of each grouping max {max(firsts[label]) * 1e3:6.0f} ms")
    every = [t for times in per_state.values() for t in times]
    print(f"summary, all states: median {statistics.median(every) * 1e3:.1f} ms, p95 {p95(every) * 1e3:.1f} ms "
          f"({load_average()})")


def aggregate_lines(store: IncidentStore, repeats: int) -> None:
    """Over the point budget (the last year, and the whole range): the map callback (full figure, JSON) per
    aggregate and weight, at two zooms over the data's centre and at the opening view; the first hexagon
    call of a resolution builds its row index (timed apart); then the density and territory layers on a
    30-day window."""
    extent = store.extent
    lon, lat = ((extent.west + extent.east) / 2, (extent.south + extent.north) / 2) if extent else (0.0, 0.0)
    start, end = store.date_range()
    windows = {"1 year": FilterState(end - timedelta(days=364), end).to_dict(),
               "whole": FilterState(start, end).to_dict()}
    for (window, chosen), zoom in itertools.product(windows.items(), (None, 6.0, 8.0)):
        view = None
        if zoom is not None:
            half = 360.0 * 600 / (512 * 2 ** zoom)  # a 1200 x 800 px map
            view = {"map.center": {"lon": lon, "lat": lat}, "map.zoom": zoom, "map._derived": {"coordinates": [
                [lon - half, lat + half / 1.5], [lon + half, lat + half / 1.5], [lon + half, lat - half / 1.5],
                [lon - half, lat - half / 1.5]]}}
        for how in ("density", "squares", "hexagons"):
            for weight in ("incidents", "fatalities"):
                display = {"aggregate": how, "weight": weight}
                call = lambda d=display, v=view, c=chosen: (to_json(plain.encoded(map_figure(
                    c, store, "/assets/", v, assets=ASSETS, layers=LAYERS[id(store)], display=d))), 0)
                first, _, _ = timed(call, 1)
                times, body, _ = timed(call, repeats)
                print(f"{window:<6} over budget, zoom {zoom or 'none':<4} {how:<8} by {weight:<10}: median "
                      f"{statistics.median(times) * 1e3:6.1f} ms, p95 {p95(times) * 1e3:6.1f} ms, first call "
                      f"{first[0] * 1e3:6.0f} ms, {len(body):>9,} bytes")
    month = FilterState(end - timedelta(days=29), end).to_dict()
    for layers in (["incidents", "density"], ["incidents", "territory"]):
        state = {**month, "layers": layers}
        times, body, _ = timed(lambda s=state: (to_json(plain.encoded(map_figure(
            s, store, "/assets/", assets=ASSETS, layers=LAYERS[id(store)]))), 0), repeats)
        print(f"30 days, layers {'+'.join(layers):<20}: median {statistics.median(times) * 1e3:6.1f} ms, "
              f"p95 {p95(times) * 1e3:6.1f} ms, {len(body):>9,} bytes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dashboard benchmark: fast path against a naive baseline.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=20, help="runs per filter state (ours)")
    parser.add_argument("--naive-repeats", type=int, default=3, help="runs per filter state (baseline)")
    parser.add_argument("--naive-max", type=int, default=2_000_000,
                        help="skip the naive baseline above this N (the reason is printed)")
    parser.add_argument("--warm", action="store_true",
                        help="run the store's warm-up before the states, as the app does after its first page")
    parser.add_argument("--workdir", type=Path, default=CACHE, help="keep generated datasets here")
    parser.add_argument("--database", help="the datasets syn<N> of this PostGIS database (bench/postgis_bench.py "
                        "loads them), served as the app serves a PostGIS catalog's: through the local snapshot")
    parser.add_argument("--only", nargs="+", choices=("summary", "aggregates"), default=(),
                        help="only these parts, on a store read in this process (no start-up, map or naive runs)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"dashboard_bench: {' '.join(sys.argv)}; {load_average()}")
    for n in args.sizes:
        bench_size(n, args.workdir, args.repeats, args.naive_repeats, args.naive_max, args.warm, tuple(args.only),
                   args.database)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
