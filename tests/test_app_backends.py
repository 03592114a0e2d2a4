"""The same app on both backends: for the same URL, the pages from the GeoPackage and from PostGIS show the same
elements (figures, legend, map, tables); hostile URL values on PostGIS give the GeoPackage's notices and leave the
tables intact; a PostGIS rebuild is noticed on the next rerun."""

from __future__ import annotations

import pytest
from test_app_pages import assert_clean, built_caption, open_page, rerun
from test_postgis import INJECTIONS

from regionmap.dashboard.urlstate import PARAM_NAMES
from regionmap.data.store import open_store, store_at
from regionmap.i18n import t

VIEWS = [
    ("overview", {"basemap": "none"}),
    ("overview", {"gemeinde": "03101000", "layers": "research,health", "lang": "en"}),
    ("overview", {"kreis": "03241", "layers": "research,mobility", "category": "university,airport"}),
    ("research", {"kreis": "03101", "colour": "sectors", "q": "Institut", "lang": "fr"}),
    ("health", {"kreis": "03159", "sectors": "health"}),
    ("events-mobility", {"gemeinde": "03241001"}),
    ("municipalities", {"kreis": "03241", "indicator": "density", "scheme": "quantiles", "classes": "4"}),
    ("sites", {"size": "5-20", "sort": "area"}),
]


def fingerprint(at) -> list[tuple]:
    """Every element of the page in order: its kind and what it shows (a table as CSV, a metric's label and value,
    the map component's arguments: its features, styles and legend)."""
    shown: list[tuple] = []

    def walk(node) -> None:
        children = getattr(node, "children", None)
        if children:
            for child in children.values():
                walk(child)
            return
        kind = getattr(node, "type", type(node).__name__)
        if kind == "component_instance":
            shown.append((kind, node.proto.json_args))
        elif kind in ("dataframe", "table"):
            shown.append((kind, node.value.to_csv()))
        elif kind == "metric":
            shown.append((kind, node.label, node.value))
        else:
            shown.append((kind, str(getattr(node, "value", ""))))

    walk(at._tree)
    return shown


def page_on(location: str, url_path: str, params: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REGIONMAP_STORE", location)
    at = open_page(url_path, **params)
    assert_clean(at)
    return at


@pytest.mark.parametrize(("url_path", "params"), VIEWS)
def test_the_same_url_shows_the_same_page_on_both_backends(built_store, built_postgis, monkeypatch, url_path: str,
                                                           params: dict[str, str]) -> None:
    gpkg = fingerprint(page_on(str(built_store), url_path, params, monkeypatch))
    postgis = fingerprint(page_on(built_postgis, url_path, params, monkeypatch))
    kinds = {kind for kind, *_ in gpkg}
    assert "component_instance" in kinds and len(gpkg) > 20, kinds  # a map and the rest of the page
    assert len(postgis) == len(gpkg)
    for number, (left, right) in enumerate(zip(postgis, gpkg)):
        assert left == right, f"element {number} ({right[0]}) differs"


def test_hostile_url_values_on_postgis_are_notices_and_the_tables_stay(built_store, built_postgis,
                                                                        monkeypatch) -> None:
    store = store_at(built_postgis)
    before = {name: len(store.read_layer(name)) for name in store.layer_names()}
    for url_path, value in zip(("overview", "research", "sites", "municipalities"), INJECTIONS):
        params = {name: value for name in PARAM_NAMES if name != "lang"}  # every parameter at once
        postgis = page_on(built_postgis, url_path, params, monkeypatch)
        gpkg = page_on(str(built_store), url_path, params, monkeypatch)
        assert postgis.warning and [w.value for w in postgis.warning] == [w.value for w in gpkg.warning]
        assert fingerprint(postgis) == fingerprint(gpkg)
    assert {name: len(store.read_layer(name)) for name in store.layer_names()} == before
    assert store.version() == store.manifest()["build_id"]


def test_a_postgis_rebuild_is_noticed_on_the_next_rerun(built_postgis, postgis_database, monkeypatch) -> None:
    url = postgis_database()
    source = open_store(built_postgis)

    def build(day: str) -> None:
        store_at(url).write_build(source.layers, {**source.manifest, "built_at": f"{day}T10:00:00Z"})

    build("2030-01-01")
    page = page_on(url, "data", {"lang": "en"}, monkeypatch)
    assert built_caption("2030-01-01") in [c.value for c in page.caption]
    for day in ("2030-01-02", "2030-01-03"):
        build(day)
        page = rerun(page)
        assert_clean(page)
        assert built_caption(day) in [c.value for c in page.caption]
    nowhere = "postgresql://regionmap@127.0.0.1:1/regionmap"  # no server there
    monkeypatch.setenv("REGIONMAP_STORE", nowhere)
    page = rerun(page)
    assert [e.value for e in page.error] == [t("store.missing", "en", path=nowhere)]
    assert any("cannot connect to the database" in c.value for c in page.caption)


def test_a_postgis_view_of_a_kreis_reads_no_thematic_layer_whole(built_postgis, monkeypatch) -> None:
    """The vocabulary, the totals, the region's figures and the record ids are asked of the database; the layers
    come filtered by the Kreis."""
    from regionmap.taxonomy import taxonomy
    from regionmap.ui import data

    data._keep_only(None)  # no store cached: this page's reads alone
    page_on(built_postgis, "overview", {"kreis": "03101", "basemap": "none"}, monkeypatch)
    store = data._open_store(store_at(built_postgis).location, store_at(built_postgis).version())
    loaded = store.layers.loaded()
    assert not set(loaded) & set(taxonomy().layer_ids), loaded
    assert "postcodes" not in loaded
