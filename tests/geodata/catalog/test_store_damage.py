"""A store that lost or broke a file says which, and a truncated mapped file never kills the process."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from geodata.catalog.parquet import DataDirectory, sidecar_path
from geodata.model.dataset import dataset_from_incidents
from geodata.model.errors import GeodataError, UnreadableFileError
from geodata.synthetic import synthetic_incidents
from tests.support import REPO


@pytest.fixture
def data(tmp_path):
    store = DataDirectory(tmp_path / "data")
    for name in ("kenya-2023", "chad-2024"):
        store.save(dataset_from_incidents(synthetic_incidents(300, seed=3), name=name, title=name))
    return store


@pytest.mark.parametrize("table", ["incidents", "displacement"])
def test_a_vanished_table_is_an_error_naming_it_not_an_empty_dataset(data, table):
    folder = data.path("kenya-2023")
    if table == "displacement":  # a table the description says has rows
        meta = json.loads((folder / "dataset.json").read_text())
        meta["rows"]["displacement"] = 12
        (folder / "dataset.json").write_text(json.dumps(meta))
    (folder / f"{table}.parquet").unlink()
    with pytest.raises(UnreadableFileError, match=rf"{table}\.parquet: .*table missing"):
        data.load("kenya-2023")
    assert len(data.load("chad-2024").incidents) == 300


def test_a_table_with_fewer_rows_than_recorded_is_damaged(data):
    source = data.path("chad-2024") / "incidents.parquet"
    small = DataDirectory(data.root.parent / "other")
    small.save(dataset_from_incidents(synthetic_incidents(10, seed=1), name="tiny", title="tiny"))
    source.write_bytes((small.path("tiny") / "incidents.parquet").read_bytes())
    with pytest.raises(UnreadableFileError, match=r"incidents\.parquet: .*10 rows where dataset\.json records 300"):
        data.load("chad-2024")


@pytest.mark.parametrize("content", ['{"rows": ', "[1, 2]", '{"rows": "many"}', "\udcff"])
def test_a_damaged_description_names_its_file_and_leaves_the_others_listed(data, content):
    path = data.path("kenya-2023") / "dataset.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    assert data.names() == ["chad-2024", "kenya-2023"]
    with pytest.raises(UnreadableFileError, match=r"dataset\.json: cannot read the file: damaged dataset description"):
        data.meta("kenya-2023")
    assert data.meta("chad-2024")["rows"]["incidents"] == 300


def test_damaged_stored_boundaries_are_an_error_naming_the_file(data):
    data.boundaries_path.write_bytes(b"PAR1 not really")
    with pytest.raises(UnreadableFileError, match=r"boundaries\.parquet: cannot read the file: damaged boundaries"):
        data.boundaries()


def test_folders_that_are_not_valid_names_are_not_datasets(data):
    stray = data.root / "reports"
    stray.mkdir()
    (stray / "dataset.json").write_text("{}")
    assert data.names() == ["chad-2024", "kenya-2023"]
    with pytest.raises(GeodataError, match="reserved"):
        data.load("reports")


def test_a_sidecar_truncated_before_mapping_is_rebuilt(data):
    path = sidecar_path(data.path("kenya-2023"))
    size = path.stat().st_size
    path.chmod(0o644)
    with path.open("r+b") as handle:
        handle.truncate(size // 2)
    dataset = data.load("kenya-2023")
    assert len(dataset.incidents) == 300 and dataset.incidents["notes"].notna().any()
    assert sidecar_path(data.path("kenya-2023")).stat().st_size == size


CHILD = textwrap.dedent("""
    import sys
    from geodata.catalog.parquet import DataDirectory, sidecar_path
    store = DataDirectory(sys.argv[1])
    first = store.load("kenya-2023")
    print(int(first.incidents["notes"].str.len().sum() > 0), flush=True)   # touches the mapped text
    path = sidecar_path(store.path("kenya-2023"))
    path.chmod(0o644)
    with path.open("r+b") as handle:
        handle.truncate(64)                  # what `cp other.arrow incidents....arrow` does to a mapped file
    print(store.damage("kenya-2023") is not None, flush=True)
    again = store.load("kenya-2023")       # what the site does when damage() says so: load again, never touch `first`
    print(len(again.incidents), int(again.incidents["notes"].str.len().sum() > 0), flush=True)
    print(store.damage("kenya-2023"), flush=True)
""")


def test_a_sidecar_truncated_under_a_running_store_is_detected_and_rebuilt_without_a_crash(data):
    done = subprocess.run([sys.executable, "-c", CHILD, str(data.root)], capture_output=True, text=True,
                          cwd=REPO, timeout=120, check=False)
    assert done.returncode == 0, f"killed or failed ({done.returncode}): {done.stderr[-2000:]}"
    assert done.stdout.split("\n")[:4] == ["1", "True", "300 1", "None"]
