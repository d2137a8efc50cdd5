"""A click on a Summary row filters every view: the row's area, actor or event type lands in the filter and
the link, a second click clears it, and a row that cannot filter (or a cleared cell) changes nothing."""
from __future__ import annotations

from datetime import date

from dashboard.state.controls import SUMMARY_CLICK, Context, controls_from_page, reconcile, summary_row
from dashboard.state.page import page_outputs
from dashboard.state.url import PageState
from geodata import FilterState

BOUNDS = (date(2021, 1, 1), date(2021, 3, 31))
TYPES = ("Battles", "Protests", "Violence against civilians")
CTX = Context(bounds=BOUNDS, event_types=TYPES, dataset="colombia", version="v1",
              admin_codes=frozenset({"CO05", "CO19", "CO05001"}))
CLICK = [{"prop_id": "summary-table.active_cell", "value": None}]


def controls(**changes):
    values = controls_from_page(PageState(FilterState.default(BOUNDS), dataset="colombia"), CTX)
    values.update(changes)
    return values


def cell(row_id):
    return {"row": 0, "column": 0, "column_id": "label", "row_id": row_id}


def test_a_row_names_what_it_filters_on():
    assert summary_row(cell("admin1|CO05"), CTX) == ("admin", "CO05")
    assert summary_row(cell("admin3|CO05001"), CTX) == ("admin", "CO05001")
    assert summary_row(cell("actor|ELN"), CTX) == ("actor", "ELN")
    assert summary_row(cell("event_type|Protests"), CTX) == ("event_type", "Protests")
    for junk in (None, {}, cell(None), cell("~3"), cell("admin1|"), cell("admin1|CO99"), cell("event_type|Riots"),
                 cell("country|CO"), cell("actor|" + "x" * 300), cell(["admin1|CO05"]), "admin1|CO05"):
        assert summary_row(junk, CTX) is None


def test_clicking_an_area_row_toggles_it_in_the_filter_and_the_link():
    added = reconcile(SUMMARY_CLICK, controls(), CTX, row=cell("admin1|CO05"))
    assert added.page.filter.admin_codes == ("CO05",) and added.controls["admin"] == ["CO05"]
    assert "admin=CO05" in added.search
    removed = reconcile(SUMMARY_CLICK, controls(admin=["CO05", "CO19"]), CTX, row=cell("admin1|CO05"))
    assert removed.page.filter.admin_codes == ("CO19",)


def test_clicking_an_actor_or_a_type_row():
    actor = reconcile(SUMMARY_CLICK, controls(actors=["FARC dissidents"]), CTX, row=cell("actor|ELN"))
    assert actor.page.filter.actors == ("ELN", "FARC dissidents")
    alone = reconcile(SUMMARY_CLICK, controls(), CTX, row=cell("event_type|Protests"))
    assert alone.page.filter.event_types == ("Protests",) and alone.controls["event_types"] == ["Protests"]
    again = reconcile(SUMMARY_CLICK, controls(event_types=["Protests"]), CTX, row=cell("event_type|Protests"))
    assert again.page.filter.event_types is None  # every type again


def test_the_page_callback_filters_then_clears_the_cell_and_ignores_a_cleared_one():
    out = page_outputs(CLICK, "?start=2021-01-01&end=2021-03-31", controls(), row=cell("admin1|CO19"),
                       current_filter=FilterState.default(BOUNDS).to_dict(), context=CTX)
    assert out["filter"]["admin_codes"] == ["CO19"] and out["row"] is None and "admin=CO19" in out["search"]
    assert page_outputs(CLICK, "", controls(), row=None, context=CTX) == {}
    assert page_outputs(CLICK, "", controls(), row=cell("~0"), context=CTX) == {}
