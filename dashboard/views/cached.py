"""Figures kept in the app's result cache, encoded for JSON once per distinct request."""
from __future__ import annotations

from collections.abc import Callable

import orjson

from dashboard.figures import plain
from dashboard.server.cache import ResultCache, cache_key

#: Tag of the figures' format in cache keys: bump it when a figure changes shape (Redis outlives a deploy).
FIGURE_FORMAT = "figure-1"


def cached_figure(cache: ResultCache, key_parts: tuple, build: Callable[[], dict]) -> dict:
    """``build()`` encoded for JSON (see ``figures/plain.py``), from ``cache`` when an identical
    request was answered before (by this worker, or by any worker sharing a Redis).

    ``key_parts`` must name everything the figure depends on, the dataset's
    version included; without a version nothing is cached.
    """
    try:
        key = cache_key(FIGURE_FORMAT, *key_parts) if key_parts[1] else None
    except (TypeError, ValueError):  # a value no key can hold (NaN from a hand-made request): just compute
        key = None
    if key is not None and (hit := cache.get(key)) is not None:
        return orjson.loads(hit)
    figure = plain.encoded(build())
    if key is not None:
        cache.set(key, orjson.dumps(figure))
    return figure


