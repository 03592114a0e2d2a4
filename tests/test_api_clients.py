"""The OGC API served by a real `regionmap serve-api` process, read by real clients: GDAL's OAPIF driver (`ogrinfo`),
QGIS (`qgis_process`) and plain HTTP. The tests run against both backends `REGIONMAP_STORE` may name, the GeoPackage
and PostGIS (the store built once per session into each, `real_store`), and every count is compared with the
GeoPackage store's. A missing client fails the tests (`make test` installs them with scripts/install-clients); so does
a missing PostGIS server in CI (see `postgis_server`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from regionmap.data.curated import split_sectors
from regionmap.data.store import Store, store_at
from regionmap.testing import Server, api_server

pytestmark = pytest.mark.clients

OGRINFO = shutil.which("ogrinfo") or "/usr/bin/ogrinfo"
QGIS_PROCESS = Path("/usr/bin/qgis_process.bin")  # the wrapper /usr/bin/qgis_process passes an option 3.22 rejects
BBOX = (9.5, 52.2, 9.9, 52.5)  # around Hannover
INSTALL_HINT = "install it with scripts/install-clients (Debian's gdal-bin and qgis)"


@pytest.fixture(scope="module")
def api(real_store: str) -> Iterator[Server]:
    """`regionmap serve-api` on the session's store of one backend (the GeoPackage, then PostGIS)."""
    try:
        with api_server({"REGIONMAP_STORE": real_store}) as server:
            yield server
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def gpkg(built_store: Path) -> Store:
    """The GeoPackage store the counts of either backend's API are compared with."""
    return store_at(str(built_store))


