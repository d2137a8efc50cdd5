"""dashboard: the Dash application over a geodata store (see ARCHITECTURE.md).

``app.create_app()`` builds one app; ``layout`` the page; ``callbacks`` wire it
(registration only); ``state`` (controls, URL, map view) and ``views``
(view-models) do the work; ``figures`` build traces from arrays; ``export``
makes briefings and data files; ``server`` is the HTTP side; ``config`` reads
every setting; ``ids`` names every component.
"""
