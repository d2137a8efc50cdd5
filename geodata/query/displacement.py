"""Which displacement figures answer "how many had fled by then?" and "how many moved then?".

A series' kind (:mod:`geodata.model.series`) decides. A *stock* (people
displaced as of a date, or cumulatively since one) is answered by its latest
figure on or before the end date, even if that figure predates the start
date. A *flow* (arrivals in a month) belongs to its period, so it counts
when its period overlaps the selected range. Several places add up: a
stock's latest figure per place, every flow figure in the range.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from geodata.model.series import FLOW, OD, STOCK

__all__ = ["FLOW", "OD", "STOCK", "Displaced", "figures_for_range", "in_force", "latest_stock", "over_time",
           "stock_series", "within_areas"]


@dataclass(frozen=True)
class Displaced:
    """The figure a headline quotes: people, over which places, as of or over which dates, whose.

    ``qualifier`` ("more than") only when one figure is quoted: a sum of
    several has none. ``period_start`` is a flow's first day or a
    cumulative stock's since-date; ``first_as_of``/``last_as_of`` span the
    summed figures' dates.
    """

    series: str
    kind: str
    people: float
    figures: int
    qualifier: str
    first_as_of: pd.Timestamp
    last_as_of: pd.Timestamp
    period_start: pd.Timestamp | None
    period_end: pd.Timestamp | None
    sources: tuple[str, ...]


def within_areas(figures: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """The figures for places inside the admin areas ``codes`` (none: all of them).

    P-codes nest by prefix (district SY0700 lies in governorate SY07), so a
    figure belongs to a selected area when its p-code starts with the
    area's. A figure for a wider area than the selection (the governorate
    when a district is picked) is left out: it would overstate the
    selection. Figures without a p-code cannot be placed and are left out.
    A figure whose own code does not nest (HNAP's community codes, ``C6807``)
    is placed by its ``admin1_pcode`` ... ``admin3_pcode`` columns when it has them.
    """
    if not codes:
        return figures
    columns = [c for c in ("pcode", "admin1_pcode", "admin2_pcode", "admin3_pcode") if c in figures.columns]
    inside = np.zeros(len(figures), dtype=bool)
    for column in columns:
        pcodes = figures[column].astype("string")
        for code in codes:
            inside |= pcodes.str.startswith(str(code)).fillna(False).to_numpy(dtype=bool)
    return figures[inside]


def latest_stock(figures: pd.DataFrame, series: str, end: date) -> pd.Series | None:
    """The latest figure of ``series`` dated on or before ``end``, or ``None``."""
    rows = figures[(figures["series"] == series) & (figures["as_of"] <= pd.Timestamp(end))]
    if rows.empty:
        return None
    return rows.sort_values("as_of", kind="stable").iloc[-1]


def _in_range(rows: pd.DataFrame, kind: str, start: date, end: date) -> pd.DataFrame:
    """Stocks: the latest figure per place on or before ``end``; flows: every figure whose period overlaps."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    if kind in (FLOW, OD):
        period_start = rows["period_start"].fillna(rows["as_of"])
        period_end = rows["period_end"].fillna(rows["as_of"])
        return rows[(period_start <= last) & (period_end >= first)]
    rows = rows[rows["as_of"] <= last]
    place = rows["pcode"].astype("string").fillna(rows["place"].astype("string"))
    return rows.assign(_place=place).sort_values("as_of", kind="stable").groupby(
        "_place", dropna=False, sort=False).tail(1).drop(columns="_place")


def in_force(figures: pd.DataFrame, series: str, kind: str, start: date, end: date) -> Displaced | None:
    """The headline figure of ``series`` for the range (see the module docstring), ``None`` if none counts."""
    if start > end or figures.empty:
        return None
    rows = _in_range(figures[figures["series"] == series], kind, start, end)
    if rows.empty:
        return None
    qualifier = rows["qualifier"].iloc[0] if len(rows) == 1 and "qualifier" in rows else None
    starts = rows["period_start"].dropna()
    ends = rows["period_end"].dropna()
    return Displaced(
        series=series, kind=kind, people=float(rows["displaced"].astype("float64").sum()), figures=len(rows),
        qualifier=str(qualifier) if isinstance(qualifier, str) else "",
        first_as_of=pd.Timestamp(rows["as_of"].min()), last_as_of=pd.Timestamp(rows["as_of"].max()),
        period_start=pd.Timestamp(starts.min()) if len(starts) else None,
        period_end=pd.Timestamp(ends.max()) if len(ends) else None,
        sources=tuple(dict.fromkeys(rows["source"].astype(str))),
    )


def over_time(figures: pd.DataFrame, series: str, kind: str) -> pd.DataFrame:
    """The series as one value per date for the timeline line: a flow's figures summed per date; a
    stock's latest figure per place carried forward and summed. Columns: ``as_of``, ``displaced``,
    ``qualifier`` (only where one figure makes the value), ``source``, ``period_start``, ``period_end``."""
    rows = stock_series(figures, series)
    if rows.empty or rows["as_of"].is_unique:
        return rows
    place = rows["pcode"].astype("string").fillna(rows["place"].astype("string"))
    if kind == STOCK:
        table = rows.assign(_place=place).pivot_table(index="as_of", columns="_place", values="displaced",
                                                      aggfunc="last").astype("float64").ffill()
        people = table.sum(axis=1)
    else:
        people = rows.groupby("as_of")["displaced"].sum().astype("float64")
    grouped = rows.groupby("as_of", sort=True)
    single = grouped.size() == 1
    return pd.DataFrame({
        "as_of": people.index, "displaced": people.to_numpy(),
        "qualifier": grouped["qualifier"].first().where(single, "").to_numpy() if "qualifier" in rows else "",
        "source": grouped["source"].agg(lambda s: "; ".join(dict.fromkeys(s.astype(str)))).to_numpy(),
        "period_start": grouped["period_start"].min().to_numpy(), "period_end": grouped["period_end"].max().to_numpy(),
    })


def figures_for_range(figures: pd.DataFrame, kinds: dict[str, str], start: date, end: date) -> pd.DataFrame:
    """One figure per (series, place) for the range, following each series' kind.

    ``kinds`` maps a series name to :data:`STOCK`, :data:`FLOW` or :data:`OD`; series not
    named are left out. Rows without coordinates cannot be drawn and are
    left out too. The result keeps the table's columns.
    """
    if start > end or figures.empty:
        return figures.iloc[0:0]
    located = figures[figures["latitude"].notna() & figures["longitude"].notna()]
    last = pd.Timestamp(end)
    chosen = []
    for series, kind in kinds.items():
        rows = located[located["series"] == series]
        if kind in (FLOW, OD):
            rows = _in_range(rows, kind, start, end)
        else:
            rows = rows[rows["as_of"] <= last]
        # one circle per place: the latest figure (a flow's latest period in the range)
        latest = rows.sort_values("as_of", kind="stable").groupby("pcode", dropna=False, sort=False).tail(1)
        chosen.append(latest)
    if not chosen:
        return figures.iloc[0:0]
    return pd.concat(chosen, ignore_index=True)


def stock_series(figures: pd.DataFrame, series: str) -> pd.DataFrame:
    """Every figure of one series in date order (for the timeline line)."""
    return figures[figures["series"] == series].sort_values("as_of", kind="stable").reset_index(drop=True)
