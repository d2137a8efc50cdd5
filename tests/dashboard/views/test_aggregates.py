"""The map over Mali with the density, squares, hexagons and territory layers, as the callbacks build it:
what is drawn where, what the status line says, and what it costs on the wire."""
from __future__ import annotations

import json

import numpy as np
import pytest
from dash._utils import to_json

from dashboard import ids
from dashboard.views.map import map_figure, map_needs_redraw
from geodata import FilterState
from geodata.query.budget import cell_degrees, grid_cells
from geodata.query.density import byte_limit
from geodata.query.territory import territory_changes
from tests.sahel_incidents import sahel_store

BASE = "/assets/"
BUDGET = 2_000
# The map over the Mopti cluster at zoom 8, as plotly reports it.
MOPTI = {"map.center": {"lon": -4.2, "lat": 14.5}, "map.zoom": 8,
         "map._derived": {"coordinates": [[-4.8, 15.0], [-3.6, 15.0], [-3.6, 14.0], [-4.8, 14.0]]}}


@pytest.fixture(scope="module")
def mali():
    return sahel_store(20_000)


def state(mali, *layers, **changes):
    return {**FilterState.default(mali.date_range()).to_dict(), "layers": list(layers), **changes}


def status(figure):
    return next(a["text"] for a in figure["layout"]["annotations"] if a.get("name") == "status")


def metas(figure):
    return [t["meta"] for t in figure["data"]]


def wire_bytes(traces):
    return len(to_json(traces))


@pytest.mark.parametrize(("aggregate", "kind", "words"), [
    ("density", "densitymap", "a density surface (~{} cells, by incidents"),
    ("squares", "choroplethmap", "squares (~{}, by incidents"),
    ("hexagons", "choroplethmap", "hexagons (H3 res {},"),
])
def test_over_the_budget_the_chosen_aggregate_is_drawn_and_named(mali, aggregate, kind, words):
    figure = map_figure(state(mali, "incidents"), mali, BASE, MOPTI, BUDGET,
                        display={"aggregate": aggregate, "weight": "incidents"})
    (cells,) = [t for t in figure["data"] if t["meta"] == "incidents-aggregate"]
    assert cells["type"] == kind
    assert "incidents" not in metas(figure)  # no raw points
    text = status(figure)
    assert text.startswith("20,000 incidents drawn as ") and "point budget 2,000" in text
    # The status line and the colour bar name the same cell (the budget's byte limit sets its size here).
    title = cells["colorbar"]["title"]["text"]
    size = title.split("~")[1].split(" ")[0] + " km" if aggregate != "hexagons" else title.split("res ")[1].split(",")[0]
    assert words.format(size) in text
    # What the cells hold adds up to the incidents around the view that the status line names.
    around = int(text.split("by incidents; ")[1].split(" in and around")[0].replace(",", ""))
    assert float(np.sum(cells["customdata"])) == around > 0
    assert wire_bytes([cells]) <= byte_limit(BUDGET)


def test_fatality_weight_colours_the_cells_by_fatalities(mali):
    figure = map_figure(state(mali, "incidents"), mali, BASE, MOPTI, BUDGET,
                        display={"aggregate": "hexagons", "weight": "fatalities"})
    (cells,) = [t for t in figure["data"] if t["meta"] == "incidents-aggregate"]
    assert cells["colorbar"]["title"]["text"].startswith("Fatalities per hexagon")
    assert "by fatalities" in status(figure)


def test_a_whole_year_at_the_default_budget_stays_under_the_byte_limit():
    big = sahel_store(200_000, seed=11)
    figure = map_figure(state(big, "incidents"), big, BASE, None, 50_000)
    (cells,) = [t for t in figure["data"] if t["meta"] == "incidents-aggregate"]
    assert cells["type"] == "densitymap" and float(np.sum(cells["customdata"])) == 200_000
    # Far finer than the 40 px grid the map drew before, at the same zoom.
    old = grid_cells(big.columns, big.positions(FilterState.default(big.date_range())),
                     cell_degrees(figure["layout"]["map"]["zoom"]))
    assert len(cells["lat"]) > 10 * len(old.counts)
    assert wire_bytes(figure["data"]) <= byte_limit(50_000)


def test_the_density_layer_is_drawn_under_the_points_whatever_the_budget(mali):
    march = state(mali, "incidents", "density", start="2023-03-01", end="2023-03-31")
    figure = map_figure(march, mali, BASE, MOPTI, 50_000, display={"weight": "incidents"})
    order = metas(figure)
    assert "density" in order and order.index("density") < order.index("incidents")
    (layer,) = [t for t in figure["data"] if t["meta"] == "density"]
    assert layer["type"] == "densitymap"
    assert status(figure).endswith("shown as points")
    # Over the budget with the density aggregate, the surface is drawn once, not twice.
    over = map_figure(state(mali, "incidents", "density"), mali, BASE, MOPTI, BUDGET, display={})
    assert metas(over).count("density") + metas(over).count("incidents-aggregate") == 1


def test_the_territory_layer_draws_the_ranges_changes_over_the_points(mali):
    for start, end in (("2023-01-01", "2023-01-31"), ("2023-06-01", "2023-06-30")):
        filter_data = state(mali, "incidents", "territory", start=start, end=end)
        figure = map_figure(filter_data, mali, BASE, None, 50_000)
        order = metas(figure)
        layer = [t for t in figure["data"] if t["meta"] == "territory"]
        assert len(layer) == 3 and order.index("territory") > max(i for i, m in enumerate(order) if m == "incidents")
        drawn = sum(len(t["lat"]) for t in layer if isinstance(t["lat"], np.ndarray))
        expected = territory_changes(mali.columns, mali.positions(FilterState.from_dict(filter_data,
                                                                                         mali.date_range())))
        assert drawn == len(expected) > 0
        assert max(max(t["marker"]["opacity"]) for t in layer if isinstance(t["marker"]["opacity"], np.ndarray)) > 0.9


