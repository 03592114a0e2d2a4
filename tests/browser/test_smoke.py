"""The overview page opens in a real browser with no outside request, a drawn map and a foldable legend."""

from browser_support import MAP_IFRAME, screenshot, wait_for_map


def test_overview_draws_offline(app_server, watched):
    watched.page.goto(f"{app_server.url}/?basemap=none")
    assert wait_for_map(watched.page) > 0
    screenshot(watched.page, "overview")
    watched.assert_clean()


def test_long_legend_folds_its_categories_and_unfolds_on_its_title(app_server, watched):
    page = watched.page
    page.goto(f"{app_server.url}/?basemap=none")
    wait_for_map(page)
    legend = page.frame_locator(MAP_IFRAME).locator(".rm-legend")
    assert legend.locator(".rm-legend-entry").first.is_visible()
    assert not legend.locator(".rm-legend-item").first.is_visible()
    legend.locator(".rm-legend-toggle").click()
    legend.locator(".rm-legend-item").first.wait_for(state="visible", timeout=5_000)
    watched.assert_clean()
