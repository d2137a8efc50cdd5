"""The page's HTML says its language and names the dataset in its title, escaped (issue 14)."""
from __future__ import annotations

import dataclasses

from dashboard.app import create_app
from geodata import IncidentStore


def test_the_page_has_a_language_and_the_dataset_title(scenario):
    dataset = dataclasses.replace(scenario, title="Cauca & Nariño <incidents>")
    app = create_app(IncidentStore(dataset))
    page = app.server.test_client().get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "<title>Cauca &amp; Nariño &lt;incidents&gt; · conflict-map</title>" in page
    assert "<incidents>" not in page
