# The two commands a newcomer needs:
#   make site    installs what the build needs (into .venv) and builds site/
#   make test    installs the test tools too and runs every test
# Also: make bundle (the offline zip in dist/), make site BASE_URL=https://host/path/
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: site bundle test check clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

site: $(VENV)/.installed
	$(PY) build.py $(if $(BASE_URL),--base-url "$(BASE_URL)")

bundle: $(VENV)/.installed
	$(PY) build.py bundle

check: $(VENV)/.installed
	$(PY) build.py check

test: $(VENV)/.installed
	$(PY) -m pytest -q

clean:
	rm -rf site dist .pytest_cache
