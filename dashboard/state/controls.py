"""Pure conversions between the controls, the URL and the one page state.

Every control on the left, the timeline brush, the quick ranges, playback
and the URL describe one :class:`~dashboard.state.url.PageState`.
:func:`reconcile` takes whichever of them moved (the *trigger*) and the
current values of all, and returns the page state plus the value every
control must show, so the date picker, the slider, the timeline and the
link always agree. Client values are never trusted: anything malformed
falls back to a default, nothing here raises.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pandas as pd

from dashboard.state.mapview import MapView
from dashboard.state.url import (
    ADMIN_LEVELS,
    AGGREGATES,
    COLOUR_FIELDS,
    DEFAULT_ADMIN_LEVEL,
    DEFAULT_BASEMAP,
    SIZE_FIELDS,
    WEIGHTS,
    PageState,
    choice,
    from_query,
    parse_baseline,
    to_query,
)
from geodata import FilterState
from geodata.model.filters import LAYERS, MAX_TEXT, PRECISIONS, parse_count, parse_date

#: Names of the controls whose values :func:`reconcile` reads and writes, in callback order.
CONTROLS = ("picker_start", "picker_end", "slider", "event_types", "sub_types", "actors", "admin",
            "fatalities_min", "fatalities_max", "precision", "text", "layers", "basemap", "admin_level",
            "dataset", "colour_by", "size_by", "aggregate", "weight", "baseline_start", "baseline_end")

#: Triggers that are not controls (names used by the callbacks).
URL = "url"
TIMELINE_BRUSH = "timeline-brush"
TIMELINE_ZOOM = "timeline-zoom"
QUICK = {"quick-7": 7, "quick-30": 30, "quick-90": 90, "quick-all": None}
#: ``PLAY`` means playback started or stopped (``Playback.playing`` says which).
STEP_BACK, STEP_FORWARD, TICK, PLAY, CLEAR, VIEW, MAP_CLICK = (
    "step-back", "step-forward", "tick", "play", "clear", "view", "map-click")
#: Back to comparing with the previous period of equal length.
BASELINE_CLEAR = "baseline-clear"
#: A click on a Summary row; its row id is ``<grouping>|<key>`` (:mod:`dashboard.views.summary`).
SUMMARY_CLICK = "summary-click"
ROW_SEP = "|"

#: The layers checklist's entry for FilterState.show_approximate (not a layer of FilterState.layers).
APPROXIMATE = "approximate"
WINDOW_MODES = ("moving", "cumulative")
STEP_UNITS = {"day": 1, "week": 7}
DEFAULT_WINDOW_DAYS = 14
MAX_WINDOW_DAYS = 3660


@dataclass(frozen=True)
class Context:
    """What the page offers: the data's period, event types, dataset, basemaps and admin areas."""

    bounds: tuple[date, date]
    event_types: tuple[str, ...]
    dataset: str = ""
    version: str = ""
    basemaps: tuple[str, ...] = (DEFAULT_BASEMAP,)
    admin_codes: frozenset[str] = field(default_factory=frozenset)
    default_view: MapView | None = None


@dataclass(frozen=True)
class Playback:
    """Playback settings (not part of the filter): step, window shape and whether it runs."""

    playing: bool = False
    step_days: int = 1
    mode: str = "moving"
    window_days: int = DEFAULT_WINDOW_DAYS

    @classmethod
    def parse(cls, playing: Any, step: Any, mode: Any, window: Any) -> Playback:
        days = parse_count(window)
        return cls(
            playing=playing is True,
            step_days=STEP_UNITS.get(step, 1) if isinstance(step, str) else 1,
            mode=mode if mode in WINDOW_MODES else "moving",
            window_days=min(max(days, 1), MAX_WINDOW_DAYS) if days else DEFAULT_WINDOW_DAYS,
        )


@dataclass(frozen=True)
class Outcome:
    """What the page becomes after one trigger.

    ``controls`` maps every name of :data:`CONTROLS` to the value its
    control must show. ``search`` is the query string to write to the URL,
    ``None`` to leave the URL alone. ``view`` is a map view to move to on
    purpose (``None``: leave the map where it is). ``notice`` is a message
    about the link (``None``: leave the current one).
    """

    page: PageState
    controls: dict[str, Any]
    search: str | None
    view: MapView | None
    reset_view: bool
    notice: str | None


# ------------------------------------------------------------------ dates
def day_index(day: date, bounds: tuple[date, date]) -> int:
    """Slider position of ``day`` (0 = first day of the period)."""
    return (day - bounds[0]).days


