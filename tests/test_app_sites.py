"""The Investitionsstandorte page in AppTest: finder filters, site sheet from the URL, comparison, languages."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from regionmap.compare import compare_sites
from regionmap.i18n import t
from regionmap.location_factors import location_factors
from regionmap.site_finder import SiteQuery, find_sites, sort_sites
from regionmap.site_sheet import comparison_frame

APP = Path(__file__).resolve().parent.parent / "app.py"


@pytest.fixture(scope="module")
def sites(built_store: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(built_store, layer="sites")


@pytest.fixture()
def open_sites(built_store: Path, monkeypatch: pytest.MonkeyPatch):
    """Open the sites page with the given URL parameters (AppTest needs a first run before switching pages)."""
    monkeypatch.setenv("REGIONMAP_STORE", str(built_store))

    def run(**params: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        for name, value in {"basemap": "none", **params}.items():
            at.query_params[name] = value
        at.run()
        at.switch_page("pages/sites.py").run()
        assert not at.exception, at.exception
        return at

    return run


def _texts(at: AppTest) -> str:
    kinds = ("title", "subheader", "markdown", "caption", "warning", "info")
    parts = [e.value for kind in kinds for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def _result_names(at: AppTest, lang: str = "de") -> list[str]:
    name = t("column.name", lang)
    table = next(d.value for d in at.dataframe if name in d.value.columns and len(d.value.columns) > 10)
    return list(table[name])


def test_logistics_near_a_motorway_gives_the_finders_result(open_sites, sites) -> None:
    at = open_sites()
    at.multiselect(key="w_categories").set_value(["logistics"])
    at.number_input(key="finder_max_motorway").set_value(10.0)
    at.run()
    assert not at.exception, at.exception
    expected = find_sites(sites, SiteQuery(types=frozenset({"logistics"}), max_km={"motorway": 10.0}))
    assert 0 < len(expected) < len(sites[sites["category"] == "logistics"]) + 1
    assert (expected["dist_motorway_km"] <= 10).all()
    assert _result_names(at) == list(sort_sites(expected, "name")["name"])
    assert f"{len(expected)} Standorte gefunden" in _texts(at)


def test_sorting_by_a_factor_orders_the_list(open_sites, sites) -> None:
    at = open_sites()
    at.selectbox(key="finder_sort").set_value("motorway")
    at.run()
    assert _result_names(at) == list(sort_sites(sites, "motorway")["name"])


def test_site_param_opens_the_sheet_with_name_and_indicative_notice(open_sites, sites) -> None:
    site = sites[sites["indicative"].astype(bool)].iloc[0]
    at = open_sites(site=site["id"])
    subheaders = [s.value for s in at.subheader]
    assert any(site["name"].split()[0] in s and s.startswith(t("investor.page.sheet")) for s in subheaders), subheaders
    assert any(w.value == t("sites.indicative_notice") for w in at.warning)
    factors = next(d.value for d in at.dataframe if t("investor.expose.factor") in d.value.columns)
    assert list(factors[t("investor.expose.factor")]) == [f.label() for f in location_factors()]
    assert "Luftlinie" in " ".join(factors.columns)
    assert site["nearest_motorway"] in set(factors[t("investor.expose.nearest")])
    assert at.query_params["site"] == site["id"]


@pytest.mark.parametrize("bad", ["<img src=x onerror=alert(1)>", "sites-does-not-exist"])
def test_bad_site_param_gives_a_notice_and_no_sheet(open_sites, bad) -> None:
    at = open_sites(site=bad)
    assert any("site" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not any(s.value.startswith(t("investor.page.sheet")) for s in at.subheader)
    assert "site" not in at.query_params


def test_compare_marks_the_better_value(open_sites, sites) -> None:
    ids = list(sites["id"][:2])
    at = open_sites()
    at.multiselect(key="compare_ids").set_value(ids)
    at.run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if t("investor.compare.criterion") in d.value.columns)
    expected = compare_sites(sites, ids)
    assert expected.better.to_numpy().any()
    marks = table.drop(columns=t("investor.compare.criterion")).map(lambda text: text.startswith("✓ ")).to_numpy()
    assert (marks == expected.better.to_numpy()).all()
    assert table.equals(comparison_frame(sites, ids, location_factors(), "de"))


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_three_languages_render(open_sites, sites, lang) -> None:
    site = sites.iloc[0]
    at = open_sites(site=site["id"], lang=lang)
    texts = _texts(at)
    assert t("page.sites", lang) in [e.value for e in at.title]
    assert t("investor.compare.heading", lang) in texts
    assert t("investor.download.heading", lang) in texts
    assert _result_names(at, lang) == list(sort_sites(sites, "name")["name"])


def test_location_map_keeps_hostile_text_inert(built_store: Path) -> None:
    from regionmap.dashboard import boundary_payloads, simplified_layers
    from regionmap.sources_registry import load_registry
    from regionmap.store import open_store
    from regionmap.taxonomy import taxonomy
    from regionmap.site_sheet import site_location_map

    hostile = "<img src=x onerror=alert(1)>{{ 7*7 }}"
    store = open_store(built_store)
    layers = {layer_id: store[layer_id].copy() for layer_id in taxonomy().layer_ids}
    site = layers["sites"].iloc[0].copy()
    site["name"] = hostile
    mobility = layers["mobility"]
    mobility.loc[mobility["id"] == site["nearest_motorway_id"], "name"] = hostile
    simplified = simplified_layers(store.layers)
    fmap = site_location_map(
        site, layers=layers, simplified=simplified, gemeinden_payload=boundary_payloads(simplified, "de")["gemeinden"],
        factors=location_factors(), tax=taxonomy(), registry=load_registry(), lang="de", basemap_id="none")
    html = fmap.get_root().render()
    assert "<img" not in html and "7*7" in html  # markup escaped, template syntax not evaluated
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html
    assert html.count("L.polyline") == len(location_factors())
