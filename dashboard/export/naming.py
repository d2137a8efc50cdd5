"""File names for downloads, built by the app from the dataset name and the dates.

A download's name never contains text typed by a user: only the dataset's
name (sanitised to ``[A-Za-z0-9_-]``), ISO dates and a fixed kind and
extension from the tables below.
"""
from __future__ import annotations

import re
from datetime import date

#: What an export is, as it appears in the file name.
KINDS = ("briefing", "incidents", "map", "pack", "playback", "storyboard")
#: Extensions an export may have, with the MIME type sent to the browser.
MIME_TYPES = {
    "png": "image/png",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "zip": "application/zip",
    "gif": "image/gif",
    "mp4": "video/mp4",
    # The CSV's sidecar: <name>_incidents.provenance.txt beside <name>_incidents.csv.
    "provenance.txt": "text/plain",
}

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
FALLBACK_NAME = "conflict-map"


def safe_stem(name: str, limit: int = 60) -> str:
    """``name`` reduced to letters, digits, ``_`` and ``-`` (never empty, never a path)."""
    stem = _UNSAFE.sub("_", name if isinstance(name, str) else "").strip("_-")[:limit].strip("_-")
    return stem or FALLBACK_NAME


def export_stem(dataset_name: str, start: date, end: date, kind: str) -> str:
    """``<dataset>_<start>_<end>_<kind>`` without an extension (plotly's modebar adds ``.png``).

    Raises
    ------
    ValueError
        ``kind`` is not one of :data:`KINDS`.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    return f"{safe_stem(dataset_name)}_{start.isoformat()}_{end.isoformat()}_{kind}"


def export_filename(dataset_name: str, start: date, end: date, kind: str, extension: str) -> str:
    """A download's file name, e.g. ``nw_syria_2020_2020-02-27_2020-02-27_briefing.pdf``.

    Raises
    ------
    ValueError
        ``kind`` or ``extension`` is not one the app produces.
    """
    if extension not in MIME_TYPES:
        raise ValueError(f"unknown export format {extension!r}")
    return f"{export_stem(dataset_name, start, end, kind)}.{extension}"