def index_day(index: Any, bounds: tuple[date, date]) -> date | None:
    """The date at slider position ``index``, or ``None`` if it is not a usable number."""
    if isinstance(index, bool) or not isinstance(index, (int, float)) or index != index:
        return None
    if abs(index) > 1e7:
        return None
    last = (bounds[1] - bounds[0]).days
    return bounds[0] + timedelta(days=int(min(max(round(index), 0), last)))


def month_marks(bounds: tuple[date, date]) -> dict[int, str]:
    """Slider marks on month starts, labelled 'Mar 2023'; over long periods on Januaries alone,
    labelled '2018'. Every 1, 2, 3 or 6 months (or 1, 2, 5, 10 years), whichever first keeps the
    labels few enough not to run into each other in the narrow controls column."""
    first, last = bounds
    months = [date(y, m, 1) for y in range(first.year, last.year + 1) for m in range(1, 13)
              if first <= date(y, m, 1) <= last]
    if not months:
        return {0: f"{first.day} {first:%b}"}
    for step, most in ((1, 4), (2, 4), (3, 4), (6, 4), (12, 6), (24, 6), (60, 6), (120, 6)):
        chosen = [d for d in months if (d.year * 12 + d.month - 1) % step == 0]
        if len(chosen) <= most:
            break
    form = "%Y" if step >= 12 else "%b %Y"
    return {day_index(day, bounds): f"{day:{form}}" for day in chosen}


def _clamp(day: date, bounds: tuple[date, date]) -> date:
    return min(max(day, bounds[0]), bounds[1])


def _timestamp(value: Any) -> pd.Timestamp | None:
    if (not isinstance(value, (str, int, float)) or isinstance(value, bool)
            or (isinstance(value, str) and len(value) > 40)):
        return None
    try:
        stamp = pd.Timestamp(value, unit="ms") if isinstance(value, (int, float)) else pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return None
    if stamp is pd.NaT or pd.isna(stamp):
        return None
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def brushed_dates(x_range: Any, bounds: tuple[date, date]) -> tuple[date, date] | None:
    """The days whose bars lie inside a brushed x range on the timeline.

    Each day's bar is centred on its midnight, so a day is in the brush when
    its midnight is; a brush inside one gap picks the nearest day. ``None``
    when the range is not two usable timestamps.
    """
    if not isinstance(x_range, (list, tuple)) or len(x_range) != 2:
        return None
    a, b = _timestamp(x_range[0]), _timestamp(x_range[1])
    if a is None or b is None:
        return None
    if a > b:
        a, b = b, a
    start, end = a.ceil("D").date(), b.floor("D").date()
    if start > end:
        start = end = (a + (b - a) / 2).round("D").date()
    return _clamp(start, bounds), _clamp(end, bounds)


def quick_range(days: int | None, bounds: tuple[date, date]) -> tuple[date, date]:
    """The last ``days`` days of the data (``None``: the whole period)."""
    if days is None:
        return bounds
    return max(bounds[1] - timedelta(days=days - 1), bounds[0]), bounds[1]


def step_window(start: date, end: date, direction: int, playback: Playback,
                bounds: tuple[date, date]) -> tuple[date, date]:
    """Move the window one step (``direction`` +1 or -1) in the playback's window mode.

    ``moving`` keeps the last ``window_days`` days up to the new end;
    ``cumulative`` runs from the start of the period to the new end.
    """
    new_end = _clamp(end + timedelta(days=direction * playback.step_days), bounds)
    return _window(new_end, playback, bounds), new_end


def _window(end: date, playback: Playback, bounds: tuple[date, date]) -> date:
    if playback.mode == "cumulative":
        return bounds[0]
    return max(end - timedelta(days=playback.window_days - 1), bounds[0])


def start_playing(start: date, end: date, playback: Playback, bounds: tuple[date, date]) -> tuple[date, date]:
    """The window playback starts from: the current end, or the beginning if already at the end."""
    if end >= bounds[1]:
        end = bounds[0] + timedelta(days=(playback.window_days if playback.mode == "moving" else 1) - 1)
        end = _clamp(end, bounds)
    return _window(end, playback, bounds), end


def range_label(state: FilterState) -> str:
    """'1 Mar 2023 – 9 Jun 2023 (101 days)'."""
    if state.is_empty_range:
        return "Empty range: the start is after the end"
    days = (state.end - state.start).days + 1
    return f"{_day(state.start)} – {_day(state.end)} ({days} day{'s' if days != 1 else ''})"


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


