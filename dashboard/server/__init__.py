"""The web server around the Dash apps: everything about HTTP, nothing about figures.

* :mod:`.site` — the WSGI site: the default dataset at ``/``, stored datasets at
  ``/datasets/<name>/``, the import page at ``/import/``;
* :mod:`.security` — headers, request size limits, callback-body validation,
  authentication and the admission limit (bounded in-flight callbacks);
* :mod:`.compression` — zstd, brotli or gzip answers;
* :mod:`.cache` — the result cache (per process, or Redis shared by workers);
* :mod:`.mapsources` and :mod:`.tiles` — optional boundaries and a local MBTiles basemap, served by the app;
* :mod:`.upload` — the import page (``/import/``).
"""
