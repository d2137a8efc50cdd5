"""The Dataset control's options: every stored dataset, each opened by following its link.

The site that serves the app knows the stored datasets; it puts a callable giving ``(name, title)``
pairs in ``app.server.config[DATASETS_KEY]``. Without one (an app on its own) the control lists
the dataset shown.
"""
from __future__ import annotations

import logging
from typing import Any

from dashboard.figures.style import clip

#: Where the site puts its ``() -> [(name, title), ...]`` on each app's Flask config.
DATASETS_KEY = "CONFLICT_MAP_DATASETS"
MAX_LISTED = 500

log = logging.getLogger(__name__)


def dataset_options(current: str, shown: Any, listed: Any) -> list[dict]:
    """Options for every dataset ``listed()`` names (sorted by title) after the current one, whose
    label stays the one the page was built with (``shown``, the control's options)."""
    label = next((o.get("label") for o in shown if isinstance(o, dict) and o.get("value") == current), None) \
        if isinstance(shown, list) else None
    pairs: dict[str, str] = {current: label if isinstance(label, str) else current}
    if callable(listed):
        try:
            for name, other in list(listed())[:MAX_LISTED]:
                if isinstance(name, str) and name:
                    pairs.setdefault(name, str(other or name))
        except Exception:  # a catalog that cannot be read leaves the dataset shown; the page still opens
            log.exception("could not list the stored datasets")
    ordered = sorted(pairs.items(), key=lambda item: (item[0] != current, item[1].casefold()))
    return [{"label": clip(text), "value": name} for name, text in ordered]
