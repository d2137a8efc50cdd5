"""Answering the dashboard's questions about one dataset, in memory and fast.

Public names
------------
:class:`IncidentStore` (:mod:`~geodata.query.store`)
    Read-only queries over one :class:`~geodata.model.dataset.Dataset`:
    rows matching a :class:`~geodata.model.filters.FilterState` in date
    order, counts, daily series, displacement figures. A date range is two
    ``searchsorted`` calls on sorted days; other filters are vectorised masks
    (:mod:`~geodata.query.columns`: :class:`HotColumns`, :class:`FatalityTotals`).
:func:`plan_points`, :data:`DEFAULT_POINT_BUDGET`, :class:`PointSelection`, :class:`Viewport`
    What the map may draw (:mod:`~geodata.query.budget`): raw points within a
    budget, else grid cells whose counts add up to the matching incidents.
:mod:`~geodata.query.facets`, :mod:`~geodata.query.displacement`
    The choices a dataset offers to filter on, and which displacement figure
    answers a date range.

Nothing here mutates a dataset or reads files.
"""
from geodata.query.budget import DEFAULT_POINT_BUDGET, PointSelection, Viewport, plan_points
from geodata.query.columns import FatalityTotals, HotColumns
from geodata.query.store import IncidentStore, release_freed_memory

__all__ = ["DEFAULT_POINT_BUDGET", "FatalityTotals", "HotColumns", "IncidentStore", "PointSelection", "Viewport",
           "plan_points", "release_freed_memory"]
