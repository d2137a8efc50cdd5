"""The application factory: one Dash app over one store, with everything served locally."""
from __future__ import annotations

from pathlib import Path

from dash import Dash

from geodata import DEFAULT_DATASET, IncidentStore
from geodata.storage import open_dataset

from .callbacks import register_callbacks
from .layout import build_layout

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def create_app(store: IncidentStore | None = None, *, dataset: str | Path | None = None) -> Dash:
    """Build the app for ``store`` (or for a dataset folder, stored or CSV; by default the shipped scenario).

    Every script, stylesheet, font and glyph is served by the app itself:
    no CDN, no tile server, no outside request.
    """
    if store is None:
        store = IncidentStore(open_dataset(dataset or DEFAULT_DATASET))
    app = Dash(
        __name__,
        title="conflict-map",
        assets_folder=str(ASSETS),
        serve_locally=True,
        update_title=None,
        external_scripts=[],
        external_stylesheets=[],
    )
    app.layout = build_layout(store)
    register_callbacks(app, store)
    return app