def get(url: str) -> tuple[int, dict]:
    """Status and JSON body of a GET (also of an error answer)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def ogrinfo(*args: str) -> str:
    if not Path(OGRINFO).exists():
        pytest.fail(f"ogrinfo not found: {INSTALL_HINT}")
    result = subprocess.run([OGRINFO, "-ro", *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def feature_count(output: str) -> int:
    match = re.search(r"Feature Count: (\d+)", output)
    assert match, output
    return int(match.group(1))


def test_gdal_lists_the_collections_and_reads_each(api: Server, gpkg: Store) -> None:
    _, listed = get(f"{api.url}/collections?f=json")
    names = [entry["id"] for entry in listed["collections"]]
    assert names[:2] == ["gemeinden", "kreise"] and "research" in names
    shown = ogrinfo("-q", f"OAPIF:{api.url}")
    for name in names:
        assert f": {name} (" in shown
        output = ogrinfo("-so", "-al", f"OAPIF:{api.url}", name)
        assert feature_count(output) == len(gpkg.read_layer(name)), name
        # every feature read, through the pages (the default page is 100 features)
        assert ogrinfo("-al", "-q", f"OAPIF:{api.url}", name).count("OGRFeature(") == len(gpkg.read_layer(name))


def test_gdal_counts_a_bbox_and_a_filter_as_the_store(api: Server, gpkg: Store) -> None:
    output = ogrinfo("-so", f"OAPIF:{api.url}", "gemeinden", "-spat", *map(str, BBOX))
    assert feature_count(output) == len(gpkg.read_layer("gemeinden", bbox=BBOX)) > 0
    research = gpkg.read_layer("research")
    universities = int((research["category"] == "university").sum())
    output = ogrinfo("-so", f"OAPIF:{api.url}", "research", "-where", "category = 'university'")
    assert feature_count(output) == universities > 0


@pytest.mark.parametrize("layer, query, expected", [
    ("research", "category=university", lambda f: f[f["category"] == "university"]),
    ("research", "sectors=mobility", lambda f: f[f["sectors"].map(lambda s: "mobility" in split_sectors(s))]),
    ("mobility", "kreis_ags=03241", lambda f: f[f["kreis_ags"] == "03241"]),
    ("gemeinden", "kreis_ags=03159", lambda f: f[f["kreis_ags"] == "03159"]),
    ("kreise", "ags=03101", lambda f: f[f["ags"] == "03101"]),
    ("health", "ags=03101000", lambda f: f[f["ags"] == "03101000"]),
])
def test_property_filters_match_the_store(api: Server, gpkg: Store, layer, query, expected) -> None:
    status, body = get(f"{api.url}/collections/{layer}/items?f=json&limit=1000&{query}")
    assert status == 200
    want = expected(gpkg.read_layer(layer))
    assert body["numberMatched"] == len(want) > 0
    key = "ags" if layer in ("gemeinden", "kreise") else "id"
    assert sorted(f["properties"][key] for f in body["features"]) == sorted(want[key])


def test_paging_output_crs_and_cors(api: Server, gpkg: Store) -> None:
    request = urllib.request.Request(f"{api.url}/collections/gemeinden/items?f=json&limit=50&offset=350",
                                     headers={"Origin": "https://partner.example"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "CRS84" in response.headers.get("Content-Crs", "")
    assert body["numberMatched"] == 381 and body["numberReturned"] == 31
    gemeinden = gpkg.read_layer("gemeinden")  # the store's features in its order, with its properties (no `fid`)
    assert [f["id"] for f in body["features"]] == [f["properties"]["ags"] for f in body["features"]]
    assert [f["properties"]["ags"] for f in body["features"]] == list(gemeinden["ags"].iloc[350:])
    assert list(body["features"][0]["properties"]) == [c for c in gemeinden.columns if c != "geometry"]
    lon, lat = body["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 9 < lon < 12 and 51 < lat < 53  # longitude first (CRS84)


HOSTILE = [
    ("/collections/research/items?limit=100000000", 400, "limit"),
    ("/collections/research/items?offset=-5", 400, "offset"),
    ("/collections/research/items?bbox=1,2,banana", 400, "bbox"),
    ("/collections/research/items?bbox=10,53,9,52", 400, "bbox"),
    ("/collections/research/items?nonsense=1", 400, "unknown query parameter nonsense"),
    ("/collections/research/items?properties=name,password", 400, "unknown properties"),
    ("/collections/research/items?sortby=-password", 400, "sort"),
    ("/collections/research/items?sortby=-fid", 400, "sort"),  # the PostGIS row number is no property
    ("/collections/research/items?category=university%27%20OR%20%271%27%3D%271", 400, "category"),
    ("/collections/gemeinden/items?ags=03241001%27%3B%20DROP%20TABLE%20gemeinden%3B--", 400, "ags"),
    ("/collections/research/items?sectors=mobility%27%20OR%20%271%27%3D%271", 400, "sectors"),
    ("/collections/kreise/items/03101%27%20OR%20%271%27%3D%271", 400, "feature id"),
    ("/collections/..%2F..%2F..%2Fetc%2Fpasswd/items", 400, "path"),
    ("/collections/%2E%2E/%2E%2E/etc/passwd", 400, "path"),
    ("/collections/postcodes/items", 404, "does not exist"),
    ("/collections/research/items/..%2F..%2Fregionmap.gpkg", 400, "path"),
    ("/collections/research/items/no-such-record", 404, ""),
]


@pytest.mark.parametrize("path, status, words", HOSTILE)
def test_hostile_requests_get_4xx_and_the_server_keeps_serving(api: Server, path, status, words) -> None:
    code, body = get(f"{api.url}{path}")
    assert code == status, body
    assert words in body["description"]
    assert get(f"{api.url}/collections/research/items?f=json&limit=1")[0] == 200
    assert api.process.poll() is None


def test_writes_are_refused(api: Server) -> None:
    request = urllib.request.Request(f"{api.url}/collections/research/items", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/geo+json"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert error.value.code == 405 and "read-only" in json.loads(error.value.read())["description"]


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_a_published_change_appears_on_the_next_request(backend: str, built_store: Path, tmp_path: Path,
                                                        request: pytest.FixtureRequest) -> None:
    from regionmap.data.store import load_store

    location = str(tmp_path / "regionmap.gpkg") if backend == "gpkg" else request.getfixturevalue("postgis_database")()
    store = store_at(location)
    data = load_store(store_at(str(built_store)))
    published = {name: data[name] for name in ("gemeinden", "kreise", "research")}  # a small store: a quick build
    store.write_build(published, dict(data.manifest))
    removed = data["research"]["id"].iloc[0]

    def served(server: Server) -> tuple[int, int]:
        hits = get(f"{server.url}/collections/research/items?f=json&resulttype=hits")[1]["numberMatched"]
        return hits, get(f"{server.url}/collections/research/items/{removed}?f=json")[0]

    with api_server({"REGIONMAP_STORE": location}) as server:
        before = served(server)
        store.write_build({**published, "research": data["research"].iloc[1:]}, dict(data.manifest))
        after = served(server)
    assert (before, after) == ((len(data["research"]), 200), (len(data["research"]) - 1, 404))


def test_qgis_reads_layers_through_the_api_and_counts_them(api: Server, gpkg: Store, tmp_path: Path) -> None:
    if not QGIS_PROCESS.exists():
        pytest.fail(f"{QGIS_PROCESS} not found: {INSTALL_HINT}")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    out = tmp_path / "counts.geojson"
    result = subprocess.run(
        [str(QGIS_PROCESS), "run", "native:countpointsinpolygon",
         f"--POLYGONS=oapif://url='{api.url}' typename='gemeinden'",
         f"--POINTS=oapif://url='{api.url}' typename='research'", "--FIELD=N", f"--OUTPUT={out}"],
        capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    counts = {f["properties"]["ags"]: f["properties"]["N"] for f in json.loads(out.read_text())["features"]}
    gemeinden = gpkg.read_layer("gemeinden")
    assert len(counts) == len(gemeinden)
    assert sum(counts.values()) == len(gpkg.read_layer("research"))
    assert counts == {ags: int(n) for ags, n in zip(gemeinden["ags"], gemeinden["n_research"])}
