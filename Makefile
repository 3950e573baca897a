# The two commands of the README: `make serve` and `make test`.
# Both create .venv from this project's own files when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test lint typecheck unit bench bench-automatch venv clean

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

unit: $(STAMP)
	$(BIN)/python -m pytest

# pytest exits 5 when it collected no tests; that is a failure here, never a pass.
test: lint typecheck unit

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

# End to end against a real Backstage 1.45.3 backend (e2e/backstage, installed by `npm ci` from
# its lock file when missing or stale, cached in e2e/backstage/node_modules): the Backstage
# module's Node tests, then tests/e2e, which `make test` leaves out.
# The admin pages' browser test (tests/e2e/test_ui_browser.py) drives Debian's chromium through
# its chromedriver; `browser` installs both from Debian when missing (never a browser download).
.PHONY: e2e e2e-ui browser
e2e: $(STAMP) browser
	cd backstage/scaffolder-backend-module-pagerduty-actions && node --test test/*.test.js
	PAGERDUTY_ACTIONS_E2E=1 $(BIN)/python -m pytest tests/e2e --timeout=900

# Only the admin pages in the browser (no Backstage); saves the screenshots of docs/ui.md.
e2e-ui: $(STAMP) browser
	PAGERDUTY_ACTIONS_E2E=1 $(BIN)/python -m pytest tests/e2e/test_ui_browser.py

browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "installing Debian's chromium and chromium-driver"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi
