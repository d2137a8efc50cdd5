"""What colours the incident points: the dataset's categories of one field, the same for every filter.

A legend whose entries come and go with the filter or the playback step
cannot be learnt, so the categories come from the whole dataset: every
event type; the ``TOP`` actors or sub-types by number of incidents, then
"Other"; the three location precisions. Built once per store and field.
"""
from __future__ import annotations

import functools

import numpy as np

from dashboard.figures.incidents import COLOUR_TITLES, ColourKey
from dashboard.figures.style import OTHER_CATEGORY
from geodata import GEO_PRECISION, IncidentStore

#: Actors or sub-types with a colour of their own; the rest share "Other" (Okabe–Ito has eight colours).
TOP = 8


def top_categories(codes: np.ndarray, names: tuple[str, ...], top: int = TOP) -> tuple[tuple[str, ...], np.ndarray]:
    """(legend names, lookup table): the ``top`` names by count in ``codes`` (ties: first named), then
    "Other" when any incident falls outside them (another name, or none). The table maps a code
    (``-1`` = empty, at its end) to an index into the legend names."""
    counts = np.bincount(codes[codes >= 0].astype(np.int64), minlength=len(names))
    ranked = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i] > 0][:top]
    chosen = tuple(names[i] for i in ranked)
    lut = np.full(len(names) + 1, len(chosen), dtype=np.int16)
    lut[ranked] = np.arange(len(ranked), dtype=np.int16)
    others = int(counts.sum()) - int(counts[ranked].sum()) + int(np.count_nonzero(codes < 0))
    if others:
        return (*chosen, OTHER_CATEGORY), lut
    return chosen, lut


@functools.lru_cache(maxsize=16)
def colour_key(store: IncidentStore, field: str) -> ColourKey:
    """The colour key of ``field`` (one of ``COLOUR_TITLES``; anything else: event type) for ``store``."""
    columns = store.columns
    facets = columns.facets
    if field == "precision":
        names = tuple(GEO_PRECISION[p] for p in sorted(GEO_PRECISION))
        index = np.asarray(sorted(GEO_PRECISION), dtype=np.int8)
        codes = np.searchsorted(index, columns.geo_precision).astype(np.int16)
        return ColourKey(field, names, np.minimum(codes, len(names) - 1))
    if field in ("actor", "sub_event_type") and facets is not None:
        raw, table = ((facets.actor1_codes, facets.actor_names) if field == "actor"
                      else (facets.sub_type_codes, facets.sub_type_names))
        names, lut = top_categories(raw, table)
        return ColourKey(field, names, lut[raw])
    return ColourKey.of_types(columns, store.event_types())


def colour_field(display: object) -> str:
    """The colour field the display settings name, else event type (client data is untrusted)."""
    field = display.get("colour_by") if isinstance(display, dict) else None
    return field if isinstance(field, str) and field in COLOUR_TITLES else "event_type"


def size_field(display: object) -> str:
    """``"fixed"`` when the display settings ask for it, else ``"fatalities"``."""
    return "fixed" if isinstance(display, dict) and display.get("size_by") == "fixed" else "fatalities"
