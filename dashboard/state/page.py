"""The page state behind the page callback: every control, the brush, playback and the URL.

Plain functions of (browser values, store) that :mod:`dashboard.callbacks.page`
wires to the page and tests call directly. The page's state has one writer:
:func:`page_outputs` reconciles every control, the timeline brush, playback
and the URL (pure logic in :mod:`dashboard.state.controls`) into what each
output must show, ``no_update`` where nothing changes. Browser values are
never trusted: anything malformed is ignored or falls back to a default.
"""
from __future__ import annotations

from typing import Any

from dash import no_update

from dashboard import ids
from dashboard.server.mapsources import MapSources
from dashboard.state import mapview
from dashboard.state.controls import (
    BASELINE_CLEAR,
    CONTROLS,
    MAP_CLICK,
    PLAY,
    STEP_BACK,
    STEP_FORWARD,
    SUMMARY_CLICK,
    TICK,
    TIMELINE_BRUSH,
    TIMELINE_ZOOM,
    URL,
    VIEW,
    Context,
    Playback,
    needs_echo,
    range_label,
    reconcile,
    summary_row,
)
from dashboard.state.mapview import opening_view
from geodata import IncidentStore
from geodata.catalog.parquet import content_version
from geodata.query import facets

#: Component property of each control of :data:`dashboard.state.controls.CONTROLS`.
CONTROL_PROPS = {
    "picker_start": (ids.DATE_PICKER, "start_date"),
    "picker_end": (ids.DATE_PICKER, "end_date"),
    "slider": (ids.DATE_SLIDER, "value"),
    "event_types": (ids.EVENT_TYPES, "value"),
    "sub_types": (ids.SUB_TYPES, "value"),
    "actors": (ids.ACTORS, "value"),
    "admin": (ids.ADMIN_AREAS, "value"),
    "fatalities_min": (ids.FATALITIES_MIN, "value"),
    "fatalities_max": (ids.FATALITIES_MAX, "value"),
    "precision": (ids.PRECISION, "value"),
    "text": (ids.NOTES_SEARCH, "value"),
    "layers": (ids.LAYERS, "value"),
    "basemap": (ids.BASEMAP, "value"),
    "admin_level": (ids.ADMIN_LEVEL, "value"),
    "dataset": (ids.DATASET, "value"),
    "colour_by": (ids.COLOUR_BY, "value"),
    "size_by": (ids.SIZE_BY, "value"),
    "aggregate": (ids.AGGREGATE, "value"),
    "weight": (ids.WEIGHT, "value"),
    "baseline_start": (ids.BASELINE, "start_date"),
    "baseline_end": (ids.BASELINE, "end_date"),
}
assert tuple(CONTROL_PROPS) == CONTROLS
#: Controls never written back while they are the trigger (it would fight the next keystroke or drag).
#: (Another dataset is opened by its link; a comparison period half typed stays as typed.)
NO_ECHO = {ids.DATE_PICKER: ("picker_start", "picker_end"), ids.DATE_SLIDER: ("slider",),
           ids.NOTES_SEARCH: ("text",), ids.DATASET: ("dataset",),
           ids.BASELINE: ("baseline_start", "baseline_end")}
QUICK_IDS = {button: key for key, button in ids.QUICK_RANGES.items()}

def page_context(store: IncidentStore, sources: MapSources | None = None) -> Context:
    """What the controls offer for ``store`` (and the optional map sources)."""
    sources = sources or MapSources()
    areas = facets.admin_areas(store.incidents, sources.boundaries)
    return Context(
        bounds=store.date_range(), event_types=tuple(store.event_types()), dataset=store.name,
        version=str(getattr(store.dataset, "version", "") or "") or content_version(store.dataset),
        basemaps=("plain", "osm") + (("local",) if sources.tiles is not None else ()),
        admin_codes=frozenset(a.pcode for a in areas),
        default_view=opening_view(store.dataset.view, store.extent),
    )


