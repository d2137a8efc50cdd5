"""Long-lived objects frozen out of the garbage collector's way; an app replaced after a re-import is
still collected."""
from __future__ import annotations

import gc
import json
import weakref

import pytest
from hostile_support import HEADLINE, callback_body, headline_count, import_colombia
from werkzeug.test import Client

from dashboard.server.heap import freeze_long_lived, refreeze
from dashboard.server.site import Site


@pytest.fixture
def unfrozen_after():
    yield
    gc.unfreeze()


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self):
        self.me = self


def test_frozen_objects_are_skipped_and_a_refreeze_frees_the_garbage_among_them(unfrozen_after):
    kept, dropped = Node(), Node()
    alive = weakref.ref(dropped)
    assert freeze_long_lived() > 0 and gc.is_tracked(kept)
    del dropped
    gc.collect()
    assert alive() is not None, "a frozen cycle is skipped by collections"
    refreeze()
    assert alive() is None and gc.get_freeze_count() > 0 and kept.me is kept


def test_refreeze_does_nothing_in_a_process_that_froze_nothing():
    gc.unfreeze()
    refreeze()
    assert gc.get_freeze_count() == 0


def test_a_rebuilt_app_is_collected_after_a_reimport_in_a_frozen_process(tmp_path, unfrozen_after):
    catalog = import_colombia(tmp_path / "data", 19)
    site = Site(catalog=catalog)
    old = weakref.ref(site._apps["antioquia"].app)
    body = json.dumps(callback_body(site._apps["antioquia"].app.callback_map, HEADLINE))
    freeze_long_lived()  # as gunicorn's master and python app.py do once set up
    import_colombia(tmp_path / "data", 21)
    answer = Client(site).post("/datasets/antioquia/_dash-update-component", data=body,
                               content_type="application/json")
    assert headline_count(answer.get_json()) == "21"
    gc.collect()
    assert old() is None, "the replaced app stayed frozen in memory"
