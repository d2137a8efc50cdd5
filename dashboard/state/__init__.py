"""The page's state, as plain values: controls ↔ :class:`~geodata.FilterState` ↔ URL, and the map view.

* :mod:`.controls` — reconciles whichever control moved with all the others (pure);
* :mod:`.page` — what the page callback writes, from the browser's values;
* :mod:`.url` — the whole view as a query string and back (every view is a link);
* :mod:`.mapview` — where the map looks: :class:`~.mapview.MapView`, the view store,
  the one parser of plotly's ``relayoutData``.

Browser values are never trusted: malformed input falls back to defaults, nothing here raises.
"""
