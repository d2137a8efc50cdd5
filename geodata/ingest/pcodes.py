"""Admin p-codes for datasets stored before their boundaries were.

P-codes are found by point-in-polygon (:func:`geodata.geo.spatial.assign_admin_codes`)
when rows are imported; boundaries imported later would leave earlier
datasets without them. After every boundaries import each stored dataset's
located rows get the p-codes they lack (codes a source gave, or an earlier
import found, are kept), and the import says how many datasets and rows.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geodata.catalog.protocol import Catalog
from geodata.geo.spatial import assign_admin_codes

if TYPE_CHECKING:
    import geopandas as gpd

PCODES = ("admin1_pcode", "admin2_pcode", "admin3_pcode")


def _filled(frame: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> tuple[pd.DataFrame, int]:
    """``frame`` with blank p-codes filled, and how many rows gained one."""
    if frame is None or frame.empty or not {"latitude", "longitude"} <= set(frame.columns):
        return frame, 0
    plain = pd.DataFrame(frame).drop(columns="geometry", errors="ignore").reset_index(drop=True)
    before = np.column_stack([plain[c].notna().to_numpy(dtype=bool) if c in plain.columns
                              else np.zeros(len(plain), dtype=bool) for c in PCODES])
    out = assign_admin_codes(plain, boundaries)
    after = np.column_stack([out[c].notna().to_numpy(dtype=bool) for c in PCODES])
    gained = int((after & ~before).any(axis=1).sum())
    return out, gained


def reassign_pcodes(catalog: Catalog, boundaries: gpd.GeoDataFrame,
                    progress: Callable[[str], None] | None = None) -> tuple[int, int]:
    """Fill the blank p-codes of every stored dataset from ``boundaries``; save those that changed.

    Returns ``(datasets changed, rows that gained a p-code)`` (incidents and located displacement figures).
    """
    say = progress or (lambda message: None)
    datasets = rows = 0
    if boundaries is None or not len(boundaries):
        return 0, 0
    for name in catalog.names():
        dataset = catalog.load(name)
        incidents, gained_incidents = _filled(dataset.incidents, boundaries)
        displacement, gained_figures = _filled(dataset.displacement, boundaries)
        if not gained_incidents and not gained_figures:
            continue
        say(f"re-assigning p-codes of {name!r}")
        changed = replace(dataset, version="",
                          incidents=incidents if gained_incidents else dataset.incidents,
                          displacement=displacement if gained_figures else dataset.displacement)
        catalog.save(changed, source=catalog.meta(name).get("source_file"))
        datasets += 1
        rows += gained_incidents + gained_figures
    return datasets, rows