# ------------------------------------------------------------ controls
def _list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def page_from_controls(values: dict[str, Any], dates: tuple[date, date], ctx: Context) -> PageState:
    """The page state the controls describe (dates given by the caller)."""
    types = values.get("event_types")
    if isinstance(types, (list, tuple)) and set(ctx.event_types) <= set(t for t in types if isinstance(t, str)):
        types = None  # every type ticked: no type filter at all
    elif not isinstance(types, (list, tuple)):
        types = None
    precision = values.get("precision")
    state = FilterState.from_dict({
        "start": dates[0].isoformat(), "end": dates[1].isoformat(),
        "event_types": types,
        "sub_event_types": _list(values.get("sub_types")),
        "actors": _list(values.get("actors")),
        "admin_codes": _list(values.get("admin")),
        "fatalities_min": values.get("fatalities_min"),
        "fatalities_max": values.get("fatalities_max"),
        "precision": precision if isinstance(precision, (list, tuple)) else None,
        "text": values.get("text"),
        "layers": values.get("layers") if isinstance(values.get("layers"), (list, tuple)) else None,
        "show_approximate": APPROXIMATE in _list(values.get("layers"))
        if isinstance(values.get("layers"), (list, tuple)) else True,
    }, ctx.bounds)
    basemap = values.get("basemap")
    level = values.get("admin_level")
    return PageState(
        filter=state,
        basemap=basemap if isinstance(basemap, str) and basemap in ctx.basemaps else DEFAULT_BASEMAP,
        admin_level=level if level in ADMIN_LEVELS and not isinstance(level, bool) else DEFAULT_ADMIN_LEVEL,
        dataset=ctx.dataset, version=ctx.version,
        colour_by=choice(values.get("colour_by"), COLOUR_FIELDS), size_by=choice(values.get("size_by"), SIZE_FIELDS),
        aggregate=choice(values.get("aggregate"), AGGREGATES), weight=choice(values.get("weight"), WEIGHTS),
        baseline=parse_baseline(values.get("baseline_start"), values.get("baseline_end")),
    )


def controls_from_page(page: PageState, ctx: Context) -> dict[str, Any]:
    """The value each control shows for ``page``."""
    state = page.filter
    return {
        "picker_start": state.start.isoformat(),
        "picker_end": state.end.isoformat(),
        "slider": [day_index(state.start, ctx.bounds), day_index(state.end, ctx.bounds)],
        "event_types": list(ctx.event_types) if state.event_types is None
        else [t for t in ctx.event_types if t in state.event_types],
        "sub_types": list(state.sub_event_types),
        "actors": list(state.actors),
        "admin": list(state.admin_codes),
        "fatalities_min": state.fatalities_min,
        "fatalities_max": state.fatalities_max,
        "precision": list(PRECISIONS) if state.precision is None else list(state.precision),
        "text": state.text,
        "layers": [layer for layer in LAYERS if layer in state.layers]
        + ([APPROXIMATE] if state.show_approximate else []),
        "basemap": page.basemap if page.basemap in ctx.basemaps else DEFAULT_BASEMAP,
        "admin_level": page.admin_level,
        "dataset": ctx.dataset,
        "colour_by": page.colour_by,
        "size_by": page.size_by,
        "aggregate": page.aggregate,
        "weight": page.weight,
        "baseline_start": None if page.baseline is None else page.baseline[0].isoformat(),
        "baseline_end": None if page.baseline is None else page.baseline[1].isoformat(),
    }


def needs_echo(name: str, shown: Any) -> bool:
    """Whether a date control that fired must still be written back: a date box left empty or
    unreadable (the filter then keeps the period's end) would otherwise disagree with the filter."""
    return name in ("picker_start", "picker_end") and parse_date(shown) is None


def dates_from_controls(trigger: str | None, values: dict[str, Any], ctx: Context) -> tuple[date, date]:
    """The dates the date controls show, read from the slider if it moved, else from the picker."""
    if trigger == "slider":
        slider = values.get("slider")
        if isinstance(slider, (list, tuple)) and len(slider) == 2:
            low, high = index_day(slider[0], ctx.bounds), index_day(slider[1], ctx.bounds)
            if low is not None and high is not None:
                return low, high
    return (parse_date(values.get("picker_start")) or ctx.bounds[0],
            parse_date(values.get("picker_end")) or ctx.bounds[1])


def clicked_area(click: Any, known: frozenset[str]) -> str | None:
    """The p-code of an admin area clicked on the map (boundaries or choropleth), if any."""
    points = click.get("points") if isinstance(click, dict) else None
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    code = points[0].get("location")
    return code if isinstance(code, str) and code in known else None


