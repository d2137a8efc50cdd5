"""Which displacement figure answers "how many had fled by then?".

Two kinds of series exist. A *stock* ("displaced since 1 Dec 2019, as of
23 Feb") is answered by its latest figure on or before the end date, even
if that figure predates the start date. A *flow* ("IDP arrivals in
January") belongs to its period, so it is shown only when its period
overlaps the selected range, and then the latest such period.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

STOCK = "stock"
FLOW = "flow"


def within_areas(figures: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """The figures for places inside the admin areas ``codes`` (none: all of them).

    P-codes nest by prefix (district SY0700 lies in governorate SY07), so a
    figure belongs to a selected area when its p-code starts with the
    area's. A figure for a wider area than the selection (the governorate
    when a district is picked) is left out: it would overstate the
    selection. Figures without a p-code cannot be placed and are left out.
    """
    if not codes:
        return figures
    pcodes = figures["pcode"].astype("string")
    inside = np.zeros(len(figures), dtype=bool)
    for code in codes:
        inside |= pcodes.str.startswith(str(code)).fillna(False).to_numpy(dtype=bool)
    return figures[inside]


def latest_stock(figures: pd.DataFrame, series: str, end: date) -> pd.Series | None:
    """The latest figure of ``series`` dated on or before ``end``, or ``None``."""
    rows = figures[(figures["series"] == series) & (figures["as_of"] <= pd.Timestamp(end))]
    if rows.empty:
        return None
    return rows.sort_values("as_of", kind="stable").iloc[-1]


def figures_for_range(figures: pd.DataFrame, kinds: dict[str, str], start: date, end: date) -> pd.DataFrame:
    """One figure per (series, place) for the range, following each series' kind.

    ``kinds`` maps a series name to :data:`STOCK` or :data:`FLOW`; series not
    named are left out. Rows without coordinates cannot be drawn and are
    left out too. The result keeps the table's columns.
    """
    if start > end or figures.empty:
        return figures.iloc[0:0]
    located = figures[figures["latitude"].notna() & figures["longitude"].notna()]
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    chosen = []
    for series, kind in kinds.items():
        rows = located[located["series"] == series]
        if kind == FLOW:
            period_start = rows["period_start"].fillna(rows["as_of"])
            period_end = rows["period_end"].fillna(rows["as_of"])
            rows = rows[(period_start <= last) & (period_end >= first)]
        else:
            rows = rows[rows["as_of"] <= last]
        latest = rows.sort_values("as_of", kind="stable").groupby("pcode", dropna=False, sort=False).tail(1)
        chosen.append(latest)
    if not chosen:
        return figures.iloc[0:0]
    return pd.concat(chosen, ignore_index=True)


def stock_series(figures: pd.DataFrame, series: str) -> pd.DataFrame:
    """Every figure of one series in date order (for the timeline line)."""
    return figures[figures["series"] == series].sort_values("as_of", kind="stable").reset_index(drop=True)
