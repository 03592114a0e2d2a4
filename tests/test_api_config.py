"""The OGC API's pygeoapi configuration, generated from the registries and the store (never hand-edited)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionmap.api.collections import collection, published_layers
from regionmap.api.pygeoapi_config import (CRS84, MAX_ITEMS, POSTGIS_GEOMETRY, POSTGIS_PROVIDER, POSTGIS_SCHEMA,
                                           STORE_PROVIDER, build_config, openapi_document, provider)
from regionmap.data.source_registry import registry
from regionmap.data.store import store_at
from regionmap.taxonomy import taxonomy


@pytest.fixture(scope="module")
def settings(built_store: Path) -> dict:
    return build_config("http://127.0.0.1:5999", str(built_store))


def test_every_published_layer_is_a_collection(settings, built_store: Path) -> None:
    tax = taxonomy()
    assert list(settings["resources"]) == ["gemeinden", "kreise", *tax.layer_ids]
    assert "postcodes" not in settings["resources"] and "region" not in settings["resources"]
    assert published_layers(tax, ["research", "postcodes", "gemeinden"]) == ("gemeinden", "research")


def test_collections_carry_texts_licences_and_extents(settings, built_store: Path) -> None:
    tax = taxonomy()
    store = store_at(str(built_store))
    bkg = registry().by_role("municipalities")
    for name, resource in settings["resources"].items():
        assert set(resource["title"]) >= {"de", "en"} and set(resource["description"]) >= {"de", "en"}
        west, south, east, north = store.read_layer(name).total_bounds
        bbox = resource["extents"]["spatial"]["bbox"]
        assert bbox == pytest.approx([west, south, east, north], abs=1e-6)
        assert resource["extents"]["spatial"]["crs"] == CRS84
        assert resource["limits"]["max_items"] == MAX_ITEMS and resource["limits"]["on_exceed"] == "error"
        assert "Lizenz" in resource["description"]["de"] and "Licence" in resource["description"]["en"]
    gemeinden = settings["resources"]["gemeinden"]
    assert gemeinden["title"] == {"de": "Gemeinden", "en": "Municipalities", "fr": "Communes"}
    assert any(link["rel"] == "license" and link["href"] == bkg.licence_url for link in gemeinden["links"])
    assert any(link["rel"] == "describedby" and link["title"] == bkg.attribution for link in gemeinden["links"])
    health = settings["resources"]["health"]
    gisco = registry().by_role("hospitals")
    assert any(link["href"] == gisco.licence_url for link in health["links"])
    assert settings["resources"]["research"]["title"] == dict(tax.layer("research").labels)
    assert settings["server"]["cors"] is True and settings["server"]["admin"] is False


def test_the_store_provider_reads_through_the_store(settings, built_store: Path) -> None:
    research = settings["resources"]["research"]["providers"][0]
    assert research["name"] == STORE_PROVIDER and research["data"] == str(built_store)
    assert research["table"] == "research" and research["id_field"] == "id"
    assert settings["resources"]["kreise"]["providers"][0]["id_field"] == "ags"


def test_a_postgis_store_gets_the_postgis_provider_for_its_official_layers(monkeypatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "from-env")
    url = "postgresql://planner@db.example:5433/regionmap"
    spec = provider(url, collection("kreise"))
    assert spec["name"] == POSTGIS_PROVIDER and spec["table"] == "kreise" and spec["id_field"] == "ags"
    assert spec["geom_field"] == POSTGIS_GEOMETRY == "geometry"
    assert spec["data"] == {"host": "db.example", "port": 5433, "dbname": "regionmap", "user": "planner",
                            "password": "from-env", "search_path": [POSTGIS_SCHEMA, "public"]}
    assert spec["storage_crs"] == CRS84
    # the layers partners edit (and the municipalities counting them) carry their published records
    for edited in ("research", "sites", "gemeinden"):
        assert provider(url, collection(edited))["name"] == STORE_PROVIDER


def test_the_openapi_document_names_every_collection(settings) -> None:
    document = openapi_document(settings)
    for name in settings["resources"]:
        assert f"/collections/{name}/items" in document["paths"]
