"""The controls column: place search, dates and playback, filters, map layers, export, sources."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from dash import dcc, html

from dashboard import ids
from dashboard.figures.style import LABEL_LIMIT, category_colours, clip
from dashboard.layout.export import export_panel
from dashboard.server.mapsources import MapSources
from dashboard.state.controls import (
    APPROXIMATE,
    DEFAULT_WINDOW_DAYS,
    QUICK,
    day_index,
    month_marks,
)
from dashboard.state.url import DEFAULT_BASEMAP
from geodata import GEO_PRECISION, IncidentStore
from geodata.model.filters import DEFAULT_LAYERS, LAYERS, PRECISIONS
from geodata.query import facets
from geodata.query.columns import facet_key

LAYER_LABELS = {
    "incidents": "Incidents",
    APPROXIMATE: "Area-coded incidents (approximate location)",
    "density": "Incident density (under the points)",
    "territory": "Territory changes (who gained ground)",
    "displacement": "Displacement figures",
    "context": "Towns & highways (schematic)",
    "boundaries": "Admin boundaries and names",
    "choropleth": "Displacement by admin area (shaded)",
    "flows": "Displacement flows (origin → destination)",
}


BASEMAP_LABELS = {
    "plain": "Plain (offline, no outside requests)",
    "osm": "OpenStreetMap: loads map tiles from tile.openstreetmap.org, an outside server",
    "local": "Local tiles (MBTiles file served by this app)",
}


COLOUR_LABELS = {"event_type": "Event type", "actor": "Actor", "sub_event_type": "Sub-event type",
                 "precision": "Location precision"}
SIZE_LABELS = {"fatalities": "Fatalities", "fixed": "Fixed"}
AGGREGATE_LABELS = {"density": "Density", "squares": "Squares", "hexagons": "Hexagons"}
WEIGHT_LABELS = {"incidents": "Incidents", "fatalities": "Fatalities"}


ADMIN_LEVEL_LABELS = {1: "Level 1 (governorates)", 2: "Level 2 (districts)", 3: "Level 3 (sub-districts)"}


def _type_option(event_type: str, colour: str) -> dict:
    swatch = html.Span(className="swatch", style={"backgroundColor": colour})  # the map's (category_colours)
    return {"label": html.Span([swatch, clip(event_type)], title=event_type if len(event_type) > LABEL_LIMIT else None),
            "value": event_type}


def _text_option(label: str, value: str, full: str) -> dict:
    """A dropdown option with a ``label`` built from clipped text (:func:`clip`), searched by that
    label, while its value is what the filter matches (the text, or for text longer than a client may
    send, :func:`~geodata.query.columns.facet_key`); the full text is its tooltip when cut.

    One 10,000-character actor name in a ``dcc.Dropdown(multi=True)`` stops the map from drawing.
    """
    option = {"label": label, "value": facet_key(value), "search": label}
    if len(full) > LABEL_LIMIT:
        option["title"] = clip(full, 2_000)
    return option


#: Most (source, link) code pairs counted from categorical codes (a bincount of that many slots).
MAX_SOURCE_PAIRS = 1 << 22


def _cited(table: pd.DataFrame) -> pd.DataFrame:
    """The distinct (source, source_url) pairs of one table, as objects.

    Two categorical columns (the stored incidents) give them from their codes in one bincount: a
    ``drop_duplicates`` hashes every row (0.3-0.7 s of start-up at 10^7 incidents).
    """
    source, url = table["source"], table["source_url"]
    if not (isinstance(source.dtype, pd.CategoricalDtype) and isinstance(url.dtype, pd.CategoricalDtype)):
        return table[["source", "source_url"]].drop_duplicates().astype(object)
    names, links = source.cat.categories, url.cat.categories
    width = len(links) + 1  # code -1 (missing) is slot 0
    if (len(names) + 1) * width > MAX_SOURCE_PAIRS:
        return table[["source", "source_url"]].drop_duplicates().astype(object)
    slots = (source.cat.codes.to_numpy().astype(np.int64) + 1) * width + url.cat.codes.to_numpy() + 1
    pairs = np.flatnonzero(np.bincount(slots, minlength=(len(names) + 1) * width))
    return pd.DataFrame({"source": [names[i - 1] if i else None for i in (pairs // width).tolist()],
                         "source_url": [links[i - 1] if i else None for i in (pairs % width).tolist()]},
                        dtype=object)


def _sources(store: IncidentStore, sources: MapSources) -> html.Details:
    """Every source cited by the dataset, with its link (the 'about the data' panel)."""
    # Distinct pairs per table first: a million categorical rows stay codes, never a million strings.
    frames = [_cited(table) for table in (store.incidents, store.displacement)]
    cited = pd.concat(frames).dropna(subset=["source"]).drop_duplicates().sort_values("source")
    items = [html.Li(html.A(row.source, href=row.source_url, target="_blank", rel="noopener noreferrer")
                     if isinstance(row.source_url, str) and row.source_url.startswith(("http://", "https://"))
                     else row.source)
             for row in cited.itertuples()]
    dataset = store.dataset
    version = getattr(dataset, "version", "") or "not recorded"
    start, end = store.date_range()
    extra = [html.Li(["Basemap: Natural Earth country outlines (public domain); OpenStreetMap tiles "
                      "(© OpenStreetMap contributors, ODbL) only when that basemap is chosen."])]
    if sources.boundaries is not None:
        extra.append(html.Li(f"Admin boundaries: {sources.boundaries_source or 'boundaries file'} "
                             f"({len(sources.boundaries)} areas, levels {', '.join(map(str, sources.levels))})."))
    if sources.tiles is not None:
        attribution = sources.tiles.attribution or "no attribution in the file"
        extra.append(html.Li(f"Local tiles: {sources.tiles.path.name} ({attribution})."))
    return html.Details(id=ids.SOURCES, className="sources section", children=[
        html.Summary(f"About the data · {len(items)} sources"),
        html.P([html.Strong(dataset.title), html.Br(),
                f"Dataset '{dataset.name}', version {version}, {start:%d %b %Y} – {end:%d %b %Y}, "
                f"{len(store.incidents):,} incidents."]),
        html.P(dataset.attribution),
        html.Ul(items),
        html.H3("Map"),
        html.Ul(extra),
    ])


def _field(label: str, control, *, for_id: str | None = None, hint: str | None = None) -> html.Div:
    children = [html.Label(label, htmlFor=for_id, className="field-label") if for_id
                else html.Div(label, className="field-label"), control]
    if hint:
        children.append(html.Div(hint, className="hint"))
    return html.Div(children, className="field")


def _section(title: str, children: list, *, open_: bool = True, section_id: str | None = None) -> html.Details:
    kwargs = {"id": section_id} if section_id else {}
    return html.Details(open=open_, className="section", children=[html.Summary(title), *children], **kwargs)


def _dates(store: IncidentStore) -> html.Details:
    bounds = store.date_range()
    last = day_index(bounds[1], bounds)
    quick_labels = {"quick-7": "Last 7 d", "quick-30": "30 d", "quick-90": "90 d", "quick-all": "All"}
    return _section("Dates & playback", [
        dcc.DatePickerRange(
            id=ids.DATE_PICKER, start_date=bounds[0].isoformat(), end_date=bounds[1].isoformat(),
            min_date_allowed=bounds[0].isoformat(), max_date_allowed=bounds[1].isoformat(),
            initial_visible_month=bounds[0].isoformat(), display_format="D MMM YYYY", minimum_nights=0,
            first_day_of_week=1, updatemode="bothdates",
        ),
        # The slider counts days from the first one; assets/dates.js turns a day into its date for the
        # tooltips and the thumbs' aria-valuetext, and makes PageUp/PageDown step a week (Shift: a month).
        html.Div(id=ids.SLIDER_WRAP, className="date-slider-wrap", **{"data-day0": bounds[0].isoformat()}, children=[
            dcc.RangeSlider(
                id=ids.DATE_SLIDER, min=0, max=last, step=1, value=[0, last], marks=month_marks(bounds),
                allowCross=False, updatemode="mouseup", allow_direct_input=False, className="date-slider",
                tooltip={"placement": "bottom", "always_visible": False, "transform": "conflictMapDay"},
            ),
            html.Div("Arrow keys move a day; Page Up/Down a week; Shift+Page Up/Down a month.",
                     className="hint slider-keys"),
        ]),
        html.Div(id=ids.RANGE_LABEL, className="range-label", **{"aria-live": "polite"}),
        html.Div(className="field", children=[
            html.Div("Compare with", id=f"{ids.BASELINE}-label", className="field-label"),
            dcc.DatePickerRange(
                id=ids.BASELINE, start_date=None, end_date=None, display_format="D MMM YYYY",
                minimum_nights=0, first_day_of_week=1, updatemode="bothdates",
                start_date_placeholder_text="previous", end_date_placeholder_text="period",
                initial_visible_month=bounds[0].isoformat(),
            ),
            html.Div(className="button-row", children=[
                html.Span("Empty: the previous period of the same length.", className="hint"),
                html.Button("Previous period", id=ids.BASELINE_CLEAR, type="button", className="small-button",
                            n_clicks=0, title="Compare with the previous period of the same length"),
            ]),
        ]),
        html.Div(className="button-row", role="group", **{"aria-label": "Quick date ranges"}, children=[
            html.Button(quick_labels[key], id=ids.QUICK_RANGES[key], type="button",
                        className="small-button", n_clicks=0,
                        title="The whole period" if QUICK[key] is None
                        else f"The last {QUICK[key]} days of the data")
            for key in QUICK
        ]),
        html.Div(className="button-row playback", role="group", **{"aria-label": "Playback"}, children=[
            html.Button("◀", id=ids.STEP_BACK, type="button", className="small-button", n_clicks=0,
                        title="Step back", **{"aria-label": "Step back"}),
            html.Button("▶ Play", id=ids.PLAY, type="button", className="small-button play", n_clicks=0,
                        title="Play: move the date window forward step by step", **{"aria-pressed": "false"}),
            html.Button("▶", id=ids.STEP_FORWARD, type="button", className="small-button", n_clicks=0,
                        title="Step forward", **{"aria-label": "Step forward"}),
        ]),
        html.Div(className="inline-fields", children=[
            html.Span("Speed", className="field-label inline"),
            dcc.RadioItems(id=ids.PLAYBACK_SPEED, options=[{"label": f"{s}×", "value": s} for s in (1, 2, 4)],
                           value=1, inline=True, className="radio-inline"),
        ]),
        html.Div(className="inline-fields", children=[
            html.Span("Step", className="field-label inline"),
            dcc.RadioItems(id=ids.PLAYBACK_STEP, options=[{"label": "day", "value": "day"},
                                                           {"label": "week", "value": "week"}],
                           value="day", inline=True, className="radio-inline"),
        ]),
        html.Div(className="inline-fields", children=[
            html.Span("Window", className="field-label inline"),
            dcc.RadioItems(id=ids.PLAYBACK_MODE, options=[{"label": "moving", "value": "moving"},
                                                           {"label": "cumulative", "value": "cumulative"}],
                           value="moving", inline=True, className="radio-inline"),
        ]),
        html.Div(className="inline-fields", children=[
            html.Label("Moving window of", htmlFor=ids.PLAYBACK_WINDOW, className="field-label inline"),
            dcc.Input(id=ids.PLAYBACK_WINDOW, type="number", min=1, max=3660, step=1, value=DEFAULT_WINDOW_DAYS,
                      debounce=True, className="number-input"),
            html.Span("days", className="hint inline"),
        ]),
        dcc.Interval(id=ids.PLAYBACK_INTERVAL, interval=1000, disabled=True),
    ])


def _area_note(disagreements: list[facets.AreaDisagreement]) -> html.Div:
    """Says where the source's admin names and the boundaries disagree (the filter follows the polygons)."""
    if not disagreements:
        return html.Div(id=ids.ADMIN_NOTE, hidden=True)
    total = sum(d.incidents for d in disagreements)
    examples = "; ".join(f"{d.incidents:,} name “{d.source_name}” but lie in {d.polygon_name} ({d.pcode})"
                         for d in disagreements[:3])
    more = f"; {len(disagreements) - 3} more" if len(disagreements) > 3 else ""
    return html.Div(id=ids.ADMIN_NOTE, className="hint warning", role="note", children=(
        f"{total:,} incident{'s' if total != 1 else ''} name an admin area other than the boundary they lie in "
        f"(the area filter follows the boundaries): {examples}{more}."))


