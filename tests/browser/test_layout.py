"""The map is the page, in a real browser at 1400×900, 1920×1080 and a 390×844 phone: every map starts on the first
screen, the first marker click fills the detail card, the credits fold to one line, maps fit their content and outline
the selection, and an offline OSM basemap offers the map without tiles."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import LOCAL_PREFIXES, MAP_IFRAME, screenshot, wait_for_map

from regionmap.dashboard.composition import attributions
from regionmap.i18n import t
from regionmap.dashboard.map_style import map_style
from regionmap.data.source_registry import load_registry
from regionmap.data.store import open_store
from regionmap.taxonomy import taxonomy
from regionmap.ui.navigation import page_spec

SIZES = ((1400, 900), (1920, 1080), (390, 844))
MAP_PAGES = ("/", "/research", "/health", "/events-mobility", "/sites", "/municipalities")
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]
COLD_MS = 60_000  # a first page of a fresh server on a loaded 2-core machine (not a performance figure)
# The main area scrolls inside Streamlit's app view, not the window.
MAIN_SCROLL = "() => { const m = document.querySelector('[data-testid=stMain]'); return m ? m.scrollTop : 0; }"


def map_frame(page, index: int = 0):
    return page.locator(MAP_IFRAME).nth(index).element_handle().content_frame()


@pytest.fixture(scope="module")
def store(built_store):
    return open_store(built_store)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_every_map_starts_on_the_first_screen(app_server, sized, size) -> None:
    """The map's top edge is in the upper half of the first screen and the map fills most of the rest of it."""
    width, height = size
    watched = sized(width, height)
    page = watched.page
    for path in MAP_PAGES:
        page.goto(f"{app_server.url}{path}?basemap=none")
        wait_for_map(page, timeout_ms=COLD_MS)
        page.wait_for_timeout(300)
        box = page.locator(MAP_IFRAME).first.bounding_box()
        visible = min(box["y"] + box["height"], height) - box["y"]
        assert box["y"] < 0.5 * height, f"{path} at {width}x{height}: map starts at y={box['y']:.0f}"
        assert visible >= 0.5 * height, f"{path} at {width}x{height}: only {visible:.0f} px of the map visible"
        assert box["width"] >= min(0.45 * width, 360), f"{path} at {width}x{height}: map {box['width']:.0f} px wide"
        if path == "/":
            screenshot(page, f"layout-overview-{width}x{height}")
    watched.assert_clean()


@pytest.mark.parametrize("size", [*SIZES, (1400, 700)], ids=[*SIZE_IDS, "1400x700-map-below-the-fold"])
def test_first_marker_click_fills_the_card(app_server, sized, store, size) -> None:
    """The first click on a marker selects it and the page does not jump (issue 10, item 3). At 1400×700 the map
    reaches below the fold: Leaflet focused the map on mousedown and the browser scrolled it into view, so the
    pointer was no longer over the marker at mouseup."""
    width, height = size
    research = store["research"]
    (name,) = research[research["name"].str.contains("Georg-August")]["name"]
    watched = sized(width, height)
    page = watched.page
    page.goto(f"{app_server.url}/research?q=Georg-August&basemap=none")
    wait_for_map(page, timeout_ms=COLD_MS)
    marker = page.frame_locator(MAP_IFRAME).locator(".leaflet-rmPoints-pane path.rm-point.leaflet-interactive")
    marker.first.wait_for(state="attached", timeout=15_000)
    page.wait_for_timeout(500)
    box = page.locator(MAP_IFRAME).first.bounding_box()
    if size == (1400, 700):
        assert box["y"] + box["height"] > height  # the case that lost the click
    before = page.evaluate(MAIN_SCROLL)
    point = marker.first.bounding_box()
    assert 0 < point["y"] < height, "the marker is on the first screen"
    page.mouse.click(point["x"] + point["width"] / 2, point["y"] + point["height"] / 2)
    card = page.locator("[class*='st-key-card_']")
    card.get_by_text(name, exact=True).wait_for(timeout=15_000)
    assert page.evaluate(MAIN_SCROLL) == before, "the page jumped on the click"
    watched.assert_clean()


