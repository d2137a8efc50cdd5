"""Entry point: ``python app.py`` for a local server, ``gunicorn app:server`` in production.

Configuration by environment variables:
``CONFLICT_MAP_DATASET`` (a dataset folder; default the shipped north-west Syria scenario),
``CONFLICT_MAP_HOST`` (default 127.0.0.1) and ``CONFLICT_MAP_PORT`` (default 8050).
"""
import os

from dashboard.app import create_app

app = create_app(dataset=os.environ.get("CONFLICT_MAP_DATASET") or None)
server = app.server

if __name__ == "__main__":
    app.run(host=os.environ.get("CONFLICT_MAP_HOST", "127.0.0.1"),
            port=int(os.environ.get("CONFLICT_MAP_PORT", "8050")), debug=False)
