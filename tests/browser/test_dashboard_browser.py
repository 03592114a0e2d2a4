"""The dashboard pages in a real browser with no basemap: drawn maps, no outside request, legend counts equal to the
store for URL filters, and a marker click that fills the detail card.

The store is the session's freshly built one (`app_server`); expected counts come from it through
`regionmap.dashboard.filters.filter_view` with the state `regionmap.dashboard.urlstate.parse_query_params` reads from the same URL.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl, urlsplit

import geopandas as gpd
import pytest
from browser_support import MAP_IFRAME, ROOT, legend_counts, screenshot, wait_for_map

from regionmap.testing import legend_counts as legend_counts_of
from regionmap.dashboard.filters import filter_view
from regionmap.data.store import StoreData, open_store
from regionmap.taxonomy import taxonomy
from regionmap.ui.navigation import page_spec
from regionmap.dashboard.urlstate import parse_query_params

PAGES = ("/", "/research", "/sites", "/health", "/events-mobility", "/municipalities")
THEMATIC_PAGES = ("/", "/research", "/sites", "/health", "/events-mobility")
METRICS = ROOT / "artifacts" / "metrics"


@pytest.fixture(scope="module")
def store(built_store) -> StoreData:
    return open_store(built_store)


def shown_for(store: StoreData, target: str) -> dict[str, gpd.GeoDataFrame]:
    """What a thematic page shows for this URL: the page's layers that the URL's state shows, filtered by it."""
    parts = urlsplit(target)
    spec = page_spec(parts.path.strip("/"))
    tax = taxonomy()
    state, _ = parse_query_params(dict(parse_qsl(parts.query)), store.url_vocab(tax))
    layers = {layer_id: store[layer_id] for layer_id in spec.layers if layer_id in state.layers}
    return filter_view(layers, state, {layer.id: layer.category_ids for layer in tax.layers})


def expected_counts(store: StoreData, target: str) -> dict[str, int]:
    """What the legend of a thematic page should list for this URL."""
    return legend_counts_of(shown_for(store, target))


def test_every_page_draws_offline(app_server, watched, store) -> None:
    """Each page: the map iframe has a height, no page error, no request outside localhost; a screenshot of each."""
    page = watched.page
    for path in PAGES:
        page.goto(f"{app_server.url}{path}?basemap=none")
        assert wait_for_map(page) > 0, path
        if path in THEMATIC_PAGES:
            assert legend_counts(page) == expected_counts(store, f"{path}?basemap=none"), path
        page.wait_for_timeout(300)  # let the frame paint before the screenshot
        screenshot(page, "page-" + (path.strip("/") or "overview"))
    watched.assert_clean()


FILTERS = (
    "/?sectors=mobility",
    "/?kreis=03101",
    "/?q=Universit&layers=research,health",
    "/events-mobility?category=airport,university&kreis=03241",
)


def test_legend_counts_equal_the_store_for_url_filters(app_server, watched, store) -> None:
    page = watched.page
    seen = set()
    for target in FILTERS:
        page.goto(f"{app_server.url}{target}&basemap=none")
        wait_for_map(page)
        expected = expected_counts(store, target)
        page.wait_for_function(
            "([sel, n]) => { const f = document.querySelector(sel); const d = f && f.contentDocument;"
            " return d && d.querySelectorAll('.rm-legend-entry').length === n; }",
            arg=[MAP_IFRAME, len(expected)], timeout=15_000,
        )
        assert legend_counts(page) == expected, target
        seen.add(tuple(sorted(expected.items())))
    assert len(seen) == len(FILTERS)  # the filters really differ
    watched.assert_clean()


def test_marker_click_fills_the_detail_card(app_server, watched, store) -> None:
    """One spread-out research institute: a single marker (not a cluster) to click; the card shows its name."""
    target = "/research?q=Georg-August&basemap=none"
    (name,) = shown_for(store, target)["research"]["name"]
    page = watched.page
    page.goto(f"{app_server.url}{target}")
    wait_for_map(page)
    marker = page.frame_locator(MAP_IFRAME).locator(".leaflet-rmPoints-pane path.rm-point.leaflet-interactive")
    marker.first.wait_for(state="attached", timeout=15_000)
    assert marker.count() == 1
    page.wait_for_timeout(500)  # the map fits its content first; a click during that move would land beside the marker
    marker.first.click(force=True)
    card = page.locator("[class*='st-key-card_']")
    card.get_by_text(name, exact=True).wait_for(timeout=15_000)
    screenshot(page, "research-card")
    watched.assert_clean()


def test_overview_payload_and_time_to_map(app_server, watched) -> None:
    """Measure the overview map: bytes the browser receives over the websocket (the st_folium args travel there) and
    seconds from navigation to the drawn map with its legend. Written to artifacts/metrics/overview.json."""
    page = watched.page
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
    start = time.monotonic()
    page.goto(f"{app_server.url}/?basemap=none")
    wait_for_map(page)
    page.frame_locator(MAP_IFRAME).locator(".rm-cluster, path.rm-point").first.wait_for(state="attached")
    seconds = time.monotonic() - start
    METRICS.mkdir(parents=True, exist_ok=True)
    metrics = {"seconds_to_map": round(seconds, 2), "largest_ws_frame_bytes": max(frames),
               "ws_bytes_total": sum(frames)}
    (METRICS / "overview.json").write_text(json.dumps(metrics, indent=2))
    assert seconds < 20 and max(frames) < 2_000_000, metrics
    watched.assert_clean()