def test_credits_fold_to_one_line_and_unfold_with_the_keyboard(app_server, sized) -> None:
    """Collapsed, the attribution is one line; its toggle (keyboard) shows every attribution the map uses."""
    registry, tax = load_registry(), taxonomy()
    for path in ("/", "/municipalities"):
        layers = list(page_spec(path.strip("/") or "overview").layers) if path == "/" else []
        expected = attributions(registry, tax, layers, "none", "en")
        watched = sized(1400, 900)
        page = watched.page
        page.goto(f"{app_server.url}{path}?basemap=none&lang=en")
        wait_for_map(page, timeout_ms=COLD_MS)
        frame = page.frame_locator(MAP_IFRAME).first
        credits = frame.locator(".leaflet-control-attribution")
        toggle = credits.locator("button.rm-attribution-toggle")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert toggle.get_attribute("aria-label") == t("map.attribution_show", "en")
        collapsed = credits.bounding_box()["height"]
        assert collapsed <= 20, f"collapsed credits are {collapsed} px high"
        folded_overflow = credits.evaluate("e => e.scrollWidth > e.clientWidth")
        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        expanded = credits.bounding_box()["height"]
        text = " ".join(credits.inner_text().split())
        missing = [a for a in expected if " ".join(a.split()) not in text]
        assert missing == [], f"{path}: attributions not shown: {missing}"
        assert credits.evaluate("e => e.scrollWidth <= e.clientWidth"), f"{path}: expanded credits are cut off"
        if path == "/":  # many attributions: they did not fit on the folded line
            assert expanded > collapsed and folded_overflow, (collapsed, expanded)
        screenshot(page, f"credits-expanded{path.replace('/', '-')}")
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert credits.bounding_box()["height"] == collapsed
        watched.assert_clean()


REGION_WIDTH_JS = """([south, west, north, east]) => {
    const map = window.map, size = map.getSize();
    const a = map.latLngToContainerPoint([south, west]), b = map.latLngToContainerPoint([north, east]);
    return (b.x - a.x) / size.x;
}"""


def test_sites_map_fits_the_region_and_outlines_the_selection(app_server, sized, store) -> None:
    """/sites opens with the region filling most of the map's width; a municipality in the URL is outlined on the
    result map and on the site sheet's location map."""
    west, south, east, north = store.region.total_bounds
    selected = map_style().boundaries["selected"].colour
    watched = sized(1400, 900)
    page = watched.page
    page.goto(f"{app_server.url}/sites?basemap=none")
    wait_for_map(page, timeout_ms=COLD_MS)
    page.wait_for_timeout(500)
    share = map_frame(page).evaluate(REGION_WIDTH_JS, [south, west, north, east])
    assert share >= 0.6, f"the region fills {share:.0%} of the map's width"
    assert map_frame(page).locator(f"path[stroke='{selected}']").count() == 0

    site = store["sites"].iloc[0]
    page.goto(f"{app_server.url}/sites?basemap=none&gemeinde={site['ags']}&site={site['id']}")
    page.wait_for_function("(sel) => document.querySelectorAll(sel).length >= 2", arg=MAP_IFRAME, timeout=30_000)
    for index in range(2):
        wait_for_map(page, timeout_ms=COLD_MS, index=index)
        outline = page.frame_locator(MAP_IFRAME).nth(index).locator(f"path[stroke='{selected}']")
        outline.first.wait_for(state="attached", timeout=15_000)
        assert outline.count() == 1, index
    screenshot(page, "sites-outline")
    watched.assert_clean()


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_failing_tiles_show_a_notice_that_switches_to_the_offline_basemap(app_server, sized, lang) -> None:
    """With the OSM basemap and every request outside localhost aborted, the map says so and its link opens the same
    view without basemap."""
    watched = sized(1400, 900)
    page = watched.page
    page.route(lambda url: not url.startswith(LOCAL_PREFIXES), lambda route: route.abort())
    page.goto(f"{app_server.url}/research?basemap=osm&kreis=03159&lang={lang}")
    wait_for_map(page, timeout_ms=COLD_MS)
    frame = page.frame_locator(MAP_IFRAME).first
    notice = frame.locator(".rm-offline-notice")
    notice.wait_for(timeout=15_000)
    assert t("map.tiles_offline", lang) in notice.inner_text()
    link = notice.locator("a.rm-offline-switch")
    assert link.inner_text() == t("map.tiles_offline_action", lang)
    assert parse_qs(urlsplit(link.get_attribute("href")).query)["basemap"] == ["none"]
    screenshot(page, f"offline-notice-{lang}")
    link.click()
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("basemap") == ["none"], timeout=15_000)
    query = parse_qs(urlsplit(page.url).query)
    assert query["kreis"] == ["03159"] and query.get("lang", ["de"]) == [lang], page.url  # the same view
    page.wait_for_function(
        "(sel) => { const f = document.querySelector(sel); const d = f && f.contentDocument;"
        " return d && d.querySelector('.rm-legend') && d.querySelectorAll('.leaflet-tile').length === 0; }",
        arg=MAP_IFRAME, timeout=20_000)
    assert frame.locator(".rm-offline-notice").count() == 0
    assert watched.errors == []
