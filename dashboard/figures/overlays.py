"""Map layers added around the incident map: uncertainty, highlight, boundaries, choropleth.

Pure builders (data in, traces out), which :func:`dashboard.figures.map.incident_map`
slots around its own layers: boundaries and the choropleth go under everything,
the uncertainty halos and the highlight ring just under the incident
points, the hollow centres of approximate points on top. Every trace has a
``meta`` naming its layer (``approximate``, ``highlight``, ``boundaries``,
``choropleth``, ``place``).

Scattermap circles have no outline, so an approximate incident (coded to an
area or admin centroid, geo-precision 3) is drawn as its usual disc with a
white centre (a ring) inside a large translucent halo: "somewhere around
here". The selected incident gets a dark disc under it, which shows as a
thick outline.
"""
from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from dashboard.figures import plain
from dashboard.figures.basemap import GLYPH_FONT
from dashboard.figures.style import (
    FIXED_SIZE,
    category_colours,
    esc,
    format_count,
    format_day,
    marker_diameter,
    type_colour,
)

APPROXIMATE_LEGEND = "Approximate location (area or admin centroid)"
#: Above this many approximate points the halos are left out (the map is then aggregated anyway).
HALO_LIMIT = 5_000
CHOROPLETH_SCALE = [[0.0, "#deebf7"], [0.5, "#6baed6"], [1.0, "#08306b"]]  # one hue: colour-blind safe


def uncertainty_layer(latitude: np.ndarray, longitude: np.ndarray, fatalities: np.ndarray,
                      type_codes: np.ndarray, type_names: list[str],
                      fixed: bool = False) -> tuple[list[dict], list[dict]]:
    """(halos under the points, hollow centres over them) for approximate incidents.

    The arrays describe the approximate incidents only, one element each;
    ``type_codes`` index ``type_names`` (-1: unknown), the categories the
    points are coloured by. Halos take their category's colour through a
    stepped colour scale, so the colours travel as one byte a point instead
    of a colour string. ``fixed``: the points all have one size.
    """
    if len(latitude) == 0 or len(latitude) > HALO_LIMIT:
        return [], []
    size = np.full(len(latitude), FIXED_SIZE, dtype=np.float32) if fixed else marker_diameter(fatalities)
    palette = [*category_colours(type_names), type_colour("")]
    codes = np.where(np.asarray(type_codes) < 0, len(type_names), type_codes).astype(np.uint8)
    scale = [[i / (len(palette) - 1), colour] for i, colour in enumerate(palette)]
    common = dict(lat=np.asarray(latitude, dtype=np.float32), lon=np.asarray(longitude, dtype=np.float32),
                  mode="markers", meta="approximate", hoverinfo="skip")
    halo = plain.trace("scattermap", name=APPROXIMATE_LEGEND, legendgroup="approximate", showlegend=True,
                                legendgrouptitle=dict(text="Location precision"),
                                marker=dict(size=(size + 22).astype(np.uint8), color=codes, colorscale=scale,
                                            cmin=0, cmax=len(palette) - 1, opacity=0.2), **common)
    centre = plain.trace("scattermap", name="approximate (centre)", legendgroup="approximate", showlegend=False,
                                  marker=dict(size=np.maximum(np.round(size * 0.45), 4).astype(np.uint8),
                                              color="#ffffff", opacity=0.95), **common)
    return [halo], [centre]


def highlight_layer(latitude: float, longitude: float, fatalities: float | None) -> dict:
    """A dark disc under the selected incident: it shows as a thick ring around its point."""
    size = float(marker_diameter(np.asarray([np.nan if fatalities is None else fatalities]))[0])
    return plain.trace("scattermap", name="Selected incident", meta="highlight", showlegend=False, hoverinfo="skip",
                         lat=[float(latitude)], lon=[float(longitude)], mode="markers",
                         marker=dict(size=size + 12, color="#000000", opacity=0.9))


def boundary_layer(areas: pd.DataFrame, geojson_url: str, level: int) -> list[dict]:
    """Outlines of one admin level (clickable: a click filters by the area) and their labels.

    ``areas`` has ``pcode``, ``name``, ``latitude``, ``longitude`` (a point
    inside each area) for the level; ``geojson_url`` serves its shapes with
    ``properties.pcode``.
    """
    if areas.empty:
        return []
    names = areas["name"].astype("string").fillna("")
    codes = areas["pcode"].astype(str).to_numpy()
    outline = plain.trace("choroplethmap",
        name=f"Admin areas (level {level})", meta="boundaries", legendgroup="boundaries", showlegend=True,
        legendgrouptitle=dict(text="Boundaries"),
        geojson=geojson_url, featureidkey="properties.pcode", locations=codes,
        z=np.zeros(len(codes), dtype=np.uint8), zmin=0, zmax=1, showscale=False,
        colorscale=[[0, "rgba(255,255,255,0)"], [1, "rgba(255,255,255,0)"]],
        marker=dict(line=dict(color="#6b6b6b", width=1.2 if level == 1 else 0.8)),
        customdata=np.column_stack([[esc(n) for n in names], [esc(c) for c in codes]]),
        hovertemplate="<b>%{customdata[0]}</b> (%{customdata[1]})<br><i>Click to filter by this area</i>"
                      "<extra>admin " + str(level) + "</extra>",
    )
    labels = plain.trace("scattermap",
        name="area labels", meta="boundaries", legendgroup="boundaries", showlegend=False, hoverinfo="skip",
        lat=areas["latitude"].to_numpy(dtype=np.float64), lon=areas["longitude"].to_numpy(dtype=np.float64),
        mode="text", text=names.tolist(),  # map text is drawn by MapLibre as plain text: no escaping
        textfont=dict(family=GLYPH_FONT, size=11 if level == 1 else 10, color="#5a5a5a"),
    )
    return [outline, labels]


