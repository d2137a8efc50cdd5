"""A PostGIS dataset's first open on an app host: its local snapshot written in parts, against reading it whole.

    python bench/snapshot_bench.py --name syn10000000
    python bench/snapshot_bench.py --name syn1000000 --database postgresql://postgres@127.0.0.1:54329/conflict_map_bench

The app serves a database's dataset from a local snapshot per version (geodata/catalog/snapshot.py): the
first process to open a new version writes it, every later one maps it. Each measurement runs in a fresh
process, which prints its wall time, CPU time and peak RSS, in the same run and on the same dataset:

* baseline: ``PostgisCatalog.load`` (the whole dataset read into pandas), then ``write_dataset`` of it
  (the snapshot as it was written before it was written in parts);
* parts: ``load_through_snapshot`` into an empty folder (the incidents a million at a time:
  ``load_in_parts`` + ``write_in_parts``);
* later open: ``load_through_snapshot`` again (the snapshot mapped).

The dataset must be in the database already (bench/postgis_bench.py loads the synthetic ones).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:54329/conflict_map_bench"

MEASURE = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from geodata.catalog.postgis import PostgisCatalog
from geodata.catalog.parquet import write_dataset
from geodata.catalog.snapshot import load_through_snapshot
wall, cpu = time.perf_counter(), time.process_time()
with PostgisCatalog({url!r}) as catalog:
    if {how!r} == "whole":
        dataset = catalog.load({name!r})
        write_dataset(dataset, Path({folder!r}) / {name!r} / dataset.version, version=dataset.version)
        rows = len(dataset.incidents)
    else:
        rows = len(load_through_snapshot(catalog, {name!r}, Path({folder!r})).incidents)
print(json.dumps({{"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "rows": rows,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(how: str, url: str, name: str, folder: Path) -> dict:
    code = MEASURE.format(root=str(ROOT), url=url, name=name, folder=str(folder), how=how)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_URL)
    parser.add_argument("--name", default="syn1000000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="snapshot-bench-", dir=ROOT / "bench" / ".cache") as work:
        figures = {}
        for label, how, folder in (("baseline: read whole, then written", "whole", "whole"),
                                   ("first open: written in parts", "parts", "parts"),
                                   ("later open: mapped", "parts", "parts")):
            figures[label] = found = measure(how, args.database, args.name, Path(work) / folder)
            print(f"{label:38} {found['rows']:>11,} rows  {found['wall']:7.1f} s wall  {found['cpu']:7.1f} CPU-s  "
                  f"peak {found['peak_mb']:8,.0f} MB", flush=True)
    base, parts = figures["baseline: read whole, then written"], figures["first open: written in parts"]
    print(f"first open, parts against whole: {base['wall'] / parts['wall']:.2f}x faster, peak memory "
          f"{parts['peak_mb'] / base['peak_mb']:.2f}x; load average {' '.join(f'{v:.1f}' for v in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
