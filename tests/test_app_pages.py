"""AppTest tests of the dashboard pages: every page in de/en/fr, URL state round trips, malformed parameters, a
missing store, and the overview's key figures.

Streamlit 1.67's AppTest runs the entry script only on the first run of a multipage app: later runs (and
`switch_page`) execute the page file alone, without `app.py` and so without the sidebar. Each test therefore opens
its page as the default page of the real `app.py` (`_harness`) and re-runs it with `rerun` (see there).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from regionmap.data.source_registry import registry
from regionmap.dashboard.filters import filter_view, key_figures
from regionmap import config
from regionmap.i18n import format_date, format_density, format_km2, format_number, t
from regionmap.data.store import GeoPackageStore, open_store
from regionmap.taxonomy import taxonomy
from regionmap.ui.text import plain
from regionmap.ui.navigation import PAGES
from regionmap.dashboard.urlstate import ViewState, parse_query_params, to_query_params

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
LANGS = ("de", "en", "fr")
DASHBOARD_PAGES = ("overview", "research", "health", "events-mobility", "municipalities", "data")
SPECS = {spec.url_path: spec for spec in PAGES}
HOSTILE = "<img src=x onerror=alert(1)>"


def _harness(app: str, page: str) -> None:
    """Run the real app.py with `page` as its default page (absolute page paths: this script lives elsewhere)."""
    import dataclasses
    import runpy
    from pathlib import Path

    from regionmap.ui import navigation as pages

    original = pages.PAGES
    root = Path(app).parent
    pages.PAGES = tuple(dataclasses.replace(s, path=str(root / s.path), default=s.path == page) for s in original)
    try:
        runpy.run_path(app)
    finally:
        pages.PAGES = original


@pytest.fixture
def store_env(built_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REGIONMAP_STORE", str(built_store))
    return built_store


def open_page(url_path: str, **params: str) -> AppTest:
    """The page as the app's default page, first run with these URL query parameters."""
    at = AppTest.from_function(_harness, args=(APP, SPECS[url_path].path), default_timeout=60)
    at.query_params.update(params)
    return at.run()


def rerun(at: AppTest) -> AppTest:
    """Run again after a widget change. AppTest would request the finished page's hash and then skip app.py; an
    empty request runs the entry script, which opens the (harness's default) page as a browser rerun does."""
    at._finished_page_script_hash = ""
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def widget(at: AppTest, kind: str, key: str):
    return getattr(at.sidebar, kind)(key=key)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("url_path", DASHBOARD_PAGES)
def test_page_renders_in_each_language(store_env, url_path: str, lang: str) -> None:
    at = open_page(url_path, lang=lang, basemap="none")
    assert_clean(at)
    assert at.title[0].value == t(SPECS[url_path].title_key, lang)
    assert widget(at, "selectbox", "w_lang").value == lang
    assert not at.warning  # a clean URL gives no notice
    assert dict(at.query_params) == ({"lang": lang, "basemap": "none"} if lang != "de" else {"basemap": "none"})


ROUND_TRIP = {"kreis": "03101", "sectors": "Mobility, digital", "q": "  TU ", "lang": "EN", "basemap": "none",
              "layers": "research,health"}
ROUND_TRIP_STATE = ViewState(layers=("research", "health"), sectors=("mobility", "digital"), kreis="03101", q="TU",
                             lang="en", basemap="none")


@pytest.mark.parametrize("url_path", ["overview", "research"])
def test_url_state_round_trip(store_env, url_path: str) -> None:
    at = open_page(url_path, **ROUND_TRIP)
    assert_clean(at)
    assert widget(at, "selectbox", "w_kreis").value == "03101"
    assert widget(at, "multiselect", "w_sectors").value == ["mobility", "digital"]
    assert widget(at, "text_input", "w_q").value == "TU"
    assert widget(at, "selectbox", "w_lang").value == "en"
    assert widget(at, "radio", "w_basemap").value == "none"
    if url_path == "overview":
        assert widget(at, "multiselect", "w_layers").value == ["research", "health"]
    assert at.session_state["view"] == ROUND_TRIP_STATE
    # the URL after the run is the canonical form (the research page keeps the layers it does not show)
    assert dict(at.query_params) == to_query_params(ROUND_TRIP_STATE)
    assert not at.warning


def test_sidebar_changes_reach_the_url(store_env) -> None:
    at = open_page("overview", lang="en", basemap="none")
    widget(at, "multiselect", "w_sectors").set_value(["health"])
    widget(at, "text_input", "w_q").input("Klinik")
    widget(at, "selectbox", "w_kreis").select("03159")
    assert_clean(rerun(at))
    assert dict(at.query_params) == {"sectors": "health", "kreis": "03159", "q": "Klinik", "lang": "en",
                                     "basemap": "none"}
    widget(at, "selectbox", "w_lang").select("fr")
    assert_clean(rerun(at))
    assert at.title[0].value == t("page.overview", "fr") and at.query_params["lang"] == "fr"


MALFORMED = {
    "kreis": "99999",
    "gemeinde": "123",
    "lang": "xx",
    "layers": "foo,research",
    "sectors": "<script>",
    "q": "x" * 500,
    "category": "[x](javascript:alert(1))",
    "basemap": HOSTILE,
}


