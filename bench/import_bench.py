"""Import speed: a million-row ACLED-format CSV through the reader and the quarantine.

Generates a synthetic ACLED export (seeded numpy; no real ACLED rows) in
bench/.cache, with a few bad rows of every kind the importer handles
(impossible dates, negative fatalities, swapped coordinates, exact duplicates,
re-used ids), then times, in the same run and on the same file:

- the baseline: a plain ``pandas.read_csv(path)``;
- the import: :func:`geodata.ingest.stream.import_acled_stream` (pyarrow batches, full
  validation, quarantine, reasons, ids across batches), its valid rows written to a Parquet file
  (memory bounded by a few batches); ``--one-table`` times the former
  :func:`geodata.ingest.readers.read_acled` + :func:`geodata.import_table` instead.

Prints rows/s for both and the ratio baseline_time / import_time (the import
runs at that fraction of plain parsing speed; the target is at least 1),
best of ``--repeat`` runs each, interleaved. CPU seconds are printed too: on
a shared machine wall time swings with other work, CPU time much less.

    .venv/bin/python bench/import_bench.py [--rows 1000000] [--repeat 3]
    .venv/bin/python bench/import_bench.py --rows 10000000 --repeat 1

The export is written in chunks of a million rows and kept in bench/.cache
(gitignored). Each measurement runs in a fresh process, which prints its
peak RSS. The streamed import runs under the product's own limits
(``MAX_STREAMED_ROWS``); for ``--one-table`` above ``MAX_ROWS``/``MAX_CELLS``
the bench raises those in that process and says so.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geodata.ingest.readers.acled import COLUMNS  # noqa: E402

PLACES = [  # synthetic place list around Idlib: (location, admin1, admin2, admin3, lat, lon)
    ("Idlib", "Idleb", "Idleb", "Idleb", 35.929, 36.635), ("Saraqib", "Idleb", "Idleb", "Saraqab", 35.861, 36.806),
    ("Ariha", "Idleb", "Ariha", "Ariha", 35.814, 36.610), ("Binnish", "Idleb", "Idleb", "Bennsh", 35.957, 36.714),
    ("Taftanaz", "Idleb", "Idleb", "Taftanaz", 35.998, 36.783),
    ("Kafr Nabl", "Idleb", "Al Ma'ra", "Kafr Nobol", 35.615, 36.560),
    ("Maarrat al-Numan", "Idleb", "Al Ma'ra", "Ma'arrat An Nu'man", 35.648, 36.677),
    ("Atarib", "Aleppo", "Jebel Saman", "Atareb", 36.138, 36.828),
    ("Darat Izza", "Aleppo", "Jebel Saman", "Daret Azza", 36.285, 36.851),
    ("Jisr al-Shughur", "Idleb", "Jisr-Ash-Shugur", "Jisr-Ash-Shugur", 35.812, 36.318),
]
EVENTS = [("Battles", "Armed clash"), ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
          ("Explosions/Remote violence", "Air/drone strike"), ("Violence against civilians", "Attack"),
          ("Strategic developments", "Looting/property destruction"), ("Protests", "Peaceful protest")]
ACTORS = ["Military Forces of Syria (2000-)", "Opposition Group A", "Opposition Group B",
          "Military Forces of Russia (2000-)",
          "Civilians (Syria)", "Unidentified Armed Group (Syria)", "Military Forces of Turkey (2016-)"]
SOURCES = ["Synthetic Observatory", "Synthetic News Agency", "Synthetic Monitor; Synthetic Radio"]


def acled_chunk(rng: np.random.Generator, first: int, rows: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """``rows`` synthetic ACLED rows with ids from ``first`` on, and how many bad rows of each kind they hold."""
    days = pd.date_range("2019-12-01", "2020-03-10", freq="D")
    day = rng.integers(0, len(days), rows)
    long_form = pd.Index(days.strftime("%d %B %Y").str.lstrip("0"))
    iso_form = pd.Index(days.strftime("%Y-%m-%d"))
    dates = np.where(rng.random(rows) < 0.5, long_form.to_numpy()[day], iso_form.to_numpy()[day])
    place = rng.integers(0, len(PLACES), rows)
    places = pd.DataFrame(PLACES, columns=["location", "admin1", "admin2", "admin3", "lat", "lon"]).iloc[place]
    event = rng.integers(0, len(EVENTS), rows)
    lat = np.round(places["lat"].to_numpy() + rng.normal(0, 0.02, rows), 4)
    lon = np.round(places["lon"].to_numpy() + rng.normal(0, 0.02, rows), 4)
    fatalities = rng.poisson(0.8, rows)
    ids = "SYR" + pd.Series(np.arange(100000 + first, 100000 + first + rows)).astype(str)
    frame = pd.DataFrame({
        "event_id_cnty": ids,
        "event_date": dates,
        "year": days.year.to_numpy()[day],
        "time_precision": rng.choice([1, 2, 3], rows, p=[0.85, 0.1, 0.05]),
        "disorder_type": "Political violence",
        "event_type": np.array([e for e, _ in EVENTS])[event],
        "sub_event_type": np.array([s for _, s in EVENTS])[event],
        "actor1": rng.choice(ACTORS, rows),
        "assoc_actor_1": "",
        "inter1": rng.integers(1, 9, rows),
        "actor2": rng.choice(ACTORS + [""], rows),
        "assoc_actor_2": "",
        "inter2": rng.integers(0, 9, rows),
        "interaction": rng.integers(10, 89, rows),
        "civilian_targeting": rng.choice(["", "Civilian targeting"], rows, p=[0.8, 0.2]),
        "iso": 760, "region": "Middle East", "country": "Syria",
        "admin1": places["admin1"].to_numpy(), "admin2": places["admin2"].to_numpy(),
        "admin3": places["admin3"].to_numpy(), "location": places["location"].to_numpy(),
        "latitude": lat, "longitude": lon,
        "geo_precision": rng.choice([1, 2, 3], rows, p=[0.6, 0.3, 0.1]),
        "source": rng.choice(SOURCES, rows), "source_scale": "National",
        "notes": "Synthetic event near " + places["location"].to_numpy() + ": " + rng.choice(
            ["clashes reported.", "shelling on the outskirts; no casualties reported.",
             "an air strike hit a market, according to a synthetic monitor."], rows),
        "fatalities": fatalities, "tags": "", "timestamp": rng.integers(1_580_000_000, 1_600_000_000, rows),
    }, columns=list(COLUMNS))
    bad = max(rows // 2000, 1)
    picks = rng.choice(np.arange(1, rows), size=5 * bad, replace=False).reshape(5, bad)
    frame.loc[picks[0], "event_date"] = "2020-02-30"
    frame.loc[picks[1], "fatalities"] = -1
    frame.loc[picks[2], ["latitude", "longitude"]] = frame.loc[picks[2], ["longitude", "latitude"]].to_numpy()
    for column in frame.columns:                                                     # exact duplicates
        frame.loc[picks[3], column] = frame.loc[picks[3] - 1, column].to_numpy()
    frame.loc[picks[4], "event_id_cnty"] = frame.loc[picks[4] - 1, "event_id_cnty"].to_numpy()  # id re-used
    return frame, {"impossible dates": bad, "negative fatalities": bad, "swapped coordinates": bad,
                   "exact duplicates": bad, "re-used ids": bad}


#: Rows generated and written at a time: bounds the generator's memory whatever ``rows``.
CHUNK_ROWS = 1_000_000


def write_acled_csv(path: Path, rows: int, seed: int = 7) -> dict[str, int]:
    """Write a synthetic ACLED export in chunks (pyarrow's CSV writer); return how many bad rows of
    each kind it holds."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    planted: dict[str, int] = {}
    writer = None
    try:
        for first in range(0, rows, CHUNK_ROWS):
            frame, bad = acled_chunk(rng, first, min(CHUNK_ROWS, rows - first))
            for kind, count in bad.items():
                planted[kind] = planted.get(kind, 0) + count
            table = pa.Table.from_pandas(frame.astype(str), preserve_index=False)
            if writer is None:
                writer = pcsv.CSVWriter(str(path), table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return planted


#: Generated exports, kept between runs (gitignored).
CACHE = Path(__file__).resolve().parent / ".cache"

#: Run in a fresh process per measurement, so each peak RSS is its own (VmHWM: ru_maxrss survives exec).
CHILD = """
import json, os, sys, time
sys.path.insert(0, {root!r})
import pandas as pd
from geodata.ingest import limits
from geodata.ingest.readers.acled import read_acled
from geodata.ingest.stream import import_acled_stream
from geodata.ingest.validate import import_table
what, path, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
raised = []
if what == "one-table" and rows > limits.MAX_ROWS:  # the one-table limits; the streamed import has its own
    raised.append(f"MAX_ROWS {{limits.MAX_ROWS:,}} -> {{rows + 1:,}}")
    limits.MAX_ROWS = rows + 1
if what == "one-table" and rows * 32 > limits.MAX_CELLS:
    raised.append(f"MAX_CELLS {{limits.MAX_CELLS:,}} -> {{rows * 32:,}}")
    limits.MAX_CELLS = rows * 32
start, cpu = time.perf_counter(), time.process_time()
summary = ""
if what == "read_csv":
    pd.read_csv(path)
elif what == "one-table":
    summary = import_table(read_acled(path)).report.summary()
else:
    out = path + ".valid.parquet"
    summary = import_acled_stream(path, out=out).report.summary()
    os.remove(out)
print(json.dumps({{"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
                  "peak_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024,
                  "summary": summary, "raised": raised}}))
"""


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} CPUs)"


