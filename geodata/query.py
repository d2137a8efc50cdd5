"""The hot columns of the incidents and the vectorised masks every non-date filter becomes.

The store slices by date first (``searchsorted`` on sorted days); the
functions here only ever look at that slice ``[lo, hi)``, as numpy arrays,
never at a DataFrame row by row.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .filters import FilterState


@dataclass(frozen=True)
class HotColumns:
    """Numpy arrays of the columns filters and map points need, in date order.

    ``days`` are days since 1970-01-01 (int64, sorted); ``type_codes`` index
    ``type_names``; ``fatalities`` is float32 with NaN for "not reported".
    """

    days: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    fatalities: np.ndarray
    geo_precision: np.ndarray
    type_codes: np.ndarray
    type_names: tuple[str, ...]

    @property
    def type_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.type_names)}

    @classmethod
    def from_frame(cls, incidents: pd.DataFrame) -> "HotColumns":
        """Extract the hot columns of a date-sorted canonical incidents frame."""
        types = pd.Categorical(incidents["event_type"])
        return cls(
            days=incidents["event_date"].to_numpy().astype("datetime64[D]").astype(np.int64),
            latitude=incidents["latitude"].to_numpy(dtype=np.float32),
            longitude=incidents["longitude"].to_numpy(dtype=np.float32),
            fatalities=incidents["fatalities"].astype("Float32").to_numpy(dtype=np.float32, na_value=np.nan),
            geo_precision=incidents["geo_precision"].astype("Int8").to_numpy(dtype=np.int8, na_value=3),
            type_codes=np.asarray(types.codes, dtype=np.int16),
            type_names=tuple(str(t) for t in types.categories),
        )


def row_mask(columns: HotColumns, lo: int, hi: int, state: FilterState) -> np.ndarray | None:
    """Boolean mask over rows ``[lo, hi)`` for every filter but the dates; ``None`` = keep all.

    Each filter adds one vectorised condition; filters left at their
    default add nothing, so the common case costs no mask at all.
    """
    mask: np.ndarray | None = None

    def both(condition: np.ndarray) -> None:
        nonlocal mask
        mask = condition if mask is None else (mask & condition)

    if state.event_types is not None:
        index = columns.type_index
        wanted = [index[t] for t in state.event_types if t in index]
        both(np.isin(columns.type_codes[lo:hi], wanted))
    return mask
