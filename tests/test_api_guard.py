"""The OGC API's request guard without a server: what it refuses, with which status and message."""

from __future__ import annotations

import pytest

from regionmap.api.collections import collection, published_layers
from regionmap.api.guard import check_request
from regionmap.taxonomy import taxonomy

MAX = 1000


@pytest.fixture(scope="module")
def collections():
    tax = taxonomy()
    return {name: collection(name, tax) for name in published_layers(tax, ["gemeinden", "kreise", *tax.layer_ids])}


def refused(collections, path: str, query: str = "", method: str = "GET"):
    return check_request(method, path, query, collections, MAX)


@pytest.mark.parametrize("path, query", [
    ("/", ""), ("/collections", "f=json"), ("/conformance", "f=json&lang=en"), ("/openapi", ""),
    ("/collections/research", "f=json"), ("/collections/research/queryables", "f=json"),
    ("/collections/research/items", "f=json&limit=1000&offset=0&bbox=9.5,52.2,9.9,52.5&category=university"
                                    "&sectors=mobility&ags=03241001&kreis_ags=03241&resulttype=hits"),
    ("/collections/kreise/items", "ags=03241&crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
    ("/collections/gemeinden/items/03241001", "f=json"),
    ("/static/css/default.css", ""),
])
def test_reads_pass(collections, path, query) -> None:
    assert refused(collections, path, query) is None


@pytest.mark.parametrize("path, query, status, words", [
    ("/collections/research/items", "limit=100000000", 400, "limit"),
    ("/collections/research/items", "limit=1001", 400, "1 to 1000"),
    ("/collections/research/items", "limit=0", 400, "limit"),
    ("/collections/research/items", "offset=-1", 400, "offset"),
    ("/collections/research/items", "bbox=1,2,3", 400, "four numbers"),
    ("/collections/research/items", "bbox=a,b,c,d", 400, "four numbers"),
    ("/collections/research/items", "bbox=10,53,9,52", 400, "west <= east"),
    ("/collections/research/items", "bbox=nan,1,2,3", 400, "bbox"),
    ("/collections/research/items", "colour=red", 400, "unknown query parameter colour"),
    ("/collections/gemeinden/items", "category=university", 400, "unknown query parameter category"),
    ("/collections/research/items", "category=university'%20OR%20'1'='1", 400, "category"),
    ("/collections/research/items", "sectors=x;DROP%20TABLE%20research", 400, "sectors"),
    ("/collections/research/items", "ags=1%20OR%201=1", 400, "8 digits"),
    ("/collections/kreise/items", "ags=03241001", 400, "5 digits"),
    ("/collections/research/items", "filter=1=1", 400, "unknown query parameter filter"),
    ("/collections/research/items", "limit=1&limit=2", 400, "more than once"),
    ("/collections/research/items", "crs=http://www.opengis.net/def/crs/EPSG/0/25832", 400, "crs"),
    ("/collections/..%2F..%2Fetc%2Fpasswd/items", "", 400, "path"),
    ("/collections/../../etc/passwd", "", 400, "path"),
    ("/collections/postcodes/items", "", 404, "does not exist"),
    ("/collections/region/items", "", 404, "does not exist"),
    ("/collections/research/items/..%2F..%2Fsecret", "", 400, "path"),
    ("/collections/research/items/a%20b", "", 400, "feature id"),
    ("/processes", "", 404, "not a resource"),
    ("/admin/config", "", 404, "not a resource"),
    ("/collections/research/items", "q=" + "x" * 3000, 414, "longer"),
])
def test_hostile_requests_are_refused(collections, path, query, status, words) -> None:
    rejection = refused(collections, path, query)
    assert rejection is not None
    assert rejection.status == status
    assert words in rejection.message


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_are_refused(collections, method) -> None:
    rejection = refused(collections, "/collections/research/items", method=method)
    assert rejection is not None and rejection.status == 405 and "read-only" in rejection.message


def test_preflight_passes_to_cors(collections) -> None:
    assert refused(collections, "/collections/research/items", method="OPTIONS") is None


def test_a_postgis_sectors_filter_becomes_cql() -> None:
    import urllib.parse

    from regionmap.api.guard import sectors_as_filter

    query = dict(urllib.parse.parse_qsl(sectors_as_filter("f=json&sectors=mobility&limit=5")))
    assert "sectors" not in query and query["limit"] == "5" and "filter-lang" not in query
    assert query["filter"] == ("sectors LIKE 'mobility' OR sectors LIKE 'mobility,%' OR sectors LIKE '%,mobility' "
                               "OR sectors LIKE '%,mobility,%'")
    assert sectors_as_filter("f=json&limit=5") == "f=json&limit=5"
