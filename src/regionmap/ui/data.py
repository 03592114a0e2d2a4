"""The store and configuration, loaded once per process and reloaded when the store is rebuilt."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import streamlit as st

from regionmap import config
from regionmap.dashboard import OVERVIEW_ZOOM, boundary_payloads, simplified_layers
from regionmap.i18n import t
from regionmap.maps import BoundaryPayload, ensure_vendor_assets
from regionmap.sources_registry import Registry
from regionmap.sources_registry import registry as configured_registry
from regionmap.store import Store, StoreMissing, open_store, store_cache_key
from regionmap.taxonomy import Taxonomy, taxonomy


@st.cache_resource(show_spinner=False)
def _open_store(path: str, cache_key: str) -> Store:
    return open_store(path)


def store(lang: str) -> Store:
    """The store named by $REGIONMAP_STORE; when it is missing or unreadable, explain how to build it and stop."""
    path = config.default_store_path()
    try:
        return _open_store(str(path), store_cache_key(path))
    except StoreMissing as exc:
        st.error(t("store.missing", lang, path=str(path)))
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


@st.cache_resource(show_spinner=False, max_entries=8)
def _simplified(cache_key: str, zoom: int, _store: Store) -> dict[str, gpd.GeoDataFrame]:
    return simplified_layers(_store.layers, zoom)


def simplified(data: Store, zoom: int = OVERVIEW_ZOOM) -> Mapping[str, gpd.GeoDataFrame]:
    """The store's boundary layers simplified for display at `zoom` (cached per store build)."""
    return _simplified(data.cache_key, zoom, data)


@st.cache_resource(show_spinner=False, max_entries=24)
def _payloads(cache_key: str, lang: str, zoom: int, _store: Store) -> dict[str, BoundaryPayload]:
    return boundary_payloads(simplified(_store, zoom), lang, zoom)


def payloads(data: Store, lang: str, zoom: int = OVERVIEW_ZOOM) -> Mapping[str, BoundaryPayload]:
    """The browser payloads of the boundary layers (cached per store build, language and zoom)."""
    return _payloads(data.cache_key, lang, zoom, data)
