"""The store and configuration, loaded once per process and reloaded when the store is rebuilt.

Every rerun asks the store for its version (`StoreData.version()`, the build id in the store's own metadata). The
caches holding data of the store are registered with `per_store_version`: when the version changes, or the store
becomes unreadable, they are all cleared, so only the current version stays in memory and a damaged store shows its
message instead of data cached from before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from regionmap import config
from regionmap.dashboard.composition import BOUNDARY_LAYERS, OVERVIEW_ZOOM, boundary_payloads, simplified_layers
from regionmap.i18n import t
from regionmap.maps import BoundaryPayload, ensure_vendor_assets
from regionmap.data.source_registry import Registry, registry as configured_registry
from regionmap.data.store import StoreData, StoreMissing, load_store, store_at
from regionmap.dashboard.urlstate import Vocab
from regionmap.taxonomy import Taxonomy, taxonomy

Cached = TypeVar("Cached", bound=Callable[..., Any])
Built = TypeVar("Built")
_PER_VERSION: list[Any] = []
_seen: dict[str, str | None] = {"version": None}
_seen_lock = threading.Lock()


def per_store_version(cached: Cached) -> Cached:
    """Register a cached function (`st.cache_resource`/`st.cache_data`) whose entries belong to one store version."""
    _PER_VERSION.append(cached)
    return cached


def _keep_only(version: str | None) -> None:
    """Clear every per-version cache when `version` (the store's location and version; None: no readable store)
    differs from the last one seen."""
    with _seen_lock:
        if _seen["version"] == version:
            return
        _seen["version"] = version
        for cached in _PER_VERSION:
            cached.clear()


@per_store_version
@st.cache_resource(show_spinner=False, max_entries=1)
def _open_store(location: str, version: str) -> StoreData:
    return load_store(store_at(location))


def store(lang: str) -> StoreData:
    """The store named by $REGIONMAP_STORE, read once per version; when it is missing, unreadable or damaged,
    explain how to build it and stop (dropping whatever was cached of it)."""
    location = config.store_location()
    try:
        backend = store_at(location)
        version = backend.version()
        _keep_only(f"{backend.location} {version}")  # another store (a copy of the same build) is another version
        return _open_store(backend.location, version)
    except StoreMissing as exc:
        _keep_only(None)
        st.error(t("store.missing", lang, path=exc.location))
        st.caption(t("store.problem", lang, problem=exc.problem))
        st.stop()
        raise  # st.stop() raises; this line keeps type checkers informed


def registry() -> Registry:
    """The source registry (data/sources.toml), with its basemaps."""
    return configured_registry()


def region_name(lang: str) -> str:
    """The region's name in `lang` (data/region.toml)."""
    return config.region().name(lang)


def tax() -> Taxonomy:
    """Sectors, layers and categories (data/sectors.toml, data/layers.toml)."""
    return taxonomy()


@st.cache_resource(show_spinner=False)
def vendor_assets() -> int:
    """Copy the map's JavaScript and CSS into static/vendor once per process (served at /app/static/vendor)."""
    return len(ensure_vendor_assets())


@per_store_version
@st.cache_resource(show_spinner=False, max_entries=8)
def _simplified(cache_key: str, zoom: int, _store: StoreData) -> dict[str, gpd.GeoDataFrame]:
    if _store.reads_in_place:
        stored = {name: _store.backend.read_simplified(name, zoom) for name in BOUNDARY_LAYERS}
        if all(frame is not None for frame in stored.values()):
            return stored  # type: ignore[return-value]
    return simplified_layers(_store.layers, zoom)


def simplified(data: StoreData, zoom: int = OVERVIEW_ZOOM) -> Mapping[str, gpd.GeoDataFrame]:
    """The store's boundary layers simplified for display at `zoom` (cached per store build): as the build stored
    them when the backend filters in place (PostGIS), else simplified here from the layers held in memory."""
    return _simplified(data.cache_key, zoom, data)


@per_store_version
@st.cache_resource(show_spinner=False, max_entries=64)
def _filtered(cache_key: str, name: str, kreis: str | None, ags: str | None, _store: StoreData) -> gpd.GeoDataFrame:
    return _store.filtered(name, kreis=kreis, ags=ags)


def filtered(data: StoreData, name: str, kreis: str | None = None, ags: str | None = None) -> gpd.GeoDataFrame:
    """Layer `name` of a Kreis and/or municipality (cached per store build): from the database when the store filters
    in place (PostGIS), else filtered in memory. Shared by every session: callers filter further, never change it."""
    if kreis is None and ags is None:
        return data.layers[name]
    return _filtered(data.cache_key, name, kreis, ags, data)


@per_store_version
@st.cache_resource(show_spinner=False, max_entries=24)
def _payloads(cache_key: str, lang: str, zoom: int, _store: StoreData) -> dict[str, BoundaryPayload]:
    return boundary_payloads(simplified(_store, zoom), lang, zoom)


def payloads(data: StoreData, lang: str, zoom: int = OVERVIEW_ZOOM) -> Mapping[str, BoundaryPayload]:
    """The browser payloads of the boundary layers (cached per store build, language and zoom)."""
    return _payloads(data.cache_key, lang, zoom, data)


# What one view shows, built once per store version and shared by every session showing it (see `shared`). The
# bounds keep memory in check: the overview has 19 areas x 64 layer sets x 3 languages, and visitors ask for a few
# of them (the load benchmark's: 19 areas x 6 layer sets); a rendered map is about 0.4 MB, a table or a filtered
# layer a few KB.
SHARED_ENTRIES = {"map": 96, "table": 384, "view": 1024}


class SharedCache:
    """A bounded, thread-safe map of built values, the least recently used dropped first. Cheaper per look-up than
    `st.cache_resource` (no argument hashing), which matters for the dozen look-ups of every rerun."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Built]) -> Built:
        """The value of `key`, built by `build()` when missing (two sessions missing at once may both build it)."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = build()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_SHARED = {kind: per_store_version(SharedCache(entries)) for kind, entries in SHARED_ENTRIES.items()}


def shared(data: StoreData, kind: str, key: Hashable, build: Callable[[], Built]) -> Built:
    """`build()` once per store version, `kind` ("map", "table" or "view") and `key`, then the same object for every
    session asking for that key. `key` must name everything the result depends on besides the store and the
    configuration's data directory (the filter, language, basemap, ...); the result is shared, so callers never
    change it."""
    return _SHARED[kind].get((data.cache_key, str(config.data_dir()), key), build)


def count(data: StoreData, name: str) -> int:
    """The number of features of layer `name` (shared per store build; a count query on PostGIS)."""
    return shared(data, "view", ("count", name), lambda: data.count(name))


def columns(data: StoreData, name: str, names: tuple[str, ...]) -> pd.DataFrame:
    """Attribute columns `names` of layer `name` (shared per store build; only those columns read on PostGIS)."""
    return shared(data, "view", ("columns", name, names), lambda: data.columns(name, names))


def url_vocab(data: StoreData, tax: Taxonomy) -> Vocab:
    """The ids a URL may name (`StoreData.url_vocab`), shared per store build."""
    return shared(data, "view", ("url_vocab",), lambda: data.url_vocab(tax))


def places(data: StoreData, layer: str, kreis: str | None = None) -> tuple[list[str | None], dict[str, str]]:
    """A sidebar's choice of Kreise or municipalities (`layer`; those of `kreis` when given), sorted by name:
    the options (None first: all) and their names by AGS. Shared per store build; only `ags`, `name` and
    `kreis_ags` are read."""
    def build() -> tuple[list[str | None], dict[str, str]]:
        frame = columns(data, layer, ("ags", "name", "kreis_ags") if layer == "gemeinden" else ("ags", "name"))
        if kreis is not None:
            frame = frame[frame["kreis_ags"] == kreis]
        frame = frame.sort_values("name")
        return [None, *frame["ags"]], dict(zip(frame["ags"], frame["name"]))
    return shared(data, "view", ("places", layer, kreis), build)