def summary_row(cell: Any, ctx: Context) -> tuple[str, str] | None:
    """What a clicked Summary row filters on: ("admin", p-code), ("actor", name) or ("event_type", type);
    ``None`` for a row that cannot filter, a cleared cell or anything the page does not offer."""
    row_id = cell.get("row_id") if isinstance(cell, dict) else None
    if not isinstance(row_id, str) or len(row_id) > 2 * MAX_TEXT:
        return None
    by, sep, key = row_id.partition(ROW_SEP)
    if not sep or not key:
        return None
    if by in ("admin1", "admin2", "admin3"):
        return ("admin", key) if key in ctx.admin_codes else None
    if by == "event_type":
        return (by, key) if key in ctx.event_types else None
    return (by, key) if by == "actor" and len(key) <= MAX_TEXT else None


def filter_by_row(state: FilterState, row: tuple[str, str]) -> FilterState:
    """``state`` with the clicked row's area or actor toggled; an event type shown alone, or all again."""
    kind, key = row
    if kind == "admin":
        return replace(state, admin_codes=tuple(sorted(set(state.admin_codes) ^ {key})))
    if kind == "actor":
        return replace(state, actors=tuple(sorted(set(state.actors) ^ {key})))
    return replace(state, event_types=None if state.event_types == (key,) else (key,))


def link_notice(page: PageState, ctx: Context) -> str:
    """What the page says when a link was made for other data than is loaded ('' when it matches)."""
    if page.dataset and page.dataset != ctx.dataset:
        return (f"This link was made for the dataset '{page.dataset}', which is not loaded; "
                f"it is shown on '{ctx.dataset}'.")
    if page.version and ctx.version and page.version != ctx.version:
        return (f"This link was made with version {page.version} of the data; version {ctx.version} "
                "is loaded, so the figures may differ from what its author saw.")
    return ""


def reconcile(trigger: str | None, values: dict[str, Any], ctx: Context, *, search: Any = None,
              brush: Any = None, playback: Playback = Playback(), view: MapView | None = None,
              click: Any = None, row: Any = None) -> Outcome:
    """The page state after ``trigger`` moved, and what every control must show.

    ``trigger`` is a name of :data:`CONTROLS` or one of the other trigger
    names of this module; ``None`` means the page just loaded (the URL then
    says everything). ``search`` is the URL's query string, ``brush`` the
    x range brushed on the timeline, ``view`` the map's current view (for
    the link), ``click`` the map's clickData, ``row`` the Summary table's active cell.
    """
    if trigger in (None, URL):
        page = from_query(search if isinstance(search, str) else "", ctx.bounds)
        page = replace(page, basemap=page.basemap if page.basemap in ctx.basemaps else DEFAULT_BASEMAP)
        shown = replace(page, dataset=ctx.dataset, version=ctx.version)
        return Outcome(page=shown, controls=controls_from_page(shown, ctx), search=None,
                       view=page.view, reset_view=page.view is None and trigger == URL,
                       notice=link_notice(page, ctx))

    dates = dates_from_controls(trigger, values, ctx)
    playing = playback.playing
    if trigger == TICK and not playing:
        trigger = "noop"  # a tick that left before the pause: nothing moves
    if trigger in (TIMELINE_BRUSH, TIMELINE_ZOOM):
        dates = brushed_dates(brush, ctx.bounds) or dates
    elif trigger in QUICK:
        dates = quick_range(QUICK[trigger], ctx.bounds)
    elif trigger in (STEP_BACK, STEP_FORWARD):
        dates = step_window(*dates, -1 if trigger == STEP_BACK else 1, playback, ctx.bounds)
    elif trigger == TICK:
        if playing:
            dates = step_window(*dates, 1, playback, ctx.bounds)
    elif trigger == PLAY and playing:  # playback just started (on stopping, only the link is written)
        dates = start_playing(*dates, playback, ctx.bounds)
    page = page_from_controls(values, dates, ctx)
    if trigger == CLEAR:
        page = replace(page, filter=replace(FilterState.default(ctx.bounds), layers=page.filter.layers))
    elif trigger == BASELINE_CLEAR:
        page = replace(page, baseline=None)
    elif trigger == MAP_CLICK:
        code = clicked_area(click, ctx.admin_codes)
        if code is not None:
            codes = set(page.filter.admin_codes) ^ {code}
            page = replace(page, filter=replace(page.filter, admin_codes=tuple(sorted(codes))))
    elif trigger == SUMMARY_CLICK:
        chosen = summary_row(row, ctx)
        if chosen is not None:
            page = replace(page, filter=filter_by_row(page.filter, chosen))
    page = replace(page, view=view)
    # Playback ticks do not pile up history entries; the link is written when it stops.
    search_out = None if trigger == TICK else to_query(page)
    if search_out is not None and search_out == search:
        search_out = None
    return Outcome(page=page, controls=controls_from_page(page, ctx), search=search_out, view=None,
                   reset_view=False, notice=None)
