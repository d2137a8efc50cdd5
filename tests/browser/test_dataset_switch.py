"""In the browser: the Dataset control lists the stored datasets the site names and opens one by its
link (issue 14)."""
from __future__ import annotations

import pytest

from dashboard.app import create_app
from dashboard.views.datasets import DATASETS_KEY
from tests.browser.support import PageLog

pytestmark = pytest.mark.browser


@pytest.mark.slow
def test_the_dataset_control_lists_and_opens_other_datasets(browser, serve, store):
    app = create_app(store)
    app.server.config[DATASETS_KEY] = lambda: [("sudan-dtm", "Sudan DTM displacement"),
                                               ("colombia-acled", "Colombia ACLED 2021")]
    url = serve(app.server)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log = PageLog(page)
    page.goto(url, wait_until="networkidle")
    page.click("#dataset-select")
    options = page.locator("[role=option]")
    options.first.wait_for(state="visible", timeout=10000)
    labels = options.all_text_contents()
    assert any("Colombia ACLED 2021" in label for label in labels)
    assert any("Sudan DTM displacement" in label for label in labels)
    assert any(store.dataset.title[:40] in label for label in labels)
    page.locator("[role=option]", has_text="Colombia ACLED 2021").click()
    page.wait_for_url("**/datasets/colombia-acled/", timeout=10000)
    assert log.outside_hosts() == set()
    context.close()
