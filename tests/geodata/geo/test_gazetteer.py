"""Place names across transliterations and scripts."""
from __future__ import annotations

import pytest

from geodata.geo.gazetteer import normalise, skeleton


@pytest.mark.parametrize("query, name", [
    ("Behun", "Balyun"), ("behun", "Balyun"), ("Saraqeb", "Saraqib"), ("Saraqab", "Saraqib"),
    ("سراقب", "Saraqib"), ("Idleb", "Idlib"), ("إدلب", "Idlib"), ("ادلب", "Idlib"),
    ("Maarat al-Numan", "Ma'arrat al-Nu'man"), ("Saraqeeb", "Saraqib"),
])
def test_find_across_spellings(store, query, name):
    matches = store.gazetteer.find(query)
    assert matches and matches[0].name == name


def test_alias_is_explained(store):
    match = store.gazetteer.find("Behun")[0]
    assert match.how == "alias" and match.explanation == "Behun is another name for Balyun"
    assert store.gazetteer.display_name("Balyun") == "Balyun (Behun)"
    assert store.gazetteer.display_name("Saraqib") == "Saraqib (Saraqeb)"


def test_normalise_and_skeleton():
    assert normalise("Ma'arrat  al-Nu‘man") == normalise("maarrat al numan")
    assert skeleton("Saraqeb") == skeleton("Saraqib") == skeleton("Saraqab")
    assert store_free_unknown() == []


def store_free_unknown():
    import pandas as pd

    from geodata import Gazetteer
    return Gazetteer(pd.DataFrame({"place_id": [], "name": [], "latitude": [], "longitude": []})).find("Behun")
