"""Script payloads in the data (and in the URL) stay text: in hover labels, the table, the detail
panel, the legend and the about-the-data list, in headless Chromium.

The incidents carry the usual payloads in every text column an analyst's
file could fill: ``<img src=x onerror=...>``, ``<script>``, ``"><svg
onload=...>``, ``javascript:`` URLs. The page runs with the
Content-Security-Policy *bypassed*, so a payload that reached the DOM as
HTML would really run: the test checks the escaping, not the CSP (which is
a second line of defence). A payload that ran sets ``window.__xss`` or
opens a dialog; one that was injected without running leaves an element
with an ``on...`` attribute, an ``<img src=x>`` (and its request) or a
``javascript:`` link.
"""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

import pytest

from dashboard import ids
from dashboard.app import create_app
from geodata import IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents
from tests.browser.support import WAIT_MAP_IDLE, PageLog

pytestmark = pytest.mark.browser

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=1</script>"
SVG = '"><svg onload="window.__xss=1">'
ALERT = "<img src=x onerror=alert(document.domain)>"
LINK = '<a href="javascript:window.__xss=1">click</a>'
PAYLOADS = (IMG, SCRIPT, SVG, ALERT, LINK)
BAD_URLS = ("javascript:window.__xss=1", " JaVaScRiPt:window.__xss=1", "data:text/html,<script>window.__xss=1</script>",
            "vbscript:msgbox(1)", "https://example.org/ok?q=<script>")
TITLE = f"Hostile data {SCRIPT}"

