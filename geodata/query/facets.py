"""What a dataset offers to filter on: actors, sub-types, admin areas, and daily counts.

Pure functions of a store's incidents frame and hot columns, so the
dashboard can build its choices for any dataset without reading files, and
the timeline can count by day with every filter but the dates applied.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.geo.gazetteer import skeleton
from geodata.query.columns import FacetColumns, HotColumns


@dataclass(frozen=True)
class AdminArea:
    """One administrative area that incidents (or boundaries) name."""

    pcode: str
    name: str
    level: int

def _facets(columns: HotColumns, incidents: pd.DataFrame) -> FacetColumns:
    return columns.facets if columns.facets is not None else FacetColumns.from_frame(incidents)

def code_counts(codes: np.ndarray, size: int) -> np.ndarray:
    """Rows per code ``0 .. size - 1`` (code -1: none counted). One-byte and two-byte codes are counted as
    unsigned (-1 lands past every code) instead of first copying the rows that have a code."""
    if codes.dtype.kind == "i" and codes.dtype.itemsize <= 2:
        unsigned = codes.view(np.uint8 if codes.dtype.itemsize == 1 else np.uint16)
        return np.bincount(unsigned, minlength=size)[:size]
    return np.bincount(codes[codes >= 0], minlength=size)[:size]


def actors(columns: HotColumns, incidents: pd.DataFrame) -> list[tuple[str, int]]:
    """Every actor named as actor1 or actor2, with its number of incidents, most frequent first."""
    facets = _facets(columns, incidents)
    if not facets.actor_names:
        return []
    size = len(facets.actor_names)
    counts = np.zeros(size, dtype=np.int64)
    for codes in (facets.actor1_codes, facets.actor2_codes):
        counts += code_counts(codes, size)
    order = sorted(range(size), key=lambda i: (-counts[i], facets.actor_names[i]))
    return [(facets.actor_names[i], int(counts[i])) for i in order]

def sub_event_types(incidents: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(event type, sub-type, incidents) for every sub-type present, by type then sub-type."""
    if "sub_event_type" not in incidents or incidents.empty:
        return []
    kinds, subs = incidents["event_type"], incidents["sub_event_type"]
    if isinstance(kinds.dtype, pd.CategoricalDtype) and isinstance(subs.dtype, pd.CategoricalDtype):
        # Count on the codes (a byte a row), in the order groupby gives categoricals: by code. Slot 0 of
        # each axis holds the missing code (-1), dropped after counting: no copy of the rows kept.
        kind_codes, sub_codes = kinds.cat.codes.to_numpy(), subs.cat.codes.to_numpy()
        width = len(subs.cat.categories) + 1
        flat = (kind_codes.astype(np.int32) + 1) * width + sub_codes
        flat += 1
        counts = np.bincount(flat, minlength=(len(kinds.cat.categories) + 1) * width).reshape(-1, width)[1:, 1:]
        return [(str(kinds.cat.categories[k]), str(subs.cat.categories[t]), int(counts[k, t]))
                for k, t in zip(*(axis.tolist() for axis in np.nonzero(counts)), strict=True)]
    pairs = incidents[["event_type", "sub_event_type"]].dropna()
    sizes = pairs.groupby(["event_type", "sub_event_type"], sort=True, observed=True).size()
    return [(str(t), str(s), int(n)) for (t, s), n in zip(sizes.index, sizes.tolist(), strict=True)]

def admin_areas(incidents: pd.DataFrame, boundaries: pd.DataFrame | None = None) -> list[AdminArea]:
    """Admin areas by p-code, sorted by p-code (so each area follows its parent).

    Incidents name areas in ``admin{1,2,3}`` with p-codes ``admin{1,2,3}_pcode``;
    a boundaries table (``pcode``, ``name``, ``admin_level``) adds the areas
    it draws. A name given by the boundaries wins over the incidents' one.
    """
    found: dict[str, AdminArea] = {}
    for level in (1, 2, 3):
        code, name = f"admin{level}_pcode", f"admin{level}"
        if code not in incidents:
            continue
        pairs = incidents[[code, name]].dropna(subset=[code]).drop_duplicates(subset=[code])
        for pcode, label in zip(pairs[code].astype(str), pairs[name], strict=True):
            found.setdefault(pcode, AdminArea(pcode, str(label) if isinstance(label, str) else pcode, level))
    if boundaries is not None and len(boundaries):
        for pcode, label, level in zip(boundaries["pcode"].astype(str), boundaries["name"],
                                       boundaries["admin_level"], strict=True):
            found[pcode] = AdminArea(pcode, str(label) if isinstance(label, str) else pcode, int(level))
    return [found[k] for k in sorted(found)]


@dataclass(frozen=True)
class AreaDisagreement:
    """Incidents whose source names an admin area other than the polygon their p-code is for."""

    pcode: str
    level: int
    polygon_name: str
    source_name: str
    incidents: int


def admin_disagreements(incidents: pd.DataFrame, boundaries: pd.DataFrame | None) -> list[AreaDisagreement]:
    """Where the source's admin names and the boundaries disagree, most incidents first.

    An incident's ``admin{n}_pcode`` comes from the polygon its point lies
    in (or from the source); its ``admin{n}`` is the name the source wrote.
    When that name is not a spelling of the polygon's name (compared by
    :func:`~geodata.geo.gazetteer.skeleton`, so "Chocó" and "Choco" agree),
    the analyst should know: the area filter follows the polygons.
    """
    if boundaries is None or not len(boundaries) or incidents.empty:
        return []
    polygon_names = dict(zip(boundaries["pcode"].astype(str), boundaries["name"].astype(str), strict=True))
    found: list[AreaDisagreement] = []
    for level in (1, 2, 3):
        code, name = f"admin{level}_pcode", f"admin{level}"
        if code not in incidents or name not in incidents:
            continue
        pairs = incidents[[code, name]].dropna()
        if pairs.empty:
            continue
        sizes = pairs.groupby([code, name], sort=False, observed=True).size()  # codes, not a million strings
        for (pcode, source_name), count in zip(sizes.index, sizes.tolist(), strict=True):
            pcode, source_name = str(pcode), str(source_name)
            polygon_name = polygon_names.get(pcode)
            if polygon_name is not None and skeleton(source_name) != skeleton(polygon_name):
                found.append(AreaDisagreement(pcode, level, polygon_name, source_name, int(count)))
    return sorted(found, key=lambda d: (-d.incidents, d.pcode, d.source_name))


def area_label(area: AdminArea) -> str:
    """How an area is named to the analyst: its name, with the p-code in brackets."""
    return area.name if area.name == area.pcode else f"{area.name} ({area.pcode})"
