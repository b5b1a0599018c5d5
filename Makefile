# Two commands: `make run` (server on ./data/parse.db with the dental template) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
JS_DIR := tests/e2e_js
WEBAPP_DIR := parse_compat/webapp

.PHONY: run test lint venv js webapp chromium bench clean

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

# The web app at /app: the Parse JavaScript SDK's browser build (and axe-core for its tests) from npm.
# Without npm, `make run` still serves the API; /app then says what is missing.
$(WEBAPP_DIR)/node_modules/.installed: $(WEBAPP_DIR)/package.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd $(WEBAPP_DIR) && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: the web app at /app needs it (install Node.js 20+, then make webapp)" >&2; fi

webapp: $(WEBAPP_DIR)/node_modules/.installed

# Debian's chromium for the web page tests (installed through apt when missing and we are root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "install Debian's chromium package (sudo apt-get install chromium) for the web page tests" >&2; exit 1; fi; }

run: venv webapp
	$(PY) -m parse_compat

lint: venv
	$(VENV)/bin/ruff check parse_compat tests bench cloud_code
	$(VENV)/bin/mypy

test: venv js webapp chromium lint
	$(VENV)/bin/pytest -q -p no:cacheprovider

bench: venv
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) $(JS_DIR)/node_modules $(WEBAPP_DIR)/node_modules
