"""Export for briefings: a briefing image (PNG/PDF), the filtered rows (CSV/GeoJSON), a CLI.

Modules, one job each:

* :mod:`.briefing` builds the briefing page as one plotly figure (pure), on :mod:`.page`'s geometry,
  with its map labels chosen by :mod:`.labels` and its legend fitted by :mod:`.legend`;
* :mod:`.pack` the briefing pack (one zip: PDF, PNG, CSV, GeoJSON, summary, provenance);
* :mod:`.render` renders a figure with kaleido and Chromium (lock, timeout, errors) on the warm browser
  (:mod:`.warm`), in :mod:`.kaleido_page`'s page (no fixed wait, a map painted once), one export at a
  time first come first served (:mod:`.renderlock`); :mod:`.pdfdates` dates a PDF by its stamp;
* :mod:`.animation` a playback as GIF, MP4 or :mod:`.storyboard` PDF;
* :mod:`.tables` writes the filtered incidents as a plain CSV and GeoJSON, and the CSV's provenance sidecar;
* :mod:`.provenance` says in words what an export contains and where it comes from;
* :mod:`.links` builds and parses the link of a view; :mod:`.view` the map view and scale;
* :mod:`.sizes` output sizes; :mod:`.naming` download file names;
* :mod:`.service` ties them together for the UI and the CLI;
* ``python -m dashboard.export`` the CLI. The panel is in :mod:`dashboard.layout.export`, its
  callbacks in :mod:`dashboard.callbacks.export`: this package never imports Dash's callbacks.
"""
from dashboard.export.links import parse_view_link, view_link
from dashboard.export.render import ExportError, render_figure
from dashboard.export.sizes import PRESETS, OutputSize, parse_size
from dashboard.state.mapview import MapView

__all__ = ["PRESETS", "ExportError", "MapView", "OutputSize", "parse_size", "parse_view_link", "render_figure",
           "view_link"]
