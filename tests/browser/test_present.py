"""The presenter page in a real browser: the region tour played through all stops in de, en and fr, offline."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from browser_support import MAP_IFRAME, legend_counts, screenshot, wait_for_map
from regionmap.dashboard.filters import bounds_for
from regionmap.i18n import t
from regionmap.data.store import open_store
from regionmap.presenter.tours import Stop, default_tours_dir, load_tours, vocab_from_store

STEP_TIMEOUT_S = 20
MAP_VIEW_JS = """() => {
    const map = Object.values(window).find((v) => v instanceof L.Map);
    const b = map.getBounds();
    return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()];
}"""


@pytest.fixture(scope="module")
def store(built_store):
    return open_store(built_store)


@pytest.fixture(scope="module")
def tour(store):
    return load_tours(default_tours_dir(), vocab_from_store(store.gemeinden, store.thematic.values()))["region"]


def expected_view(store, stop: Stop) -> tuple[tuple[float, float], tuple[float, float]]:
    """((south, west), (north, east)) the stop's map must show."""
    view = stop.view
    if view is not None and view.kind == "bounds":
        w, s, e, n = view.bounds
        return (s, w), (n, e)
    kind = view.kind if view is not None else "region"
    return bounds_for(store.gemeinden, store.kreise, view.ags if kind == "kreis" else None,
                      view.ags if kind == "gemeinde" else None)


def wait_until(check, what: str) -> None:
    """Poll `check()` until it is true; fail with `what` after STEP_TIMEOUT_S."""
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def map_view(page: Page) -> list[float]:
    return page.locator(MAP_IFRAME).element_handle().content_frame().evaluate(MAP_VIEW_JS)


def check_stop(page: Page, store, stop: Stop, lang: str) -> None:
    """The stop's title is shown, its map is drawn with exactly its layers in the legend and shows its view."""
    title = page.locator(".st-key-present_stop h2")
    wait_until(lambda: title.inner_text().strip() == stop.title_in(lang), f"title {stop.title_in(lang)!r}")
    assert wait_for_map(page) > 0
    wait_until(lambda: set(legend_counts(page)) == set(stop.layers), f"legend of {stop.id}: {stop.layers}")
    (south, west), (north, east) = expected_view(store, stop)
    view_s, view_w, view_n, view_e = map_view(page)
    assert view_s <= (south + north) / 2 <= view_n and view_w <= (west + east) / 2 <= view_e, stop.id
    region_w, region_s, region_e, region_n = store.gemeinden.total_bounds
    if stop.view is not None and stop.view.kind == "gemeinde":
        assert view_e - view_w < (region_e - region_w) / 2, f"{stop.id}: not zoomed to the municipality"
    else:
        assert view_w <= region_w + 0.05 and view_e >= region_e - 0.05, f"{stop.id}: not the whole region"


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_tour_plays_through_all_stops_offline(app_server, watched, store, tour, lang):
    page = watched.page
    page.goto(f"{app_server.url}/present?lang={lang}")
    assert wait_for_map(page) > 0
    for index, stop in enumerate(tour.stops):
        check_stop(page, store, stop, lang)
        assert page.get_by_text(t("present.stop", lang, number=index + 1, total=len(tour.stops))).is_visible()
        if index == 0:
            screenshot(page, f"present-{lang}-stop1")
        page.locator(".st-key-present_next button").click()
    check_stop(page, store, tour.stops[0], lang)  # after the last stop the tour starts again
    watched.assert_clean()
