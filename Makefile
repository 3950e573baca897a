# The two commands of the README: `make serve` and `make test`.
# Both create .venv from this project's own files when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test lint typecheck unit bench bench-automatch venv clean backstage-module backstage-module-test

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

# `make serve PORT=7078 CONFIG=my.yaml`: PORT overrides server.port (serve --port).
serve: $(STAMP)
	$(BIN)/pagerduty-actions serve $(if $(CONFIG),--config $(CONFIG),) $(if $(PORT),--port $(PORT),)

# lint-imports checks the import contracts of pyproject.toml (layers, no cycles, the sandbox).
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache --no-logo

typecheck: $(STAMP)
	$(BIN)/mypy

# The tests run in one pytest-xdist worker per core (PYTEST_WORKERS=0: in this one process;
# tests/conftest.py gives each worker its own PostgreSQL database). Like plain pytest, xdist
# exits 5 when it collected no tests.
PYTEST_WORKERS ?= auto
unit: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

# pytest exits 5 when it collected no tests; that is a failure here, never a pass.
test: lint typecheck unit backstage-module

# The Backstage module (TypeScript, built by backstage-cli): its build tools are installed by
# `npm ci` from its lock file when missing or stale, and kept in its node_modules, like
# e2e/backstage's (tests/e2e/e2e_stack.py): stale means another package.json, lock file or
# Node version than the stamp's fingerprint (content, not file times: `npm pack` rewrites
# package.json and puts it back). Scripts are not run: nothing the checks use needs a native
# build (better-sqlite3 comes with the test utilities but is never loaded).
MODULE := backstage/scaffolder-backend-module-pagerduty-actions
MODULE_STAMP := $(MODULE)/node_modules/.pagerduty-actions-stamp
MODULE_FINGERPRINT = $(shell (cat $(MODULE)/package.json $(MODULE)/package-lock.json; node --version) | sha256sum | cut -c1-64)

.PHONY: backstage-module-install
backstage-module-install:
	@if [ "$$(cat $(MODULE_STAMP) 2>/dev/null)" != "$(MODULE_FINGERPRINT)" ]; then \
	  echo "cd $(MODULE) && npm ci --no-audit --no-fund --ignore-scripts"; \
	  (cd $(MODULE) && npm ci --no-audit --no-fund --ignore-scripts) && \
	  echo "$(MODULE_FINGERPRINT)" > $(MODULE_STAMP); \
	fi

# Lint, type check, jest tests, then the packed tarball's contract (contents, consumer types,
# loading, config schema).
backstage-module: backstage-module-install
	cd $(MODULE) && npm run --silent lint && npm run --silent tsc && CI=true npm test --silent
	cd $(MODULE) && npm run --silent check:package

backstage-module-test: backstage-module-install
	cd $(MODULE) && CI=true npm test --silent

# The hot paths (issue #21) then the dependency sync (issue #6); each prints its table.
bench: $(STAMP)
	$(BIN)/python bench/lint_bench.py
	$(BIN)/python bench/request_bench.py
	$(BIN)/python bench/sync_bench.py
	$(BIN)/python bench/entity_page_bench.py

# Auto-match of the admin pages: blocked vs all-pairs at 1,000 and 5,000 (about 4 minutes).
bench-automatch: $(STAMP)
	$(BIN)/python bench/automatch_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	rm -rf $(MODULE)/node_modules $(MODULE)/dist $(MODULE)/dist-types

# End to end against a real Backstage 1.45.3 backend (e2e/backstage, installed by `npm ci` from
# its lock file when missing or stale, cached in e2e/backstage/node_modules): the Backstage
# module's tests, then tests/e2e (which `make test` leaves out), where Backstage loads the
# module from the tarball `npm pack` makes of it.
# The admin pages' browser test (tests/e2e/test_ui_browser.py) drives Debian's chromium through
# its chromedriver; `browser` installs both from Debian when missing (never a browser download).
.PHONY: e2e e2e-ui ui-screenshots browser
e2e: $(STAMP) browser backstage-module-test
	PAGERDUTY_ACTIONS_E2E=1 $(BIN)/python -m pytest tests/e2e --timeout=900

# Only the admin pages in the browser (no Backstage); screenshots go to out/ui-screenshots/.
e2e-ui: $(STAMP) browser
	PAGERDUTY_ACTIONS_E2E=1 $(BIN)/python -m pytest tests/e2e/test_ui_browser.py

# The same browser test, saving its screenshots over docs/ui/ (the pictures of docs/ui.md):
# run it when the pages change, and commit the pictures with the change.
ui-screenshots: $(STAMP) browser
	PAGERDUTY_ACTIONS_E2E=1 PAGERDUTY_ACTIONS_SCREENSHOTS=docs/ui $(BIN)/python -m pytest tests/e2e/test_ui_browser.py

browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "installing Debian's chromium and chromium-driver"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi
