"""Production serving: ``gunicorn -c gunicorn.conf.py app:server`` (settings below, each overridable
by its environment variable). The app is loaded once before forking (``preload_app``), so every
worker shares the dataset's memory pages instead of loading its own copy; callbacks keep no
per-process state, so any worker can answer any request."""
import multiprocessing
import os

bind = os.environ.get("CONFLICT_MAP_BIND", "127.0.0.1:8050")
workers = int(os.environ.get("CONFLICT_MAP_WORKERS", str(min(4, multiprocessing.cpu_count() + 1))))
threads = int(os.environ.get("CONFLICT_MAP_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("CONFLICT_MAP_TIMEOUT", "60"))  # a hung worker is replaced after this
graceful_timeout = 20
keepalive = 5
preload_app = True
max_requests = 2000  # recycle workers now and then (bounds any slow leak)
max_requests_jitter = 200
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
errorlog = "-"
