"""Every field of the source can be a column of the table (hidden until the analyst shows it)."""
from __future__ import annotations

import pytest

from dashboard.layout import build_layout
from dashboard.views.table import SOURCE_PREFIX, datatable_columns, table_page
from geodata import FilterState, IncidentStore
from geodata.model.dataset import dataset_from_incidents
from geodata.synthetic import synthetic_incidents
from tests.dashboard.support import find_component


@pytest.fixture(scope="module")
def with_fields() -> IncidentStore:
    frame = synthetic_incidents(30, seed=4)
    frame["inter1"] = ["3"] * 30  # ACLED's own fields, as an import keeps them
    frame["assoc_actor_1"] = ["Students (Colombia)"] * 10 + ["Teachers (Colombia)"] * 20
    frame["timestamp"] = [str(1_700_000_000 + i) for i in range(30)]
    return IncidentStore(dataset_from_incidents(frame, name="fields", title="Fields (test)"))


def test_the_sources_fields_are_columns_the_analyst_can_show(with_fields):
    start, end = with_fields.date_range()
    page = table_page(with_fields, FilterState(start, end), page_size=30)
    assert page.source_columns == ("inter1", "assoc_actor_1", "timestamp")
    assert {row[SOURCE_PREFIX + "assoc_actor_1"] for row in page.data} == {"Students (Colombia)", "Teachers (Colombia)"}
    columns = datatable_columns(page.source_columns)
    assert [c["name"] for c in columns][-3:] == ["inter1", "assoc_actor_1", "timestamp"]
    assert all(c["hideable"] for c in columns)
    table = find_component(build_layout(with_fields), "incident-table")
    assert set(table.hidden_columns) == {SOURCE_PREFIX + n for n in ("inter1", "assoc_actor_1", "timestamp")}


def test_a_source_column_sorts(with_fields):
    start, end = with_fields.date_range()
    page = table_page(with_fields, FilterState(start, end), page_size=30,
                      sort_by=[{"column_id": SOURCE_PREFIX + "timestamp", "direction": "desc"}])
    stamps = [row[SOURCE_PREFIX + "timestamp"] for row in page.data]
    assert stamps == sorted(stamps, reverse=True)


def test_a_dataset_without_its_own_fields_keeps_the_plain_table(store):
    assert table_page(store, FilterState(*store.date_range())).source_columns == ()
    assert not any(c["hideable"] for c in datatable_columns())
