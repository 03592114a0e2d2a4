"""The PostGIS store against a real server: the same layers as the GeoPackage, filters in SQL, the indexes and the
simplified boundaries of a build, builds that fail halfway (a broken source, a killed connection), and hostile values
in every parameter that reaches a query."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from pipeline_support import SAMPLE_KREISE
from test_filters import HOSTILE, synthetic_layers
from test_pipeline_failures import bad_coordinate_sources

import regionmap.data.postgis as postgis
from regionmap.dashboard.composition import BOUNDARY_LAYERS, DISPLAY_ZOOMS, simplified_layers
from regionmap.data.pipeline import build_store
from regionmap.data.postgis import PostGISStore
from regionmap.data.store import LazyLayers, StoreMissing, feature_key, open_store, store_at
from regionmap.errors import SourceError
from regionmap.taxonomy import taxonomy

MANIFEST = {"built_at": "2024-05-01T10:00:00Z", "sources": []}
PER_BUILD = ("build_id", "built_at", "build_seconds")  # manifest keys that differ between two builds of the same data
INJECTIONS = ("'; DROP TABLE gemeinden; --", "03101000' OR '1'='1", "03101); DELETE FROM regionmap.kreise; --",
              'gemeinden"; DROP SCHEMA regionmap CASCADE; --', "1 UNION SELECT * FROM pg_shadow", "\\x00", "%(ags)s")


@pytest.fixture(scope="module")
def both(built_store, built_postgis) -> tuple[str, str]:
    return str(built_store), built_postgis


def rows(url: str, query: str) -> list[tuple]:
    with PostGISStore(url).engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(query)).all()]


def test_every_layer_reads_back_as_from_the_geopackage(both) -> None:
    gpkg, pg = (store_at(location) for location in both)
    assert pg.layer_names() == gpkg.layer_names()
    for name in gpkg.layer_names():
        pd.testing.assert_frame_equal(pg.read_layer(name), gpkg.read_layer(name), obj=name)
        assert pg.layer_columns(name) == gpkg.layer_columns(name), name
    drop = lambda manifest: {k: v for k, v in manifest.items() if k not in PER_BUILD}  # noqa: E731
    assert drop(pg.manifest()) == drop(gpkg.manifest())
    assert pg.version() == pg.manifest()["build_id"] != gpkg.version()


def test_filtered_reads_in_sql_give_the_rows_of_the_geopackage(both) -> None:
    gpkg, pg = (store_at(location) for location in both)
    names = ["gemeinden", "kreise", *taxonomy().layer_ids, "hospitals"]
    for kreis in SAMPLE_KREISE:
        for name in names:
            pd.testing.assert_frame_equal(pg.read_layer(name, kreis=kreis), gpkg.read_layer(name, kreis=kreis),
                                          obj=f"{name} in {kreis}")
    for ags in gpkg.read_layer("gemeinden")["ags"].sample(12, random_state=2):
        for name in ["gemeinden", "research", "health"]:
            pd.testing.assert_frame_equal(pg.read_layer(name, ags=ags), gpkg.read_layer(name, ags=ags))
    for bbox in [(10.4, 52.2, 10.6, 52.3), (9.6, 52.3, 9.8, 52.45), (0.0, 0.0, 1.0, 1.0)]:
        for name in ["research", "health", "postcodes", "gemeinden"]:
            pd.testing.assert_frame_equal(pg.read_layer(name, bbox=bbox), gpkg.read_layer(name, bbox=bbox),
                                          obj=f"{name} in {bbox}")


def test_the_build_stores_the_simplified_boundaries_the_app_would_compute(both) -> None:
    gpkg = open_store(both[0])
    pg = store_at(both[1])
    for zoom in DISPLAY_ZOOMS:
        computed = simplified_layers(gpkg.layers, zoom)
        for name in BOUNDARY_LAYERS:
            pd.testing.assert_frame_equal(pg.read_simplified(name, zoom), computed[name], obj=f"{name} at {zoom}")
    assert pg.read_simplified("gemeinden", 3) is None  # not stored: the app simplifies itself
    assert store_at(both[0]).read_simplified("gemeinden", DISPLAY_ZOOMS[0]) is None


def test_indexes_and_schemas_of_a_build(built_postgis) -> None:
    indexes = rows(built_postgis, "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'regionmap'")
    store = store_at(built_postgis)
    for name in store.layer_names():
        defs = [d for table, d in indexes if table == name]
        assert any("USING gist (geometry)" in d for d in defs), (name, defs)
        key = feature_key(name) if feature_key(name) in store.layer_columns(name) else "fid"
        assert f"CREATE UNIQUE INDEX {name}_pkey ON regionmap.{name} USING btree ({key})" in defs, (name, defs)
        assert key == "fid" or any(d.startswith("CREATE UNIQUE INDEX") and d.endswith("(fid)") for d in defs), name
        for column in ("ags", "kreis_ags", "category"):
            if column in store.layer_columns(name):
                assert any(f"USING btree ({column})" in d for d in defs), (name, column, defs)
    schemas = {s for (s,) in rows(built_postgis, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'regionmap%'")}
    assert schemas == {"regionmap"}  # no staging or retired schema left


def test_the_app_reads_postgis_layers_when_first_used_and_filters_in_sql(built_postgis, built_store) -> None:
    data = open_store(built_postgis)
    assert isinstance(data.layers, LazyLayers) and data.layers.loaded() == [] and data.reads_in_place
    in_memory = open_store(built_store)
    assert not in_memory.reads_in_place
    for options in ({"kreis": "03101"}, {"ags": "03241001"}, {"kreis": "03241", "ags": "03241001"}):
        for name in ("health", "gemeinden", "kreise" if "ags" not in options else "research"):
            pd.testing.assert_frame_equal(data.filtered(name, **options), in_memory.filtered(name, **options))
    assert data.layers.loaded() == []  # asked of the database: no layer read whole
    assert len(data.gemeinden) == 381 and data.layers.loaded() == ["gemeinden"]
    assert data.filtered("gemeinden") is data.gemeinden


def test_pg_variables_fill_in_what_the_url_leaves_out(built_postgis, monkeypatch) -> None:
    url = sa.engine.make_url(built_postgis)
    for variable, value in {"PGHOST": url.host, "PGPORT": str(url.port), "PGUSER": url.username,
                            "PGDATABASE": url.database}.items():
        monkeypatch.setenv(variable, value)
    store = store_at("postgresql://")
    assert store.version() == store_at(built_postgis).version()
    postgis._engine.cache_clear()


def test_an_unreachable_server_and_an_empty_database_give_clear_errors(postgis_database) -> None:
    with pytest.raises(StoreMissing, match="cannot connect to the database") as info:
        store_at("postgresql://someone:secret@127.0.0.1:1/regionmap").version()
    assert "secret" not in str(info.value) and "someone:***@127.0.0.1:1" in str(info.value)
    with pytest.raises(StoreMissing, match=r"no 'regionmap.regionmap_meta' table"):
        open_store(postgis_database())


# --- builds that fail halfway ----------------------------------------------------------------------------------


class Previous:
    """A PostGIS database holding a build of the synthetic layers; `.unchanged()` compares everything readable."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.store = store_at(url)
        self.version = self.store.write_build(synthetic_layers(), dict(MANIFEST))
        self.snapshot = self._read()

    def _read(self) -> tuple:
        return (self.store.version(), self.store.manifest(), self.store.layer_names(),
                {name: self.store.read_layer(name) for name in self.store.layer_names()})

    def unchanged(self) -> bool:
        version, manifest, names, layers = self._read()
        for name, frame in layers.items():
            pd.testing.assert_frame_equal(frame, self.snapshot[3][name])
        schemas = rows(self.url, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'regionmap%'")
        return (version, manifest, names) == self.snapshot[:3] and schemas == [("regionmap",)]


@pytest.fixture
def previous(postgis_database) -> Previous:
    return Previous(postgis_database())


def test_a_broken_source_leaves_the_previous_build(tmp_path, source_dir, previous) -> None:
    sources = bad_coordinate_sources(source_dir, tmp_path / "src")
    with pytest.raises(SourceError, match="line 42, field 'Breite'"):
        build_store(source_dir=sources, out=previous.url)
    assert previous.unchanged()


def test_a_connection_killed_halfway_through_a_build_leaves_the_previous_build(previous, monkeypatch) -> None:
    written = postgis._write_layers
    killed = []

    def killed_halfway(connection: sa.Connection, layers: dict) -> None:
        names = list(layers)
        written(connection, {name: layers[name] for name in names[:3]})
        pid = connection.connection.dbapi_connection.info.backend_pid
        with previous.store.engine.connect() as other:  # another session ends this one, as an operator or OOM would
            killed.append(other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar())
        written(connection, {name: layers[name] for name in names[3:]})

    monkeypatch.setattr(postgis, "_write_layers", killed_halfway)
    with pytest.raises(StoreMissing, match="the build was not written .*the previous build is unchanged"):
        previous.store.write_build(synthetic_layers(), dict(MANIFEST, built_at="2030-01-01T00:00:00Z"))
    assert killed == [True]
    assert previous.unchanged()
    assert open_store(previous.url).cache_key == previous.version  # still readable by the app


def test_an_error_while_writing_leaves_the_previous_build_and_a_new_build_replaces_it(previous, monkeypatch) -> None:
    def failing(connection: sa.Connection) -> None:
        raise RuntimeError("index creation failed")

    monkeypatch.setattr(postgis, "_swap", failing)
    with pytest.raises(RuntimeError, match="index creation failed"):
        previous.store.write_build(synthetic_layers(), dict(MANIFEST))
    assert previous.unchanged()
    monkeypatch.undo()
    layers = synthetic_layers()
    layers["kreise"].loc[0, "name"] = "Rebuilt"
    version = previous.store.write_build(layers, dict(MANIFEST))
    assert previous.store.version() == version != previous.version
    assert previous.store.read_layer("kreise")["name"].iloc[0] == "Rebuilt"


def test_a_duplicate_or_missing_feature_key_is_refused_before_anything_is_written(previous) -> None:
    layers = synthetic_layers()
    research = layers["research"]
    layers["research"] = pd.concat([research, research.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match=f"layer 'research': id {research['id'].iloc[0]} given more than once"):
        previous.store.write_build(layers, dict(MANIFEST))
    layers = synthetic_layers()
    layers["kreise"].loc[1, "ags"] = None
    with pytest.raises(ValueError, match="layer 'kreise': no ags in row\\(s\\) 2"):
        previous.store.write_build(layers, dict(MANIFEST))
    assert previous.unchanged()


def test_readers_see_the_previous_build_until_the_swap_commits(previous, monkeypatch) -> None:
    written = postgis._create_indexes
    seen = []

    def reading_meanwhile(connection: sa.Connection, layers: dict) -> None:
        written(connection, layers)  # the staging schema is complete; another session reads the store now
        seen.append((previous.store.version(), len(previous.store.read_layer("gemeinden"))))

    monkeypatch.setattr(postgis, "_create_indexes", reading_meanwhile)
    layers = synthetic_layers()
    layers["gemeinden"] = layers["gemeinden"].head(4)
    version = previous.store.write_build(layers, dict(MANIFEST))
    assert seen == [(previous.version, len(synthetic_layers()["gemeinden"]))]
    assert previous.store.version() == version and len(previous.store.read_layer("gemeinden")) == 4


def test_a_reader_whose_connection_was_killed_gets_a_new_one(previous) -> None:
    import psycopg

    with previous.store.engine.connect() as connection:
        pid = connection.connection.dbapi_connection.info.backend_pid
    with psycopg.connect(previous.url, autocommit=True) as other:  # the pooled connection dies on the server
        assert other.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
    assert previous.store.version() == previous.version  # pool_pre_ping replaced it
    assert len(previous.store.read_layer("kreise")) == len(synthetic_layers()["kreise"])


# --- hostile values ----------------------------------------------------------------------------------------------


def test_hostile_filter_values_are_rejected_and_the_tables_stay(previous) -> None:
    store = previous.store
    for value in INJECTIONS:
        with pytest.raises(ValueError, match="AGS must be 8 digits"):
            store.read_layer("gemeinden", ags=value)
        with pytest.raises(ValueError, match="Kreis AGS must be 5 digits"):
            store.read_layer("research", kreis=value)
        with pytest.raises(StoreMissing, match="missing"):
            store.read_layer(value)
        with pytest.raises(StoreMissing, match="missing"):
            store.layer_columns(value)
        with pytest.raises(ValueError):
            store.read_layer("research", bbox=(value, 52.0, 11.0, 53.0))
        with pytest.raises(ValueError):
            store.write_build({value: synthetic_layers()["kreise"]}, dict(MANIFEST))
        assert store.read_simplified("gemeinden", 8) is not None
        with pytest.raises((ValueError, TypeError)):
            store.read_simplified("gemeinden", value)
    with pytest.raises(ValueError, match="finite"):
        store.read_layer("research", bbox=(float("nan"), 52.0, 11.0, 53.0))
    assert previous.unchanged()


def test_hostile_values_in_the_data_are_stored_as_data(previous) -> None:
    layers = synthetic_layers()
    layers["research"].loc[0, "name"] = INJECTIONS[0]
    layers["research"].loc[1, "category"] = INJECTIONS[3]
    previous.store.write_build(layers, dict(MANIFEST, note=INJECTIONS[0]))
    research = previous.store.read_layer("research")
    assert research["name"].iloc[0] == INJECTIONS[0] and research["category"].iloc[1] == INJECTIONS[3]
    assert HOSTILE in set(research["name"]) and previous.store.manifest()["note"] == INJECTIONS[0]
    assert len(previous.store.read_layer("gemeinden")) == len(synthetic_layers()["gemeinden"])


def test_the_store_benchmark_prints_figures_for_both_backends(built_store, built_postgis) -> None:
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run([sys.executable, "-m", "benchmarks.store", "--store", str(built_store), "--store",
                             built_postgis, "--repeat", "1"], cwd=Path(__file__).resolve().parents[1],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "GeoPackageStore" in lines[0] and "PostGISStore" in lines[0]
    figures = {line.split("  ")[0].strip(): line.split()[-2:] for line in lines[1:] if "  " in line and ":" not in line}
    assert {"version()", "read gemeinden", "gemeinden + thematic, Kreis 03101"} <= set(figures)
    assert all(float(value) > 0 for values in figures.values() for value in values)


def test_a_partners_site_fields_read_back_alike(built_store, postgis_database, tmp_path) -> None:
    """Every investor field set on one site, stated as false or empty on others: the same values on both backends
    (optional yes/no as text, dates as ISO text, numbers as floats)."""
    from regionmap.data.store import GeoPackageStore
    from sites_fixture import INVESTOR_FIELDS

    sites = store_at(str(built_store)).read_layer("sites")
    for column, value in INVESTOR_FIELDS.items():
        sites[column] = sites[column].astype(object if isinstance(value, str) else float)
        sites.loc[0, column] = value
    sites.loc[1, ["serviced", "rail_siding", "price_on_request"]] = "false"
    url = postgis_database()
    GeoPackageStore(tmp_path / "store.gpkg").write_build({"sites": sites}, dict(MANIFEST))
    PostGISStore(url).write_build({"sites": sites}, dict(MANIFEST))
    gpkg, pg = store_at(str(tmp_path / "store.gpkg")).read_layer("sites"), store_at(url).read_layer("sites")
    pd.testing.assert_frame_equal(pg, gpkg)
    assert gpkg.loc[0, "serviced"] == "true" and gpkg.loc[1, "serviced"] == "false" and pd.isna(gpkg.loc[2, "serviced"])
    assert gpkg.loc[0, "broadband_mbps"] == 1000.0 and gpkg.loc[0, "confirmed_on"] == "2026-11-20"