def expected_notices(built_store: Path, params: dict[str, str], lang: str = "de") -> list[str]:
    _, notices = parse_query_params(params, open_store(built_store).url_vocab(taxonomy()))
    return [plain(n.message(lang)) for n in notices]


@pytest.mark.parametrize("param", MALFORMED)
def test_malformed_parameter_gives_a_visible_notice(store_env, param: str) -> None:
    at = open_page("overview", **{param: MALFORMED[param]})
    assert_clean(at)
    warnings = [w.value for w in at.warning]
    assert warnings and warnings == expected_notices(store_env, {param: MALFORMED[param]})
    assert param not in at.query_params or param in ("layers", "q")
    if param == "layers":
        assert at.query_params["layers"] == "research"
    if param == "q":
        assert len(at.query_params["q"]) == 100


@pytest.mark.parametrize("url_path", DASHBOARD_PAGES)
def test_all_malformed_parameters_on_every_page(store_env, url_path: str) -> None:
    at = open_page(url_path, **MALFORMED)
    assert_clean(at)
    assert [w.value for w in at.warning] == expected_notices(store_env, MALFORMED)
    assert at.title[0].value == t(SPECS[url_path].title_key, "de")  # lang=xx falls back to German


@pytest.mark.parametrize("url_path", ["overview", "research", "municipalities", "data"])
def test_missing_store_shows_the_build_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url_path: str) -> None:
    missing = tmp_path / "nowhere" / "regionmap.gpkg"
    monkeypatch.setenv("REGIONMAP_STORE", str(missing))
    at = open_page(url_path, lang="en")
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [t("store.missing", "en", path=str(missing))]
    assert "regionmap build-data" in at.error[0].value


def cache_entries(cached) -> int:
    """How many entries a `st.cache_resource` function holds now, over all sessions (Streamlit 1.67 internals)."""
    return len(cached._info.get_function_cache(cached._function_key)._mem_cache)


def built_caption(day: str) -> str:
    return t("sources.built", "en", date=format_date(day, "en"))


