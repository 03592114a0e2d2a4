"""Nothing cut off: every page, in the real app, at 1400×900, 1920×1080 and on a 390×844 phone, shows its texts
whole (no box that hides its overflow is narrower than its text), on the page and inside the maps; the site sheet's
location map shows its whole legend without covering the map.

The full set of pages runs in German at the three sizes and in French (the longest texts) at 1400×900; English runs
the site sheet, the comparison and the data page at 1920×1080. One browser, one server.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from playwright.sync_api import Browser, Page

from browser_support import screenshot
from regionmap.i18n import t
from regionmap.testing import MAP_IFRAME, clipped_text

DESKTOP, WIDE, PHONE = (1400, 900), (1920, 1080), (390, 844)
PAGES = ("/", "/research", "/health", "/events-mobility", "/sites", "/sites?site={site}", "compare",
         "/municipalities?gemeinde=03241001", "/data")
RUNS = [("de", DESKTOP, PAGES), ("de", WIDE, PAGES), ("de", PHONE, PAGES), ("fr", DESKTOP, PAGES),
        ("en", WIDE, ("/sites?site={site}", "compare", "/data"))]


@pytest.fixture(scope="module")
def three_sites(built_store: Path) -> list[dict]:
    """Three sites with long names (the comparison's columns are widest then)."""
    sites = gpd.read_file(built_store, layer="sites")
    longest = sites.assign(length=sites["name"].str.len()).sort_values(["length", "id"], ascending=[False, True])
    return longest[["id", "name"]].head(3).to_dict("records")


def _ready(page: Page, path: str) -> None:
    """Wait until the page's content is drawn: its maps with their legends, or its tables."""
    page.locator("[data-testid='stMainBlockContainer'] h1").first.wait_for(timeout=30_000)
    if path.startswith("/data"):
        page.locator("[data-testid='stTable']").first.wait_for(timeout=30_000)
    else:
        page.locator(MAP_IFRAME).first.wait_for(state="attached", timeout=30_000)
        count = 2 if "site=" in path else 1
        page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[MAP_IFRAME, count],
                               timeout=30_000)
        for i in range(count):
            frame = page.frame_locator(MAP_IFRAME).nth(i)
            frame.locator(".rm-legend").first.wait_for(state="attached", timeout=30_000)
    page.wait_for_timeout(800)  # fonts and the last layout pass


def _compare(page: Page, url: str, sites: list[dict], lang: str) -> None:
    """Open the first site's sheet and add the two others to the comparison."""
    page.goto(f"{url}/sites?site={sites[0]['id']}&lang={lang}&basemap=none")
    _ready(page, "/sites?site=")
    chooser = page.locator(".st-key-compare_ids input")
    for site in sites[1:]:
        chooser.click()
        chooser.fill(site["name"])
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
    page.keyboard.press("Escape")
    page.locator(".st-key-compare_table [data-testid='stTable']").wait_for(timeout=30_000)
    page.locator(".st-key-compare_table").scroll_into_view_if_needed()
    page.wait_for_timeout(800)


def _clipped_everywhere(page: Page) -> list[dict]:
    found = clipped_text(page)
    for i in range(page.locator(MAP_IFRAME).count()):
        frame = page.locator(MAP_IFRAME).nth(i).element_handle().content_frame()
        found += [{**item, "map": i} for item in clipped_text(frame)]
    return found


@pytest.mark.parametrize(("lang", "size", "paths"), RUNS, ids=[f"{r[0]}-{r[1][0]}x{r[1][1]}" for r in RUNS])
def test_no_text_is_cut_off(app_server, browser: Browser, three_sites, lang: str, size: tuple[int, int],
                            paths: tuple[str, ...]) -> None:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    cut: dict[str, list[dict]] = {}
    try:
        for path in paths:
            if path == "compare":
                _compare(page, app_server.url, three_sites, lang)
            else:
                path = path.format(site=three_sites[0]["id"])
                joiner = "&" if "?" in path else "?"
                page.goto(f"{app_server.url}{path}{joiner}lang={lang}&basemap=none")
                _ready(page, path)
            found = _clipped_everywhere(page)
            if found:
                cut[path] = found
                screenshot(page, f"clipped-{lang}-{size[0]}x{size[1]}-{path.strip('/').split('?')[0] or 'overview'}")
    finally:
        context.close()
    assert cut == {}, cut
    assert errors == []


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1400x900", "390x844"])
def test_location_map_legend_is_whole_and_leaves_the_map_visible(app_server, browser: Browser, three_sites,
                                                                 size: tuple[int, int]) -> None:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        page.goto(f"{app_server.url}/sites?site={three_sites[0]['id']}&basemap=none")
        _ready(page, "/sites?site=")
        site_map = page.locator(MAP_IFRAME).nth(1)
        site_map.scroll_into_view_if_needed()
        frame = site_map.element_handle().content_frame()
        legend = frame.evaluate("""() => {
            const box = document.querySelector('.rm-legend'), map = document.querySelector('.leaflet-container');
            const b = box.getBoundingClientRect(), m = map.getBoundingClientRect();
            return {scroll: box.scrollHeight, client: box.clientHeight, area: b.width * b.height / (m.width * m.height),
                    inside: b.left >= m.left && b.right <= m.right && b.top >= m.top && b.bottom <= m.bottom,
                    items: Array.from(box.querySelectorAll('.rm-legend-item')).filter(i => i.checkVisibility()).length,
                    folded: box.classList.contains('rm-legend-collapsed')};
        }""")
        screenshot(page, f"sites-location-map-legend-{size[0]}x{size[1]}")
        assert legend["scroll"] <= legend["client"] + 1, legend  # nothing scrolled out of sight
        assert legend["inside"], legend
        assert clipped_text(frame) == []
        if size == PHONE:  # folded to its layers; the title unfolds the factors
            assert legend["folded"] and legend["items"] == 0 and legend["area"] < 0.2, legend
            frame.locator(".rm-legend-toggle").click()
            frame.locator(".rm-legend-item").first.wait_for(state="visible", timeout=5_000)
        else:  # every factor shown, in a legend that covers little of the map
            assert legend["items"] >= 5 and legend["area"] < 0.3, legend
            assert frame.locator(".leaflet-control-layers-expanded").count() == 0  # the layer control is folded
        assert t("investor.page.location_map") in frame.locator(".rm-legend-title").first.inner_text()
    finally:
        context.close()
