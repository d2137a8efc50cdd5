"""The whole view in a URL query string, and back: pure functions, no Dash.

A link restores exactly what the analyst saw: dates, every filter, map
layers, basemap, admin level of the boundaries, map centre and zoom, and the
dataset with its version. Keys (all optional; a missing key takes the
default, a malformed value too):

========  ==========================================================
start/end ISO dates, end inclusive
type      repeated, one per event type; absent = every type, a single
          empty ``type=`` = none (as ``dashboard.export.links``)
sub       repeated sub-event types (absent = all)
actor     repeated actor names (absent = all)
admin     repeated admin p-codes, any level (absent = all)
fmin/fmax fatality bounds (inclusive)
prec      repeated geo-precision codes 1-3; absent = all, ``prec=`` = none
q         text searched in the notes
layer     repeated map layers; absent = the default layers, ``layer=`` = none
approx    ``0``: area-coded incidents (geo-precision 3) left off the map
base      basemap: ``plain`` (default, offline), ``osm``, ``local``
adm       admin level of the boundaries drawn (1-3, default 1)
colour    what colours the incidents: ``event_type`` (default), ``actor``,
          ``sub_event_type``, ``precision``
size      what sizes them: ``fatalities`` (default) or ``fixed``
agg       incidents above the point budget: ``density`` (default),
          ``squares``, ``hexagons``
weight    what a density cell counts: ``incidents`` (default), ``fatalities``
bstart/bend  the comparison period of changes (absent: the previous period
          of equal length)
lat/lon/zoom  map centre and zoom
ds/v      dataset name and version (content hash)
========  ==========================================================

Parsing never raises and bounds every size (a query over
:data:`MAX_QUERY` characters is ignored as a whole).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlencode

from dashboard.state.mapview import MapView
from geodata import FilterState
from geodata.model.filters import DEFAULT_LAYERS, LAYERS, MAX_CHOICES, MAX_TEXT, parse_date

#: Longest query string accepted (a real one is a few hundred characters).
MAX_QUERY = 8000

BASEMAPS = ("plain", "osm", "local")
DEFAULT_BASEMAP = "plain"
ADMIN_LEVELS = (1, 2, 3)
DEFAULT_ADMIN_LEVEL = 1
#: What colours the incident markers (canonical column names).
COLOUR_FIELDS = ("event_type", "actor", "sub_event_type", "precision")
#: What sizes them.
SIZE_FIELDS = ("fatalities", "fixed")
#: How incidents are drawn above the point budget.
AGGREGATES = ("density", "squares", "hexagons")
#: What a density cell, square or hexagon counts.
WEIGHTS = ("incidents", "fatalities")


@dataclass(frozen=True)
class PageState:
    """Everything a link restores. ``view`` ``None``: the dataset's default view."""

    filter: FilterState
    basemap: str = DEFAULT_BASEMAP
    admin_level: int = DEFAULT_ADMIN_LEVEL
    view: MapView | None = None
    dataset: str = ""
    version: str = ""
    colour_by: str = COLOUR_FIELDS[0]
    size_by: str = SIZE_FIELDS[0]
    aggregate: str = AGGREGATES[0]
    weight: str = WEIGHTS[0]
    #: The comparison period of changes; ``None``: the previous period of equal length.
    baseline: tuple[date, date] | None = None

    def display(self) -> dict[str, Any]:
        """The display settings as a JSON-ready dict (for the ``display`` store)."""
        return {"basemap": self.basemap, "admin_level": self.admin_level, "colour_by": self.colour_by,
                "size_by": self.size_by, "aggregate": self.aggregate, "weight": self.weight,
                "baseline": None if self.baseline is None else [d.isoformat() for d in self.baseline]}


def choice(value: Any, allowed: tuple[str, ...]) -> str:
    """``value`` when it is one of ``allowed``, else the first (the default)."""
    return value if isinstance(value, str) and value in allowed else allowed[0]


def parse_baseline(start: Any, end: Any, bounds: tuple[date, date] | None = None) -> tuple[date, date] | None:
    """A comparison period from two dates (either order), or ``None`` when either is missing or unreadable.

    It is not clamped to the data's period: comparing with a period before the data is a question
    the answer ("no earlier data") must give, not the parser. ``bounds`` is accepted for symmetry.
    """
    low, high = parse_date(start), parse_date(end)
    if low is None or high is None:
        return None
    return (low, high) if low <= high else (high, low)


def display_from_dict(data: Any) -> dict[str, Any]:
    """The ``display`` store's dict read back with every value checked (defaults for anything malformed)."""
    data = data if isinstance(data, dict) else {}
    baseline = data.get("baseline")
    period = parse_baseline(*baseline) if isinstance(baseline, (list, tuple)) and len(baseline) == 2 else None
    level = data.get("admin_level")
    return {"basemap": data.get("basemap") if isinstance(data.get("basemap"), str) else DEFAULT_BASEMAP,
            "admin_level": level if level in ADMIN_LEVELS and not isinstance(level, bool) else DEFAULT_ADMIN_LEVEL,
            "colour_by": choice(data.get("colour_by"), COLOUR_FIELDS),
            "size_by": choice(data.get("size_by"), SIZE_FIELDS),
            "aggregate": choice(data.get("aggregate"), AGGREGATES), "weight": choice(data.get("weight"), WEIGHTS),
            "baseline": period}


def to_query(page: PageState) -> str:
    """The query string (with its leading ``?``) that :func:`from_query` turns back into ``page``."""
    state = page.filter
    query: list[tuple[str, Any]] = [("start", state.start.isoformat()), ("end", state.end.isoformat())]
    if state.event_types is not None:
        query += [("type", t) for t in state.event_types] or [("type", "")]
    query += [("sub", s) for s in state.sub_event_types]
    query += [("actor", a) for a in state.actors]
    query += [("admin", a) for a in state.admin_codes]
    if state.fatalities_min is not None:
        query.append(("fmin", state.fatalities_min))
    if state.fatalities_max is not None:
        query.append(("fmax", state.fatalities_max))
    if state.precision is not None:
        query += [("prec", p) for p in state.precision] or [("prec", "")]
    if state.text:
        query.append(("q", state.text))
    if state.layers != DEFAULT_LAYERS:
        query += [("layer", layer) for layer in sorted(state.layers)] or [("layer", "")]
    if not state.show_approximate:
        query.append(("approx", 0))
    if page.basemap != DEFAULT_BASEMAP:
        query.append(("base", page.basemap))
    if page.admin_level != DEFAULT_ADMIN_LEVEL:
        query.append(("adm", page.admin_level))
    for key, value, allowed in (("colour", page.colour_by, COLOUR_FIELDS), ("size", page.size_by, SIZE_FIELDS),
                                ("agg", page.aggregate, AGGREGATES), ("weight", page.weight, WEIGHTS)):
        if value != allowed[0]:
            query.append((key, value))
    if page.baseline is not None:
        query += [("bstart", page.baseline[0].isoformat()), ("bend", page.baseline[1].isoformat())]
    if page.view is not None:
        query += [("lat", f"{page.view.lat:.5f}"), ("lon", f"{page.view.lon:.5f}"),
                  ("zoom", f"{page.view.zoom:.2f}")]
    if page.dataset:
        query.append(("ds", page.dataset))
    if page.version:
        query.append(("v", page.version))
    return "?" + urlencode(query)


def from_query(search: Any, bounds: tuple[date, date]) -> PageState:
    """Parse a query string (with or without ``?``); malformed parts take their defaults."""
    default = PageState(FilterState.default(bounds))
    if not isinstance(search, str) or len(search) > MAX_QUERY:
        return default
    try:
        query = parse_qs(search.lstrip("?"), keep_blank_values=True, max_num_fields=8 * MAX_CHOICES)
    except ValueError:  # too many fields
        return default
    data: dict[str, Any] = {"start": _first(query, "start"), "end": _first(query, "end")}
    if "type" in query:
        data["event_types"] = [t for t in query["type"] if t]
    data["sub_event_types"] = query.get("sub", [])
    data["actors"] = query.get("actor", [])
    data["admin_codes"] = query.get("admin", [])
    data["fatalities_min"] = _first(query, "fmin")
    data["fatalities_max"] = _first(query, "fmax")
    if "prec" in query:
        data["precision"] = [p for p in query["prec"] if p]
    data["text"] = _first(query, "q") or ""
    if "layer" in query:
        data["layers"] = [layer for layer in query["layer"] if layer in LAYERS]
    data["show_approximate"] = _first(query, "approx") != "0"
    state = FilterState.from_dict(data, bounds)
    basemap = _first(query, "base")
    level = _first(query, "adm")
    return PageState(
        filter=state,
        basemap=basemap if basemap in BASEMAPS else DEFAULT_BASEMAP,
        admin_level=int(level) if level in {str(a) for a in ADMIN_LEVELS} else DEFAULT_ADMIN_LEVEL,
        view=MapView.parse(_first(query, "lat"), _first(query, "lon"), _first(query, "zoom")),
        dataset=_token(_first(query, "ds")),
        version=_token(_first(query, "v")),
        colour_by=choice(_first(query, "colour"), COLOUR_FIELDS),
        size_by=choice(_first(query, "size"), SIZE_FIELDS),
        aggregate=choice(_first(query, "agg"), AGGREGATES),
        weight=choice(_first(query, "weight"), WEIGHTS),
        baseline=parse_baseline(_first(query, "bstart"), _first(query, "bend")),
    )


def _first(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values and len(values[0]) <= MAX_TEXT else None


def _token(value: str | None) -> str:
    """A dataset name or version: short, printable, else ''."""
    if value is None or len(value) > 100 or not value.isprintable():
        return ""
    return value
