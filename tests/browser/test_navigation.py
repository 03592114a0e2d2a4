"""Moving between pages keeps the view: the menu's links carry the filters, and the address shows the right page."""

from urllib.parse import parse_qs, urlsplit

from browser_support import wait_for_map


def test_page_switches_keep_the_filters_and_show_the_page_path(app_server, watched):
    page = watched.page
    page.goto(f"{app_server.url}/?kreis=03159&sectors=health&lang=en&basemap=none")
    wait_for_map(page)
    expected = {"kreis": ["03159"], "sectors": ["health"], "lang": ["en"], "basemap": ["none"]}
    for title, path in (("Science & research", "/research"), ("Municipalities", "/municipalities"),
                        ("Health", "/health")):
        page.get_by_role("link", name=title).click()
        page.wait_for_url(lambda url: urlsplit(url).path == path, timeout=15_000)
        page.get_by_role("heading", name=title, level=1).wait_for(timeout=15_000)
        wait_for_map(page)
        page.wait_for_timeout(500)  # the run that follows the switch may still rewrite the query
        url = urlsplit(page.url)
        assert url.path == path
        assert parse_qs(url.query) == expected, f"{title}: {page.url}"
    watched.assert_clean()
