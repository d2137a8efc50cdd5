"""Export for briefings: a briefing image (PNG/PDF), the filtered rows (CSV/GeoJSON), a CLI.

Modules, one job each:

* :mod:`.briefing` builds the briefing page as one plotly figure (pure);
* :mod:`.render` renders a figure with kaleido and Chromium (lock, timeout, errors);
* :mod:`.tables` writes the filtered incidents as CSV and GeoJSON;
* :mod:`.provenance` says in words what an export contains and where it comes from;
* :mod:`.links` builds and parses the link of a view; :mod:`.view` the map view and scale;
* :mod:`.sizes` output sizes; :mod:`.naming` download file names;
* :mod:`.service` ties them together for the UI and the CLI;
* :mod:`.ui` the Dash panel and its callbacks; ``python -m dashboard.export`` the CLI.
"""
from dashboard.export.links import parse_view_link, view_link
from dashboard.export.render import ExportError, render_figure
from dashboard.export.sizes import PRESETS, OutputSize, parse_size
from dashboard.export.view import MapView

__all__ = ["PRESETS", "ExportError", "MapView", "OutputSize", "parse_size", "parse_view_link",
           "register_export_callbacks", "export_panel", "render_figure", "view_link"]


def __getattr__(name: str):
    # The Dash parts load on first use, so the CLI and the pure modules never import the UI.
    if name in ("export_panel", "register_export_callbacks"):
        from dashboard.export import ui
        return getattr(ui, name)
    raise AttributeError(name)
