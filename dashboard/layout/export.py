"""The export panel in the controls column: title, size, the export buttons, status, download.

The CSV button gives a plain table (what every tool opens); its provenance is a separate small
download named after it (``…_incidents.provenance.txt``), and the pack holds both."""
from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.export.briefing import MAX_TITLE, default_title
from dashboard.export.sizes import PRESET_LABELS, PRESETS
from dashboard.views.export import camera_band
from geodata import IncidentStore

DEFAULT_SIZE = "slide"
#: The playback files offered (see dashboard.export.animation.PLAYBACK_FORMATS).
PLAYBACK_FILES = {"gif": "GIF", "mp4": "MP4 video", "storyboard": "Storyboard PDF"}
#: The file's step: the playback controls' (day or week), or calendar months, which a file of a long
#: period needs and the screen's playback does not offer (see dashboard.views.export.playback_options).
PLAYBACK_STEP = "playback"
EXPORT_STEPS = {PLAYBACK_STEP: "the playback's step", "month": "a month a frame"}


def export_panel(store: IncidentStore | None = None) -> html.Section:
    """Title, size, the export buttons, a status line and the download."""
    placeholder = default_title(store) if store is not None else "Default: the dataset's title"
    button = {"className": "export-button", "n_clicks": 0, "type": "button",
              "style": {"padding": "4px 8px", "fontSize": "12px", "cursor": "pointer"}}
    return html.Section(id=ids.EXPORT_PANEL, className="export", children=[
        html.H2("Export"),
        html.Label("Briefing title", htmlFor=ids.EXPORT_TITLE, style={"display": "block", "fontSize": "12px"}),
        dcc.Input(id=ids.EXPORT_TITLE, type="text", value="", placeholder=placeholder, maxLength=MAX_TITLE,
                  debounce=True, style={"width": "100%", "fontSize": "12px"}),
        dcc.RadioItems(id=ids.EXPORT_SIZE, value=DEFAULT_SIZE, className="checklist",
                       options=[{"label": PRESET_LABELS[k], "value": k} for k in PRESETS],
                       style={"margin": "6px 0"}),
        html.Div(className="export-buttons", style={"display": "flex", "flexWrap": "wrap", "gap": "6px"},
                 children=[html.Button("Briefing PNG", id=ids.EXPORT_PNG, **button),
                           html.Button("Briefing PDF", id=ids.EXPORT_PDF, **button),
                           html.Button("Briefing pack (zip)", id=ids.EXPORT_PACK,
                                       title="PDF, PNG, CSV, GeoJSON, summary and provenance in one zip", **button),
                           html.Button("CSV", id=ids.EXPORT_CSV,
                                       title="The filtered incidents as a plain table, for Excel, pandas or QGIS",
                                       **button),
                           html.Button("CSV provenance", id=ids.EXPORT_PROVENANCE,
                                       title="Where the CSV comes from: dataset, selection, sources, link "
                                             "(a .provenance.txt to keep beside it)", **button),
                           html.Button("GeoJSON", id=ids.EXPORT_GEOJSON, title="The filtered incidents, for GIS",
                                       **button)]),
        html.Div(id=ids.EXPORT_BUSY, className="range-label", **{"aria-live": "polite"}),
        html.Div(id=ids.EXPORT_STATUS, className="range-label", role="status", **{"aria-live": "polite"}),
        html.P("The map's camera button (top right of the map) saves the map as a PNG with its title, "
               "dates, scale bar, north arrow and sources.", className="range-label"),
        html.Div(className="export-playback", role="group", **{"aria-label": "Export playback"}, children=[
            html.Span("Playback of the dates shown, timed as the playback controls say, stepped as they say "
                      "or a month a frame",
                      id=ids.EXPORT_PLAYBACK + "-label", className="range-label"),
            dcc.RadioItems(id=ids.EXPORT_PLAYBACK_FORMAT, value="gif", inline=True, className="radio-inline",
                           options=[{"label": label, "value": key} for key, label in PLAYBACK_FILES.items()]),
            dcc.RadioItems(id=ids.EXPORT_PLAYBACK_STEP, value=PLAYBACK_STEP, inline=True, className="radio-inline",
                           options=[{"label": label, "value": key} for key, label in EXPORT_STEPS.items()]),
            html.Button("Export playback", id=ids.EXPORT_PLAYBACK, **button,
                        **{"aria-describedby": ids.EXPORT_PLAYBACK + "-label"}),
            html.Div(id=ids.EXPORT_PLAYBACK_PROGRESS, className="range-label", **{"aria-live": "polite"}),
            html.Div(id=ids.EXPORT_PLAYBACK_STATUS, className="range-label", role="status", **{"aria-live": "polite"}),
            dcc.Interval(id=ids.EXPORT_PLAYBACK_POLL, interval=1000, disabled=True),
            dcc.Download(id=ids.EXPORT_PLAYBACK_DOWNLOAD),
        ]),
        dcc.Download(id=ids.EXPORT_DOWNLOAD),
        dcc.Store(id=ids.CAMERA_NAME),  # the camera button's file name for the current filter
        dcc.Store(id=ids.CAMERA_BAND, data=camera_band(store) if store is not None else None),
    ])


