"""The store interface: reading layers, the metadata table (version and manifest), the location string, and a
helpful error when the store is missing, damaged or replaced."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time

import geopandas as gpd
import pandas as pd
import pytest
from store_backends import BACKENDS
from test_filters import HOSTILE, synthetic_layers

from regionmap import config
from regionmap.errors import RegionmapError
from regionmap.data.store import (
    META_TABLE,
    GeoPackageStore,
    StoreMissing,
    open_store,
    store_at,
    required_columns,
)
from regionmap.data.postgis import PostGISStore
from regionmap.taxonomy import taxonomy
from regionmap.data.validation import run_validation

MANIFEST = {"built_at": "2024-05-01T10:00:00Z", "sources": [{"id": "vg250_ew", "sha256": "ab" * 32}]}

THEMATIC_LAYERS = taxonomy().layer_ids


def write_store(path, layers=None, manifest: dict | None = None):
    """A store written through the interface, as `regionmap build-data` writes one."""
    layers = layers if layers is not None else synthetic_layers()
    GeoPackageStore(path).write_build(layers, dict(manifest if manifest is not None else MANIFEST))
    return path


def set_meta(path, key: str, value: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(f"UPDATE {META_TABLE} SET value = ? WHERE key = ?", (value, key))


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The synthetic store, written once per module."""
    return write_store(tmp_path_factory.mktemp("store") / "regionmap.gpkg")


@pytest.fixture(scope="module", params=BACKENDS)
def synthetic(request, written) -> str:
    """The synthetic store on each backend (a location for `store_at`), written once per module; tests only read it."""
    if request.param == "gpkg":
        return str(written)
    url = request.getfixturevalue("postgis_database")()
    store_at(url).write_build(synthetic_layers(), dict(MANIFEST))
    return url


@pytest.fixture
def store_path(written, tmp_path):
    """A copy of the synthetic store (with its manifest.json export) that a test may change."""
    shutil.copy(written, tmp_path / written.name)
    shutil.copy(config.manifest_path(written), config.manifest_path(tmp_path / written.name))
    return tmp_path / written.name


def test_open_store_reads_every_layer(synthetic):
    store = open_store(synthetic)
    assert set(required_columns()) <= set(store.layers)
    assert len(store.gemeinden) == 6 and len(store.kreise) == 3 and len(store.region) == 1 and len(store.states) == 1
    assert list(store.thematic) == list(THEMATIC_LAYERS)
    assert len(store["research"]) == 5
    assert all(gdf.crs.equals("EPSG:4326") for gdf in store.layers.values())
    assert store.manifest["built_at"] == "2024-05-01T10:00:00Z"


def test_stored_values_come_back_as_written(synthetic):
    store = open_store(synthetic)
    gemeinden = store.gemeinden.set_index("ags")
    assert gemeinden.loc["03154501", "population"] is pd.NA  # unknown stays unknown
    assert str(gemeinden["population"].dtype) == "Int64"
    assert pd.api.types.is_integer_dtype(gemeinden["n_research"])
    assert gemeinden.loc["03241001", "population"] == 545_000
    assert gemeinden.loc["03101000", "kreis_ags"] == "03101"  # leading zeros kept
    research = store["research"].set_index("id")
    assert research.loc["research-hostile", "name"] == HOSTILE
    assert research.loc["research-tu-bs", "sectors"] == "mobility,digital"  # kept as the stored string


def test_the_version_comes_from_the_metadata_table(store_path):
    store = GeoPackageStore(store_path)
    key = store.version()
    assert key == open_store(store_path).cache_key == store.manifest()["build_id"]
    assert store.version() == key  # stable
    manifest_file = config.manifest_path(store_path)
    manifest_file.write_text(json.dumps({"built_at": "2030-01-01T00:00:00Z"}), encoding="utf-8")
    assert store.version() == key  # the manifest.json beside it is an export, not the key
    manifest_file.unlink()
    assert open_store(store_path).manifest["built_at"] == MANIFEST["built_at"]  # read from the store itself
    set_meta(store_path, "build_id", "another-build")
    assert store.version() == "another-build"


def test_an_unchanged_geopackage_answers_its_version_from_a_stat(store_path, monkeypatch):
    """The app asks for the version on every rerun: the file is opened again only when it changed."""
    old = time.time() - 60
    os.utime(store_path, (old, old))  # settled: changed longer than VERSION_SETTLE_S ago
    key = GeoPackageStore(store_path).version()
    opened = []
    meta = GeoPackageStore._meta
    monkeypatch.setattr(GeoPackageStore, "_meta", lambda self: opened.append(1) or meta(self))
    assert GeoPackageStore(store_path).version() == key and opened == []
    set_meta(store_path, "build_id", "changed in place")  # written now: within the settle time, read every time
    assert GeoPackageStore(store_path).version() == "changed in place" and len(opened) == 1
    assert GeoPackageStore(store_path).version() == "changed in place" and len(opened) == 2
    os.utime(store_path, (old + 1, old + 1))  # settled again: answered from the stat once more
    assert GeoPackageStore(store_path).version() == "changed in place" and len(opened) == 3
    assert GeoPackageStore(store_path).version() == "changed in place" and len(opened) == 3
    store_path.write_bytes(store_path.read_bytes()[:1024])
    with pytest.raises(StoreMissing, match="not a readable GeoPackage"):
        GeoPackageStore(store_path).version()


def test_a_store_replaced_while_its_manifest_stayed_is_noticed(store_path, tmp_path):
    """Measured in the app: a rebuilt store copied over the old one, manifest.json untouched, kept the old data."""
    before = open_store(store_path)
    manifest_bytes = config.manifest_path(store_path).read_bytes()
    layers = synthetic_layers()
    layers["gemeinden"].loc[0, "name"] = "Neustadt am Rübenberge (rebuilt)"
    rebuilt = write_store(tmp_path / "rebuilt" / "regionmap.gpkg", layers)
    shutil.copy(rebuilt, store_path)
    assert config.manifest_path(store_path).read_bytes() == manifest_bytes
    after = open_store(store_path)
    assert GeoPackageStore(store_path).version() == after.cache_key != before.cache_key
    assert "Neustadt am Rübenberge (rebuilt)" in set(after.gemeinden["name"])
    assert "Neustadt am Rübenberge (rebuilt)" not in set(before.gemeinden["name"])


def test_a_store_truncated_to_1_kb_gives_a_clear_error(store_path):
    """Measured in the app: a store truncated to 1 KB kept showing cached data with no message."""
    store_path.write_bytes(store_path.read_bytes()[:1024])
    with pytest.raises(StoreMissing) as info:
        GeoPackageStore(store_path).version()
    assert str(store_path) in str(info.value) and "not a readable GeoPackage" in info.value.problem
    assert "1,024 bytes" in info.value.problem
    assert_missing(store_path, "not a readable GeoPackage")
    report = run_validation([], store=store_path)
    messages = [p.format() for p in report.problems if p.file == str(store_path)]
    assert any("cannot read the store: not a readable GeoPackage" in m for m in messages), report.format()
    assert not report.ok


def test_a_store_without_metadata_is_refused(tmp_path):
    path = tmp_path / "regionmap.gpkg"
    for name, gdf in synthetic_layers().items():  # layers only, as stores built before the metadata table
        gdf.to_file(path, layer=name, engine="pyogrio")
    assert_missing(path, f"no '{META_TABLE}' table (built by an older version of regionmap?)")
    assert set(required_columns()) <= set(GeoPackageStore(path).layer_names())  # the layers themselves are still listed


def test_layers_listed_without_the_metadata_table(synthetic):
    store = store_at(synthetic)
    names = store.layer_names()
    assert META_TABLE not in names and names == list(synthetic_layers())
    written_columns = synthetic_layers()["kreise"].columns
    assert store.layer_columns("kreise") == [*written_columns.drop("geometry"), "geometry"]  # geometry last