# ------------------------------------------------------------ the page state
def _trigger_name(triggered: list, brush_inputs: dict) -> tuple[str | None, Any]:
    """The :mod:`dashboard.state.controls` trigger name of what fired, and the brushed range if any."""
    prop = triggered[0]["prop_id"] if triggered and isinstance(triggered[0], dict) else "."
    component, _, attribute = str(prop).partition(".")
    if component in ("", ids.URL):
        return (None if component == "" else URL), None
    for name, (cid, _prop) in CONTROL_PROPS.items():
        if cid == component:
            return ("slider" if cid == ids.DATE_SLIDER else name), None
    if component == ids.TIMELINE:
        if attribute == "selectedData":
            selected = brush_inputs.get("selected")
            x = selected.get("range", {}).get("x") if isinstance(selected, dict) and isinstance(
                selected.get("range"), dict) else None
            return (TIMELINE_BRUSH, x) if x is not None else ("noop", None)
        relayout = brush_inputs.get("relayout")
        if isinstance(relayout, dict):
            x = relayout.get("xaxis.range")
            if x is None and "xaxis.range[0]" in relayout:
                x = [relayout.get("xaxis.range[0]"), relayout.get("xaxis.range[1]")]
            if x is not None:
                return TIMELINE_ZOOM, x
        return "noop", None
    if component in QUICK_IDS:
        return QUICK_IDS[component], None
    if component == ids.PLAYBACK_INTERVAL:
        return (PLAY if attribute == "disabled" else TICK), None
    return {ids.STEP_BACK: STEP_BACK, ids.STEP_FORWARD: STEP_FORWARD, ids.CLEAR_ALL: "clear",
            ids.MAP_VIEW: VIEW, ids.MAP: MAP_CLICK,
            ids.BASELINE_CLEAR: BASELINE_CLEAR, ids.SUMMARY_TABLE: SUMMARY_CLICK}.get(component, "noop"), None


def page_outputs(trigger_prop: list, search: Any, values: dict[str, Any], *, selected: Any = None,
                 relayout: Any = None, view: Any = None, click: Any = None, playback: Playback = Playback(),
                 current_filter: Any = None, current_display: Any = None, context: Context,
                 row: Any = None) -> dict[str, Any]:
    """Everything the page callback returns, by name (``no_update`` where nothing changes)."""
    trigger, brush = _trigger_name(trigger_prop, {"selected": selected, "relayout": relayout})
    if trigger == "noop" or (trigger == SUMMARY_CLICK and summary_row(row, context) is None):
        return {}  # a Summary cell cleared after its click, or a row that cannot filter
    link_view = mapview.link_view(view)
    outcome = reconcile(trigger, values, context, search=search, brush=brush, playback=playback,
                        view=link_view, click=click, row=row)
    component = str(trigger_prop[0]["prop_id"]).partition(".")[0] if trigger_prop else ""
    quiet = NO_ECHO.get(component, ())
    out: dict[str, Any] = {}
    for name in CONTROLS:
        value = outcome.controls[name]
        quiet_here = name in quiet and not needs_echo(name, values.get(name))
        out[name] = no_update if quiet_here or value == values.get(name) else value
    state = outcome.page.filter.to_dict()
    out["filter"] = no_update if state == current_filter else state
    display = outcome.page.display()
    out["display"] = no_update if display == current_display else display
    out["search"] = no_update if outcome.search is None else outcome.search
    out["label"] = range_label(outcome.page.filter)
    if outcome.view is not None:
        out["view"] = mapview.move_to(view, outcome.view)
    elif outcome.reset_view and link_view is not None:
        out["view"] = mapview.move_to(view, context.default_view or opening_view(None), moved=False)
    else:
        out["view"] = no_update
    if outcome.notice is None:
        out["notice"], out["notice_hidden"] = no_update, no_update
    else:
        out["notice"], out["notice_hidden"] = outcome.notice, not outcome.notice
    # Playback stops once the window reaches the end (said again on every later tick, in case one is lost).
    at_end = outcome.page.filter.end >= context.bounds[1]
    out["stop"] = True if trigger == TICK and playback.playing and at_end else no_update
    # A Summary click is answered: clear the cell so that clicking the same row again toggles it back.
    out["row"] = None if trigger == SUMMARY_CLICK else no_update
    return out
