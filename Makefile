# Two commands on a fresh machine: `make demo` and `make test`. Both install first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# the Orchestra sidebar's sources: the install builds them (jlpm) into lo_jupyter/labextension
JS_SOURCES := $(shell find labextension/src labextension/style labextension/schema -type f) \
              labextension/package.json labextension/yarn.lock

.PHONY: install test test-fast test-js browser demo bench reliability lint lock clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt $(JS_SOURCES)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

test: install test-js browser
	$(PY) -m ruff check .
	$(PY) -m pytest

# The labextension's unit tests (jest); jlpm comes with the Python install.
test-js: install
	cd labextension && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" jlpm install && \
	  PATH="$(CURDIR)/$(VENV)/bin:$$PATH" jlpm test

# Debian's Chromium for the browser test (tests/ui): Playwright never downloads a browser.
# Without root and without Chromium the browser test skips.
browser:
	test -x /usr/bin/chromium || [ "$$(id -u)" != 0 ] || \
	  { apt-get update -qq && apt-get install -y -qq chromium; }

test-fast: install
	$(PY) -m pytest -m "not slow"

demo: install
	$(PY) notebooks/demo.py

# Every benchmark against its baseline, side by side; results in bench/results/latest.json.
bench: install
	cd bench && ../$(PY) run_all.py

# The reliability suite alone, with its heavy variants (more jobs, more crashes).
reliability: install
	LO_RELIABILITY_SCALE=4 $(PY) -m pytest tests/reliability

lint: install
	$(PY) -m ruff check .

# Re-pin every dependency (run after changing pyproject.toml's dependencies).
lock:
	rm -rf /tmp/lo-lock-venv && $(PYTHON) -m venv /tmp/lo-lock-venv
	/tmp/lo-lock-venv/bin/pip install --quiet '.[dev]'
	/tmp/lo-lock-venv/bin/pip freeze --exclude lo-jupyter > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
