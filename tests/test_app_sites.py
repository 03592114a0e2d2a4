"""The Investitionsstandorte page in AppTest: finder filters, site sheet from the URL, comparison, languages."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from sites_page_support import APP, open_sites_page
from streamlit.testing.v1 import AppTest

from regionmap.investor.comparison import compare_sites
from regionmap.i18n import format_number, t
from regionmap.investor.factors import location_factors
from regionmap.investor.finder import SiteQuery, find_sites, sort_sites
from regionmap.investor.sheet import comparison_frame
from regionmap.ui.text import plain

pytest_plugins = ["sites_page_support"]  # the fixtures sites, open_sites


def _texts(at: AppTest) -> str:
    kinds = ("title", "subheader", "markdown", "caption", "warning", "info")
    parts = [e.value for kind in kinds for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def _result_names(at: AppTest, lang: str = "de") -> list[str]:
    name = t("column.name", lang)
    table = next(d.value for d in at.dataframe if name in d.value.columns and len(d.value.columns) > 10)
    return list(table[name])


def _static_table(at: AppTest, column: str) -> pd.DataFrame:
    """The st.table holding `column` (headers and cells are escaped for Markdown, see `plain`)."""
    return next(table.value for table in at.table if plain(column) in table.value.columns)


def test_logistics_near_a_motorway_gives_the_finders_result(open_sites, sites) -> None:
    at = open_sites()
    at.multiselect(key="w_categories").set_value(["logistics"])
    at.text_input(key="finder_max_motorway").input("10")
    at.run()
    assert not at.exception, at.exception
    expected = find_sites(sites, SiteQuery(types=frozenset({"logistics"}), max_km={"motorway": 10.0}))
    assert 0 < len(expected) < len(sites[sites["category"] == "logistics"]) + 1
    assert (expected["dist_motorway_km"] <= 10).all()
    assert _result_names(at) == list(sort_sites(expected, "name")["name"])
    assert f"{len(expected)} Standorte gefunden" in _texts(at)


def test_a_decimal_comma_is_read_as_a_decimal_in_german(open_sites, sites) -> None:
    at = open_sites()
    at.text_input(key="finder_max_motorway").input("0,5")
    at.run()
    assert not at.exception, at.exception
    expected = find_sites(sites, SiteQuery(max_km={"motorway": 0.5}))
    ten_times = find_sites(sites, SiteQuery(max_km={"motorway": 5.0}))
    assert len(expected) < len(ten_times)  # the data tells 0.5 km from 5 km
    assert (expected["dist_motorway_km"] <= 0.5).all()
    assert _result_names(at) == list(sort_sites(expected, "name")["name"])
    texts = _texts(at)
    motorway = next(f for f in location_factors() if f.id == "motorway")
    assert f"Höchstens 0,5\u00a0km bis {motorway.label('de')}" in texts
    assert f"{len(expected)} Standort{'' if len(expected) == 1 else 'e'} gefunden" in texts
    assert not at.warning


@pytest.mark.parametrize(("lang", "typed"), [("de", "abc"), ("de", "0.5"), ("en", "0,5"), ("fr", "<b>1e3</b>")])
def test_an_unreadable_distance_is_refused_with_a_notice_naming_the_field(open_sites, sites, lang, typed) -> None:
    at = open_sites(lang=lang)
    at.text_input(key="finder_max_motorway").input(typed)
    at.run()
    assert not at.exception, at.exception
    label = at.text_input(key="finder_max_motorway").label
    notices = [w.value for w in at.warning]
    assert notices == [plain(t("input.bad_number", lang, field=label, value=typed, example=format_number(0.5, lang, 1)))]
    assert _result_names(at, lang) == list(sort_sites(sites, "name")["name"])  # the value is not used


def test_a_negative_distance_is_refused(open_sites, sites) -> None:
    at = open_sites(lang="en")
    at.text_input(key="finder_max_motorway").input("-2")
    at.run()
    assert any("-2" in w.value and "0" in w.value for w in at.warning), [w.value for w in at.warning]
    assert _result_names(at, "en") == list(sort_sites(sites, "name")["name"])


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
    factors = _static_table(at, t("investor.expose.factor"))  # wrapping cells, text escaped for Markdown
    assert list(factors[plain(t("investor.expose.factor"))]) == [plain(f.label()) for f in location_factors()]
    assert "Luftlinie" in " ".join(factors.columns)
    assert plain(site["nearest_motorway"]) in set(factors[plain(t("investor.expose.nearest"))])
    assert at.query_params["site"] == site["id"]


@pytest.mark.parametrize("lang", ["fr", "de", "en"])
def test_sheet_notice_basis_and_source_are_in_the_pages_language(open_sites, sites, lang) -> None:
    """/sites?site=<id>&lang=fr: the notice, what the values rest on and the source are French, none English."""
    site = sites[sites["indicative"].astype(bool)].iloc[0]
    at = open_sites(site=site["id"], lang=lang)
    assert any(w.value == t("sites.indicative_notice", lang) for w in at.warning)
    captions = [c.value for c in at.caption]
    basis = t("investor.expose.indicative_basis", lang, note=site[f"indicative_note_{lang}"])
    assert plain(basis) in captions, captions
    source = f"**{plain(t('detail.label', lang, label=t('column.source', lang)))}** {plain(site[f'source_{lang}'])}"
    assert source in [m.value for m in at.markdown]
    texts = _texts(at)
    for other in {"de", "en", "fr"} - {lang}:
        for field in ("indicative_note", "source"):
            assert site[f"{field}_{other}"] not in texts, (lang, field, other)


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
    table = _static_table(at, t("investor.compare.criterion"))
    expected = compare_sites(sites, ids)
    assert expected.better.to_numpy().any()
    marks = table.drop(columns=plain(t("investor.compare.criterion"))).map(lambda text: text.startswith("✓ ")).to_numpy()
    figures = len(expected.better)  # the compared figures first, then the site facts, which are never marked
    assert (marks[:figures] == expected.better.to_numpy()).all() and not marks[figures:].any()
    frame = comparison_frame(sites, ids, location_factors(), "de")
    assert table.equals(pd.DataFrame({plain(c): [plain(v) for v in frame[c]] for c in frame.columns}))
    assert frame.iloc[-1, 0] == t("column.freshness") and set(frame.iloc[-1, 1:]) == {t("freshness.state.confirmed")}


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
    from regionmap.dashboard.composition import boundary_payloads, simplified_layers
    from regionmap.data.source_registry import load_registry
    from regionmap.data.store import open_store
    from regionmap.investor.sheet import site_location_map
    from regionmap.taxonomy import taxonomy

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


def test_download_names_carry_the_finders_own_filters() -> None:
    from regionmap.ui.sites_page import finder_name_parts

    query = SiteQuery(min_ha=10.0, availability=frozenset({"limited", "available"}),
                      max_km={"motorway": 0.5, "airport": 20.0})
    assert finder_name_parts(query) == ["size-min10ha", "availability-available+limited", "airport-max20km",
                                        "motorway-max0.5km"]
    assert finder_name_parts(SiteQuery()) == []
    assert finder_name_parts(SiteQuery(min_ha=2.5, max_ha=50.0)) == ["size-2.5-50ha"]
def test_the_result_list_keeps_the_name_column_pinned(open_sites, sites) -> None:
    """The result list is wider than the page: its name column stays in view while it scrolls sideways."""
    import json

    at = open_sites()
    name = t("column.name")
    proto = next(d.proto for d in at.dataframe if name in d.value.columns and len(d.value.columns) > 10)
    config = json.loads(proto.columns)
    assert config[name]["pinned"] is True, config.get(name)


def test_the_finder_controls_and_the_comparison_come_from_the_url(open_sites, sites) -> None:
    """A shared link: distances, size, availability, sort order and compared sites are restored as the widgets'
    values, and the result is the finder's for the same query."""
    factors = location_factors()
    compared = sorted(sites["id"])[:2]
    at = open_sites(dist="motorway:12.5,airport:60", size="5-", availability="on_request,limited",
                    sort="motorway", compare=",".join(compared))
    assert at.text_input(key="finder_max_motorway").value == "12,5"  # shown in the page's (German) notation
    assert at.text_input(key="finder_max_airport").value == "60"
    assert not at.text_input(key="finder_max_station_fv").value
    assert at.slider(key="finder_size").value == (5.0, 50.0)
    assert at.multiselect(key="finder_availability").value == ["on_request", "limited"]
    assert at.selectbox(key="finder_sort").value == "motorway"
    assert at.multiselect(key="compare_ids").value == compared
    query = SiteQuery(min_ha=5.0, availability={"on_request", "limited"}, max_km={"motorway": 12.5, "airport": 60.0})
    expected = sort_sites(find_sites(sites, query, factors), "motorway", factors=factors)
    assert _result_names(at) == list(expected["name"])
    assert not at.warning
    assert dict(at.query_params) == {"basemap": "none", "size": "5-", "availability": "limited,on_request",
                                     "dist": "airport:60,motorway:12.5", "sort": "motorway",
                                     "compare": ",".join(compared)}