def test_rebuilt_replaced_and_damaged_stores_are_noticed_on_the_next_rerun(built_store: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's measurements: a rebuilt store must show its data on the next rerun with only its own version
    cached (RSS grew 346 -> 481 MB over three rebuilds); a store replaced while manifest.json stayed the same must
    show the new data; a store truncated to 1 KB must show a message naming it, not the cached data."""
    import shutil

    from regionmap.ui import data

    path = tmp_path / "regionmap.gpkg"
    source = open_store(built_store)

    def build(target: Path, day: str) -> None:
        GeoPackageStore(target).write_build(source.layers, {**source.manifest, "built_at": f"{day}T10:00:00Z"})

    per_version = (data._open_store, data._simplified, data._payloads)
    build(path, "2030-01-01")
    monkeypatch.setenv("REGIONMAP_STORE", str(path))
    overview = open_page("overview", lang="en")
    page = open_page("data", lang="en")
    assert_clean(overview)
    assert_clean(page)
    assert built_caption("2030-01-01") in [c.value for c in page.caption]
    first = [cache_entries(cached) for cached in per_version]
    assert first[0] == 1 and first[1] >= 1 and first[2] >= 1
    for day in ("2030-01-02", "2030-01-03", "2030-01-04"):  # three rebuilds
        build(path, day)
        page = rerun(page)
        overview = rerun(overview)
        assert_clean(page)
        assert_clean(overview)
        assert built_caption(day) in [c.value for c in page.caption]
        assert [cache_entries(cached) for cached in per_version] == first, day
        assert data._open_store(str(path), GeoPackageStore(path).version()).manifest["built_at"].startswith(day)

    exported = config.manifest_path(path).read_bytes()
    build(tmp_path / "elsewhere" / "regionmap.gpkg", "2030-02-01")
    shutil.copy(tmp_path / "elsewhere" / "regionmap.gpkg", path)  # replaced, its manifest.json left as it was
    assert config.manifest_path(path).read_bytes() == exported
    page = rerun(page)
    assert_clean(page)
    assert built_caption("2030-02-01") in [c.value for c in page.caption]
    assert built_caption("2030-01-04") not in [c.value for c in page.caption]

    path.write_bytes(path.read_bytes()[:1024])  # damaged
    for at in (rerun(page), rerun(overview)):
        assert not at.exception, [e.value for e in at.exception]
        assert [e.value for e in at.error] == [t("store.missing", "en", path=str(path))]
        assert any("not a readable GeoPackage" in c.value for c in at.caption), [c.value for c in at.caption]
        assert not at.metric and not at.dataframe  # nothing shown from the cache
    assert [cache_entries(cached) for cached in per_version] == [0, 0, 0]


@pytest.mark.parametrize("params", [
    {},
    {"kreis": "03159", "sectors": "health"},
    {"gemeinde": "03101000", "q": "Universit"},
    {"kreis": "03241", "layers": "research,mobility", "category": "university,airport"},
])
def test_overview_key_figures_equal_key_figures(store_env, params: dict[str, str]) -> None:
    at = open_page("overview", lang="en", **params)
    assert_clean(at)
    store = open_store(store_env)
    tax = taxonomy()
    state = at.session_state["view"]
    shown = filter_view(store.thematic, state, {layer.id: layer.category_ids for layer in tax.layers})
    figs = key_figures(store.gemeinden, shown, state.kreis, state.gemeinde)
    metrics = {m.label: m.value for m in at.metric}
    expected = {
        t("figures.population", "en"): format_number(figs["population"], "en"),
        t("figures.area", "en"): format_km2(figs["area_km2"], "en"),
        t("figures.density", "en"): format_density(figs["density"], "en"),
        t("figures.municipalities", "en"): format_number(figs["municipalities"], "en"),
        **{tax.layer(layer_id).label("en"): format_number(count, "en") for layer_id, count in figs["counts"].items()},
    }
    assert metrics == expected
    assert list(figs["counts"]) == list(state.layers)


@pytest.mark.parametrize("lang", LANGS)
def test_data_page_names_basemaps_in_the_pages_language(store_env, lang: str) -> None:
    at = open_page("data", lang=lang, basemap="none")
    assert_clean(at)
    from regionmap.ui.text import plain

    title = plain(t("sources.title", lang))
    sources = next(d.value for d in at.table if title in d.value.columns)
    assert plain(registry().basemap("osm").label(lang)) in set(sources[title])
    assert "OpenStreetMap standard tiles" not in set(sources[title])  # the registry's English description
    publisher = plain(t("sources.publisher", lang))
    assert not any(" from the " in str(p) for p in sources[publisher])
    layer, as_of = plain(t("column.layer", lang)), plain(t("column.as_of", lang))
    curated = next(d.value for d in at.table if layer in d.value.columns).set_index(layer)[as_of]
    research = open_store(store_env)["research"]["as_of"].astype(str)
    assert research.min() == research.max()  # one date: said once, not "from 26/11/2026 to 26/11/2026"
    assert curated[plain(taxonomy().layer("research").label(lang))] == plain(t(
        "sources.as_of", lang, date=format_date(research.min(), lang)))


def test_a_map_page_restores_its_colouring_and_detail_record_from_the_url(store_env, built_store) -> None:
    record = open_store(built_store)["research"].sort_values("id").iloc[0]
    at = open_page("research", detail=record["id"], colour="sectors", basemap="none")
    assert_clean(at)
    assert at.radio(key="colour_by_research").value == "sectors"
    assert any(plain(record["name"]) in m.value for m in at.markdown)  # the detail card shows the record
    assert dict(at.query_params) == {"detail": record["id"], "colour": "sectors", "basemap": "none"}
    at.radio(key="colour_by_research").set_value("category")
    assert_clean(rerun(at))
    assert dict(at.query_params) == {"detail": record["id"], "basemap": "none"}  # the default is left out


def test_the_kommunen_controls_come_from_the_url_and_bad_ones_get_a_notice(store_env) -> None:
    at = open_page("municipalities", indicator="density", scheme="equal_interval", classes="12", basemap="none")
    assert_clean(at)
    assert at.selectbox(key="choropleth_indicator").value == "density"
    assert at.selectbox(key="choropleth_scheme").value == "equal_interval"
    assert at.slider(key="choropleth_classes").value == 5
    assert [w.value for w in at.warning] == [plain(t("url.out_of_range", "de", param="classes", value="12", low=3,
                                                         high=7))]
    assert dict(at.query_params) == {"indicator": "density", "scheme": "equal_interval", "basemap": "none"}
    at.slider(key="choropleth_classes").set_value(6)
    assert_clean(rerun(at))
    assert at.query_params["classes"] == "6"


def test_reset_clears_the_page_controls_too(store_env) -> None:
    at = open_page("municipalities", indicator="density", classes="4", kreis="03101", basemap="none")
    at.sidebar.button[0].click()
    assert_clean(rerun(at))
    assert at.selectbox(key="choropleth_indicator").value == "population"
    assert dict(at.query_params) == {"basemap": "none"}


@pytest.mark.parametrize("lang", LANGS)
def test_population_figures_carry_their_reference_date_and_the_data_page_what_changed(store_env, lang: str) -> None:
    from regionmap.data.manifest import population_reference_date
    from regionmap.i18n import format_date

    manifest = open_store(store_env).manifest
    expected = t("figures_reference.population", lang, date=format_date(population_reference_date(manifest), lang))
    at = open_page("overview", lang=lang, basemap="none")
    assert_clean(at)
    assert expected in [c.value for c in at.caption]
    at = open_page("data", lang=lang, basemap="none")
    assert_clean(at)
    assert t("changes.heading", lang) in [h.value for h in at.subheader]


def test_page_files_are_named_after_their_url_paths() -> None:
    """A fresh server's first deep link is served from `pages/` by file name (see PageSpec)."""
    assert [Path(spec.path).stem for spec in PAGES] == [spec.url_path for spec in PAGES]
    assert all((ROOT / spec.path).is_file() for spec in PAGES)
