"""Embed mode in a real browser: the data page's `<iframe>` snippet pasted into a partner's page on another origin
draws the map with its legend and attribution and no sidebar, and its link opens the full dashboard at that view."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from browser_support import screenshot
from regionmap.dashboard.embed import iframe_snippet, view_url
from regionmap.dashboard.urlstate import ViewState
from regionmap.i18n import t
from regionmap.testing import MAP_IFRAME

EMBED_TITLE = "Karte: Göttingen"


@pytest.fixture
def partner_site(app_server, tmp_path: Path) -> Iterator[str]:
    """A partner's page on another origin (localhost instead of 127.0.0.1, its own port) holding the snippet."""
    url = view_url(app_server.url, "research", ViewState(kreis="03159", basemap="none"), embed=True)
    (tmp_path / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Partner</title></head><body>"
        f"<h1>Landkreis Göttingen</h1>{iframe_snippet(url, EMBED_TITLE)}</body></html>", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{httpd.server_address[1]}/index.html"
    httpd.shutdown()
    httpd.server_close()


def test_the_embedded_map_draws_without_sidebar_and_opens_the_full_view(partner_site, watched) -> None:
    page = watched.page
    page.goto(partner_site)
    embedded = page.frame_locator(f"iframe[title='{EMBED_TITLE}']")
    embedded.locator(MAP_IFRAME).wait_for(state="attached", timeout=60_000)
    leaflet = embedded.frame_locator(MAP_IFRAME)
    leaflet.locator(".leaflet-container").first.wait_for(state="attached", timeout=60_000)
    leaflet.locator(".rm-legend").first.wait_for(state="attached", timeout=30_000)
    leaflet.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=30_000)
    screenshot(page, "embed-partner-page")
    assert leaflet.locator(".leaflet-control-attribution").count() == 1
    assert embedded.locator(MAP_IFRAME).bounding_box()["height"] > 300
    assert embedded.locator("[data-testid='stSidebar']").count() == 0
    assert embedded.locator("h1").count() == 0
    assert not embedded.locator("[data-testid='stHeader']").is_visible()
    link = embedded.get_by_role("link", name=t("api.full_view", "de"))
    assert link.get_attribute("target") == "_blank"
    with page.context.expect_page() as opened:
        link.click()
    full = opened.value
    full.get_by_role("heading", name=t("page.research", "de"), level=1).wait_for(timeout=60_000)
    url = urlsplit(full.url)
    assert url.path == "/research" and parse_qs(url.query).get("kreis") == ["03159"]
    assert "embed" not in parse_qs(url.query)
    full.locator("[data-testid='stSidebar']").wait_for(state="visible", timeout=30_000)
    full.close()
    watched.assert_clean()
