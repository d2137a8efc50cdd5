"""The place search's answer names a place once when the spelling typed is its name (issue 14)."""
from __future__ import annotations

from dashboard.views.selection import said
from geodata import Match


def _match(name: str, matched: str, how: str, origin: str = "") -> Match:
    return Match("CO-1", name, matched, how, 10.39, -75.51, origin)


def test_a_name_matched_as_itself_is_said_once():
    assert said(_match("Cartagena", "Cartagena", "name")) == "Cartagena"
    assert said(_match("Cartagena", "cartagena ", "spelling")) == "Cartagena"
    assert said(_match("San Andrés", "san  andrés", "alias", "GeoNames")) == "San Andrés (GeoNames)"


def test_another_spelling_is_named_with_the_place():
    text = said(_match("Cartagena", "Cartagena de Indias", "alias", "GeoNames"))
    assert text == "Cartagena — matched 'Cartagena de Indias' (GeoNames)"
    assert "another name" not in text
