"""Plotly objects built without plotly's per-property validation, for the callbacks' hot path.

Why: validating a map figure property by property costs 30–170 ms a
callback at 10^6 incidents (a colour array is checked one string at a
time), more than all the filtering. The builders' output is still
checked: ``tests/dashboard/test_figures_valid.py`` rebuilds every kind of
figure through the validating constructors, so a wrong property name or
value fails a test, not the hot path.
"""
from __future__ import annotations

from typing import Any

import plotly.graph_objects as go


def scattermap(**props: Any) -> go.Scattermap:
    return go.Scattermap(_validate=False, **props)


def choroplethmap(**props: Any) -> go.Choroplethmap:
    return go.Choroplethmap(_validate=False, **props)


def bar(**props: Any) -> go.Bar:
    return go.Bar(_validate=False, **props)


def scatter(**props: Any) -> go.Scatter:
    return go.Scatter(_validate=False, **props)


def figure(data: list, layout: dict) -> go.Figure:
    return go.Figure(data=data, layout=layout, _validate=False)


def validated(fig: go.Figure) -> go.Figure:
    """The same figure through plotly's validating constructor: raises ``ValueError`` on any
    property plotly does not know or value it does not accept."""
    return go.Figure(fig.to_plotly_json())
