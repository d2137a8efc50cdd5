"""The Dataset control lists every stored dataset the site names, the current one first (issue 14)."""
from __future__ import annotations

from dashboard.views.datasets import dataset_options

SHOWN = [{"label": "Sudan: El Fasher, 2024", "value": "sudan-2024"}]


def test_every_stored_dataset_is_listed_by_title_after_the_current_one():
    listed = lambda: [("somalia-hxl", "Somalia IDPs (HXL)"), ("sudan-2024", "ignored: the page's label stays"),  # noqa: E731
                      ("colombia-acled", "Colombia ACLED")]
    options = dataset_options("sudan-2024", SHOWN, listed)
    assert options == [{"label": "Sudan: El Fasher, 2024", "value": "sudan-2024"},
                       {"label": "Colombia ACLED", "value": "colombia-acled"},
                       {"label": "Somalia IDPs (HXL)", "value": "somalia-hxl"}]


def test_without_a_site_or_with_a_broken_catalog_the_current_dataset_stays():
    def broken():
        raise OSError("catalog unreachable")

    assert dataset_options("sudan-2024", SHOWN, None) == SHOWN
    assert dataset_options("sudan-2024", SHOWN, broken) == SHOWN
    assert dataset_options("sudan-2024", "not a list", None) == [{"label": "sudan-2024", "value": "sudan-2024"}]


class _Catalog:
    """Two stored datasets, as the site's catalog names them (no files needed to list them)."""

    path = None

    def names(self):
        return ["colombia-acled", "sudan-dtm"]

    def meta(self, name):
        return {"colombia-acled": {"title": "Colombia ACLED 2021"}, "sudan-dtm": {}}[name]


def test_the_site_gives_every_app_the_stored_datasets(store):
    from dashboard.app import create_app
    from dashboard.server.site import Site
    from dashboard.views.datasets import DATASETS_KEY

    site = Site(default=create_app(store), catalog=_Catalog(), preload=False)
    listed = site.default.server.config[DATASETS_KEY]
    assert listed() == [("colombia-acled", "Colombia ACLED 2021"), ("sudan-dtm", "sudan-dtm")]
    options = dataset_options(store.name, [{"label": "Shown", "value": store.name}], listed)
    assert [o["value"] for o in options] == [store.name, "colombia-acled", "sudan-dtm"]
