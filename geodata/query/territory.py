"""Territory changes: the incidents that record a side taking ground, who gained it and when.

ACLED codes them as sub-event types ("Government regains territory" and
"Non-state actor overtakes territory" under Battles, "Non-violent transfer
of territory" under Strategic developments), with the side that gained as
``actor1``; UCDP has none. They are matched by sub-event type text
(case-insensitive, surrounding space ignored), from a table that a caller
may replace, so another source's wording can be mapped to a side too.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from geodata.query.columns import HotColumns

#: Which side gained, for each sub-event type that records a territory change (lower case).
TERRITORY_SUB_TYPES: Mapping[str, str] = {
    "government regains territory": "government",
    "non-state actor overtakes territory": "non-state",
    "non-violent transfer of territory": "transfer",
}

#: The sides, in the order of their legend entries.
SIDES = ("government", "non-state", "transfer")


@dataclass(frozen=True)
class TerritoryChanges:
    """Territory-change incidents of a selection, in date order.

    ``positions`` are row positions in the store; ``side`` indexes
    :data:`SIDES`; ``gainer`` is actor1 (``""`` when not given); ``days`` are
    days since 1970-01-01.
    """

    positions: np.ndarray
    side: np.ndarray
    gainer: np.ndarray
    days: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    fatalities: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)

    def top_gainers(self, n: int = 6) -> list[tuple[str, int]]:
        """The ``n`` actors with the most territory changes, with their counts (ties by name)."""
        names, counts = np.unique(self.gainer, return_counts=True)
        ranked = sorted(zip(names.tolist(), counts.tolist(), strict=True), key=lambda p: (-p[1], p[0]))
        return [(str(name), int(count)) for name, count in ranked[:n] if name]


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def territory_changes(columns: HotColumns, positions: np.ndarray,
                      sub_types: Mapping[str, str] = TERRITORY_SUB_TYPES) -> TerritoryChanges:
    """The territory changes among ``positions`` (a filter's matches), with the side that gained.

    ``sub_types`` maps sub-event type text to a side of :data:`SIDES`;
    a side not in :data:`SIDES` counts as ``"transfer"`` (a change whose
    side the wording does not say). Rows without coordinates are left out.
    """
    facets = columns.facets
    wanted = {_normal(name): side if side in SIDES else "transfer" for name, side in sub_types.items()}
    side_of_code = np.full(len(facets.sub_type_names) + 1 if facets else 1, -1, dtype=np.int8)
    if facets is not None:
        for code, name in enumerate(facets.sub_type_names):
            gained = wanted.get(_normal(name))
            if gained is not None:
                side_of_code[code] = SIDES.index(gained)
    positions = np.asarray(positions)
    if facets is None or not (side_of_code >= 0).any() or len(positions) == 0:
        chosen = positions[:0]
        side = side_of_code[:0]
    else:
        side = side_of_code[facets.sub_type_codes[positions]]  # code -1 (empty) picks the trailing -1
        located = ~(np.isnan(columns.latitude[positions]) | np.isnan(columns.longitude[positions]))
        keep = (side >= 0) & located
        chosen, side = positions[keep], side[keep]
    gainer = np.asarray([""], dtype=object)[np.zeros(len(chosen), dtype=np.int64)]
    if facets is not None and len(chosen):
        names = np.asarray(list(facets.actor_names) + [""], dtype=object)
        gainer = names[facets.actor1_codes[chosen]]
    return TerritoryChanges(
        positions=chosen, side=side, gainer=gainer, days=columns.days[chosen],
        latitude=columns.latitude[chosen], longitude=columns.longitude[chosen],
        fatalities=columns.fatalities[chosen],
    )
