# Two commands: `make run` (server on ./data/parse.db with the dental template) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
JS_DIR := tests/e2e_js

.PHONY: run test lint venv js bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

$(JS_DIR)/node_modules/.installed: $(JS_DIR)/package.json
	cd $(JS_DIR) && npm install --no-audit --no-fund --loglevel=error
	touch $@

js: $(JS_DIR)/node_modules/.installed

run: venv
	$(PY) -m parse_compat

lint: venv
	$(VENV)/bin/ruff check parse_compat tests bench cloud_code

test: venv js lint
	$(VENV)/bin/pytest -q -p no:cacheprovider

bench: venv
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) $(JS_DIR)/node_modules
