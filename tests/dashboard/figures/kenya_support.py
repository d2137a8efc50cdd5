"""A small Kenyan ACLED export with incidents that share a spot and more actors than have a colour,
imported through the real pipeline: the fixture of the incident-layer, spot-list and legend tests."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from geodata import IncidentStore
from geodata.catalog.parquet import DataDirectory
from geodata.ingest import ingest_file
from tests.support import REPO

TEMPLATE = REPO / "tests" / "data" / "acled_sudan_sample.csv"
GARISSA = (-0.4532, 39.6461)
MANDERA = (3.9366, 41.8550)

#: (id, date, type, sub-type, actor1, place, (lat, lon), precision, fatalities, source)
ROWS = [
    ("KEN1", "02 March 2024", "Battles", "Armed clash", "Al Shabaab", "Garissa", GARISSA, 1, 2, "Daily Nation"),
    ("KEN2", "09 March 2024", "Violence against civilians", "Attack", "Al Shabaab", "Garissa", GARISSA, 1, 0,
     "The Standard"),
    ("KEN3", "20 March 2024", "Protests", "Peaceful protest", "Protesters (Kenya)", "Garissa", GARISSA, 1, 5,
     "Kenya News Agency"),
    ("KEN4", "11 March 2024", "Battles", "Armed clash", "Military Forces of Kenya (2022-)", "Mandera", MANDERA, 1,
     7, "Daily Nation"),
    ("KEN5", "11 March 2024", "Explosions/Remote violence", "Remote explosive/landmine/IED", "Al Shabaab",
     "Mandera", MANDERA, 1, 3, "The Star"),
    *[(f"KEN{6 + i}", f"{3 + i:02d} March 2024", "Riots", "Mob violence", actor, place, point, 2 if i else 3, i,
       "Radio Citizen")
      for i, (actor, place, point) in enumerate([
          ("Rioters (Kenya)", "Nairobi", (-1.2864, 36.8172)), ("Police Forces of Kenya (2022-)", "Kisumu", (-0.0917, 34.7680)),
          ("Turkana Ethnic Militia", "Lodwar", (3.1191, 35.5973)), ("Pokot Ethnic Militia", "Kapenguria", (1.2389, 35.1119)),
          ("Borana Ethnic Militia", "Marsabit", (2.3284, 37.9899)), ("Gabra Ethnic Militia", "Moyale", (3.5167, 39.0584)),
          ("Unidentified Armed Group (Kenya)", "Wajir", (1.7471, 40.0573)), ("Mungiki Militia", "Nakuru", (-0.3031, 36.0800)),
          ("Sabaot Land Defence Force", "Kitale", (1.0157, 35.0062)), ("Degodia Clan Militia", "Eldas", (2.4500, 39.5500)),
      ])],
]


def kenya_csv(path: Path) -> Path:
    """Write the export (ACLED's columns, from the Sudanese sample's header) to ``path``."""
    header = pd.read_csv(TEMPLATE, nrows=1, dtype=str)
    records = []
    for event_id, day, kind, sub, actor, place, (lat, lon), precision, deaths, source in ROWS:
        row = {column: "" for column in header.columns}
        row.update(event_id_cnty=event_id, event_date=day, year="2024", time_precision="1",
                   disorder_type="Political violence", event_type=kind, sub_event_type=sub, actor1=actor,
                   iso="404", region="Eastern Africa", country="Kenya", admin1=place, location=place,
                   latitude=str(lat), longitude=str(lon), geo_precision=str(precision), source=source,
                   source_scale="National", notes=f"Test row {event_id} near {place}.", fatalities=str(deaths),
                   timestamp="1710000000")
        records.append(row)
    pd.DataFrame(records, columns=header.columns).to_csv(path, index=False)
    return path


def kenya_store(root: Path) -> IncidentStore:
    """The export imported into a catalog under ``root`` as dataset ``kenya``."""
    catalog = DataDirectory(root / "data")
    ingest_file(kenya_csv(root / "kenya.csv"), "acled", catalog, dataset="kenya", report_root=root)
    return IncidentStore(catalog.load("kenya"))
