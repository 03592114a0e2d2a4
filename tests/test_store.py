"""Reading the store: layers, manifest, cache key, and a helpful error when it is missing or broken."""

from __future__ import annotations

import json
import os
import shutil
import time

import geopandas as gpd
import pandas as pd
import pytest
from test_filters import HOSTILE, synthetic_layers

from regionmap import config
from regionmap.errors import RegionmapError
from regionmap.store import StoreMissing, open_store, required_columns, store_cache_key
from regionmap.taxonomy import taxonomy

THEMATIC_LAYERS = taxonomy().layer_ids


def write_store(path, layers=None, manifest: dict | None = None):
    layers = layers if layers is not None else synthetic_layers()
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, engine="pyogrio")
    if manifest is not None:
        config.manifest_path(path).write_text(json.dumps(manifest), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The synthetic store, written once per module."""
    return write_store(tmp_path_factory.mktemp("store") / "regionmap.gpkg",
                       manifest={"built": "2024-05-01T10:00:00Z", "sources": [{"id": "vg250_ew", "sha256": "ab" * 32}]})


@pytest.fixture
def store_path(written, tmp_path):
    """A copy of the synthetic store (with its manifest) that a test may change."""
    shutil.copy(written, tmp_path / written.name)
    shutil.copy(config.manifest_path(written), config.manifest_path(tmp_path / written.name))
    return tmp_path / written.name


def test_open_store_reads_every_layer(store_path):
    store = open_store(store_path)
    assert set(required_columns()) <= set(store.layers)
    assert len(store.gemeinden) == 6 and len(store.kreise) == 3 and len(store.region) == 1 and len(store.states) == 1
    assert list(store.thematic) == list(THEMATIC_LAYERS)
    assert len(store["research"]) == 5
    assert all(gdf.crs.equals("EPSG:4326") for gdf in store.layers.values())
    assert store.manifest["built"] == "2024-05-01T10:00:00Z"


def test_stored_values_come_back_as_written(store_path):
    store = open_store(store_path)
    gemeinden = store.gemeinden.set_index("ags")
    assert gemeinden.loc["03154501", "population"] is pd.NA  # unknown stays unknown
    assert str(gemeinden["population"].dtype) == "Int64"
    assert pd.api.types.is_integer_dtype(gemeinden["n_research"])
    assert gemeinden.loc["03241001", "population"] == 545_000
    assert gemeinden.loc["03101000", "kreis_ags"] == "03101"  # leading zeros kept
    research = store["research"].set_index("id")
    assert research.loc["research-hostile", "name"] == HOSTILE
    assert research.loc["research-tu-bs", "sectors"] == "mobility,digital"  # kept as the stored string


def test_cache_key_follows_the_manifest(store_path):
    key = store_cache_key(store_path)
    assert key == open_store(store_path).cache_key and key.startswith("manifest-")
    assert store_cache_key(store_path) == key  # stable
    manifest_file = config.manifest_path(store_path)
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["built"] = "2024-05-02T10:00:00Z"
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    assert store_cache_key(store_path) != key


def test_cache_key_without_manifest_follows_the_file(store_path):
    path = store_path
    config.manifest_path(path).unlink()
    key = store_cache_key(path)
    assert key.startswith("file-") and open_store(path).manifest == {}
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert store_cache_key(path) != key


def test_default_path_comes_from_the_environment(store_path, monkeypatch):
    monkeypatch.setenv("REGIONMAP_STORE", str(store_path))
    assert open_store().path == store_path


def assert_missing(path, fragment: str) -> StoreMissing:
    with pytest.raises(StoreMissing) as info:
        open_store(path)
    message = str(info.value)
    assert str(path) in message and fragment in message
    assert "regionmap build-data" in message and "REGIONMAP_SOURCE_DIR" in message
    assert isinstance(info.value, RegionmapError) and info.value.path == path
    return info.value


def test_missing_file(tmp_path):
    error = assert_missing(tmp_path / "nothing.gpkg", "file not found")
    assert error.problem == "file not found"
    with pytest.raises(StoreMissing):
        store_cache_key(tmp_path / "nothing.gpkg")


def test_a_file_that_is_not_a_geopackage(tmp_path):
    path = tmp_path / "regionmap.gpkg"
    path.write_text("<html>not a store</html>", encoding="utf-8")
    assert_missing(path, "not a readable GeoPackage")


def test_a_store_without_some_layers(tmp_path):
    layers = {name: synthetic_layers()[name] for name in ("gemeinden", "kreise", "region", "research")}
    assert_missing(write_store(tmp_path / "regionmap.gpkg", layers), "layer(s) missing: states, sites, health, events")


def test_a_store_from_an_older_schema(store_path):
    older = open_store(store_path).gemeinden.drop(columns=["n_events"])
    older.to_file(store_path, layer="gemeinden", engine="pyogrio")  # replaces that layer only
    assert_missing(store_path, "layer 'gemeinden' lacks column(s) n_events")


def test_a_broken_manifest(store_path):
    path = store_path
    config.manifest_path(path).write_text("{not json", encoding="utf-8")
    assert_missing(path, "manifest")
    config.manifest_path(path).write_text("[1, 2]", encoding="utf-8")
    assert_missing(path, "not a JSON object")


def test_a_layer_in_another_crs_is_reprojected(store_path):
    open_store(store_path).states.to_crs("EPSG:25832").to_file(store_path, layer="states", engine="pyogrio")
    store = open_store(store_path)
    assert store.states.crs.equals("EPSG:4326")
    assert store.states.total_bounds == pytest.approx([9.0, 52.0, 11.5, 52.6])


# --- the real store built from the sources ---------------------------------------------------------------------


def test_the_real_store(built_store):
    started = time.perf_counter()
    store = open_store(built_store)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"reading the store took {elapsed:.1f} s"
    assert len(store.gemeinden) == 381 and len(store.kreise) == 18 and len(store.region) == 1
    assert store.gemeinden["ags"].str.fullmatch(r"\d{8}").all()
    assert set(store.kreise["ags"]) == set(config.region().kreis_ags)
    assert store.cache_key == store_cache_key(built_store) and store.cache_key.startswith("manifest-")
    assert store.manifest == json.loads(config.manifest_path(built_store).read_text(encoding="utf-8"))
    sector_ids = set(taxonomy().sector_ids)
    for layer in THEMATIC_LAYERS:
        gdf: gpd.GeoDataFrame = store[layer]
        assert len(gdf) > 0 and (gdf["layer"] == layer).all()
        used = {s.strip() for value in gdf["sectors"].dropna() for s in value.split(",") if s.strip()}
        assert used <= sector_ids, layer