def _filters(store: IncidentStore, sources: MapSources) -> html.Details:
    types = store.event_types()
    actors = facets.actors(store.columns, store.incidents)
    subs = facets.sub_event_types(store.incidents)
    areas = facets.admin_areas(store.incidents, sources.boundaries)
    deaths = store.columns.fatalities  # float32, NaN = not reported: no pass over the masked column
    most = float(np.fmax.reduce(deaths)) if len(deaths) else float("nan")
    most = int(most) if not np.isnan(most) else 0
    return _section("Filters", [
        html.Button("Clear all filters", id=ids.CLEAR_ALL, type="button", className="small-button clear",
                    n_clicks=0, title="Reset every filter and the dates (layers and map stay)"),
        html.Div("Event types", className="field-label"),
        dcc.Checklist(id=ids.EVENT_TYPES, value=types,
                      options=[_type_option(t, c) for t, c in zip(types, category_colours(types), strict=True)],
                      className="checklist"),
        _field("Sub-types", dcc.Dropdown(
            id=ids.SUB_TYPES, multi=True, value=[], placeholder="All sub-types",
            options=[_text_option(f"{clip(s)} ({clip(t, 40)}, {n})", s, s) for t, s, n in subs])),
        _field("Actors", dcc.Dropdown(
            id=ids.ACTORS, multi=True, value=[], placeholder="All actors (type to search)",
            options=[_text_option(f"{clip(a)} ({n})", a, a) for a, n in actors])),
        _field("Admin areas", dcc.Dropdown(
            id=ids.ADMIN_AREAS, multi=True, value=[], placeholder="All areas (name or p-code)",
            options=[_text_option(f"{clip(facets.area_label(a))} · admin {a.level}", a.pcode, facets.area_label(a))
                     for a in areas]),
            hint="Or click an area on the map when boundaries are shown." if sources.levels else None),
        _area_note(facets.admin_disagreements(store.incidents, sources.boundaries)),
        html.Div(className="field", children=[
            html.Div("Fatalities", className="field-label"),
            html.Div(className="inline-fields", children=[
                html.Label("Fewest fatalities", htmlFor=ids.FATALITIES_MIN, className="sr-only"),
                dcc.Input(id=ids.FATALITIES_MIN, type="number", min=0, step=1, placeholder="0", debounce=True,
                          className="number-input"),
                html.Span("to", className="hint inline"),
                html.Label("Most fatalities", htmlFor=ids.FATALITIES_MAX, className="sr-only"),
                dcc.Input(id=ids.FATALITIES_MAX, type="number", min=0, step=1, placeholder=str(most),
                          debounce=True, className="number-input"),
            ]),
            html.Div("With a bound set, incidents without a reported figure are left out.", className="hint"),
        ]),
        html.Div("Location precision", className="field-label"),
        dcc.Checklist(id=ids.PRECISION, options=[{"label": GEO_PRECISION[p].capitalize(), "value": p}
                                                 for p in PRECISIONS],
                      value=list(PRECISIONS), className="checklist"),
        _field("Search the notes", dcc.Input(
            id=ids.NOTES_SEARCH, type="search", value="", placeholder="e.g. market, convoy", debounce=0.6,
            maxLength=200, className="text-input"), for_id=ids.NOTES_SEARCH),
        _field("Dataset", dcc.Dropdown(
            id=ids.DATASET, options=[{"label": clip(store.dataset.title), "value": store.name}], value=store.name,
            clearable=False, searchable=False)),
        # Also a Tab stop after the dropdown: Chromium's Tab from a dropdown at the end of a section looped back.
        html.A("Import or open another dataset", href="/import/", className="hint dataset-link"),
    ])


