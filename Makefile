# regionmap: the two commands of the README.
#   make run    installs, builds the data store and starts the app
#   make test   installs (with the test browser), builds the data store and runs every test
# Sources are read from $REGIONMAP_SOURCE_DIR (or downloaded from the publishers when it is unset).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= data/geo/regionmap.gpkg
PORT ?= 8501
N ?= 2
PROXY_PORT ?=

.PHONY: install browser data run replicas replicas-stop present test validate bench clean

$(BIN)/regionmap: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(BIN)/regionmap

browser:
	scripts/install-browser

# A GeoPackage is a file make can date; a store URL (postgresql://...) is no make target: build into it with
# `regionmap build-data --out URL`.
ifeq ($(findstring ://,$(STORE)),)
$(STORE): $(BIN)/regionmap $(wildcard data/*.toml data/geo/curated/*.csv) src/regionmap/data/pipeline.py src/regionmap/data/store.py
	$(BIN)/regionmap build-data --out $(STORE)

data: $(STORE)
else
data: install
endif

validate: data
	$(BIN)/regionmap validate --strict --store $(STORE)

run: data
	REGIONMAP_STORE=$(STORE) $(BIN)/streamlit run serve.py --server.port $(PORT)

# N app processes on the same store behind Debian's HAProxy (installed when missing), in the background.
replicas: data
	REGIONMAP_STORE=$(STORE) scripts/replicas start --replicas $(N) $(if $(PROXY_PORT),--port $(PROXY_PORT))

replicas-stop:
	scripts/replicas stop

# Offline: neither installs nor builds the store (run `make data` once before the fair).
present:
	REGIONMAP_STORE=$(STORE) VENV=$(VENV) scripts/present $(PORT)

bench: install browser data
	REGIONMAP_STORE=$(STORE) $(BIN)/python -m benchmarks.maps --quick

test: install browser data
	$(BIN)/regionmap validate --strict --store $(STORE)
	REGIONMAP_STORE=$(STORE) $(BIN)/pytest

clean:
	rm -rf $(VENV) data/geo/regionmap.gpkg data/geo/manifest.json static/vendor
