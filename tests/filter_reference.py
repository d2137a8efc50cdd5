"""The filter's meaning written plainly in pandas, the oracle the fast paths (masks, indexes, sums) are
checked against: one definition, so two tests cannot disagree about what a filter keeps."""
from __future__ import annotations

import pandas as pd

from geodata import FilterState


def pandas_mask(df: pd.DataFrame, state: FilterState) -> pd.Series:
    """Whether each row of the incidents frame ``df`` matches ``state`` (a boolean Series)."""
    mask = (df["event_date"] >= pd.Timestamp(state.start)) & (df["event_date"] <= pd.Timestamp(state.end))
    if state.event_types is not None:
        mask &= df["event_type"].isin(state.event_types)
    if state.sub_event_types:
        mask &= df["sub_event_type"].isin(state.sub_event_types)
    if state.actors:
        mask &= df["actor1"].isin(state.actors) | df["actor2"].isin(state.actors)
    if state.admin_codes:
        mask &= (df["admin1_pcode"].isin(state.admin_codes) | df["admin2_pcode"].isin(state.admin_codes)
                 | df["admin3_pcode"].isin(state.admin_codes))
    if state.fatalities_min is not None:
        mask &= df["fatalities"].fillna(-1) >= state.fatalities_min
    if state.fatalities_max is not None:
        mask &= df["fatalities"].notna() & (df["fatalities"].fillna(0) <= state.fatalities_max)
    if state.precision is not None:
        mask &= df["geo_precision"].isin(state.precision)
    if state.text:
        mask &= df["notes"].fillna("").str.lower().str.contains(state.text.lower(), regex=False)
    return mask.fillna(False).astype(bool)
