"""The memory-mapped incidents sidecar (``incidents.arrow``): written, used, rebuilt, equal to the plain read."""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from geodata import FilterState, IncidentStore
from geodata.catalog import arrow
from geodata.catalog import parquet as storage
from geodata.catalog.parquet import read_dataset, sidecar_path, write_dataset
from geodata.model.dataset import dataset_from_incidents
from geodata.query.columns import FacetColumns, arrow_text
from geodata.synthetic import synthetic_incidents

WORDS = ["market", "convoy", "Shelling near the MARKET", "Ärzte ohne Grenzen", "سوق المدينة", "école",
         "straße", "", "50% of the convoy", "a.b*c", "İstanbul road"]


def _incidents(n: int = 4000, seed: int = 5) -> pd.DataFrame:
    frame = synthetic_incidents(n, seed=seed)
    rng = np.random.default_rng(seed)
    notes = pd.Series([" ".join(rng.choice(WORDS, size=3)) for _ in range(n)], dtype=object)
    notes[rng.random(n) < 0.1] = None
    frame["notes"] = notes.to_numpy()
    frame["event_id"] = [f"SYN{i:06d}" for i in range(n)]
    frame.loc[7, "event_id"] = frame.loc[3, "event_id"]  # a duplicated id, as found in real imports
    return frame


@pytest.fixture()
def folder(tmp_path):
    path = tmp_path / "syn"
    write_dataset(dataset_from_incidents(_incidents(), name="syn", title="Synthetic"), path)
    return path


def _plain(path) -> pd.DataFrame:
    """What read_dataset gave before the sidecar: the Parquet file read into memory, sorted by date."""
    frame = storage._read_table(path / "incidents.parquet", "incidents")
    return frame.sort_values("event_date", kind="stable").reset_index(drop=True)


def _tag(path) -> dict:
    with pa.memory_map(str(sidecar_path(path))) as source:
        return json.loads(ipc.open_file(source).schema.metadata[arrow.TAG_KEY])


def test_write_dataset_writes_a_tagged_sidecar_of_one_batch(folder):
    meta = json.loads((folder / storage.META).read_text())
    assert _tag(folder)["version"] == meta["version"]
    with pa.memory_map(str(sidecar_path(folder))) as source:
        reader = ipc.open_file(source)
        assert reader.num_record_batches == 1
        assert pa.types.is_dictionary(reader.schema.field("actor1").type)
        assert reader.schema.field("actor1").type.index_type == pa.int8()
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]  # no staging file left


def test_read_maps_the_sidecar_and_equals_the_plain_read(folder, monkeypatch):
    calls = []
    original = storage._read_table
    monkeypatch.setattr(storage, "_read_table", lambda path, name: calls.append(name) or original(path, name))
    dataset = read_dataset(folder)
    assert "incidents" not in calls  # the Parquet file is not read: the sidecar is current
    pd.testing.assert_frame_equal(dataset.incidents, _plain(folder))
    notes = arrow_text(dataset.incidents["notes"])
    assert notes is not None and notes.num_chunks == 1  # one chunk: a take never concatenates
    assert dataset.incidents["actor1"].cat.codes.dtype == np.int8


def test_missing_sidecar_is_rebuilt(folder):
    sidecar_path(folder).unlink()
    dataset = read_dataset(folder)
    assert sidecar_path(folder).exists()
    pd.testing.assert_frame_equal(dataset.incidents, _plain(folder))


def test_stale_sidecar_is_rebuilt(folder):
    meta = json.loads((folder / storage.META).read_text())
    meta["version"] = "0123456789abcdef"  # as if the Parquet file had been replaced by a newer version
    (folder / storage.META).write_text(json.dumps(meta))
    dataset = read_dataset(folder)
    assert _tag(folder)["version"] == "0123456789abcdef"
    assert [p.name for p in folder.glob("incidents.*.arrow")] == [sidecar_path(folder).name]  # the old one gone
    pd.testing.assert_frame_equal(dataset.incidents, _plain(folder))


