# Two commands do everything on a fresh machine with Python 3.11:
#   make run    create .venv if needed, install, start the app on http://127.0.0.1:8050
#   make test   install test dependencies (and Debian's chromium when root), run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test chromium bench clean

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

test: $(VENV)/.installed-dev chromium
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/dashboard_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
