"""Every component id in one place, so layout, callbacks and tests agree."""

FILTER = "filter-state"
DATE_PICKER = "date-range-picker"
DATE_SLIDER = "date-range-slider"
EVENT_TYPES = "event-type-filter"
LAYERS = "layer-toggle"
MAP = "incident-map"
TIMELINE = "timeline"
#: The filter (without dates) the timeline's bars in the browser were drawn for.
TIMELINE_BARS = "timeline-bars"
#: The layout (basemap, view revision) the map in the browser was drawn with.
MAP_DRAWN = "map-drawn"
HEADLINE = "headline-figures"
HEADLINE_INCIDENTS = "headline-incidents"
HEADLINE_FATALITIES = "headline-fatalities"
HEADLINE_DISPLACED = "headline-displaced"
#: The caption under each headline figure (what it counts, as of when).
HEADLINE_INCIDENTS_WHAT = "headline-incidents-what"
HEADLINE_FATALITIES_WHAT = "headline-fatalities-what"
HEADLINE_DISPLACED_WHAT = "headline-displaced-what"
#: The line under each headline figure saying how it changed against the comparison period.
HEADLINE_INCIDENTS_CHANGE = "headline-incidents-change"
HEADLINE_FATALITIES_CHANGE = "headline-fatalities-change"
HEADLINE_DISPLACED_CHANGE = "headline-displaced-change"
#: Phone only: shows and hides the map's legend (assets/legend.js).
MAP_LEGEND_TOGGLE = "map-legend-toggle"
RANGE_LABEL = "range-label"
SOURCES = "sources"

# --- the analyst's workflow (issue 4): URL, playback, filters, table, details, place search ---
URL = "url"
DISPLAY = "display-state"
MAP_VIEW = "map-view"
SELECTED = "selected-incident"
LINK_NOTICE = "link-notice"
#: The quick date-range buttons, by the range each sets (:data:`dashboard.state.controls.QUICK`).
QUICK_RANGES = {"quick-7": "quick-range-7", "quick-30": "quick-range-30", "quick-90": "quick-range-90",
                "quick-all": "quick-range-all"}
PLAY = "play-button"
STEP_BACK = "step-back"
STEP_FORWARD = "step-forward"
PLAYBACK_INTERVAL = "playback-interval"
PLAYBACK_SPEED = "playback-speed"
PLAYBACK_STEP = "playback-step"
PLAYBACK_MODE = "playback-mode"
PLAYBACK_WINDOW = "playback-window-days"
SUB_TYPES = "sub-type-filter"
ACTORS = "actor-filter"
ADMIN_AREAS = "admin-area-filter"
#: Where the source's admin names and the boundaries disagree.
ADMIN_NOTE = "admin-area-note"
FATALITIES_MIN = "fatalities-min"
FATALITIES_MAX = "fatalities-max"
PRECISION = "precision-filter"
NOTES_SEARCH = "notes-search"
DATASET = "dataset-select"
CLEAR_ALL = "clear-all"
BASEMAP = "basemap-select"
ADMIN_LEVEL = "admin-level-select"
#: How incidents are drawn (issue 15): colour and size by a field, aggregation above the point budget.
COLOUR_BY = "colour-by-select"
SIZE_BY = "size-by-select"
AGGREGATE = "aggregate-select"
WEIGHT = "weight-select"
#: The period the headline and summary changes compare with (empty: the previous period of equal length).
BASELINE = "baseline-picker"
BASELINE_CLEAR = "baseline-clear"
PLACE_SEARCH = "place-search"
PLACE_RESULT = "place-search-result"
TABLE = "incident-table"
TABLE_NOTE = "incident-table-note"
DETAIL = "incident-detail"
DETAIL_BODY = "incident-detail-body"
DETAIL_CLOSE = "incident-detail-close"
#: Pattern-matching type of the buttons listing the incidents at the selected one's spot ({"type", "index": event id}).
SPOT_ITEM = "spot-item"
BOTTOM_TABS = "bottom-tabs"
TIMELINE_TAB = "bottom-tabs-timeline"
TABLE_TAB = "bottom-tabs-table"
TIMELINE_PANEL = "timeline-panel"
TABLE_PANEL = "table-panel"
#: The Summary tab (issue 15): groups ranked by incidents and fatalities, a click filters by the row.
SUMMARY_TAB = "bottom-tabs-summary"
SUMMARY_PANEL = "summary-panel"
SUMMARY_BY = "summary-by"
SUMMARY_TABLE = "summary-table"
SUMMARY_NOTE = "summary-note"
SUMMARY_CSV = "summary-csv-button"
SUMMARY_DOWNLOAD = "summary-download"

# --- export for briefings (issue 5) ---
EXPORT_PANEL = "export-panel"
EXPORT_TITLE = "export-title"
EXPORT_SIZE = "export-size"
EXPORT_PNG = "export-briefing-png"
EXPORT_PDF = "export-briefing-pdf"
EXPORT_CSV = "export-csv"
EXPORT_GEOJSON = "export-geojson"
EXPORT_PROVENANCE = "export-provenance"  # the CSV's provenance sidecar (.provenance.txt)
EXPORT_PACK = "export-pack"  # the briefing pack (.zip)
EXPORT_STATUS = "export-status"
EXPORT_BUSY = "export-busy"
EXPORT_DOWNLOAD = "export-download"
# the view's playback as a file (issue 16): format, button, progress (polled), status, download
EXPORT_PLAYBACK_FORMAT = "export-playback-format"
EXPORT_PLAYBACK_STEP = "export-playback-step"
EXPORT_PLAYBACK = "export-playback"
EXPORT_PLAYBACK_POLL = "export-playback-poll"
EXPORT_PLAYBACK_PROGRESS = "export-playback-progress"
EXPORT_PLAYBACK_STATUS = "export-playback-status"
EXPORT_PLAYBACK_DOWNLOAD = "export-playback-download"
CAMERA_NAME = "camera-file-name"
#: What the camera's picture says under the map (title, sources): data, not script.
CAMERA_BAND = "camera-band"

# --- the import page (/import/) ---
IMPORT_FORMAT = "import-format"
IMPORT_DATASET = "import-dataset"
IMPORT_SOURCE = "import-source"
IMPORT_SOURCE_URL = "import-source-url"
IMPORT_COUNTRY = "import-country"
IMPORT_UPLOAD = "import-upload"
IMPORT_REPORT = "import-report"
IMPORT_ANSWER = "import-answer"
IMPORT_DOWNLOAD = "import-download"
IMPORT_COUNTS = "import-counts"
IMPORT_OPEN = "open-dataset"
IMPORT_PROBLEMS = "import-problems"
IMPORT_DOWNLOAD_QUARANTINE = "download-quarantine"

# --- keyboard, phone and empty states (issue 14) ---
#: The phone layout's "Filters" button, which opens the controls column as a drawer.
FILTERS_TOGGLE = "filters-toggle"
CONTROLS = "controls-column"
#: The map's keyboard stop (a focusable region around the graph) and its messages.
MAP_REGION = "map-region"
MAP_MESSAGE = "map-message"
TILE_MESSAGE = "map-tile-message"
#: The slider's first day (ISO), read by assets/dates.js for tooltips and aria-valuetext.
SLIDER_WRAP = "date-slider-wrap"
TIMELINE_HINT = "timeline-hint"
FILTERS_CLOSE = "filters-close"