def _radio(label: str, cid: str, labels: dict[str, str], hint: str = "") -> html.Div:
    """A labelled inline radio group whose first choice is the default."""
    return html.Div(className="field", role="radiogroup", **{"aria-labelledby": f"{cid}-label"}, children=[
        html.Div(label, id=f"{cid}-label", className="field-label"),
        dcc.RadioItems(id=cid, options=[{"label": v, "value": k} for k, v in labels.items()],
                       value=next(iter(labels)), inline=True, className="radio-inline"),
        *([html.Div(hint, className="hint")] if hint else []),
    ])


def _layers(sources: MapSources) -> html.Details:
    has_boundaries = bool(sources.levels)
    basemaps = ["plain", "osm"] + (["local"] if sources.tiles is not None else [])
    options = [{"label": LAYER_LABELS[k], "value": k,
                "disabled": k in ("boundaries", "choropleth") and not has_boundaries} for k in LAYER_LABELS]
    level_options: list[dict[str, Any]] = [{"label": ADMIN_LEVEL_LABELS[level], "value": level} for level in (1, 2, 3)
                     if level in sources.levels] or [{"label": ADMIN_LEVEL_LABELS[1], "value": 1, "disabled": True}]
    return _section("Map layers", [
        dcc.Checklist(id=ids.LAYERS, options=options,
                      value=[k for k in LAYERS if k in DEFAULT_LAYERS] + [APPROXIMATE],
                      className="checklist"),
        html.Div(className="field", children=[
            html.Div("Boundaries drawn" + ("" if has_boundaries else " (no boundaries file loaded)"),
                     className="field-label"),
            dcc.RadioItems(id=ids.ADMIN_LEVEL, options=level_options, value=sources.levels[0] if has_boundaries else 1,
                           className="checklist"),
        ]),
        html.Div(className="field", children=[
            html.Label("Colour incidents by", htmlFor=ids.COLOUR_BY, className="field-label"),
            dcc.Dropdown(id=ids.COLOUR_BY, options=[{"label": v, "value": k} for k, v in COLOUR_LABELS.items()],
                         value="event_type", clearable=False, searchable=False),
        ]),
        _radio("Size incidents by", ids.SIZE_BY, SIZE_LABELS),
        _radio("Many incidents: show as", ids.AGGREGATE, AGGREGATE_LABELS,
               hint="When more incidents match than the map can draw one by one, and for the density layer."),
        _radio("Density counts", ids.WEIGHT, WEIGHT_LABELS),
        html.Div(className="field", children=[
            html.Div("Basemap", className="field-label"),
            dcc.RadioItems(id=ids.BASEMAP, options=[{"label": BASEMAP_LABELS[b], "value": b} for b in basemaps],
                           value=DEFAULT_BASEMAP, className="checklist"),
        ]),
    ], section_id="layers-section")


def controls_column(store: IncidentStore, sources: MapSources) -> html.Aside:
    """Everything the analyst sets, top to bottom in the order of a briefing's questions."""
    return html.Aside(id=ids.CONTROLS, className="controls", **{"aria-label": "Filters and map settings"}, children=[
        html.Button("Close filters", id=ids.FILTERS_CLOSE, type="button", className="small-button filters-close"),
        html.Div(className="place-search", role="search", children=[
            html.Label("Find a place", htmlFor=ids.PLACE_SEARCH, className="field-label"),
            dcc.Input(id=ids.PLACE_SEARCH, type="search", value="", debounce=True, maxLength=100,
                      placeholder="Any spelling or script, then Enter", className="text-input", n_submit=0),
            html.Div(id=ids.PLACE_RESULT, className="hint", role="status", **{"aria-live": "polite"}),
        ]),
        _dates(store),
        _filters(store, sources),
        _layers(sources),
        export_panel(store),
        _sources(store, sources),
    ])
