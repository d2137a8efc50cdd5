"""Optional map sources an app may have: admin boundaries, a local MBTiles basemap, areas of control.

Built once in :func:`dashboard.app.create_app`; the app serves the
boundaries of each level as simplified GeoJSON at
``<prefix>boundaries/adm<level>.geojson`` (plotly fetches it once per level
and caches it, instead of receiving the shapes with every figure) and the
tiles at ``<prefix>tiles/<z>/<x>/<y>.png``. Everything stays on the app's
origin.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
from dash import Dash
from flask import Response, abort

from dashboard.server.tiles import TILE_TEMPLATE, MBTiles, register_tile_route
from geodata.geo import boundaries as bnd
from geodata.geo.control import ControlAreas, read_control_areas

BOUNDARY_ROUTE = "boundaries/adm<int:level>.geojson"


@dataclass
class MapSources:
    """Boundaries (canonical GeoDataFrame, or ``None``) and local tiles (or ``None``) of one app."""

    boundaries: gpd.GeoDataFrame | None = None
    tiles: MBTiles | None = None
    boundaries_source: str = ""
    control: ControlAreas | None = None  # areas of control by date, drawn with the territory layer
    labels: pd.DataFrame = field(init=False)
    geojson: dict[int, str] = field(init=False)

    def __post_init__(self):
        levels = bnd.levels(self.boundaries)
        self.geojson = {level: bnd.web_geojson(self.boundaries, level) for level in levels}
        self.labels = (bnd.label_points(self.boundaries) if levels
                       else pd.DataFrame(columns=["pcode", "name", "admin_level", "latitude", "longitude"]))

    @property
    def levels(self) -> list[int]:
        return sorted(self.geojson)

    def pcodes(self) -> dict[int, set[str]]:
        """The p-codes each level's boundaries have."""
        return {level: set(self.labels.loc[self.labels["admin_level"] == level, "pcode"].astype(str))
                for level in self.levels}

    def areas(self, level: int) -> pd.DataFrame:
        return self.labels[self.labels["admin_level"] == level]

    def register(self, app: Dash) -> None:
        """Serve the boundaries and tiles of this app under its path prefix."""
        prefix = app.config.routes_pathname_prefix or "/"
        if self.geojson:
            def serve(level: int) -> Response:
                text = self.geojson.get(level)
                if text is None:
                    abort(404)
                return Response(text, mimetype="application/geo+json",
                                headers={"Cache-Control": "public, max-age=3600"})
            app.server.add_url_rule(prefix + BOUNDARY_ROUTE, endpoint="conflict_map_boundaries", view_func=serve)
        if self.tiles is not None:
            register_tile_route(app.server, self.tiles, prefix)

    @staticmethod
    def boundary_url(app: Dash, level: int) -> str:
        """Root-relative URL of one level's GeoJSON (resolved by the browser against the page)."""
        return app.get_relative_path(f"/boundaries/adm{level}.geojson")

    def tiles_url(self, app: Dash) -> str | None:
        """The ``{z}/{x}/{y}`` template of the local tiles, or ``None`` without a tile file."""
        if self.tiles is None:
            return None
        return app.get_relative_path("/" + TILE_TEMPLATE)


def load_map_sources(boundaries: gpd.GeoDataFrame | str | None = None, mbtiles: str | None = None,
                     control_areas: str | ControlAreas | None = None) -> MapSources:
    """Map sources from a boundaries frame or file spec (see :func:`geodata.geo.boundaries.load_boundaries`),
    an MBTiles path and a control-areas file (:func:`geodata.geo.control.read_control_areas`); any may be ``None``.

    Raises :class:`~geodata.model.errors.UnreadableFileError` (boundaries) or
    ``FileNotFoundError``/``ValueError`` (tiles) for files that cannot be used.
    """
    source = ""
    if boundaries is not None and not isinstance(boundaries, gpd.GeoDataFrame):
        source = ", ".join(p.name for p in bnd.boundary_files(boundaries))
        boundaries = bnd.load_boundaries(boundaries)
    elif boundaries is not None and len(boundaries) == 0:
        boundaries = None  # an empty catalog: no boundaries
    elif boundaries is not None:
        source = str(boundaries.attrs.get("source", "")) if hasattr(boundaries, "attrs") else ""
        missing = {"pcode", "name", "admin_level"} - set(boundaries.columns)
        if missing:
            raise ValueError(f"boundaries lack the column(s) {', '.join(sorted(missing))}")
    tiles = MBTiles(mbtiles) if mbtiles else None
    control = read_control_areas(control_areas) if isinstance(control_areas, str) else control_areas
    return MapSources(boundaries=boundaries, tiles=tiles, boundaries_source=source, control=control)
