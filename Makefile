# Two commands do everything on a fresh machine with Python 3.11:
#   make run    create .venv if needed, install, start the app on http://127.0.0.1:8050
#   make test   install test dependencies (and Debian's chromium when root), lint, type-check, run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint chromium postgres redis nginx proxy bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/python app.py

# Browser tests drive Debian's Chromium (never a downloaded browser).
chromium:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && command -v pdftotext >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver poppler-utils; \
	else \
	  echo "Browser tests need Debian's chromium, chromium-driver and poppler-utils:"; \
	  echo "  sudo apt-get install chromium chromium-driver poppler-utils"; \
	fi

# PostGIS for the PostgreSQL store's tests (geodata.catalog.postgis): Debian's postgresql and its postgis
# package (installed when root), a throwaway cluster in $(PG_DIR) listening on 127.0.0.1:$(PG_PORT)
# only, run as the postgres user, with a database conflict_map_test that has the postgis and pg_trgm extensions
# (pg_trgm ships with Debian's postgresql server package; installed in public, every test schema sees it).
# Tests read CONFLICT_MAP_TEST_DATABASE_URL; they skip without a database unless CI=true.
PG_PORT ?= 54329
PG_DIR ?= /tmp/conflict-map-pg
export CONFLICT_MAP_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:$(PG_PORT)/conflict_map_test

postgres:
	@set -e; \
	newest() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }; \
	bin=$$(newest); version=$$(basename "$$(dirname "$$bin")"); \
	if [ -z "$$bin" ] || [ ! -f /usr/share/postgresql/$$version/extension/postgis.control ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "PostGIS tests need Debian's postgresql and postgresql-<version>-postgis-3: sudo make postgres"; exit 0; \
	  fi; \
	  apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  bin=$$(newest); version=$$(basename "$$(dirname "$$bin")"); \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-$$version-postgis-3 >/dev/null; \
	fi; \
	mkdir -p $(PG_DIR); \
	if [ "$$(id -u)" = 0 ]; then as="runuser -u postgres --"; chown postgres:postgres $(PG_DIR); else as=""; fi; \
	chmod 700 $(PG_DIR); \
	if [ -f $(PG_DIR)/PG_VERSION ] && [ "$$(cat $(PG_DIR)/PG_VERSION)" != "$$version" ]; then \
	  $$as $$bin/pg_ctl -D $(PG_DIR) -m immediate stop >/dev/null 2>&1 || true; \
	  $$as find $(PG_DIR) -mindepth 1 -delete; \
	fi; \
	if ! $$bin/pg_isready -q -h 127.0.0.1 -p $(PG_PORT) -U postgres; then \
	  pid=$$(head -n 1 $(PG_DIR)/postmaster.pid 2>/dev/null || true); \
	  case "$$(cut -d' ' -f2,3 /proc/$$pid/stat 2>/dev/null)" in \
	    "(postgres) "[!ZX]) ;; \
	    *) rm -f $(PG_DIR)/postmaster.pid $(PG_DIR)/.s.PGSQL.$(PG_PORT) $(PG_DIR)/.s.PGSQL.$(PG_PORT).lock ;; \
	  esac; \
	  [ -f $(PG_DIR)/PG_VERSION ] || \
	    $$as $$bin/initdb -D $(PG_DIR) -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null; \
	  $$as $$bin/pg_ctl -D $(PG_DIR) -l $(PG_DIR)/server.log -w -t 60 -o "-p $(PG_PORT) -k $(PG_DIR) \
	    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null; \
	fi; \
	psql="$$as $$bin/psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $(PG_PORT) -U postgres"; \
	$$psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'conflict_map_test'" | grep -q 1 || \
	  $$psql -d postgres -c "CREATE DATABASE conflict_map_test"; \
	$$psql -d conflict_map_test -c "SET client_min_messages TO warning" -c "CREATE EXTENSION IF NOT EXISTS postgis" \
	  -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"; \
	echo "PostGIS $$version ready: $(CONFLICT_MAP_TEST_DATABASE_URL)"

# Redis for the shared cache's tests (dashboard.server.cache): Debian's redis-server (installed when root), a
# throwaway instance listening on 127.0.0.1:$(REDIS_PORT) only, daemonized, without persistence, its
# pid file and log in $(REDIS_DIR) (run as the redis user when root).
# Tests read CONFLICT_MAP_TEST_REDIS_URL; they skip without Redis unless CI=true.
REDIS_PORT ?= 63790
REDIS_DIR ?= /tmp/conflict-map-redis
export CONFLICT_MAP_TEST_REDIS_URL ?= redis://127.0.0.1:$(REDIS_PORT)/0

redis:
	@set -e; \
	if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "Redis tests need Debian's redis-server: sudo make redis"; exit 0; \
	  fi; \
	  apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	fi; \
	mkdir -p $(REDIS_DIR); \
	if [ "$$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then as="runuser -u redis --"; chown redis: $(REDIS_DIR); \
	else as=""; fi; \
	chmod 700 $(REDIS_DIR); \
	ping() { redis-cli -h 127.0.0.1 -p $(REDIS_PORT) ping 2>/dev/null | grep -q PONG; }; \
	if ! ping; then \
	  $$as redis-server --bind 127.0.0.1 --port $(REDIS_PORT) --protected-mode yes --daemonize yes \
	    --dir $(REDIS_DIR) --pidfile $(REDIS_DIR)/redis.pid --logfile $(REDIS_DIR)/redis.log \
	    --save "" --appendonly no --maxmemory 256mb --maxmemory-policy allkeys-lru; \
	  for i in $$(seq 50); do ping && break; sleep 0.1; done; \
	  ping || { echo "Redis did not start; see $(REDIS_DIR)/redis.log"; exit 1; }; \
	fi; \
	echo "Redis ready: $(CONFLICT_MAP_TEST_REDIS_URL)"

# The production front (deploy/, README "Production"): Debian's nginx in front of gunicorn, both on loopback:
# nginx on 127.0.0.1:$(PROXY_PORT) -> gunicorn on CONFLICT_MAP_BIND (default 127.0.0.1:8050); rendered config,
# pid files and logs in $(PROXY_DIR). Idempotent: a running gunicorn is kept, a running nginx reloaded.
# Stop both with: $(BIN)/python deploy/proxy.py stop --state $(PROXY_DIR). `nginx` only installs it (when root):
# the proxy test (tests/dashboard/server/test_proxy.py) starts its own nginx and gunicorn on free ports.
PROXY_PORT ?= 8080
PROXY_DIR ?= /tmp/conflict-map-proxy
has_nginx = command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]

nginx:
	@if $(has_nginx); then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; \
	else \
	  echo "The production front and its test need Debian's nginx: sudo apt-get install nginx-light (or sudo make nginx)"; \
	fi

proxy: $(VENV)/.installed nginx
	@if $(has_nginx); then \
	  $(BIN)/python deploy/proxy.py start --listen 127.0.0.1:$(PROXY_PORT) --state $(PROXY_DIR); \
	else echo "make proxy needs nginx: sudo make nginx"; fi

# Lint (ruff: errors, import order, bugbear, pyupgrade) and types (mypy), configured in pyproject.toml.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint chromium postgres redis nginx
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/dashboard_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