def test_malformed_finder_values_are_ignored_with_a_notice(open_sites) -> None:
    at = open_sites(dist="motorway:0,5", size="20-5", sort="price")
    assert at.text_input(key="finder_max_motorway").value == "0"
    assert at.slider(key="finder_size").value == (0.0, 50.0)
    assert at.selectbox(key="finder_sort").value == "fit"  # a profile with a distance ranks by fit
    assert len(at.warning) == 3
    assert dict(at.query_params) == {"basemap": "none", "dist": "motorway:0"}


@pytest.fixture(scope="module")
def partner_store(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built store with two sites as their partners published them: every investor field set, confirmed."""
    from curated_helpers import write_store
    from regionmap.data.store import GeoPackageStore, load_store
    from sites_fixture import INVESTOR_FIELDS

    source = load_store(GeoPackageStore(built_store))
    layers = {name: frame.copy() for name, frame in source.layers.items()}
    sites = layers["sites"]
    first, second = sites.index[:2]
    for column, value in INVESTOR_FIELDS.items():
        sites[column] = sites[column].astype(object)
        sites.loc[first, column] = value
    sites.loc[second, ["serviced", "land_use", "planning_status"]] = ["true", "GE", "in_preparation"]
    return write_store(tmp_path_factory.mktemp("partner") / "regionmap.gpkg", layers)


def test_partner_fields_filter_and_show(partner_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sites = gpd.read_file(partner_store, layer="sites")
    monkeypatch.setenv("REGIONMAP_STORE", str(partner_store))
    at = AppTest.from_file(str(APP), default_timeout=60)
    for name, value in {"basemap": "none", "serviced": "1", "land_use": "GI,GE", "site": sites["id"].iloc[0]}.items():
        at.query_params[name] = value
    at.run()
    at.switch_page("pages/sites.py").run()
    assert not at.exception, at.exception
    assert sorted(_result_names(at)) == sorted(sites["name"].iloc[:2])
    assert at.checkbox(key="finder_serviced").value and at.multiselect(key="finder_land_use").value == ["GI", "GE"]
    texts = _texts(at)
    assert plain("bestätigt von Region Hannover am 20.11.2026") in texts  # the card
    assert plain("Preis:") in texts and plain("B-Plan rechtskräftig") in texts
    assert t("sites.indicative_notice") not in [w.value for w in at.warning]  # confirmed: not indicative
    planning = _static_table(at, t("column.value"))
    assert plain("45–60\u00a0€/m²") in list(planning[plain(t("column.value"))])
    assert "**Planung & Preise**" in texts and "**Kontakt**" in texts
    at.checkbox(key="finder_rail_siding").check().run()
    assert _result_names(at) == [sites["name"].iloc[0]]
    assert at.query_params["rail_siding"] == "1"


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_an_overdue_site_is_marked_on_its_sheet_and_in_the_list(built_store: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    import shutil

    from editing_support import age_records
    from regionmap.i18n import format_date

    store = tmp_path / "regionmap.gpkg"
    shutil.copy(built_store, store)
    sites = gpd.read_file(store, layer="sites")
    stale, fresh = sites.iloc[0], sites.iloc[1]
    age_records(store, "sites", [stale["id"]], "2024-03-01")
    monkeypatch.setenv("REGIONMAP_STORE", str(store))

    def sheet(site_id: str) -> AppTest:
        return open_sites_page(site=site_id, lang=lang)

    notice = t("freshness.overdue_since", lang, date=format_date("2024-03-01", lang))
    at = sheet(stale["id"])
    assert plain(t("investor.page.freshness", lang, notice=notice)) in [w.value for w in at.warning]
    table = next(d.value for d in at.dataframe if t("column.freshness", lang) in d.value.columns)
    by_name = dict(zip(table[t("column.name", lang)], table[t("column.freshness", lang)]))
    assert by_name[stale["name"]] == notice and by_name[fresh["name"]] == t("freshness.state.confirmed", lang)
    assert not any(notice in w.value for w in sheet(fresh["id"]).warning)


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_a_profile_ranks_by_fit_and_names_why_the_others_miss(open_sites, sites, lang) -> None:
    from regionmap.i18n import tn
    from regionmap.investor.matching import Miss
    from regionmap.ui.site_matching import miss_text

    motorway = next(f for f in location_factors() if f.id == "motorway")
    distances = pd.to_numeric(sites[motorway.value_column], errors="coerce")
    limit = float(distances.median())
    at = open_sites(dist=f"motorway:{limit}", lang=lang, w="motorway:4")
    fit = t("investor.match.fit", lang)
    table = next(d.value for d in at.dataframe if fit in d.value.columns)
    assert list(table[fit]) == sorted(table[fit], reverse=True) and at.selectbox(key="finder_sort").value == "fit"
    assert at.slider(key="finder_weight_motorway").value == 4
    far = sites[distances > limit]
    assert len(table) == int((distances <= limit).sum())
    excluded = _static_table(at, t("investor.match.reasons", lang))
    assert len(excluded) == len(far)
    nearest = far.loc[distances[far.index].idxmin()]
    reason = miss_text(Miss("motorway", nearest[motorway.value_column], limit, 0.0), location_factors(), lang)
    assert excluded.iloc[0][plain(t("investor.match.reasons", lang))] == plain(reason)  # the nearest miss first
    labels = [e.label for e in at.expander]
    assert tn("investor.match.excluded", len(far), lang) in labels


def test_type_and_sector_misses_and_the_historical_view(open_sites, sites) -> None:
    category = sites["category"].mode().iloc[0]
    at = open_sites(category=category, as_of="2026-01-31")
    excluded = _static_table(at, t("investor.match.reasons"))
    others = sites[sites["category"] != category]
    assert len(excluded) == len(others)
    assert all(r.startswith(plain(t("column.category") + ":")) for r in excluded[plain(t("investor.match.reasons"))])
    notice = t("investor.match.as_of_notice", date="31.01.2026")
    assert plain(notice) in [i.value for i in at.info]
    assert at.query_params["as_of"] == "2026-01-31"
