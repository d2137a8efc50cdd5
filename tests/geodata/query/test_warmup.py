"""The background warm-up builds the indexes, sums and map tables a first filter change needs, at a lower
priority, once per process; queries asked while it runs get the answers they get without it."""
from __future__ import annotations

import os
import threading
from dataclasses import replace
from datetime import timedelta

from geodata import FilterState
from geodata.query import warmup
from geodata.query.pyramid import pyramid_of
from tests.sahel_incidents import ACTORS, sahel_store


def states(store) -> list[FilterState]:
    start, end = store.date_range()
    whole = FilterState(start, end)
    return [whole, replace(whole, event_types=("Battles",)), replace(whole, precision=(1,)),
            replace(whole, actors=(ACTORS[1],)), replace(whole, sub_event_types=("Attack",)),
            replace(whole, fatalities_min=3), replace(whole, text="mali"),
            FilterState(end - timedelta(days=40), end, ("Battles", "Violence against civilians"), actors=(ACTORS[2],))]


def answers(store) -> list[tuple]:
    return [(store.positions(s).tolist(), store.fatality_totals(s), store.daily_counts(s).to_numpy().tolist())
            for s in states(store)]


def test_warm_up_builds_each_index_sum_and_grid_it_names():
    store = sahel_store(3_000, seed=11)
    pyramid = pyramid_of(store.columns)
    assert "quantized" not in vars(pyramid) and not store.indexes._built  # nothing before
    done = warmup.warm_up(store)
    assert done == [name for name, _ in [*warmup.first_page_steps(store), *warmup.steps(store)]]
    assert done[:2] == ["day sums", "type days"]  # the first page's headline and timeline before filters'
    assert {"quantized", "_type_blocks"} <= set(vars(pyramid))
    assert "geonames" in vars(store)  # the map's town labels
    assert {"_day_sums", "_type_day_sums", "_row_keys", "_type_days", "_estimates"} <= set(vars(store))
    assert set(store.indexes._built) == {"precision", "actors", "sub_types"}
    assert set(store._code_sums) == {"precision"}  # a precision filter's headline: lookups
    assert store.indexes.text()._coded is not False  # the notes' encoding decided (they repeat: encoded)


def test_queries_during_the_warm_up_answer_as_without_it():
    expected = answers(sahel_store(20_000, seed=5))
    store = sahel_store(20_000, seed=5)
    thread = warmup.start_warm_up(store)
    assert thread is not None
    during = answers(store)  # while the thread builds the same indexes
    thread.join(60)
    assert not thread.is_alive()
    assert during == expected
    assert answers(store) == expected


def test_the_warm_up_runs_once_per_process_the_first_page_at_full_priority_then_lower():
    store = sahel_store(1_000, seed=3)
    seen: list[int] = []

    def niceness() -> int:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return seen[-1]

    assert not warmup.started(store)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    later = store.indexes._index
    store.indexes._index = lambda name: (niceness(), later(name))[1]  # type: ignore[method-assign]
    thread = warmup.start_warm_up(store, [("niceness", niceness)])
    assert thread is not None and thread.daemon
    thread.join(60)
    assert warmup.started(store)
    assert warmup.start_warm_up(store) is None  # started already in this process
    assert seen[0] == ours  # the app's first-page step: not behind a niced thread
    assert seen[1] >= min(ours + warmup.NICENESS, 19)  # a filter's index: lower priority


def test_a_failing_step_is_skipped_not_raised(caplog):
    store = sahel_store(500, seed=2)

    def broken() -> None:
        raise RuntimeError("disk gone")

    done = warmup.warm_up(store, [("broken", broken), ("fine", lambda: None)])
    assert "broken" not in done and "fine" in done and "actors index" in done  # the rest still built
    assert "broken" in caplog.text


def test_an_empty_store_warms_nothing():
    store = sahel_store(0)
    assert warmup.warm_up(store) == []
    assert not store.indexes._built