#: Elements and links a payload would leave behind if it reached the DOM as HTML.
INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      if (/^on/i.test(attr)) found.push(el.tagName + '[' + attr + ']');
    }
  }
  for (const el of document.querySelectorAll('img')) {
    if ((el.getAttribute('src') || '') === 'x') found.push('img src=x');
  }
  for (const el of document.querySelectorAll('script')) {
    if ((el.textContent || '').includes('__xss')) found.push('script __xss');
  }
  for (const el of document.querySelectorAll('a, [href], [*|href]')) {
    const href = (el.getAttribute('href') || el.getAttribute('xlink:href') || '').trim().toLowerCase();
    if (/^(javascript|vbscript|data):/.test(href.replace(/[\\s\\u0000-\\u001f]/g, ''))) found.push('link ' + href);
  }
  return found;
}"""

#: Page coordinates of the incident points drawn inside the visible map.
POINTS = """() => {
  const gd = document.querySelector('#incident-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const rect = map.getCanvas().getBoundingClientRect();
  const out = [];
  for (const t of gd._fullData) {
    if (t.meta !== 'incidents' || !t.visible) continue;
    for (let i = 0; i < t._length; i++) {
      if (t.lat[i] === null) continue;  // an empty type's trace: one point without coordinates
      const p = map.project([t.lon[i], t.lat[i]]);
      const x = rect.left + p.x, y = rect.top + p.y;
      if (p.x < 20 || p.y < 20 || p.x > rect.width - 20 || p.y > rect.height - 20) continue;
      const under = document.elementFromPoint(x, y);
      if (under && under.closest('#incident-map') && !under.closest('.legend')) out.push([x, y]);
    }
  }
  return out;
}"""


def hostile_store() -> IncidentStore:
    """50 synthetic incidents whose every text column carries script payloads."""
    frame = synthetic_incidents(50)
    n = len(frame)

    def cycle(values, offset=0):
        return [values[(i + offset) % len(values)] for i in range(n)]
    frame["notes"] = [f"Note {i}: {p}" for i, p in enumerate(cycle(PAYLOADS))]
    frame["actor1"] = cycle(PAYLOADS, 1)
    frame["actor2"] = cycle(PAYLOADS, 2)
    frame["location"] = [f"{p} town" for p in cycle(PAYLOADS, 3)]
    frame["source"] = [f"Source {p} see javascript:window.__xss=1" for p in cycle(PAYLOADS, 4)]
    frame["source_url"] = cycle(BAD_URLS)
    frame["sub_event_type"] = cycle(PAYLOADS, 2)
    frame["admin1"] = cycle((f"Idleb {IMG}", "Aleppo"))
    frame["geo_precision_note"] = cycle((SVG, None, None))
    frame["event_id"] = [f"XSS{i}" + (IMG if i % 10 == 0 else "") for i in range(n)]
    frame.loc[frame.index % 7 == 0, "event_type"] = f"Battles {IMG}"
    dataset = dataset_from_incidents(frame, name="hostile", title=TITLE)
    return IncidentStore(replace(dataset, attribution=f"Attribution {SVG} {LINK}"))


@pytest.fixture(scope="module")
def hostile_server(serve):
    """The app over the hostile store, on a live server."""
    return serve(create_app(hostile_store()).server)


class HostilePage:
    """A page on the hostile app with the CSP bypassed, recording dialogs, requests and errors."""

    def __init__(self, browser, url: str, *, wait_for_map: bool = True):
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        self.page = self.context.new_page()
        self.log = PageLog(self.page)
        self.dialogs: list[str] = []

        def on_dialog(dialog):
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()
        self.page.on("dialog", on_dialog)
        self.page.goto(url, wait_until="networkidle")
        self.page.wait_for_selector("#incident-map .js-plotly-plot")
        if wait_for_map:
            assert self.page.evaluate(WAIT_MAP_IDLE, "incident-map"), "the map never became idle"

    def assert_nothing_ran(self) -> None:
        page = self.page
        page.wait_for_timeout(300)  # let any injected onerror/onload fire
        assert page.evaluate("() => window.__xss") is None, "a payload ran"
        assert self.dialogs == [], self.dialogs
        assert page.evaluate(INJECTED) == []
        assert not [u for u in self.log.requests if u.rstrip("/").endswith("/x")], "an <img src=x> was loaded"
        assert self.log.outside_hosts() == set(), self.log.requests

    def text(self, selector: str) -> str:
        return self.page.locator(selector).inner_text()


@pytest.fixture(scope="module")
def hostile_page(browser, hostile_server):
    """One page for the tests below (loading it is the slow part); they only add to what is open."""
    page = HostilePage(browser, hostile_server)
    yield page
    page.context.close()


def hover_labels(page, wanted: int = 4) -> list[str]:
    """The text of the hover labels of up to ``wanted`` incident points, hovered one after another."""
    labels = []
    for x, y in page.evaluate(POINTS)[:25]:
        page.mouse.move(x, y)
        try:
            page.wait_for_selector("#incident-map .hoverlayer .hovertext", timeout=1500)
        except Exception:  # noqa: BLE001 (a point under another one: try the next)
            continue
        labels.append(page.evaluate("() => document.querySelector('#incident-map .hoverlayer').textContent"))
        page.mouse.move(5, 5)
        if len(labels) >= wanted:
            break
    return labels


def test_the_page_and_legend_render_payloads_as_text(hostile_page):
    hostile_page.assert_nothing_ran()
    page = hostile_page.page
    assert "Battles" in page.locator(f"#{ids.EVENT_TYPES}").inner_text()
    legend = page.evaluate("""() => [...document.querySelectorAll('#incident-map .legendtext')]
                                    .map(e => e.textContent).join(' | ')""")
    assert "Battles" in legend


def test_hover_labels_show_payloads_as_text(hostile_page):
    page = hostile_page.page
    assert len(page.evaluate(POINTS)) >= 3, "the incidents are drawn inside the map"
    labels = hover_labels(page)
    assert labels, "no hover label appeared"
    shown = " ".join(labels)
    assert "<script>" in shown or "<img src=x" in shown or "<svg onload" in shown, shown
    hostile_page.assert_nothing_ran()


def test_hover_labels_show_quotes_as_typed(hostile_page):
    shown = " ".join(hover_labels(hostile_page.page))
    assert "&quot;" not in shown and 'onerror="window.__xss=1"' in shown, shown


def test_about_the_data_never_links_a_javascript_url(hostile_page):
    page = hostile_page.page
    page.click(f"#{ids.SOURCES} > summary")
    sources = page.locator(f"#{ids.SOURCES}")
    text = sources.inner_text()
    assert SCRIPT in text, "the title is shown as text"
    assert "Attribution" in text and SVG.strip('"') in text
    hrefs = page.evaluate(f"""() => [...document.querySelectorAll('#{ids.SOURCES} a[href]')]
                                     .map(a => a.getAttribute('href'))""")
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    hostile_page.assert_nothing_ran()


def test_table_and_detail_panel_show_payloads_as_text(hostile_page):
    page = hostile_page.page
    page.click(f"#{ids.TABLE_TAB}")
    table = page.locator(f"#{ids.TABLE}")
    table.locator("td").first.wait_for(timeout=10000)
    text = table.inner_text()
    assert any(p in text for p in PAYLOADS), text[:500]
    hostile_page.assert_nothing_ran()

    # Open the detail panel from the first row, as an analyst would.
    table.locator("td").first.click()
    page.wait_for_selector(f"#{ids.DETAIL}:not([hidden])", timeout=10000)
    detail = hostile_page.text(f"#{ids.DETAIL_BODY}")
    assert "Note" in detail and any(p in detail for p in PAYLOADS), detail
    hrefs = page.evaluate(f"""() => [...document.querySelectorAll('#{ids.DETAIL} a[href]')]
                                     .map(a => a.getAttribute('href'))""")
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    hostile_page.assert_nothing_ran()


def test_payloads_in_the_link_stay_text(browser, hostile_server):
    query = "&".join(f"{key}={quote(value)}" for key, value in [
        ("q", IMG), ("actor", SCRIPT), ("type", SVG), ("sub", ALERT), ("ds", SVG), ("v", IMG),
        ("admin", LINK), ("start", SCRIPT), ("base", "javascript:alert(1)")])
    page = HostilePage(browser, f"{hostile_server}/?{query}", wait_for_map=False)
    try:
        page.page.wait_for_function(f"() => document.getElementById('{ids.HEADLINE_INCIDENTS}').textContent !== ''",
                                    timeout=60000)
        page.assert_nothing_ran()
        assert page.page.locator(f"#{ids.NOTES_SEARCH}").input_value() in ("", IMG)
    finally:
        page.context.close()