def test_damaged_sidecar_is_rebuilt(folder):
    sidecar_path(folder).write_bytes(b"not an arrow file")
    dataset = read_dataset(folder)
    pd.testing.assert_frame_equal(dataset.incidents, _plain(folder))
    assert _tag(folder)["format"] == arrow.SIDECAR_FORMAT


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_read_only_folder_falls_back_to_the_parquet_file(folder, monkeypatch):
    sidecar_path(folder).unlink()

    def refuse(*args, **kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(storage, "write_sidecar", refuse)
    records = _Records()
    logging.getLogger("geodata.catalog.parquet").addHandler(records)
    try:
        dataset = read_dataset(folder)
    finally:
        logging.getLogger("geodata.catalog.parquet").removeHandler(records)
    assert any("reading the Parquet file into memory" in m for m in records.messages)
    assert not sidecar_path(folder).exists()
    pd.testing.assert_frame_equal(dataset.incidents, _plain(folder))


def test_unsorted_incidents_come_back_sorted_as_before(tmp_path):
    frame = _incidents(500, seed=9).sample(frac=1, random_state=1).reset_index(drop=True)
    dataset = dataset_from_incidents(frame, name="u", title="u")
    dataset = replace(dataset, incidents=frame)  # stored unsorted
    write_dataset(dataset, tmp_path / "u")
    back = read_dataset(tmp_path / "u")
    assert back.incidents["event_date"].is_monotonic_increasing
    pd.testing.assert_frame_equal(back.incidents, _plain(tmp_path / "u"))


def test_empty_dataset_round_trips(tmp_path):
    frame = _incidents(10).iloc[0:0]
    write_dataset(dataset_from_incidents(frame, name="e", title="e", period=(date(2020, 1, 1), date(2020, 2, 1))),
                  tmp_path / "e")
    back = read_dataset(tmp_path / "e")
    assert len(back.incidents) == 0 and list(back.incidents.columns) == list(_plain(tmp_path / "e").columns)
    assert len(IncidentStore(back).positions(FilterState.default(back.period))) == 0


# ------------------------------------------------------------ the store on mapped columns
@pytest.fixture()
def stores(folder):
    mapped = read_dataset(folder)
    return IncidentStore(mapped), IncidentStore(replace(mapped, incidents=_plain(folder)))


@pytest.mark.parametrize("text", ["market", "MARKET", "convoy", "ärzte", "سوق", "École", "straße", "50%",
                                  "a.b*c", "nothing like it", "e"])
def test_text_search_equals_plain_pandas(stores, text):
    mapped, plain = stores
    bounds = mapped.date_range()
    for state in (FilterState(bounds[0], bounds[1], text=text),
                  FilterState(bounds[0], bounds[1], event_types=("Battles",), text=text)):
        frame = plain.incidents
        expected = np.flatnonzero(
            frame["notes"].astype(object).map(lambda v: isinstance(v, str) and text.lower() in v.lower())
            & (True if state.event_types is None else frame["event_type"].isin(state.event_types)))
        assert np.array_equal(mapped.positions(state), plain.positions(state))
        if text.isascii():  # pandas' case folding and Python's lower() agree on ASCII
            assert np.array_equal(mapped.positions(state), expected)


def test_facet_columns_decode_to_the_same_names(stores):
    mapped, plain = stores
    a, b = mapped.columns.facets, plain.columns.facets
    for codes, names in (("sub_type_codes", "sub_type_names"), ("actor1_codes", "actor_names"),
                         ("actor2_codes", "actor_names"), ("admin_codes", "admin_names")):
        decode_a = np.asarray(list(getattr(a, names)) + [None], dtype=object)[getattr(a, codes)]
        decode_b = np.asarray(list(getattr(b, names)) + [None], dtype=object)[getattr(b, codes)]
        assert np.array_equal(decode_a, decode_b), codes


def test_id_lookup_equals_a_plain_comparison(stores):
    mapped, plain = stores
    ids = plain.incidents["event_id"].astype(object).to_numpy()
    for event_id in [ids[0], ids[-1], ids[3], "SYN999999", "", ids[1234]]:
        expected = np.flatnonzero(ids == event_id)
        assert np.array_equal(mapped.rows_with_id(event_id), expected)
        assert np.array_equal(plain.rows_with_id(event_id), expected)
        assert mapped.position_of(event_id) == (int(expected[0]) if len(expected) else None)


def test_facet_codes_match_on_categorical_and_text_columns():
    frame = pd.DataFrame({"sub_event_type": pd.Categorical(["a", None, "b", "a"]),
                          "actor1": pd.Series(["x", "y", None, "x"], dtype="str"),
                          "actor2": pd.Categorical(["y", "z", None, None]),
                          "notes": ["n"] * 4})
    facets = FacetColumns.from_frame(frame)
    names = np.asarray(list(facets.actor_names) + [None], dtype=object)
    assert names[facets.actor1_codes].tolist() == ["x", "y", None, "x"]
    assert names[facets.actor2_codes].tolist() == ["y", "z", None, None]
    assert facets.admin_codes.shape == (3, 4) and (facets.admin_codes == -1).all()


def test_table_page_and_exports_equal_on_mapped_rows(stores):
    from dashboard.export.provenance import Provenance
    from dashboard.export.tables import csv_bytes, geojson_bytes
    from dashboard.views.table import table_page

    mapped, plain = stores
    state = FilterState.default(mapped.date_range())
    stamp = datetime(2024, 1, 1, tzinfo=UTC)
    for store_a, store_b in ((mapped, plain),):
        for selected in (store_b.incidents["event_id"].iloc[3], store_b.incidents["event_id"].iloc[-1], "nope"):
            a = table_page(store_a, state, selected_id=selected, jump_to_selected=True, page_size=50)
            b = table_page(store_b, state, selected_id=selected, jump_to_selected=True, page_size=50)
            assert a == b
        narrow = replace(state, text="convoy")
        assert csv_bytes(store_a, narrow) == csv_bytes(store_b, narrow)
        assert geojson_bytes(store_a, narrow, Provenance.of(store_a, narrow, "test", stamp)) == \
            geojson_bytes(store_b, narrow, Provenance.of(store_b, narrow, "test", stamp))


def test_each_version_gets_its_own_read_only_sidecar(folder, tmp_path):
    """A mapped file must never be rewritten in place (truncating it would crash the processes
    reading it): each version is a new, read-only file, and the old one is unlinked, not reused."""
    first = sidecar_path(folder)
    assert first.name.startswith("incidents.") and first.name.endswith(".arrow")
    assert first.stat().st_mode & 0o222 == 0
    mapped = read_dataset(folder)  # maps the first file
    frame = _incidents(300, seed=5)
    write_dataset(dataset_from_incidents(frame, name="syn", title="Synthetic"), folder)
    second = sidecar_path(folder)
    assert second != first and second.exists() and not first.exists()
    assert len(mapped.incidents) == 4000 and mapped.incidents["notes"].iloc[-1]  # the old mapping still reads
    assert len(read_dataset(folder).incidents) == 300
