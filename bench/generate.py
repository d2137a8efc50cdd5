"""Write a reproducible synthetic dataset of N incidents, used by every benchmark.

    python bench/generate.py 1000000 --out /tmp/syn.csv            # ACLED export format (31 columns)
    python bench/generate.py 1000000 --out /tmp/syn --stored       # a stored dataset (Parquet folder)

Rows cluster around north-west Syrian towns and in bursts of time, with the
scenario's event types and a zero-heavy fatality distribution (see
:mod:`geodata.synthetic`). Same N and seed, same file.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geodata.catalog.parquet import write_dataset  # noqa: E402
from geodata.model.dataset import dataset_from_incidents  # noqa: E402
from geodata.synthetic import synthetic_incidents  # noqa: E402

ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]


def as_acled(incidents: pd.DataFrame) -> pd.DataFrame:
    """The canonical synthetic rows laid out as an ACLED export (dates like '27 February 2020')."""
    n = len(incidents)
    dates = incidents["event_date"]
    frame = pd.DataFrame({
        "event_id_cnty": incidents["event_id"].str.replace("SYN", "SYR", regex=False),
        "event_date": dates.dt.day.astype(str) + dates.dt.strftime(" %B %Y"),
        "year": dates.dt.year,
        "time_precision": 1,
        "disorder_type": "Political violence",
        "event_type": incidents["event_type"],
        "sub_event_type": incidents["sub_event_type"],
        "actor1": incidents["actor1"], "assoc_actor_1": "", "inter1": 1,
        "actor2": incidents["actor2"], "assoc_actor_2": "", "inter2": 2, "interaction": 12,
        "civilian_targeting": "",
        "iso": 760, "region": "Middle East", "country": "Syria",
        "admin1": incidents["admin1"], "admin2": incidents["admin2"], "admin3": incidents["admin3"],
        "location": incidents["location"],
        "latitude": incidents["latitude"], "longitude": incidents["longitude"],
        "geo_precision": incidents["geo_precision"],
        "source": incidents["source"], "source_scale": "National",
        "notes": incidents["notes"], "fatalities": incidents["fatalities"], "tags": "",
        "timestamp": 1_600_000_000 + np.arange(n) % 86_400,
    })
    return frame[ACLED_COLUMNS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of incidents")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=20200227)
    parser.add_argument("--stored", action="store_true", help="write a stored dataset folder instead of a CSV")
    args = parser.parse_args(argv)
    incidents = synthetic_incidents(args.n, seed=args.seed)
    if args.stored:
        dataset = dataset_from_incidents(incidents, name=args.out.name, title=f"Synthetic, {args.n:,} incidents")
        version = write_dataset(dataset, args.out, source=f"bench/generate.py {args.n} --seed {args.seed}")
        print(f"wrote {args.n:,} incidents to {args.out} (version {version})")
    else:
        as_acled(incidents).to_csv(args.out, index=False)
        print(f"wrote {args.n:,} ACLED-format rows to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
