"""The briefing pack: one zip with everything a briefing needs to be checked and re-used.

Why a pack: a PDF handed on alone loses its data, and a CSV alone loses where it came from. The
pack holds, in one folder named after the dataset and dates:

* ``<stem>_briefing.pdf`` and ``<stem>_briefing.png``: the page, vector and raster;
* ``<stem>_incidents.csv`` (plain, header on line 1) and ``<stem>_incidents.geojson``: the rows;
* ``<stem>_summary.csv``: the summary table (areas ranked, with the change; :mod:`dashboard.views.summary`);
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

from dashboard.export.naming import export_stem
from dashboard.export.provenance import Provenance
from dashboard.export.tables import csv_bytes, geojson_bytes, provenance_bytes
from dashboard.state.url import parse_baseline
from dashboard.views.summary import default_by, summary_csv, summary_frame
from geodata import FilterState, IncidentStore

PROVENANCE_NAME = "provenance.txt"
#: Renders the briefing in a format ("pdf" or "png") and returns its bytes.
Render = Callable[[str], bytes]


def summary_bytes(store: IncidentStore, state: FilterState, baseline: tuple[date, date] | None = None) -> bytes:
    """The summary table as the Summary tab downloads it (its default grouping, the same baseline)."""
    return summary_csv(summary_frame(store, state, default_by(store), baseline))


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
    files[f"{stem}_summary.csv"] = summary_bytes(store, state, period)
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
