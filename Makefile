# Two commands: `make run` (set up, demo data, serve) and `make test` (set up, run every test).
VENV      := .venv
PYTHON    := $(VENV)/bin/python
BIN       := $(VENV)/bin
PG_URL    ?= postgresql://postgres@127.0.0.1:5432/test
STAMP     := $(VENV)/.installed-stamp
PORT      ?= 5000

.PHONY: install chromium run demo lint test test-sqlite test-postgres bench clean vendor vendor-axe

$(STAMP): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip wheel
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's Chromium; Playwright never downloads a browser here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installation de Chromium (paquet Debian)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

demo: install
	$(BIN)/consultation init-db
	$(BIN)/consultation demo --port $(PORT)

run: demo
	$(BIN)/consultation serve --host 127.0.0.1 --port $(PORT)

# ruff checks and formats the Python code (settings in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Lint and both suites run even when one fails; the target fails if any did.
test: install chromium
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	$(MAKE) --no-print-directory test-postgres || status=1; \
	exit $$status

test-sqlite: install
	$(PYTHON) -m pytest

# The storage tests again on PostgreSQL, when it answers at 127.0.0.1:5432.
test-postgres: install
	@if $(PYTHON) -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
	  echo "== Tests de stockage sur PostgreSQL"; \
	  DATABASE_URL=$(PG_URL) $(PYTHON) -m pytest -m storage; \
	else echo "PostgreSQL ne répond pas sur 127.0.0.1:5432 : tests PostgreSQL sautés."; fi

bench: install
	@for bench in benchmarks/*.py; do echo "== $$bench"; $(PYTHON) $$bench || exit 1; done

# Browser libraries are vendored under static/vendor/ from the npm registry, with licence and version.
IDB_VERSION := 8.0.4
# digest() in the browser: MD5, SHA-1 and SHA-2, synchronous (SubtleCrypto is asynchronous).
NOBLE_VERSION := 2.4.0
NOBLE_DIR     := consultation/static/vendor/noble-hashes
vendor:
	rm -rf .vendor-tmp && mkdir -p .vendor-tmp consultation/static/vendor/idb
	cd .vendor-tmp && npm pack --silent idb@$(IDB_VERSION) >/dev/null && tar xzf idb-$(IDB_VERSION).tgz
	cp .vendor-tmp/package/build/index.js consultation/static/vendor/idb/idb.js
	cp .vendor-tmp/package/LICENSE consultation/static/vendor/idb/LICENSE
	echo "idb $(IDB_VERSION) (npm registry, build/index.js)" > consultation/static/vendor/idb/VERSION
	mkdir -p $(NOBLE_DIR)
	cd .vendor-tmp && npm pack --silent @noble/hashes@$(NOBLE_VERSION) >/dev/null && rm -rf package && tar xzf noble-hashes-$(NOBLE_VERSION).tgz
	for file in sha2 legacy _md _u64 utils; do sed '/^\/\/# sourceMappingURL=/d' .vendor-tmp/package/$$file.js > $(NOBLE_DIR)/$$file.js; done
	cp .vendor-tmp/package/LICENSE $(NOBLE_DIR)/LICENSE
	echo "@noble/hashes $(NOBLE_VERSION) (npm registry: sha2.js, legacy.js, _md.js, _u64.js, utils.js)" > $(NOBLE_DIR)/VERSION
	rm -rf .vendor-tmp

# axe-core checks every page in the browser tests; shipped in the repo so the tests need no network.
AXE_VERSION := 4.14.1
AXE_DIR     := tests/browser/vendor/axe-core
vendor-axe:
	rm -rf .vendor-tmp && mkdir -p .vendor-tmp $(AXE_DIR)
	cd .vendor-tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar xzf axe-core-$(AXE_VERSION).tgz
	cp .vendor-tmp/package/axe.min.js $(AXE_DIR)/axe.min.js
	cp .vendor-tmp/package/LICENSE $(AXE_DIR)/LICENSE
	echo "axe-core $(AXE_VERSION) (npm registry, axe.min.js)" > $(AXE_DIR)/VERSION
	rm -rf .vendor-tmp

clean:
	rm -rf $(VENV) instance .pytest_cache