def test_read_layer_by_bbox_ags_and_kreis(synthetic):
    store = store_at(synthetic)
    gemeinden = store.read_layer("gemeinden")
    first = gemeinden.iloc[0]
    assert list(store.read_layer("gemeinden", ags=first["ags"])["ags"]) == [first["ags"]]
    in_kreis = store.read_layer("gemeinden", kreis=first["kreis_ags"])
    assert set(in_kreis["ags"]) == set(gemeinden.loc[gemeinden["kreis_ags"] == first["kreis_ags"], "ags"])
    assert list(store.read_layer("kreise", kreis=first["kreis_ags"])["ags"]) == [first["kreis_ags"]]
    research = store.read_layer("research")
    point = research.geometry.iloc[0]
    box = (point.x - 1e-4, point.y - 1e-4, point.x + 1e-4, point.y + 1e-4)
    assert list(store.read_layer("research", bbox=box)["id"]) == [research["id"].iloc[0]]
    for bad in ("03101000' OR '1'='1", "3101000", "0310100a", "０３１０１０００"):
        with pytest.raises(ValueError, match="AGS must be 8 digits"):
            store.read_layer("gemeinden", ags=bad)
    with pytest.raises(ValueError, match="Kreis AGS must be 5 digits"):
        store.read_layer("gemeinden", kreis="'; DROP TABLE gemeinden; --")
    assert len(store.read_layer("gemeinden")) == len(gemeinden)  # still all there
    with pytest.raises(StoreMissing, match="layer 'nothing' missing"):
        store.read_layer("nothing")


def test_read_columns_and_count_without_reading_the_layer(synthetic):
    store = store_at(synthetic)
    for name in ("gemeinden", "kreise", "research"):
        whole = store.read_layer(name)
        assert store.count(name) == len(whole)
        columns = ["ags", "name"] if name != "research" else ["id", "kreis_ags"]
        read = store.read_columns(name, columns)
        assert list(read.columns) == columns and "geometry" not in read.columns
        pd.testing.assert_frame_equal(read, pd.DataFrame(whole[columns]), check_dtype=False)
    figures = store.read_columns("gemeinden", ["population", "area_km2"])
    assert figures["population"].sum() == store.read_layer("gemeinden")["population"].sum()
    with pytest.raises(StoreMissing, match="layer 'gemeinden' has no column\\(s\\) nothing, geometry"):
        store.read_columns("gemeinden", ["ags", "nothing", "geometry"])
    for hostile in ("'; DROP TABLE gemeinden; --", 'gemeinden"; DROP TABLE kreise; --', HOSTILE):
        with pytest.raises(StoreMissing, match="has no column"):
            store.read_columns("gemeinden", [hostile])
        with pytest.raises(StoreMissing, match="missing"):
            store.count(hostile)
    with pytest.raises(StoreMissing, match="layer 'nothing' missing"):
        store.count("nothing")
    assert store.count("gemeinden") == len(store.read_layer("gemeinden"))  # still all there


def test_store_data_counts_and_columns_agree_on_both_backends(synthetic):
    data = open_store(synthetic)
    for name in ("gemeinden", *THEMATIC_LAYERS):
        key = "ags" if name == "gemeinden" else "id"
        assert data.count(name) == len(data[name])
        assert list(data.columns(name, [key])[key]) == list(data[name][key])
    with pytest.raises(StoreMissing, match="has no column"):
        data.columns("kreise", ["geometry"])


def test_the_url_vocabulary_reads_only_id_columns_on_postgis(synthetic):
    data = open_store(synthetic)
    vocab = data.url_vocab(taxonomy())
    assert vocab.gemeinden == frozenset(data.gemeinden["ags"]) and vocab.sites == frozenset(data["sites"]["id"])
    assert vocab.records == frozenset(i for layer in THEMATIC_LAYERS for i in data[layer]["id"])
    if data.reads_in_place:
        fresh = open_store(synthetic)
        fresh.url_vocab(taxonomy())
        fresh.count("research")
        assert fresh.layers.loaded() == []  # no layer read whole for the vocabulary or a count


def test_write_build_keeps_the_previous_store_on_failure(store_path, monkeypatch):
    import regionmap.data.store as store_backend

    before = (store_path.read_bytes(), config.manifest_path(store_path).read_bytes())
    version = GeoPackageStore(store_path).version()

    def failing(path, layers, geometry_types):
        layers["gemeinden"].to_file(path, layer="gemeinden", engine="pyogrio")
        raise OSError("disk full")

    monkeypatch.setattr(store_backend, "_write_layers", failing)
    with pytest.raises(OSError, match="disk full"):
        GeoPackageStore(store_path).write_build(synthetic_layers(), dict(MANIFEST))
    assert (store_path.read_bytes(), config.manifest_path(store_path).read_bytes()) == before
    assert GeoPackageStore(store_path).version() == version
    assert sorted(p.name for p in store_path.parent.iterdir()) == sorted([store_path.name, "manifest.json"])


