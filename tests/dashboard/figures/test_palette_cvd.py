"""The incident colours under simulated colour-vision deficiencies: every pair an analyst must tell apart
stays apart, in colour or, where colours come close, by the mark drawn on the points.

Simulation: Machado, Oliveira & Fernandes (2009) at full severity (deuteranopia, protanopia,
tritanopia), as implemented by colorspacious; distance: CAM02-UCS ΔE' (colorspacious' ``deltaE``).

Threshold, ``MIN_DISTANCE`` = 10: one CAM02-UCS unit is about one just-noticeable difference for large
patches seen side by side; map markers are small (8–34 px) and seen apart, and for marks that small
the difference needed to be told apart at a glance grows several-fold (Szafir 2018, "Modeling Color
Difference for Visualization Design", IEEE TVCG 24(1)). Ten units keeps that margin; the palette's
closest pair (reddish purple and orange under tritanopia) sits at 11.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from dashboard.figures.style import (
    CATEGORY_PALETTE,
    DISPLACEMENT_COLOURS,
    EVENT_TYPE_COLOURS,
    OTHER_CATEGORY,
    category_colours,
    category_marks,
)

colorspacious = pytest.importorskip("colorspacious")  # pinned in requirements-dev.txt

MIN_DISTANCE = 10.0
DEFICIENCIES = (None, "deuteranomaly", "protanomaly", "tritanomaly")


def rgb(colour: str) -> np.ndarray:
    return np.asarray([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float) / 255


def seen(colour: str, deficiency: str | None) -> np.ndarray:
    """``colour`` as a viewer with ``deficiency`` (at severity 100: the dichromat) sees it, in sRGB [0, 1]."""
    if deficiency is None:
        return rgb(colour)
    space = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
    return np.clip(colorspacious.cspace_convert(rgb(colour), space, "sRGB1"), 0, 1)


def distance(a: str, b: str, deficiency: str | None) -> float:
    return float(colorspacious.deltaE(seen(a, deficiency), seen(b, deficiency), input_space="sRGB1"))


def close_pairs(names: list[str]) -> list[tuple[str, str, str | None, float]]:
    """Pairs of categories whose colours come closer than the threshold for some viewer, and share a mark."""
    colours, marks = category_colours(names), category_marks(names)
    out = []
    for (i, a), (j, b) in itertools.combinations(enumerate(names), 2):
        for deficiency in DEFICIENCIES:
            d = distance(colours[i], colours[j], deficiency)
            if d < MIN_DISTANCE and marks[i] == marks[j]:
                out.append((a, b, deficiency, round(d, 1)))
    return out


def test_the_simulation_is_the_one_we_think():
    # Red and green, far apart for most viewers, collapse for a deuteranope: the model is switched on.
    assert distance("#ff0000", "#00ff00", None) > 50
    assert distance("#ff0000", "#00ff00", "deuteranomaly") < distance("#ff0000", "#00ff00", None) / 2


def test_event_type_colours_stay_apart_for_every_viewer():
    types = list(EVENT_TYPE_COLOURS)
    colours = category_colours(types)
    worst = min(distance(a, b, d) for a, b in itertools.combinations(colours, 2) for d in DEFICIENCIES)
    assert worst >= MIN_DISTANCE, worst
    assert close_pairs(types) == []


@pytest.mark.parametrize("names", [
    [f"Actor {chr(65 + i)} group" for i in range(8)] + [OTHER_CATEGORY],  # colour by actor: top 8 + Other
    ["State-based violence", "Non-state conflict", "One-sided violence"],  # another source's types
    ["exact place", "near the place (a few km)", "area or admin centroid"],  # colour by precision
])
def test_any_category_pair_differs_in_colour_or_mark(names):
    assert close_pairs(names) == []


def test_the_extra_palette_alone_keeps_its_neighbours_apart():
    """Okabe–Ito, the colours the categories of another field get, apart on colour alone."""
    close = [(a, b, d) for a, b in itertools.combinations(CATEGORY_PALETTE, 2) for d in DEFICIENCIES
             if distance(a, b, d) < MIN_DISTANCE]
    assert close == []


def test_displacement_series_apart_for_every_viewer():
    for deficiency in DEFICIENCIES:
        assert distance(DISPLACEMENT_COLOURS["stock"], DISPLACEMENT_COLOURS["flow"], deficiency) >= MIN_DISTANCE
