# Two commands: `make run` (server on ./data/parse.db with the dental template) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
JS_DIR := tests/e2e_js
WEBAPP_DIR := parse_compat/webapp

.PHONY: run test lint venv js graphql-js graphiql openapi-ui webapp chromium slapd dashboard dashboard-npm bench clean

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

# urql and graphql-ws for the GraphQL end-to-end test (tests/graphql/test_graphql_clients.py).
GQL_JS_DIR := tests/graphql/e2e_js
$(GQL_JS_DIR)/node_modules/.installed: $(GQL_JS_DIR)/package.json
	cd $(GQL_JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Parse Server 9.10 for the GraphQL differential test (tests/graphql/test_parse_server_differential.py).
GQL_PARSE_DIR := tests/graphql/parse_server
$(GQL_PARSE_DIR)/node_modules/.installed: $(GQL_PARSE_DIR)/package.json
	cd $(GQL_PARSE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

graphql-js: $(GQL_JS_DIR)/node_modules/.installed $(GQL_PARSE_DIR)/node_modules/.installed

# The GraphQL playground's GraphiQL and React bundles, from npm at build time (served locally: no CDN).
GRAPHIQL_DIR := parse_compat/graphql/playground_assets
GRAPHIQL_PACKAGES := graphiql@3.8.3 react@18.3.1 react-dom@18.3.1
$(GRAPHIQL_DIR)/.installed: Makefile
	rm -rf $(GRAPHIQL_DIR).tmp && mkdir -p $(GRAPHIQL_DIR).tmp $(GRAPHIQL_DIR)
	cd $(GRAPHIQL_DIR).tmp && npm pack --silent $(GRAPHIQL_PACKAGES) >/dev/null && \
	  for f in *.tgz; do tar xzf $$f && mv package $${f%.tgz}; done
	cp $(GRAPHIQL_DIR).tmp/graphiql-*/graphiql.min.js $(GRAPHIQL_DIR).tmp/graphiql-*/graphiql.min.css \
	   $(GRAPHIQL_DIR).tmp/react-1*/umd/react.production.min.js \
	   $(GRAPHIQL_DIR).tmp/react-dom-*/umd/react-dom.production.min.js $(GRAPHIQL_DIR)/
	rm -rf $(GRAPHIQL_DIR).tmp
	touch $@

graphiql: $(GRAPHIQL_DIR)/.installed

# The REST API explorer's Swagger UI bundle, from npm at build time (served locally: no CDN).
OPENAPI_UI_DIR := parse_compat/openapi/explorer_assets
OPENAPI_UI_PACKAGE := swagger-ui-dist@5.32.0
$(OPENAPI_UI_DIR)/.installed: Makefile
	rm -rf $(OPENAPI_UI_DIR).tmp && mkdir -p $(OPENAPI_UI_DIR).tmp $(OPENAPI_UI_DIR)
	cd $(OPENAPI_UI_DIR).tmp && npm pack --silent $(OPENAPI_UI_PACKAGE) >/dev/null && tar xzf *.tgz
	cp $(OPENAPI_UI_DIR).tmp/package/swagger-ui-bundle.js $(OPENAPI_UI_DIR).tmp/package/swagger-ui.css $(OPENAPI_UI_DIR)/
	rm -rf $(OPENAPI_UI_DIR).tmp
	touch $@

openapi-ui: $(OPENAPI_UI_DIR)/.installed

# The web app at /app: the Parse JavaScript SDK's browser build (and axe-core for its tests) from npm.
# Without npm, `make run` still serves the API; /app then says what is missing.
$(WEBAPP_DIR)/node_modules/.installed: $(WEBAPP_DIR)/package.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd $(WEBAPP_DIR) && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: the web app at /app needs it (install Node.js 20+, then make webapp)" >&2; fi

webapp: $(WEBAPP_DIR)/node_modules/.installed

# Parse Dashboard from npm (pinned in tools/dashboard/package-lock.json): `make dashboard` and its browser test.
DASHBOARD_DIR := tools/dashboard
$(DASHBOARD_DIR)/node_modules/.installed: $(DASHBOARD_DIR)/package.json $(DASHBOARD_DIR)/package-lock.json
	cd $(DASHBOARD_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

dashboard-npm: $(DASHBOARD_DIR)/node_modules/.installed

# Parse Dashboard for the server `make run` started (its keys from data/credentials.json), on
# http://127.0.0.1:4040 with a generated user; options: make dashboard DASHBOARD_ARGS="--help".
dashboard: venv dashboard-npm
	$(PY) $(DASHBOARD_DIR)/launch.py $(DASHBOARD_ARGS)

# Debian's chromium for the web page tests (installed through apt when missing and we are root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "install Debian's chromium package (sudo apt-get install chromium) for the web page tests" >&2; exit 1; fi; }

# Debian's OpenLDAP server for the ldap auth adapter tests (each test runs its own from a temp dir).
slapd:
	@command -v /usr/sbin/slapd >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd; \
	  else echo "install Debian's slapd package (sudo apt-get install slapd) for the ldap tests" >&2; exit 1; fi; }

# Development: GraphQL and the playgrounds (GraphiQL at /playground, the REST explorer) are mounted; the
# pages hold no key (the caller types a session token). Production: `python -m parse_compat`, off.
run: venv graphiql openapi-ui webapp
	$(PY) -m parse_compat --mountGraphQL true --mountPlayground true

lint: venv
	$(VENV)/bin/ruff check parse_compat tests bench cloud_code tools
	$(VENV)/bin/mypy

test: venv js graphql-js graphiql openapi-ui webapp dashboard-npm chromium slapd lint
	$(VENV)/bin/pytest -q -p no:cacheprovider

bench: venv
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) $(JS_DIR)/node_modules $(GQL_JS_DIR)/node_modules $(GQL_PARSE_DIR)/node_modules $(GRAPHIQL_DIR) \
	  $(OPENAPI_UI_DIR) $(WEBAPP_DIR)/node_modules $(DASHBOARD_DIR)/node_modules
