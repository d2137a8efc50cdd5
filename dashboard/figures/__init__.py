"""Figure builders: arrays and frames in, plotly traces and figure dicts out (pure; never a store).

* :mod:`.map` — incident points or grid cells, displacement circles, context, composed on the offline style;
* :mod:`.overlays` — uncertainty halos, the highlight, boundaries, the choropleth;
* :mod:`.timeline` and :mod:`.headline`; :mod:`.basemap` — the offline MapLibre style;
* :mod:`.style` — colours, sizes and text helpers; :mod:`.plain` — figures as plain dicts with typed arrays.
"""
