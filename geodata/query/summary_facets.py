"""Running sums per day of the rows of one filter value: a summary filtered by an actor, a precision, a
sub-type, an area, a fatality range or a notes text without a pass over its rows.

The summary of a state that filters only dates and event types is read from
running sums per day (:mod:`geodata.query.summary_days`). A state with one
more filter selects a fixed set of rows whatever its dates: one code of a
posting index (an actor, an area), several codes of a partition index (its
codes never share a row: their sums add up), a fatality range, or a notes
text whose rows over every day come without a search (the notes repeat, or
the text was searched over every day before). Those rows' own running sums
are built on that value's first use (one pass over its rows, which the rows
path reads on every call: an actor over ten years of 10^7 incidents holds
millions) and kept, least recently used dropped past :data:`FACET_BYTES`.
When a partition filter keeps most rows (``precision 1`` at 70 %), the sums
are every row's less the other codes' (fewer rows to build).

Anything else (two such filters, several actors or areas, a text not yet
searched over every day) is answered from the rows by
:mod:`geodata.query.summary`, exactly as before.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from geodata.model.filters import FilterState
from geodata.query.columns import row_mask
from geodata.query.store import IncidentStore
from geodata.query.summary_days import DaySums, SignedSums, build

#: Most bytes the kept sums of one store's filter values may hold (a table is at most
#: :data:`geodata.query.summary_days.MAX_CELLS` cells of 16 bytes: 32 MB; at 10^7 synthetic incidents
#: over five years, 0.2-2 MB a grouping).
FACET_BYTES = 128 << 20

#: The state without the filter an index answers (nor its event types).
_CLEARED: dict[str, Callable[[FilterState], FilterState]] = {
    "precision": lambda s: replace(s, event_types=None, precision=None),
    "sub_types": lambda s: replace(s, event_types=None, sub_event_types=()),
    "actors": lambda s: replace(s, event_types=None, actors=()),
    "admin": lambda s: replace(s, event_types=None, admin_codes=()),
}

Pairs = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

_KEPT: weakref.WeakKeyDictionary[IncidentStore, OrderedDict[tuple, DaySums | None]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _value(store: IncidentStore, state: FilterState) -> tuple[str, list[tuple]] | None:
    """(index name or ``"fatalities"``, one key per part) of the state's one filter besides dates and
    types, when its rows are fixed sets the sums can be kept for; else ``None``."""
    postings = store.indexes.postings(state)
    if state.text:
        if postings or state.has_fatality_bounds or store.columns.facets is None or row_mask(
                store.columns, 0, 0, replace(state, event_types=None, text="")) is not None:
            return None
        known = store.indexes.text().known(state.text, 0, len(store.columns.days))
        return ("text", [("text", state.text)]) if known else None
    if state.has_fatality_bounds:
        if postings or row_mask(store.columns, 0, 0, replace(
                state, event_types=None, fatalities_min=None, fatalities_max=None)) is not None:
            return None
        return "fatalities", [("fatalities", state.fatalities_min, state.fatalities_max)]
    if len(postings) != 1:
        return None
    name, codes = postings[0]
    if row_mask(store.columns, 0, 0, _CLEARED[name](state)) is not None:
        return None  # another filter (or a precision no index answers) needs the rows
    codes = sorted(set(codes))
    if not codes or (len(codes) > 1 and not store.indexes._index(name).partition):
        return None  # several actors or areas may share a row: their sums do not add up
    return name, [(name, code) for code in codes]


def _rows(store: IncidentStore, key: tuple) -> np.ndarray:
    """Every row (ascending) of a key of :func:`_value`."""
    columns = store.columns
    n = len(columns.days)
    if key[0] == "text":
        return np.asarray(store.indexes.text().rows(key[1], 0, n))
    if key[0] == "fatalities":
        state = FilterState(store.date_range()[0], store.date_range()[1], fatalities_min=key[1],
                            fatalities_max=key[2])
        mask = row_mask(columns, 0, n, state)
        return np.arange(n) if mask is None else np.flatnonzero(mask)
    return store.indexes.each(key[0], [key[1]], 0, n)[0]


def _sums(store: IncidentStore, by: str, groups: int, key: tuple, pairs: Pairs) -> DaySums | None:
    """The running sums of a key's rows by ``by``, built on first use and kept (``None``: too many cells)."""
    with _LOCK:
        kept = _KEPT.setdefault(store, OrderedDict())
        if (by, *key) in kept:
            kept.move_to_end((by, *key))
            return kept[(by, *key)]
    rows = _rows(store, key)
    columns = store.columns
    found = build(columns.days, columns.type_codes, len(columns.type_names), groups, columns.fatalities,
                  lambda start, stop: pairs(rows[start:stop]), count=len(rows))
    with _LOCK:
        kept = _KEPT.setdefault(store, OrderedDict())
        kept[(by, *key)] = found
        while len(kept) > 1 and sum(s.nbytes for s in kept.values() if s is not None) > FACET_BYTES:
            kept.popitem(last=False)
    return found


def facet_sums(store: IncidentStore, state: FilterState, by: str, groups: int, pairs: Pairs,
               every: Callable[[], DaySums | None]) -> SignedSums | None:
    """Running sums of the rows ``state`` keeps (its dates and types aside) grouped by ``by``, when its one
    other filter is a value :func:`_value` accepts; ``None`` otherwise (the summary counts rows).

    ``groups`` is the grouping's size, ``pairs(positions)`` its (group code, row) pairs of some rows and
    ``every()`` the sums of every row (for a partition filter keeping most rows).
    """
    found = _value(store, state)
    if found is None:
        return None
    name, keys = found
    signs = [1] * len(keys)
    other = store.indexes.complement(state) if name not in ("fatalities", "text") else None
    whole = every() if other is not None else None
    if other is not None and whole is not None:  # every row less the other codes' (fewer) rows
        keys = [(name, code) for code in other[1] if len(_rows(store, (name, code)))]  # codes with rows
        signs = [-1] * len(keys)
    parts = [(sign, _sums(store, by, groups, key, pairs)) for sign, key in zip(signs, keys, strict=True)]
    if whole is not None and other is not None:
        parts.insert(0, (1, whole))
    kept = [(sign, sums) for sign, sums in parts if sums is not None]
    if len(kept) < len(parts) or len({sums.by_type for _, sums in kept}) != 1:
        return None  # too many cells for some part (or parts of different shapes): the rows
    return SignedSums(tuple(kept), groups + 1, kept[0][1].by_type)
