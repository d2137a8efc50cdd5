"""The briefing pack: one zip with everything a briefing needs to be checked and re-used.

Why a pack: a PDF handed on alone loses its data, and a CSV alone loses where it came from. The
pack holds, in one folder named after the dataset and dates:

* ``<stem>_briefing.pdf`` and ``<stem>_briefing.png``: the page, vector and raster;
* ``<stem>_incidents.csv`` (plain, header on line 1) and ``<stem>_incidents.geojson``: the rows;
* ``<stem>_summary.csv``: the summary table (areas ranked, with the change), when the summary is available;
* ``provenance.txt``: dataset, version, selection in words, every source with its date, the link,
  when it was generated, and the list of files.

Every file carries the same ``generated_at`` and the same link. Pure apart from the renders it
asks for (a ``render`` callable, so tests and the CLI choose how).
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime

import pandas as pd

from dashboard.export.naming import export_stem
from dashboard.export.provenance import Provenance
from dashboard.export.tables import BOM, csv_bytes, geojson_bytes, provenance_bytes
from dashboard.state.url import parse_baseline
from geodata import FilterState, IncidentStore
from geodata.ingest.csvsafe import neutralise

PROVENANCE_NAME = "provenance.txt"
#: Renders the briefing in a format ("pdf" or "png") and returns its bytes.
Render = Callable[[str], bytes]


def summary_csv(store: IncidentStore, state: FilterState, baseline: tuple[date, date] | None = None) -> bytes | None:
    """The summary table (by admin 1 area) as a plain CSV, or ``None`` where there is no summary.

    The hook for :mod:`geodata.query.summary`: its ``summary_frame`` when it has one, else a frame
    made here from its ``summary`` rows; a build without the module packs no summary.
    """
    try:
        from geodata.query import summary as module
    except ImportError:
        return None
    frame_of = getattr(module, "summary_frame", None)
    if callable(frame_of):
        frame = frame_of(store, state)
    else:
        table = module.summary(store, state, "admin1", baseline=baseline)
        frame = pd.DataFrame([{
            "area": row.label, "pcode": row.key, "incidents": row.incidents, "fatalities": row.fatalities,
            "previous_incidents": row.previous_incidents, "previous_fatalities": row.previous_fatalities,
            "incidents_change_pct": None if row.incidents_change_pct is None else round(row.incidents_change_pct, 1),
            "displaced": row.displaced} for row in table.rows])
    if not isinstance(frame, pd.DataFrame):
        return None
    text = frame.map(lambda v: neutralise(v) if isinstance(v, str) else v).to_csv(index=False, lineterminator="\r\n")
    return (BOM + text).encode("utf-8")


def pack_bytes(store: IncidentStore, state: FilterState, provenance: Provenance, render: Render,
               *, display: Mapping | None = None) -> tuple[bytes, list[str]]:
    """The zip and the names of its files (in the order they are written).

    ``render`` is called once per briefing format; an :class:`~.render.ExportError` it raises
    passes through (no half pack).
    """
    stem = export_stem(store.name, state.start, state.end, "pack").removesuffix("_pack")
    baseline = (display or {}).get("baseline")
    period = parse_baseline(*baseline) if isinstance(baseline, (list, tuple)) and len(baseline) == 2 else None
    files: dict[str, bytes] = {
        f"{stem}_briefing.pdf": render("pdf"),
        f"{stem}_briefing.png": render("png"),
        f"{stem}_incidents.csv": csv_bytes(store, state),
        f"{stem}_incidents.geojson": geojson_bytes(store, state, provenance),
    }
    summary = summary_csv(store, state, period)
    if summary is not None:
        files[f"{stem}_summary.csv"] = summary
    names = [*files, PROVENANCE_NAME]
    files[PROVENANCE_NAME] = provenance_bytes(provenance, names)
    stamp = _zip_time(provenance.generated)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(f"{stem}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name.endswith((".png", ".pdf")) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return out.getvalue(), [f"{stem}/{name}" for name in names]


def _zip_time(generated: str) -> tuple[int, int, int, int, int, int]:
    """The zip entries' time: the export's own stamp ('2026-05-04 13:02 UTC'), else now (UTC)."""
    try:
        moment = datetime.strptime(generated, "%Y-%m-%d %H:%M UTC")
    except ValueError:
        moment = datetime.now(UTC)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, 0)
