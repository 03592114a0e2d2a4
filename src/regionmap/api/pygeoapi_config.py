"""pygeoapi's configuration and OpenAPI document, generated from the registries, the locale files and the store.

Nothing here is edited by hand: the collections come from `regionmap.api.collections` (the layer registry and the
store's layers), their titles and descriptions from the locale files, licences and attribution links from
`data/sources.toml`, extents from the store's layers. A GeoPackage store is read by `regionmap.api.provider` (through
the `Store` interface); a `postgresql://` store by `regionmap.api.postgis_provider` (pygeoapi's PostgreSQL provider,
filtering and paging in SQL) on the PostGIS contract (schema `regionmap`, one table per layer, geometry column
`geometry`, SRID 4326, the feature key as primary key).
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any

from regionmap import config
from regionmap.api.collections import Collection, collection, published_layers
from regionmap.data.source_registry import registry
from regionmap.data.store import POSTGIS_SCHEMES, Store, URL_PATTERN, store_at
from regionmap.i18n import t
from regionmap.taxonomy import taxonomy

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_ITEMS = 100
MAX_ITEMS = 1000
"""Paging: the page size without `limit`, and the largest `limit` (a larger one is refused with 400)."""
POSTGIS_SCHEMA = "regionmap"
POSTGIS_GEOMETRY = "geometry"
STORE_PROVIDER = "regionmap.api.provider.StoreProvider"
POSTGIS_PROVIDER = "regionmap.api.postgis_provider.PostGISProvider"


def is_postgis(location: str) -> bool:
    """Whether a store location names the PostGIS backend (`postgresql://`, `postgres://`)."""
    match = URL_PATTERN.match(location.strip())
    return match is not None and match.group(1).lower() in POSTGIS_SCHEMES


def postgis_connection(location: str) -> dict[str, Any]:
    """pygeoapi's PostgreSQL connection settings from a store URL; parts the URL leaves out come from the usual
    `PG*` variables (libpq reads the rest itself)."""
    url = urllib.parse.urlsplit(location.strip())
    parts = {
        "host": url.hostname or os.environ.get("PGHOST"),
        "port": url.port or os.environ.get("PGPORT"),
        "dbname": url.path.lstrip("/") or os.environ.get("PGDATABASE"),
        "user": urllib.parse.unquote(url.username) if url.username else os.environ.get("PGUSER"),
        "password": urllib.parse.unquote(url.password) if url.password else os.environ.get("PGPASSWORD"),
    }
    settings: dict[str, Any] = {key: int(value) if key == "port" else value
                                for key, value in parts.items() if value}
    settings["search_path"] = [POSTGIS_SCHEMA, "public"]
    return settings


def provider(location: str, item: Collection) -> dict[str, Any]:
    """The pygeoapi provider of a collection: the PostGIS provider for an official layer of a PostGIS store, else the
    Store provider, which shows the partners' published records (`regionmap.editing.overlay`) on the layers they
    edit, on both backends. Either way the feature id is the collection's key (`id`, or `ags`), which stays among the
    properties."""
    from regionmap.editing.records import editable_layers

    common = {"type": "feature", "id_field": item.id_field, "table": item.id, "storage_crs": CRS84,
              "crs": [CRS84]}
    edited = {layer.id for layer in editable_layers()} | {"gemeinden"}  # the municipalities' n_<layer> counts
    if is_postgis(location) and item.id not in edited:
        return {**common, "name": POSTGIS_PROVIDER, "data": postgis_connection(location),
                "geom_field": POSTGIS_GEOMETRY}
    return {**common, "name": STORE_PROVIDER, "data": location}


def _bounds(store: Store, layer: str) -> list[float]:
    west, south, east, north = store.read_layer(layer).total_bounds
    return [round(float(v), 6) for v in (west, south, east, north)]


def resource(location: str, store: Store, item: Collection) -> dict[str, Any]:
    """The pygeoapi resource of a collection: texts in every language, licence and source links, extent, limits."""
    links = [{"type": "text/html", "rel": link.rel, "title": link.title, "href": link.href, "hreflang": "de"}
             for link in item.links]
    return {
        "type": "collection",
        "title": item.titles,
        "description": {lang: f"{text} {t('api.licence', lang, licence=item.licence, attribution=item.attribution)}"
                        for lang, text in item.descriptions.items()},
        "keywords": {lang: [item.id, *(k.strip() for k in t("api.keywords", lang).split(","))]
                     for lang in config.LANGUAGES},
        "links": links,
        "extents": {"spatial": {"bbox": _bounds(store, item.id), "crs": CRS84}},
        "limits": {"default_items": DEFAULT_ITEMS, "max_items": MAX_ITEMS, "on_exceed": "error"},
        "providers": [provider(location, item)],
    }


def build_config(url: str, location: str | None = None) -> dict[str, Any]:
    """pygeoapi's configuration for the store at `location` (default `$REGIONMAP_STORE`), served at `url`."""
    location = config.store_location() if location is None else location
    store = store_at(location)
    tax = taxonomy()
    items = [collection(layer, tax) for layer in published_layers(tax, store.layer_names())]
    region = config.region()
    boundaries = registry().by_role("municipalities")  # the licence of the API's base layers
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 5000},
            "url": url.rstrip("/"),
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": list(config.LANGUAGES),
            "cors": True,
            "pretty_print": False,
            "admin": False,
            "limits": {"default_items": DEFAULT_ITEMS, "max_items": MAX_ITEMS, "on_exceed": "error"},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "attribution": "© OpenStreetMap contributors"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": {lang: t("api.title", lang, region=region.name(lang)) for lang in config.LANGUAGES},
                "description": {lang: t("api.description", lang, region=region.name(lang))
                                for lang in config.LANGUAGES},
                "keywords": {lang: [k.strip() for k in t("api.keywords", lang).split(",")]
                             for lang in config.LANGUAGES},
                "keywords_type": "theme",
                "terms_of_service": boundaries.licence_url,
                "url": config.public_url() or url,
            },
            "license": {"name": "; ".join(dict.fromkeys(item.licence for item in items)),
                        "url": boundaries.licence_url},
            "provider": {"name": "regionmap", "url": config.public_url() or url},
            "contact": {"name": "regionmap", "url": config.public_url() or url},
        },
        "resources": {item.id: resource(location, store, item) for item in items},
    }


def openapi_document(pygeoapi_config: dict[str, Any]) -> dict[str, Any]:
    """pygeoapi's OpenAPI document of a configuration (what `pygeoapi openapi generate` writes)."""
    from pygeoapi.openapi import get_oas

    return get_oas(pygeoapi_config)
