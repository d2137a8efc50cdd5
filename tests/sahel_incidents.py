"""An ACLED-like incidents table in central and northern Mali, for tests that need data not from Syria.

Random but reproducible: points cluster around five towns, with battles
(some recording territory taken or regained), strategic developments
(some a non-violent transfer of territory) and attacks on civilians, and
fatalities that are sometimes not reported.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from geodata import IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.model.schema import INCIDENTS

TOWNS = (("Mopti", 14.49, -4.19), ("Gao", 16.27, -0.04), ("Timbuktu", 16.77, -3.00), ("Menaka", 15.92, 2.40),
         ("Kidal", 18.44, 1.41))
ARMY = "Military Forces of Mali (2021-)"
ACTORS = (ARMY, "JNIM: Group for Support of Islam and Muslims", "Islamic State (Sahel)", "CSP-PSD")
#: (event type, sub-event type, share)
KINDS = (
    ("Battles", "Armed clash", 0.50),
    ("Battles", "Government regains territory", 0.06),
    ("Battles", "Non-state actor overtakes territory", 0.08),
    ("Strategic developments", "Non-violent transfer of territory", 0.03),
    ("Strategic developments", "Other", 0.08),
    ("Violence against civilians", "Attack", 0.25),
)
START = date(2023, 1, 1)
DAYS = 365


def sahel_incidents(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` canonical incident rows in Mali during 2023, sorted by date; about 1 in 20 without a fatality figure."""
    rng = np.random.default_rng(seed)
    town = rng.integers(0, len(TOWNS), n)
    lat = np.array([t[1] for t in TOWNS])[town] + rng.normal(0, 0.15, n)
    lon = np.array([t[2] for t in TOWNS])[town] + rng.normal(0, 0.15, n)
    kind = rng.choice(len(KINDS), size=n, p=[k[2] for k in KINDS])
    day = np.sort(rng.integers(0, DAYS, n))
    deaths = pd.array(rng.geometric(0.3, n) - 1, dtype="Int64")
    deaths[rng.random(n) < 0.05] = pd.NA
    actor1 = rng.integers(0, len(ACTORS), n)
    actor1[np.array([KINDS[k][1] == "Government regains territory" for k in kind], dtype=bool)] = 0
    frame = pd.DataFrame({
        "event_id": [f"MLI{i}" for i in range(n)],
        "event_date": (np.datetime64(START.isoformat(), "D") + day.astype("timedelta64[D]")).astype("datetime64[s]"),
        "date_precision": "day",
        "event_type": [KINDS[k][0] for k in kind],
        "sub_event_type": [KINDS[k][1] for k in kind],
        "actor1": np.array(ACTORS, dtype=object)[actor1],
        "actor2": "Civilians (Mali)",
        "location": np.array([t[0] for t in TOWNS], dtype=object)[town],
        "latitude": lat.round(4),
        "longitude": lon.round(4),
        "geo_precision": 1,
        "fatalities": deaths,
        "notes": "Test incident in Mali; not a real event.",
        "source": "tests.sahel_incidents",
        "source_url": "https://example.org/sahel",
    })
    for column in INCIDENTS.names:
        if column not in frame:
            frame[column] = pd.NA
    frame = frame[INCIDENTS.names]
    frame["geo_precision"] = frame["geo_precision"].astype("Int64")
    return frame


def sahel_store(n: int, seed: int = 7) -> IncidentStore:
    """:func:`sahel_incidents` as a store (dataset ``sahel``)."""
    return IncidentStore(dataset_from_incidents(sahel_incidents(n, seed), name="sahel", title="Mali (test)"))
