"""A :class:`~geodata.model.filters.FilterState` as a parameterised SQL condition on ``incidents``.

Each filter becomes one condition with the semantics of
:func:`geodata.query.columns.row_mask` (the in-memory fast path), so the SQL path
returns the same rows: the inclusive date range first (served by the index
on ``(dataset, event_date, ordinal)``), then types, admin p-codes at any
level, sub-types, actors, geo-precision, fatality bounds and the notes
text (a ``LIKE`` substring of ``lower(notes)``, which the trigram index of
migration 6 serves). Values only ever travel as parameters; the SQL text is
fixed here.

One documented difference: the notes search lower-cases with the
database's locale, which agrees with Python's for ASCII and for scripts
without case (Arabic) but may differ for some other letters.
"""
from __future__ import annotations

import math
from typing import Any

from geodata.model.errors import GeodataError
from geodata.model.filters import FilterState

BBox = tuple[float, float, float, float]


def check_bbox(bbox: Any) -> BBox:
    """``(west, south, east, north)`` in degrees, as four finite floats with west <= east, south <= north.

    Raises
    ------
    GeodataError
        anything else (a box across the antimeridian is two queries).
    """
    try:
        west, south, east, north = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise GeodataError(f"bbox must be (west, south, east, north) in degrees, got {bbox!r}") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)) or west > east or south > north:
        raise GeodataError(f"bbox must have west <= east and south <= north (finite degrees), got {bbox!r}")
    return west, south, east, north


def incident_condition(dataset: str, state: FilterState, bbox: BBox | None = None) -> tuple[str, list[Any]]:
    """The ``WHERE`` condition (without the keyword) and its parameters for ``state`` on one dataset.

    ``bbox`` keeps the incidents whose point lies in the box, edges
    included (GiST index on ``geom``).
    """
    parts = ["dataset = %s", "event_date BETWEEN %s AND %s"]
    params: list[Any] = [dataset, state.start, state.end]

    def add(condition: str, *values: Any) -> None:
        parts.append(condition)
        params.extend(values)

    if state.event_types is not None:
        add("event_type = ANY(%s::text[])", list(state.event_types))
    if state.precision is not None:
        add("geo_precision = ANY(%s::bigint[])", list(state.precision))
    if state.fatalities_min is not None:
        add("fatalities >= %s", state.fatalities_min)
    if state.fatalities_max is not None:
        add("fatalities <= %s", state.fatalities_max)
    if state.sub_event_types:
        add("sub_event_type = ANY(%s::text[])", list(state.sub_event_types))
    if state.actors:
        actors = list(state.actors)
        add("(actor1 = ANY(%s::text[]) OR actor2 = ANY(%s::text[]))", actors, actors)
    if state.admin_codes:
        codes = list(state.admin_codes)
        add("(admin1_pcode = ANY(%s::text[]) OR admin2_pcode = ANY(%s::text[]) OR admin3_pcode = ANY(%s::text[]))",
            codes, codes, codes)
    if state.text:
        # the pattern of a substring (LIKE's wildcards escaped): the trigram index on lower(notes) serves it
        pattern = state.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        add("lower(notes) LIKE lower(%s)", f"%{pattern}%")
    if bbox is not None:
        add("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", *check_bbox(bbox))
    return " AND ".join(parts), params
