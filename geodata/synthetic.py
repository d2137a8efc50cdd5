"""Reproducible synthetic incidents for benchmarks and scale tests (never shipped as data).

A deliberate public helper, kept in the library so that ``bench/`` and the
tests can make a million canonical incidents without test code: nothing in
the dashboard or the import pipeline uses it.

Incidents cluster in space around the real towns of a region file
(:data:`REGION_FILE`, beside the shipped scenario it imitates) and in time
in offensives, with its event types, ACLED-style actors and a zero-heavy
fatality distribution, so filters and aggregation behave as on real data.
Same ``seed`` and ``n``, same rows.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.model.schema import INCIDENTS

#: The region the incidents are drawn in: data beside the scenario it imitates, not names in code.
REGION_FILE = Path(__file__).resolve().parent / "scenarios" / "nw_syria_2020" / "synthetic_region.json"
_REGION = json.loads(REGION_FILE.read_text(encoding="utf-8"))
#: (name, latitude, longitude, weight): centres of clusters.
TOWNS = tuple((t["name"], t["latitude"], t["longitude"], t["weight"]) for t in _REGION["towns"])
EVENT_TYPES = tuple((t["name"], t["share"]) for t in _REGION["event_types"])
SUB_TYPES = {name: tuple(subs) for name, subs in _REGION["sub_event_types"].items()}
ACTORS = tuple(_REGION["actors"])
START = date.fromisoformat(_REGION["start"])
END = date.fromisoformat(_REGION["end"])
_ADMIN1 = _REGION["admin1"]


def synthetic_incidents(n: int, seed: int = 20200227) -> pd.DataFrame:
    """``n`` canonical incident rows (schema :data:`geodata.model.schema.INCIDENTS`), sorted by date."""
    rng = np.random.default_rng(seed)
    weights = np.array([t[3] for t in TOWNS], dtype=float)
    town = rng.choice(len(TOWNS), size=n, p=weights / weights.sum())
    spread = rng.choice([0.01, 0.04, 0.12], size=n, p=[0.5, 0.35, 0.15])
    lat = np.array([t[1] for t in TOWNS])[town] + rng.normal(0, 1, n) * spread
    lon = np.array([t[2] for t in TOWNS])[town] + rng.normal(0, 1, n) * spread
    days = (END - START).days + 1
    # Offensives: a few bursts of activity on top of a steady background.
    bursts = rng.choice(days, size=8, replace=False)
    burst_day = bursts[rng.integers(0, len(bursts), n)] + rng.normal(0, 20, n)
    day = np.where(rng.random(n) < 0.55, burst_day, rng.integers(0, days, n)).round().clip(0, days - 1)
    event_date = np.datetime64(START.isoformat(), "D") + day.astype("timedelta64[D]")
    type_names = [t[0] for t in EVENT_TYPES]
    type_index = rng.choice(len(type_names), size=n, p=[t[1] for t in EVENT_TYPES])
    fatalities = np.where(rng.random(n) < 0.6, 0, rng.geometric(0.25, n)).astype(np.int64)
    actor1, actor2 = rng.integers(0, 6, n), rng.integers(0, len(ACTORS), n)
    precision = rng.choice([1, 2, 3], size=n, p=[0.7, 0.2, 0.1])
    # Sort the numbers, then build text from the sorted codes: taking 10^7 strings costs more than making them.
    order = np.argsort(event_date, kind="stable")
    town, type_index, lat, lon = town[order], type_index[order], lat[order], lon[order]
    event_type = np.array(type_names, dtype=object)[type_index]
    sub = np.array([SUB_TYPES[t][i % len(SUB_TYPES[t])] for i, t in enumerate(type_names)],
                   dtype=object)[type_index]
    actors = np.array(ACTORS, dtype=object)
    names = np.array([t[0] for t in TOWNS], dtype=object)
    frame = pd.DataFrame({
        "event_id": np.char.add("SYN", order.astype(str)),
        "event_date": event_date[order].astype("datetime64[s]"),
        "date_precision": "day",
        "event_type": event_type,
        "sub_event_type": sub,
        "actor1": actors[actor1[order]],
        "actor2": actors[actor2[order]],
        "location": names[town],
        "admin1": np.where(lat > _ADMIN1["split_latitude"], _ADMIN1["north"], _ADMIN1["south"]),
        "admin2": pd.NA, "admin3": pd.NA,
        "latitude": lat.round(4),
        "longitude": lon.round(4),
        "geo_precision": precision[order],
        "fatalities": fatalities[order],
        "notes": "Synthetic incident for benchmarks; not a real event.",
        "source": "synthetic (geodata.synthetic)",
        "source_url": "https://example.org/synthetic",
    })
    for column in INCIDENTS.names:
        if column not in frame:
            frame[column] = pd.NA
    frame = frame[INCIDENTS.names]
    frame["fatalities"] = frame["fatalities"].astype("Int64")
    frame["geo_precision"] = frame["geo_precision"].astype("Int64")
    return frame
