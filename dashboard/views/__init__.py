"""View-models: filter state + store in, what a view shows out (figure dicts, table pages, panels).

The callbacks (:mod:`dashboard.callbacks`) and the briefing export
(:mod:`dashboard.export`) call the same functions, so a briefing is exactly
the screen. Views query the store; the figure builders they call
(:mod:`dashboard.figures`) get arrays and frames, never a store.

* :mod:`.map` — the map (point budget, overlays, basemap); :mod:`.timeline`; :mod:`.headline`;
* :mod:`.table` and :mod:`.detail` — the incidents table and the detail panel;
* :mod:`.selection` — place search, picked incidents; :mod:`.export` — the export panel's answer;
* :mod:`.cached` — figures kept in the app's result cache.
"""