def measure(what: str, path: Path, rows: int) -> dict:
    """One timed run of ``what`` (``read_csv`` or ``import``) in a fresh process."""
    code = CHILD.format(root=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", code, what, str(path), str(rows)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="take the best of this many runs of each")
    parser.add_argument("--workdir", type=Path, default=CACHE, help="keep the generated export here")
    parser.add_argument("--one-table", action="store_true",
                        help="time read_acled + import_table (the whole file in memory) instead of the streamed import")
    args = parser.parse_args(argv)
    print(f"import_bench: {' '.join(sys.argv)}; {load_average()}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"acled_synthetic_{args.rows}.csv"
    if not path.exists():
        start = time.perf_counter()
        staging = path.with_suffix(".partial")
        planted = write_acled_csv(staging, args.rows)
        staging.replace(path)
        print(f"wrote {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s; "
              f"planted: {planted}")
    else:
        print(f"using {path} ({path.stat().st_size / 1e6:.0f} MB), generated before")
    baseline: list[dict] = []
    full: list[dict] = []
    for _ in range(args.repeat):
        baseline.append(measure("read_csv", path, args.rows))
        full.append(measure("one-table" if args.one_table else "import", path, args.rows))
        print(f"  run: read_csv {baseline[-1]['seconds']:.1f} s, import {full[-1]['seconds']:.1f} s; "
              f"{load_average()}", flush=True)
    base = min(baseline, key=lambda r: r["seconds"])
    best = min(full, key=lambda r: r["seconds"])
    if best["raised"]:
        print("limits raised for the bench (geodata.ingest.limits): " + "; ".join(best["raised"]))
    print(best["summary"])
    print(f"pandas.read_csv:     {base['seconds']:7.2f} s  {args.rows / base['seconds']:12,.0f} rows/s   "
          f"(CPU {base['cpu']:.2f} s, peak RSS {base['peak_mb']:,.0f} MB)")
    label = "read_acled + import" if args.one_table else "streamed import    "
    print(f"{label}: {best['seconds']:7.2f} s  {args.rows / best['seconds']:12,.0f} rows/s   "
          f"(CPU {best['cpu']:.2f} s, peak RSS {best['peak_mb']:,.0f} MB; validated, quarantined)")
    print(f"ratio (import speed / read_csv speed): {base['seconds'] / best['seconds']:.2f}  (target >= 1); "
          f"by CPU time {base['cpu'] / best['cpu']:.2f}")
    print("wall times of every run: read_csv " + " ".join(f"{r['seconds']:.2f}" for r in baseline)
          + "; import " + " ".join(f"{r['seconds']:.2f}" for r in full) + f"; at the end {load_average()}")


if __name__ == "__main__":
    main()
