"""Read access to the built store (`regionmap.gpkg` + `manifest.json`) for the app.

`open_store` reads every layer once; cache the result on `store_cache_key(path)`, which changes whenever the store
is rebuilt. A missing, unreadable or incomplete store raises `StoreMissing`, whose message says how to build it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from regionmap import config
from regionmap.errors import RegionmapError
from regionmap.manifest import read_manifest
from regionmap.taxonomy import Taxonomy
from regionmap.taxonomy import taxonomy
from regionmap.thematic import REQUIRED_COLUMNS as THEMATIC_REQUIRED
from regionmap.urlstate import Vocab


def required_columns() -> dict[str, tuple[str, ...]]:
    """The layers the app needs and their columns: the boundaries, and every layer of data/layers.toml."""
    layer_ids = taxonomy().layer_ids
    return {
        "gemeinden": ("ags", "name", "kind", "kreis_ags", "kreis_name", "population", "area_km2", "density",
                      *(f"n_{layer}" for layer in layer_ids)),
        "kreise": ("ags", "name", "population", "area_km2", "density", "n_gemeinden"),
        "region": ("id", "name", "population", "area_km2", "density", "n_gemeinden", "n_kreise"),
        "states": ("ags", "name"),
        **{layer: THEMATIC_REQUIRED for layer in layer_ids},
    }
BUILD_HINT = (
    "Build it with `REGIONMAP_SOURCE_DIR=/path/to/sources regionmap build-data` "
    "(or set REGIONMAP_STORE to an existing store)."
)


class StoreMissing(RegionmapError):
    """The store is missing, unreadable, or lacks layers or columns the app needs."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"data store {self.path}: {problem}. {BUILD_HINT}")


@dataclass(frozen=True, eq=False)
class Store:
    """All layers of the store as GeoDataFrames (EPSG:4326), the build manifest and a key for caches."""

    path: Path
    layers: dict[str, gpd.GeoDataFrame]
    manifest: dict[str, Any]
    cache_key: str

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        return self.layers[name]

    @property
    def gemeinden(self) -> gpd.GeoDataFrame:
        return self.layers["gemeinden"]

    @property
    def kreise(self) -> gpd.GeoDataFrame:
        return self.layers["kreise"]

    @property
    def region(self) -> gpd.GeoDataFrame:
        return self.layers["region"]

    @property
    def states(self) -> gpd.GeoDataFrame:
        return self.layers["states"]

    @property
    def thematic(self) -> dict[str, gpd.GeoDataFrame]:
        """The thematic point layers of data/layers.toml by id."""
        return {layer: self.layers[layer] for layer in taxonomy().layer_ids}

    def url_vocab(self, tax: Taxonomy) -> Vocab:
        """The ids a dashboard URL may name: the taxonomy's layers, sectors and categories, this store's places and sites."""
        return Vocab(
            layers=[layer.id for layer in tax.layers],
            sectors=tax.sector_ids,
            categories=[c for layer in tax.layers for c in layer.category_ids],
            kreise=self.kreise["ags"],
            gemeinden=self.gemeinden["ags"],
            sites=self.layers["sites"]["id"],
        )


def _read_manifest(path: Path) -> dict[str, Any]:
    manifest_file = config.manifest_path(path)
    if not manifest_file.exists():
        return {}
    try:
        manifest = read_manifest(manifest_file)
    except RegionmapError as exc:
        raise StoreMissing(path, str(exc)) from exc
    if not isinstance(manifest, dict):
        raise StoreMissing(path, f"{manifest_file}: not a JSON object")
    return manifest


def store_cache_key(path: Path | str | None = None) -> str:
    """A key that changes when the store is rebuilt: a hash of its manifest, or of the file's mtime and size without one.

    Cheap (reads the manifest only), so the app can call it on every rerun and cache `open_store` on it.
    """
    path = Path(path) if path is not None else config.default_store_path()
    return _cache_key(path, _read_manifest(path))


def _cache_key(path: Path, manifest: dict[str, Any]) -> str:
    if manifest:
        text = json.dumps(manifest, sort_keys=True, ensure_ascii=False)
        return "manifest-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    try:
        stat = path.stat()
    except OSError as exc:
        raise StoreMissing(path, "file not found") from exc
    return f"file-{stat.st_mtime_ns}-{stat.st_size}"


def _integer_columns(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Counts and populations back to nullable integers (GeoPackage readers give floats when a value is null)."""
    for column in gdf.columns:
        if column != "population" and not column.startswith("n_"):
            continue
        values = gdf[column]
        if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
            gdf[column] = values.astype("Int64")
    return gdf


def _read_layer(path: Path, layer: str) -> gpd.GeoDataFrame:
    use_arrow = importlib.util.find_spec("pyarrow") is not None
    gdf = gpd.read_file(path, layer=layer, engine="pyogrio", use_arrow=use_arrow)
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    return _integer_columns(gdf)


def open_store(path: Path | str | None = None) -> Store:
    """Read the store at `path` (default: $REGIONMAP_STORE or data/geo/regionmap.gpkg) with all its layers."""
    path = Path(path) if path is not None else config.default_store_path()
    if not path.is_file():
        raise StoreMissing(path, "file not found")
    manifest = _read_manifest(path)
    try:
        available = [str(name) for name, _ in pyogrio.list_layers(path)]
    except (RuntimeError, OSError) as exc:  # pyogrio's DataSourceError is a RuntimeError
        raise StoreMissing(path, f"not a readable GeoPackage ({exc})") from exc
    required = required_columns()
    missing = [layer for layer in required if layer not in available]
    if missing:
        raise StoreMissing(path, f"layer(s) missing: {', '.join(missing)}")
    layers: dict[str, gpd.GeoDataFrame] = {}
    for layer in available:
        try:
            layers[layer] = _read_layer(path, layer)
        except (RuntimeError, OSError, ValueError) as exc:  # pyogrio's errors are RuntimeErrors
            raise StoreMissing(path, f"layer '{layer}' unreadable ({exc})") from exc
    for layer, columns in required.items():
        absent = [c for c in columns if c not in layers[layer].columns]
        if absent:
            raise StoreMissing(path, f"layer '{layer}' lacks column(s) {', '.join(absent)} (built by an older version?)")
    return Store(path=path, layers=layers, manifest=manifest, cache_key=_cache_key(path, manifest))
