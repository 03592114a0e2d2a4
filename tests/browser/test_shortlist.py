"""The visitor's shortlist on a phone (390 × 844): one tap adds a site, the QR code (decoded with zxing-cpp) opens the
same shortlist in a fresh context, and its combined PDF downloads and parses."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page
from pypdf import PdfReader

from browser_support import screenshot, wait_until_idle
from regionmap.data.store import open_store
from regionmap.i18n import t
from regionmap.investor.expose.bundle import shortlist_filename
from regionmap.testing import CHROMIUM, CHROMIUM_ARGS

PHONE = {"width": 390, "height": 844}
HOST = "regionmap.test"


@pytest.fixture(scope="module")
def phone_browser(browser: Browser):
    """A Chromium that resolves the test host name to 127.0.0.1: the app sees a non-loopback address, as a phone
    on the stand's network would reach it."""
    other = browser.browser_type.launch(executable_path=str(CHROMIUM),
                                        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"])
    yield other
    other.close()


def _qr_codes(image_bytes: bytes) -> list[str]:
    image = Image.open(io.BytesIO(image_bytes))
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def _panel_names(page: Page) -> list[str]:
    rows = page.locator("[class*='st-key-shortlist_row_'] [data-testid='stMarkdown']")
    return [text.strip() for text in rows.all_inner_texts()]


def test_a_shortlist_travels_to_a_phone_by_qr_code_and_downloads_as_one_pdf(app_server, phone_browser, built_store,
                                                                           tmp_path):
    sites = open_store(built_store)["sites"]
    ids = [str(i) for i in sites["id"].iloc[[0, 3, 6]]]
    names = sites.set_index("id").loc[ids, "name"].astype(str).tolist()
    port = urlsplit(app_server.url).port
    base = f"http://{HOST}:{port}"

    presenter = phone_browser.new_context(viewport=PHONE)
    page = presenter.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{base}/sites?lang=en&basemap=none&shortlist={ids[0]},{ids[1]}&site={ids[2]}")
        add = page.locator(".st-key-shortlist_toggle_sheet button")
        add.wait_for(timeout=60_000)
        wait_until_idle(page)
        assert t("investor.shortlist.add", "en") in add.inner_text()
        add.click()  # one tap
        page.wait_for_function("want => decodeURIComponent(location.search).includes(want)", arg=",".join(ids),
                               timeout=60_000)
        wait_until_idle(page)
        assert t("investor.shortlist.remove", "en") in page.locator(".st-key-shortlist_toggle_sheet button").inner_text()
        assert _panel_names(page) == names
        qr = page.locator(".st-key-shortlist_link img")
        qr.scroll_into_view_if_needed()
        codes = _qr_codes(qr.screenshot())
        screenshot(page, "shortlist-phone-qr")
        assert len(codes) == 1, codes
        assert errors == [], errors
    finally:
        presenter.close()

    link = codes[0]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", f"{HOST}:{port}", "/sites"), link
    assert parse_qs(parts.query) == {"shortlist": [",".join(ids)], "lang": ["en"]}  # nothing about the visitor

    visitor = phone_browser.new_context(viewport=PHONE)  # a fresh phone: no session, no cookies
    page = visitor.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(link)
        button = page.locator(".st-key-shortlist_pdf button")
        button.wait_for(timeout=60_000)
        wait_until_idle(page)
        assert _panel_names(page) == names
        with page.expect_download(timeout=120_000) as info:
            button.click()
        download = info.value
        assert download.suggested_filename == shortlist_filename("en", dt.date.today())
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        reader = PdfReader(path)
        cover = reader.pages[0].extract_text()
        assert t("investor.shortlist.title", "en") in cover
        assert link in cover.replace("\n", "")
        assert len(reader.pages) >= 1 + len(ids)
        outline = [item.title for item in reader.outline]
        assert outline == [t("investor.shortlist.title", "en"), *names]
        assert reader.root_object["/Lang"] == "en"
        assert errors == [], errors
    finally:
        visitor.close()
