"""The overview page opens in a real browser with no outside request and a drawn map."""

from browser_support import screenshot, wait_for_map


def test_overview_draws_offline(app_server, watched):
    watched.page.goto(f"{app_server.url}/?basemap=none")
    assert wait_for_map(watched.page) > 0
    screenshot(watched.page, "overview")
    watched.assert_clean()
