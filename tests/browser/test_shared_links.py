"""A shared link restores the whole view: every control of /municipalities and /sites is set through the UI, the
address is copied and opened in a fresh browser context, which shows the same controls and the same result.

The expected site count comes from the store through the library, for the state `parse_query_params` reads from the
copied address (so the count is checked against the data, not only against the first browser).
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import Error as PlaywrightError

from browser_support import MAP_IFRAME, choose, combo_value, screenshot, wait_for_map
from regionmap.dashboard.details import category_label, sector_labels
from regionmap.dashboard.filters import filter_view
from regionmap.i18n import t
from regionmap.dashboard.indicators import indicator
from regionmap.investor.factors import location_factors
from regionmap.investor.finder import SiteQuery, find_sites, site_vocabulary
from regionmap.data.store import open_store
from regionmap.taxonomy import taxonomy
from regionmap.data.thematic import split_sectors
from regionmap.dashboard.urlstate import parse_query_params

TIMEOUT = 60_000


@pytest.fixture(scope="module")
def store(built_store):
    return open_store(built_store)


def fresh_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def wait_for_url(page: Page, *names: str) -> None:
    """Wait until the address carries every parameter in `names` (the run after a change has written the URL)."""
    try:
        page.wait_for_function("(names) => names.every((n) => new URLSearchParams(location.search).has(n))",
                               arg=list(names), timeout=TIMEOUT)
    except PlaywrightError:
        screenshot(page, "shared-links-url-timeout")
        pytest.fail(f"the address {page.url} lacks one of {names}")


def tags(page: Page, key: str) -> list[str]:
    """The chosen values of a multiselect, as shown."""
    return page.locator(f".st-key-{key} [data-tag]").evaluate_all("els => els.map((e) => e.getAttribute('aria-label'))")


def slider_values(page: Page, key: str) -> list[str]:
    return page.locator(f".st-key-{key} input[type=range]").evaluate_all("els => els.map((e) => e.value)")


def step_slider(page: Page, key: str, thumb: int, key_name: str, times: int) -> None:
    page.locator(f".st-key-{key} input[type=range]").nth(thumb).focus()
    for _ in range(times):
        page.keyboard.press(key_name)
    page.wait_for_timeout(1_500)


def legend_text(page: Page) -> str:
    return page.frame_locator(MAP_IFRAME).first.locator(".rm-legend").inner_text()


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def reopen(browser: Browser, url: str) -> Page:
    page = fresh_page(browser)
    page.goto(url)
    page.get_by_role("heading", level=1).wait_for(timeout=TIMEOUT)
    wait_for_map(page, TIMEOUT)
    page.wait_for_timeout(1_500)
    return page


def municipality_state(page: Page) -> dict[str, object]:
    return {
        "indicator": combo_value(page, "choropleth_indicator"),
        "scheme": combo_value(page, "choropleth_scheme"),
        "classes": slider_values(page, "choropleth_classes"),
        "kreis": combo_value(page, "w_kreis"),
        "gemeinde": combo_value(page, "w_gemeinde"),
        "legend": legend_text(page),
        "rank": page.locator("[data-testid=stMetric]").filter(has_text=t("column.rank")).inner_text(),
    }


def test_a_municipalities_link_restores_indicator_scheme_classes_and_place(app_server, browser, store):
    page = fresh_page(browser)
    page.goto(f"{app_server.url}/municipalities?basemap=none")
    page.get_by_role("heading", level=1).wait_for(timeout=TIMEOUT)
    wait_for_map(page, TIMEOUT)
    density = indicator("density").label("de")
    choose(page, "choropleth_indicator", density)
    choose(page, "choropleth_scheme", t("scheme.natural_breaks"))
    step_slider(page, "choropleth_classes", 0, "ArrowLeft", 1)
    kreis = store.kreise.sort_values("ags").iloc[0]
    choose(page, "w_kreis", kreis["name"])
    wait_for_url(page, "kreis")
    gemeinde = store.gemeinden[store.gemeinden["kreis_ags"] == kreis["ags"]].sort_values("name").iloc[0]
    choose(page, "w_gemeinde", f"{gemeinde['name']} ({gemeinde['ags']})")
    wait_for_url(page, "indicator", "scheme", "classes", "kreis", "gemeinde")
    page.get_by_text(t("profile.heading", name=gemeinde["name"])).wait_for(timeout=TIMEOUT)
    page.wait_for_timeout(1_500)
    shared = page.url
    assert query_of(shared) == {"indicator": ["density"], "scheme": ["natural_breaks"], "classes": ["4"],
                                "kreis": [kreis["ags"]], "gemeinde": [gemeinde["ags"]], "basemap": ["none"]}
    before = municipality_state(page)
    assert before["indicator"] == density and before["classes"] == ["4"]
    assert len(page.frame_locator(MAP_IFRAME).first.locator(".rm-legend-item").all()) <= 4 + 1  # + "unknown"
    screenshot(page, "shared-municipalities-before")

    again = reopen(browser, shared)
    again.get_by_text(t("profile.heading", name=gemeinde["name"])).wait_for(timeout=TIMEOUT)
    assert municipality_state(again) == before
    assert query_of(again.url) == query_of(shared)
    screenshot(again, "shared-municipalities-after")
    assert page.errors == [] and again.errors == []  # type: ignore[attr-defined]


def expected_sites(store, url: str) -> int:
    """The number of sites the sites page should list for this address, from the store."""
    tax = taxonomy()
    state, notices = parse_query_params(dict(parse_qsl(urlsplit(url).query)), store.url_vocab(tax))
    assert notices == []
    shown = filter_view({"sites": store["sites"]}, state, {layer.id: layer.category_ids for layer in tax.layers})
    query = SiteQuery(min_ha=state.min_ha, max_ha=state.max_ha, availability=state.availability,
                      max_km=dict(state.max_km))
    return len(find_sites(shown["sites"], query, location_factors()))


def sites_state(page: Page) -> dict[str, object]:
    factors = location_factors()
    return {
        "size": slider_values(page, "finder_size"),
        "availability": tags(page, "finder_availability"),
        "distances": {f.id: page.locator(f".st-key-finder_max_{f.id} input").input_value() for f in factors},
        "sort": combo_value(page, "finder_sort"),
        "compare": tags(page, "compare_ids"),
        "categories": tags(page, "w_categories"),
        "sectors": tags(page, "w_sectors"),
        "result": page.get_by_text(re.compile(r"^\d+ Standorte? gefunden$")).inner_text(),
        "legend": legend_text(page),
    }


def test_a_sites_link_restores_every_finder_control_and_the_result(app_server, browser, store):
    sites = store["sites"]
    tax = taxonomy()
    category = Counter(sites["category"]).most_common(1)[0][0]
    of_category = sites[sites["category"] == category]
    sector = Counter(s for value in of_category["sectors"] for s in split_sectors(value)).most_common(1)[0][0]
    availability = Counter(of_category["availability"]).most_common(1)[0][0]
    motorway = next(f for f in location_factors() if f.id == "motorway")

    page = fresh_page(browser)
    page.goto(f"{app_server.url}/sites?basemap=none")
    page.get_by_role("heading", level=1).wait_for(timeout=TIMEOUT)
    wait_for_map(page, TIMEOUT)
    choose(page, "w_categories", category_label(tax, "sites", category, "de"), multi=True)
    choose(page, "w_sectors", sector_labels(tax, sector, "de"), multi=True)
    page.get_by_text(t("investor.page.filters")).click()
    step_slider(page, "finder_size", 0, "ArrowRight", 5)
    step_slider(page, "finder_size", 1, "ArrowLeft", 2)
    choose(page, "finder_availability", site_vocabulary().availability_label(availability, "de"), multi=True)
    distance = page.locator(f".st-key-finder_max_{motorway.id} input")
    distance.fill("25")
    distance.press("Enter")
    wait_for_url(page, "dist")
    choose(page, "finder_sort", motorway.label("de"))
    first, second = sorted(sites["name"].astype(str), key=str.casefold)[:2]
    choose(page, "compare_ids", first, multi=True)
    choose(page, "compare_ids", second, multi=True)
    wait_for_url(page, "category", "sectors", "size", "availability", "dist", "sort", "compare")
    page.wait_for_timeout(1_500)
    shared = page.url
    query = query_of(shared)
    assert query["size"] == ["5-48"] and query["dist"] == ["motorway:25"] and query["sort"] == ["motorway"]
    assert query["availability"] == [availability] and query["category"] == [category]
    assert query["sectors"] == [sector] and len(query["compare"][0].split(",")) == 2
    before = sites_state(page)
    assert before["compare"] == [first, second] and before["distances"]["motorway"] in ("25", "25.00", "25,00")
    count = int(before["result"].split()[0])
    assert count == expected_sites(store, shared) > 0
    screenshot(page, "shared-sites-before")

    again = reopen(browser, shared)
    again.get_by_text(re.compile(r"^\d+ Standorte? gefunden$")).wait_for(timeout=TIMEOUT)
    assert sites_state(again) == before
    assert query_of(again.url) == query
    screenshot(again, "shared-sites-after")
    assert page.errors == [] and again.errors == []  # type: ignore[attr-defined]
