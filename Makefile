# regionmap: the two commands of the README.
#   make run    installs, builds the data store and starts the app
#   make test   installs (with the test browser), builds the data store and runs every test
#   make postgis  installs and starts a local PostGIS server in .postgis/ and prints its URL
#   make replicas N app processes behind HAProxy (make replicas-stop ends them); make api: the OGC API
#   make editors-demo  the app with partner sign-in through a mock OIDC provider and demo accounts (on 127.0.0.1)
# Sources are read from $REGIONMAP_SOURCE_DIR (or downloaded from the publishers when it is unset).
# STORE is a GeoPackage path (default) or a postgresql:// URL: `make run STORE=$(cat .postgis/url)`.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= data/geo/regionmap.gpkg
PORT ?= 8501
N ?= 2
PROXY_PORT ?=

.PHONY: install browser clients data run api replicas replicas-stop present editors-demo test validate bench clean \
	postgis store-url

# A URL is no file make can date: `make data` then always builds into it (a swap in one transaction, a few seconds).
ifneq ($(findstring ://,$(STORE)),)
STORE_TARGET := store-url
else
STORE_TARGET := $(STORE)
endif
STORE_INPUTS := $(BIN)/regionmap $(wildcard data/*.toml data/geo/curated/*.csv) src/regionmap/data/pipeline.py \
	src/regionmap/data/store.py src/regionmap/data/postgis.py

$(BIN)/regionmap: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/regionmap

browser:
	scripts/install-browser

# The real GIS clients of the API tests (Debian's gdal-bin and qgis), installed once.
clients:
	scripts/install-clients

ifeq ($(STORE_TARGET),store-url)
store-url: $(STORE_INPUTS)
	$(BIN)/regionmap build-data --out '$(STORE)'
else
$(STORE): $(STORE_INPUTS)
	$(BIN)/regionmap build-data --out $(STORE)
endif

data: $(STORE_TARGET)

validate: data
	$(BIN)/regionmap validate --strict --store '$(STORE)'

run: data
	REGIONMAP_STORE='$(STORE)' $(BIN)/streamlit run serve.py --server.port $(PORT)

postgis:
	scripts/postgis

API_PORT ?= 5000

# OGC API - Features of the store's published layers (pygeoapi) on http://localhost:$(API_PORT)
api: data
	REGIONMAP_STORE='$(STORE)' $(BIN)/regionmap serve-api --port $(API_PORT)

# N app processes on the same store behind Debian's HAProxy (installed when missing), in the background.
replicas: data
	REGIONMAP_STORE='$(STORE)' scripts/replicas start --replicas $(N) $(if $(PROXY_PORT),--port $(PROXY_PORT))

replicas-stop:
	scripts/replicas stop

# Offline: neither installs nor builds the store (run `make data` once before the fair).
present:
	REGIONMAP_STORE='$(STORE)' VENV=$(VENV) scripts/present $(PORT)

# Sign-in with the demo accounts of data/editors_demo.toml through oidc-provider-mock (scripts/editors-demo).
editors-demo: install data
	REGIONMAP_STORE='$(STORE)' scripts/editors-demo --port $(PORT)

bench: install browser data
	REGIONMAP_STORE='$(STORE)' $(BIN)/python -m benchmarks.maps --quick

# The store tests also run against PostGIS: $REGIONMAP_TEST_POSTGIS (an existing server; the tests create and drop
# their own database there), else the local server that scripts/postgis starts (required in CI, optional elsewhere).
test: install browser clients data
	scripts/postgis >/dev/null || [ "$${CI:-}" != true ]
	$(BIN)/regionmap validate --strict --store '$(STORE)'
	REGIONMAP_STORE='$(STORE)' REGIONMAP_TEST_POSTGIS="$${REGIONMAP_TEST_POSTGIS:-$$(cat .postgis/url 2>/dev/null)}" \
		$(BIN)/pytest

clean:
	rm -rf $(VENV) data/geo/regionmap.gpkg data/geo/manifest.json static/vendor