def test_layers_off_draw_nothing_of_theirs(mali):
    figure = map_figure(state(mali, "incidents"), mali, BASE, MOPTI, 50_000)
    assert not {"density", "territory"} & set(metas(figure))


def test_a_pan_redraws_under_the_budget_only_while_the_density_layer_is_on(mali):
    march = {"start": "2023-03-01", "end": "2023-03-31"}
    assert map_needs_redraw(ids.MAP, MOPTI, state(mali, "incidents", "density", **march), mali, 50_000)
    assert not map_needs_redraw(ids.MAP, MOPTI, state(mali, "incidents", **march), mali, 50_000)


def test_the_figure_is_json_after_encoding(mali):
    figure = map_figure(state(mali, "incidents", "density", "territory"), mali, BASE, MOPTI, BUDGET,
                        display={"aggregate": "hexagons"})
    assert json.loads(to_json(figure))["data"]


def test_areas_of_control_in_force_at_the_ranges_end_are_drawn_with_the_territory_layer(mali, tmp_path):
    import geopandas as gpd
    import shapely

    from dashboard.app import create_app
    from dashboard.config import Config
    from dashboard.server.mapsources import MapSources, load_map_sources
    from dashboard.views.map import MapAssets

    path = tmp_path / "control.geojson"
    gpd.GeoDataFrame({"as_of": ["2023-01-01", "2023-06-01", "2023-06-01"], "controller": ["Army", "Army", "JNIM"]},
                     geometry=[shapely.box(-0.4, 15.9, 0.3, 16.6), shapely.box(-0.4, 15.9, 0.3, 16.6),
                               shapely.box(2.0, 15.6, 2.8, 16.2)], crs="EPSG:4326").to_file(path, driver="GeoJSON")
    assert Config.from_env({"CONFLICT_MAP_CONTROL_AREAS": str(path)}).control_areas == str(path)
    assets = MapAssets(sources=load_map_sources(None, None, str(path)))

    def control(start, end, layers=("incidents", "territory")):
        figure = map_figure(state(mali, *layers, start=start, end=end), mali, BASE, None, 50_000, assets=assets)
        traces = [t for t in figure["data"] if t["meta"] == "control-areas"]
        return {t["name"]: len(t["locations"]) for t in traces}, traces, metas(figure)

    drawn, traces, order = control("2023-03-01", "2023-07-31")
    assert drawn == {"Army": 1, "JNIM": 1}
    assert traces[0]["legendgrouptitle"]["text"] == "Areas of control as of 31 Jul 2023 (control.geojson)"
    assert order.index("control-areas") < order.index("incidents")  # under the points
    assert control("2023-03-01", "2023-03-31")[0] == {"Army": 1, "JNIM": 0}  # the January snapshot
    assert control("2023-01-01", "2023-01-31", ("incidents",))[0] == {}  # the layer is off
    assert "control-areas" not in metas(map_figure(state(mali, "territory"), mali, BASE, None, 50_000,
                                                   assets=MapAssets(sources=MapSources())))
    # The app reads the file its configuration names: a missing one stops it with the file named.
    from geodata.model.errors import UnreadableFileError

    create_app(mali, config=Config(control_areas=str(path)))
    with pytest.raises(UnreadableFileError, match="missing.geojson: cannot read the file: file not found"):
        create_app(mali, config=Config(control_areas=str(tmp_path / "missing.geojson")))


def test_after_a_move_by_the_app_the_cells_follow_its_centre_and_zoom(mali):
    # The place search moved the map over Gao at zoom 9: the browser has not reported corners yet.
    view = {"lat": 16.27, "lon": -0.04, "zoom": 9, "rev": 1, "move": True, "moved": True, "corners": None}
    figure = map_figure(state(mali, "incidents"), mali, BASE, None, BUDGET, view=view)
    text = status(figure)
    around = int(text.split("by incidents; ")[1].split(" in and around")[0].replace(",", ""))
    gao = mali.dataset.incidents.query("location == 'Gao'")
    assert 0 < around <= len(gao) < 20_000


@pytest.mark.parametrize("view", [None, MOPTI, {**MOPTI, "map.zoom": 12, "map._derived": {"coordinates": [
    [-4.22, 14.52], [-4.18, 14.52], [-4.18, 14.48], [-4.22, 14.48]]}}])
@pytest.mark.parametrize("budget", [50, 2_000, 10**6])
def test_states_of_dates_and_types_plan_as_their_positions_do(mali, view, budget):
    from dashboard.state.mapview import viewport_from_relayout
    from dashboard.views.aggregates import plan, state_plan

    viewport = viewport_from_relayout(view)
    for chosen in (FilterState.default(mali.date_range()),
                   FilterState(*mali.date_range(), event_types=("Battles", "Protests"))):
        quick, direct = state_plan(mali, chosen, viewport, budget), plan(mali.columns, mali.positions(chosen),
                                                                        viewport, budget)
        assert type(quick) is type(direct) and quick.total == direct.total == len(mali.positions(chosen))
        assert getattr(quick, "positions", np.empty(0)).tolist() == getattr(direct, "positions", np.empty(0)).tolist()