def choropleth_series(kinds: dict[str, str], headline: str | None) -> str | None:
    """The series the choropleth shows: the first period (flow) series, else the headline one."""
    flows = [s for s, kind in kinds.items() if kind == "flow"]
    return flows[0] if flows else headline


def choropleth_layer(figures: pd.DataFrame, series: str | None, known: dict[int, set[str]],
                     geojson_urls: dict[int, str]) -> list[dict]:
    """People displaced by admin area, for the figures of ``series`` whose p-code has a boundary.

    ``figures`` are the displacement rows in force for the range (one per
    series and place); ``known`` maps an admin level to the p-codes its
    boundaries have. Areas are shaded on one colour scale (light to dark blue).
    """
    if series is None or figures.empty:
        return []
    rows = figures[(figures["series"] == series) & figures["pcode"].notna()]
    traces = []
    for level, url in sorted(geojson_urls.items()):
        chosen = rows[rows["pcode"].astype(str).isin(known.get(level, set()))]
        if chosen.empty:
            continue
        people = chosen["displaced"].astype("float64").to_numpy()
        when = [format_day(d) for d in chosen["as_of"]]
        traces.append(plain.trace("choroplethmap",
            name=f"Displaced by area ({esc(series)})", meta="choropleth", legendgroup="choropleth",
            showlegend=False, geojson=url, featureidkey="properties.pcode",
            locations=chosen["pcode"].astype(str).to_numpy(), z=people, zmin=0,
            colorscale=CHOROPLETH_SCALE, marker=dict(opacity=0.42, line=dict(width=0.6, color="#ffffff")),
            colorbar=dict(title=dict(text="Displaced", font=dict(size=11)), thickness=10, len=0.35,
                          x=0.01, xanchor="left", y=0.62, yanchor="bottom", tickformat=".2s",
                          bgcolor="rgba(255,255,255,0.85)", tickfont=dict(size=10)),
            customdata=np.column_stack([
                [esc(str(p)) for p in chosen["place"]], [format_count(float(p)) for p in people], when,
                [esc(str(s))[:120] for s in chosen["source"]],
            ]),
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]} people (as of %{customdata[2]})"
                          "<br>%{customdata[3]}<extra>displacement by area</extra>",
        ))
    return traces


#: Code points the app's glyphs cover (see :mod:`dashboard.figures.basemap`): Latin, Latin Extended,
#: Latin Extended Additional, punctuation, Arabic and its presentation forms.
GLYPH_RANGES = ((0x0000, 0x01FF), (0x1E00, 0x1EFF), (0x2000, 0x20FF), (0x0600, 0x06FF), (0xFB00, 0xFBFF),
                (0xFE00, 0xFEFF))
_APOSTROPHES = {"\u02bb": "'", "\u02bc": "'", "\u02be": "'", "\u02bf": "'", "\u02b9": "'", "\u02c8": "'"}


def has_glyph(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in GLYPH_RANGES)


def drawable(text: str) -> str:
    """``text`` with only characters the local glyphs have (a missing range would make MapLibre
    ask for a glyph file that does not exist): modifier apostrophes become ``'``, other letters
    lose what their decomposition cannot give."""
    out = []
    for ch in str(text):
        if has_glyph(ch):
            out.append(ch)
        elif ch in _APOSTROPHES:
            out.append(_APOSTROPHES[ch])
        else:
            out.extend(c for c in unicodedata.normalize("NFKD", ch) if has_glyph(c) and c.isprintable())
    return " ".join("".join(out).split())


PLACE_COLOUR = "#6a1b9a"


def place_marker_layer(latitude: float, longitude: float, label: str, answer: str) -> list[dict]:
    """The place the search found: a purple ring with its name, at the gazetteer's point; the
    hover says which name matched and which source gave the point."""
    common = dict(lat=[float(latitude)], lon=[float(longitude)], meta="place", legendgroup="place",
                  showlegend=False)
    ring = plain.trace("scattermap", name="Place found", mode="markers+text", text=[drawable(label)],
                       textposition="bottom center", textfont=dict(family=GLYPH_FONT, size=12, color=PLACE_COLOUR),
                       marker=dict(size=20, color=PLACE_COLOUR, opacity=0.9),
                       customdata=[esc(answer)],
                       hovertemplate="%{customdata}<extra>place found (gazetteer point)</extra>",
                       **common)
    centre = plain.trace("scattermap", name="Place found (centre)", mode="markers", hoverinfo="skip",
                         marker=dict(size=9, color="#ffffff", opacity=1.0), **common)
    return [ring, centre]
