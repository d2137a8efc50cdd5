"""Long-lived objects kept out of the cyclic garbage collector's way once a process is set up.

Why: a served dataset keeps many Python objects alive for the process's life (the apps and their layouts,
the store's frames and indexes, the GeoNames table). Every full collection walks them all; at 10^7
incidents one came every few callbacks and cost ~40 ms, so the map callback with hexagons at zoom 8 had a
median of 10 ms and a p95 of 50-65 ms. Frozen (``gc.freeze``) once they are built, they are skipped. In
gunicorn's master, frozen before the fork, the workers' collections also stop writing to those objects'
headers, so the pages holding them stay shared between the workers.
"""
from __future__ import annotations

import gc


def freeze_long_lived() -> int:
    """Collect what is garbage now, then freeze every object the collector tracks; how many are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def refreeze() -> None:
    """After an app is replaced (a re-import): unfreeze, so the old app's objects can be collected, and
    freeze what is alive then. Nothing happens in a process that froze nothing."""
    if gc.get_freeze_count():
        gc.unfreeze()
        freeze_long_lived()
