"""Browser tests: the real app served on 127.0.0.1, driven by Playwright in Debian's Chromium.

Never downloads a browser. With CI=true a missing Chromium fails the run
instead of skipping, so the browser tests cannot silently not run.
"""
from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from dashboard.app import create_app
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, open_map_page
from tests.support import require


@pytest.fixture(scope="session")
def live_server(serve, store):
    """The app over the shipped scenario, served for the whole session."""
    return serve(create_app(store).server)


@pytest.fixture(scope="session")
def browser():
    require(os.path.exists(CHROMIUM),
            f"Chromium not found at {CHROMIUM} (install Debian's chromium: make test does it as root)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="conflict-map-chromium-")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    shutil.rmtree(profile, ignore_errors=True)




@pytest.fixture
def app_page(browser, live_server):
    """A fresh page on the app, loaded, with the map drawn; yields (page, log)."""
    context, page, log = open_map_page(browser, live_server)
    yield page, log
    context.close()
