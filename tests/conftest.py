"""Shared fixtures: the source directory (from $REGIONMAP_SOURCE_DIR) and a store built from it once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pipeline_support import SAMPLE_BEZ, SAMPLE_KREISE, THEMATIC
from store_backends import BACKENDS


@pytest.fixture(scope="session")
def source_dir() -> Path:
    """The source datasets (absolute, as the app resolves the variable); a missing directory fails the tests (it never
    skips them)."""
    from regionmap.config import source_dir as configured

    value = os.environ.get("REGIONMAP_SOURCE_DIR")
    path = configured()
    if path is None:
        pytest.fail("REGIONMAP_SOURCE_DIR is not set: point it at the source datasets, e.g. "
                    "REGIONMAP_SOURCE_DIR=../shared/data", pytrace=False)
    if not path.is_dir():
        pytest.fail(f"REGIONMAP_SOURCE_DIR={value} is not a directory", pytrace=False)
    return path


@pytest.fixture(scope="session")
def built_store(source_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built from the source directory into a temporary directory (manifest.json beside it)."""
    from regionmap.data.pipeline import build_store

    out = tmp_path_factory.mktemp("store") / "regionmap.gpkg"
    build_store(source_dir=source_dir, out=out)
    return out


# --- municipality samples in BKG's layouts -------------------------------------------------------------------------



@pytest.fixture(scope="session")
def sample_gemeinden(source_dir: Path):
    """The municipalities of three Kreise in the lower-case layout of the source GeoJSON (EPSG:4326)."""
    import geopandas as gpd

    frame = gpd.read_file(source_dir / "bkg/vg250-ew/vg250ew_niedersachsen_gemeinden.geojson")
    return frame[frame["ags"].str[:5].isin(SAMPLE_KREISE)].sort_values("ags").reset_index(drop=True)


@pytest.fixture(scope="session")
def official_layout(sample_gemeinden):
    """A function giving the sample in BKG's official upper-case layout (AGS, GEN, BEZ, EWZ, KFL, GF) in a CRS."""
    import geopandas as gpd

    def make(crs: str = "EPSG:25832", *, population: bool = True, bez: bool = True) -> gpd.GeoDataFrame:
        columns = {"AGS": sample_gemeinden["ags"], "GEN": sample_gemeinden["name"]}
        if bez:
            columns["BEZ"] = [SAMPLE_BEZ.get(a, "gemeindefreies Gebiet" if a[5] == "5" else "Gemeinde")
                              for a in sample_gemeinden["ags"]]
        if population:
            columns |= {"EWZ": sample_gemeinden["pop"], "KFL": sample_gemeinden["area_km2"]}
        columns["GF"] = 4
        return gpd.GeoDataFrame(columns, geometry=sample_gemeinden.geometry, crs="EPSG:4326").to_crs(crs)

    return make


# --- a stand-in for regionmap.data.thematic -----------------------------------------------------------------------------



def stub_thematic_layers(base: dict, curated_dir: Path, **options):
    """Five small layers: the first k+1 hospitals for the k-th thematic layer (a known count per municipality)."""
    import types

    layers = {}
    for k, name in enumerate(THEMATIC):
        frame = base["hospitals"].head(k + 1)[["ags", "municipality", "kreis_ags", "kreis", "geometry"]].copy()
        frame.insert(0, "id", [f"{name}-{i}" for i in range(len(frame))])
        frame.insert(1, "name", frame["id"])
        frame.insert(2, "category", "stub")
        layers[name] = frame
    return types.SimpleNamespace(layers=layers, warnings=())


@pytest.fixture
def thematic_stub(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace `regionmap.data.thematic` by `stub_thematic_layers`, for builds independent of the curated files."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "regionmap.data.thematic",
                        types.SimpleNamespace(build_thematic_layers=stub_thematic_layers))


# --- a previous store, to check that failed builds leave it untouched ---------------------------------------------

@pytest.fixture
def previous_store(built_store: Path, tmp_path: Path):
    """A copy of the session store and its manifest in `tmp_path`; `.unchanged()` compares their bytes."""
    import shutil

    from regionmap.config import manifest_path

    class Previous:
        store = tmp_path / "store" / built_store.name
        manifest = manifest_path(store)

        def __init__(self) -> None:
            self.store.parent.mkdir()
            shutil.copy2(built_store, self.store)
            shutil.copy2(manifest_path(built_store), self.manifest)
            self.snapshot = (self.store.read_bytes(), self.manifest.read_bytes())

        def unchanged(self) -> bool:
            """True when the store and manifest bytes are as before and no temporary files are left beside them
            (the store's lock file may be there: readers and writers of the GeoPackage create it)."""
            files = sorted(p.name for p in self.store.parent.iterdir() if p.name != f"{self.store.name}.lock")
            same = (self.store.read_bytes(), self.manifest.read_bytes()) == self.snapshot
            return same and files == sorted([self.store.name, self.manifest.name])

    return Previous()


# --- PostGIS: the test server, fresh databases on it, and the store built into one -----------------------------------

@pytest.fixture(scope="session")
def postgis_server() -> str:
    """The PostGIS server of the tests: $REGIONMAP_TEST_POSTGIS, else the URL scripts/postgis wrote to .postgis/url.
    In CI a missing or unreachable server fails the tests; elsewhere the PostGIS cases skip."""
    import psycopg

    from regionmap.data.store import without_password

    url = os.environ.get("REGIONMAP_TEST_POSTGIS", "").strip()
    local = Path(__file__).resolve().parents[1] / ".postgis" / "url"
    if not url and local.is_file():
        url = local.read_text(encoding="utf-8").strip()
    problem = "" if url else "no PostGIS server: run scripts/postgis, or set REGIONMAP_TEST_POSTGIS to a server's URL"
    if url:
        try:
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            problem = f"PostGIS server {without_password(url)} unreachable ({str(exc).strip()})"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    return url


@pytest.fixture(scope="session")
def postgis_database(postgis_server: str):
    """A function creating a fresh database (with the postgis extension) on the test server and returning its URL;
    every database it created is dropped after the session."""
    import uuid

    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    created: list[str] = []

    def create() -> str:
        name = f"regionmap_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgis_server, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        url = make_url(postgis_server).set(database=name).render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        return url

    yield create
    with psycopg.connect(postgis_server, autocommit=True) as connection:
        for name in created:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def built_postgis(source_dir: Path, postgis_database) -> str:
    """The store built from the source directory into a fresh PostGIS database (its URL), once per session."""
    from regionmap.data.pipeline import build_store

    url = postgis_database()
    build_store(source_dir=source_dir, out=url)
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def real_store(request: pytest.FixtureRequest) -> str:
    """The store built from the sources on each backend: a location for `store_at` (a GeoPackage path, a URL)."""
    if request.param == "gpkg":
        return str(request.getfixturevalue("built_store"))
    return request.getfixturevalue("built_postgis")
