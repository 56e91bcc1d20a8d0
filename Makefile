# Two commands: `make run` (set up, build the demo warehouse if empty, serve) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= $(or $(REGIODASH_PORT),8501)
DATA   ?= $(or $(REGIODASH_DATA_DIR),data)
export REGIODASH_DATA_DIR := $(DATA)

.PHONY: install run test test-fast lint chromium pdf-tools demo fetch-catalog bench bench-quick clean
.PHONY: nginx bench-replicas bench-1000x

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser tests (never a browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "installing Debian chromium (apt-get)"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian packages for the printed reports: Pango and HarfBuzz for WeasyPrint, DejaVu fonts
# (embedded in every PDF), poppler-utils (pdftotext, pdfinfo, pdffonts, pdftoppm) for the tests.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
                poppler-utils
pdf-tools:
	@dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "installing $(PDF_PACKAGES) (apt-get)"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; }

# Debian's nginx for `regiodash serve --replicas N` and its tests (deploy/, README "Serving
# many users").
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "installing Debian nginx-light (apt-get)"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null; }

demo: install
	$(BIN)/regiodash demo

# Every catalog dataset from Eurostat's API (needs internet), filtered to the catalog's codes,
# then one import and one build. The download cache is revalidated, so a rerun is cheap.
fetch-catalog: install
	$(BIN)/regiodash fetch --catalog

run: install pdf-tools
	@[ -f "$(DATA)/indicator_values.parquet" ] || { \
	  echo "no warehouse in $(DATA): real Eurostat GDP (data/bundled/) + synthetic demo panel"; \
	  $(BIN)/regiodash demo; }
	$(BIN)/python -m regiodash.server run app.py --server.port $(PORT) --server.headless true

test: install chromium pdf-tools nginx
	$(BIN)/python -m pytest

test-fast: install pdf-tools
	$(BIN)/python -m pytest -m "not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src tests scripts app.py app_pages
	$(BIN)/mypy src

# Benchmarks: figures and ratios, never timed tests. Writes BENCHMARKS.md and bench/results.json.
bench: install chromium pdf-tools
	$(BIN)/python -m bench.run

bench-quick: install
	$(BIN)/python -m bench.run --quick

# 1 vs 2 replicas behind nginx, a replica killed under load, builds under load (40 sessions,
# 30 s per phase): bench/replicas_results.json and BENCHMARKS.md's "Serving many users".
bench-replicas: install nginx
	$(BIN)/python -m bench.replicas

# Optional 1000x panel (about 100 million observations): build time and peak memory, map and
# profile queries, the naive baseline where it finishes. Not part of `make bench`.
bench-1000x: install
	$(BIN)/python -m bench.run --sizes 1000x --skip composite,figures,pages,browser,kohesio,reports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