def test_store_locations_are_parsed_in_one_place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = store_at("data/regionmap.gpkg")
    assert isinstance(relative, GeoPackageStore) and relative.location == str(tmp_path / "data" / "regionmap.gpkg")
    assert store_at(f"file://{tmp_path}/x.gpkg").location == str(tmp_path / "x.gpkg")
    assert store_at("build:2030.gpkg").location == str(tmp_path / "build:2030.gpkg")  # a colon in a file name
    monkeypatch.setenv("REGIONMAP_STORE", "here.gpkg")
    assert store_at().location == str(tmp_path / "here.gpkg")
    monkeypatch.chdir("/")
    assert GeoPackageStore(relative.path).location == str(tmp_path / "data" / "regionmap.gpkg")  # resolved once
    postgis = store_at("postgresql://planner:secret@db.example:5432/regionmap")
    assert isinstance(postgis, PostGISStore) and postgis.location == "postgresql://planner:***@db.example:5432/regionmap"
    assert "secret" not in repr(postgis)
    assert isinstance(store_at("postgres://db.example/regionmap"), PostGISStore)
    with pytest.raises(StoreMissing, match=r"unknown store scheme 's3:'"):
        store_at("s3://bucket/regionmap.gpkg")
    monkeypatch.setenv("REGIONMAP_STORE", "ftp://example.org/x.gpkg")
    with pytest.raises(StoreMissing, match=r"unknown store scheme 'ftp:'"):
        open_store()


def assert_missing(path, fragment: str) -> StoreMissing:
    with pytest.raises(StoreMissing) as info:
        open_store(path)
    message = str(info.value)
    assert str(path) in message and fragment in message
    assert "regionmap build-data" in message and "REGIONMAP_SOURCE_DIR" in message
    assert isinstance(info.value, RegionmapError) and info.value.location == str(path)
    return info.value


def test_missing_file(tmp_path):
    error = assert_missing(tmp_path / "nothing.gpkg", "file not found")
    assert error.problem == "file not found"
    with pytest.raises(StoreMissing, match="file not found"):
        GeoPackageStore(tmp_path / "nothing.gpkg").version()


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
    set_meta(store_path, "manifest", "{not json")
    assert_missing(store_path, f"unreadable manifest in '{META_TABLE}'")
    set_meta(store_path, "manifest", "[1, 2]")
    assert_missing(store_path, "not a JSON object")
    set_meta(store_path, "build_id", "")
    assert_missing(store_path, "has no build id")


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
    assert store.cache_key == GeoPackageStore(built_store).version() == store.manifest["build_id"]
    exported = json.loads(config.manifest_path(built_store).read_text(encoding="utf-8"))
    assert store.manifest == {key: value for key, value in exported.items() if key != "store"}
    sector_ids = set(taxonomy().sector_ids)
    for layer in THEMATIC_LAYERS:
        gdf: gpd.GeoDataFrame = store[layer]
        assert len(gdf) > 0 and (gdf["layer"] == layer).all()
        used = {s.strip() for value in gdf["sectors"].dropna() for s in value.split(",") if s.strip()}
        assert used <= sector_ids, layer


def test_child_processes_get_the_paths_this_process_means(tmp_path, monkeypatch):
    """`streamlit_server` runs the app in another directory: relative path variables are resolved here first."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REGIONMAP_SOURCE_DIR", "../shared/data")
    monkeypatch.setenv("REGIONMAP_STORE", "data/geo/regionmap.gpkg")
    env = config.child_environment({"REGIONMAP_CACHE_DIR": "cache", "OTHER": "x/y"})
    assert env["REGIONMAP_SOURCE_DIR"] == str(tmp_path.parent / "shared" / "data")
    assert env["REGIONMAP_STORE"] == str(tmp_path / "data" / "geo" / "regionmap.gpkg")
    assert env["REGIONMAP_CACHE_DIR"] == str(tmp_path / "cache") and env["OTHER"] == "x/y"
    monkeypatch.setenv("REGIONMAP_STORE", "postgresql://planner@localhost/regionmap")
    assert config.child_environment()["REGIONMAP_STORE"] == "postgresql://planner@localhost/regionmap"
