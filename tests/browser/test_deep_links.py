"""Deep links in a fresh browser: no failed request on any page's own address, and a clear page for unknown paths."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser

from browser_support import screenshot, wait_for_map
from regionmap.i18n import t
from regionmap.ui.navigation import NOT_FOUND_PAGE, PAGES

# page address -> the address the app shows (the default page is shown at the root)
DEEP_LINKS = {f"/{spec.url_path}": "/" if spec.default else f"/{spec.url_path}" for spec in PAGES
              if spec.url_path != NOT_FOUND_PAGE}
WITHOUT_MAP = ("/data", "/maintenance", "/accessibility")


@pytest.mark.parametrize("path", DEEP_LINKS)
def test_a_deep_link_gets_no_failed_response(app_server, browser: Browser, path):
    """Every response the page receives while it opens and draws has a status below 400 (Streamlit's frontend used to
    probe `/<page>/_stcore/health` and `/<page>/_stcore/host-config` first)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    page.on("requestfailed", lambda request: failed.append(f"failed {request.url}"))
    page.goto(f"{app_server.url}{path}?basemap=none")
    page.locator("h1, h2").first.wait_for(timeout=30_000)
    if path not in WITHOUT_MAP:
        assert wait_for_map(page, 60_000) > 0  # the map component's own page loads (it is HTML too)
    page.wait_for_timeout(1_000)
    assert urlsplit(page.url).path == DEEP_LINKS[path]
    context.close()
    assert failed == []


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_an_unknown_path_says_so_and_links_to_the_overview_with_the_same_view(app_server, watched, lang):
    page = watched.page
    responses: list[int] = []
    page.on("response", lambda response: responses.append(response.status))
    page.goto(f"{app_server.url}/doesnotexist?lang={lang}&kreis=03101&basemap=none")
    page.get_by_role("heading", name=t("page.not_found", lang), level=1).wait_for(timeout=30_000)
    page.get_by_text(t("url.page_not_found", lang, path="/doesnotexist")).wait_for(timeout=10_000)
    url = urlsplit(page.url)
    assert url.path == f"/{NOT_FOUND_PAGE}"
    assert parse_qs(url.query)["kreis"] == ["03101"]
    screenshot(page, f"not-found-{lang}")
    link = page.get_by_role("link", name=t("url.to_overview", lang))
    query = parse_qs(urlsplit(link.get_attribute("href")).query)
    expected = {"kreis": ["03101"], "basemap": ["none"], **({"lang": [lang]} if lang != "de" else {})}
    assert query == expected  # the view's parameters, without the not-found page's own `path`
    link.click()
    page.get_by_role("heading", name=t("page.overview", lang), level=1).wait_for(timeout=30_000)
    assert parse_qs(urlsplit(page.url).query).get("kreis") == ["03101"]
    assert [s for s in responses if s >= 400] == []
    watched.assert_clean()
