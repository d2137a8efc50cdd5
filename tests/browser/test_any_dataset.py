"""In the browser: an ACLED export of another country, imported as a user would, opens on its own data.

The export is written here (Myanmar, 2021: real towns and their coordinates,
invented events): nothing of the shipped scenario may show on its page.
"""
from __future__ import annotations

import csv

import pytest

from dashboard.server.site import Site
from geodata.catalog.parquet import DataDirectory
from geodata.ingest import ingest_file
from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = pytest.mark.browser

#: (town, admin1, latitude, longitude): from Sittwe in the west to Myitkyina in the north.
TOWNS = [("Sittwe", "Rakhine", 20.1462, 92.8983), ("Myitkyina", "Kachin", 25.3833, 97.3964),
         ("Yangon", "Yangon", 16.8661, 96.1951), ("Lashio", "Shan", 22.9333, 97.75),
         ("Mandalay", "Mandalay", 21.9747, 96.0836), ("Hpa-An", "Kayin", 16.8906, 97.6333)]
EVENTS = [("Battles", "Armed clash", "Military Forces of Myanmar (2021-)", "Arakan Army"),
          ("Protests", "Peaceful protest", "Protesters (Myanmar)", ""),
          ("Explosions/Remote violence", "Air/drone strike", "Military Forces of Myanmar (2021-)", "Civilians (Myanmar)")]
SCENARIO_WORDS = ("Idlib", "Idleb", "Syria", "Saraq", "Balyun", "Behun", "Dec 2019", "Turkish")


def write_acled(path, rows: int = 36) -> None:
    header = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
              "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
              "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
              "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
              "fatalities", "tags", "timestamp"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(rows):
            town, admin1, lat, lon = TOWNS[i % len(TOWNS)]
            kind, sub, actor1, actor2 = EVENTS[i % len(EVENTS)]
            writer.writerow([f"MMR{1000 + i}", f"{1 + i % 28} March 2021", 2021, 1, "Political violence", kind, sub,
                             actor1, "", 1, actor2, "", 2, 12, "", 104, "Southeast Asia", "Myanmar", admin1, "", "",
                             town, round(lat + (i % 5) * 0.01, 4), round(lon - (i % 3) * 0.01, 4), 1,
                             "Test monitor", "National", f"Invented event {i} in {town} for a test.", i % 4, "",
                             1_620_000_000 + i])


@pytest.fixture(scope="module")
def myanmar_site(serve, tmp_path_factory):
    root = tmp_path_factory.mktemp("any-dataset")
    export = root / "acled_myanmar_2021.csv"
    write_acled(export)
    catalog = DataDirectory(root / "data")
    outcome = ingest_file(export, "acled", catalog, dataset="myanmar-2021", title="Myanmar, March 2021 (test)")
    assert outcome is not None
    return serve(Site(catalog=catalog))


def test_a_foreign_dataset_opens_on_its_data_with_none_of_the_scenario(browser, myanmar_site):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log = PageLog(page)
    page.goto(myanmar_site + "/datasets/myanmar-2021/", wait_until="networkidle")
    page.wait_for_selector("#incident-map .js-plotly-plot", timeout=30000)
    assert page.evaluate(WAIT_MAP_IDLE, "incident-map")
    page.wait_for_function("() => document.querySelector('#headline-incidents').textContent === '36'", timeout=30000)
    # Every incident lies inside what the map shows when the page opens.
    outside = page.evaluate("""() => {
        const gd = document.querySelector('#incident-map .js-plotly-plot');
        const bounds = gd._fullLayout.map._subplot.map.getBounds();
        const points = [];
        gd._fullData.filter(t => t.meta === 'incidents').forEach(t => {
            for (let i = 0; i < (t._length || 0); i++) if (t.lat[i] !== null) points.push([t.lon[i], t.lat[i]]);
        });
        return {count: points.length, outside: points.filter(p => !bounds.contains(p)).length};
    }""")
    assert outside == {"count": 36, "outside": 0}
    zoom = page.evaluate("() => document.querySelector('#incident-map .js-plotly-plot')._fullLayout.map.zoom")
    assert zoom > 3.5  # the country fills the map, not the world
    assert page.text_content("#headline-displaced-what") == "no displacement figures in this dataset"
    credit = page.evaluate("() => document.querySelector('#incident-map .js-plotly-plot').layout.annotations"
                           ".find(a => a.name === 'credit').text")
    assert "Highways" not in credit and "Natural Earth" in credit  # no roads drawn, none claimed
    text = page.inner_text("body")
    for word in SCENARIO_WORDS:
        assert word not in text, word
    assert log.outside_hosts() == set(), log.requests
    assert log.errors == []
    context.close()
