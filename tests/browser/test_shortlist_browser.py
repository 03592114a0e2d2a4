"""The visitor's shortlist on a phone (390 × 844): one tap adds a site, the QR code (decoded with zxing-cpp) opens the
same shortlist in a fresh context, and its combined PDF downloads and parses."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from browser_support import HOST, fullest_sites_stop, screenshot, shortlist_stop, wait_until_idle
from regionmap.data.store import open_store
from regionmap.i18n import t
from regionmap.investor.expose.bundle import shortlist_filename

PHONE = {"width": 390, "height": 844}


def _qr_codes(image_bytes: bytes) -> list[str]:
    image = Image.open(io.BytesIO(image_bytes))
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def _panel_names(page: Page) -> list[str]:
    rows = page.locator("[class*='st-key-shortlist_row_'] [data-testid='stMarkdown']")
    return [text.strip() for text in rows.all_inner_texts()]


def _wait_for_panel(page: Page, names: list[str]) -> None:
    """Until the panel lists exactly `names` (the run that draws it may still be under way)."""
    deadline = time.monotonic() + 60
    while _panel_names(page) != names:
        assert time.monotonic() < deadline, _panel_names(page)
        time.sleep(0.2)


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
        expect(page.locator(".st-key-shortlist_toggle_sheet button")).to_contain_text(
            t("investor.shortlist.remove", "en"), timeout=60_000)
        wait_until_idle(page)
        _wait_for_panel(page, names)
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
        _wait_for_panel(page, names)
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
        outline = [item.title for item in reader.outline if not isinstance(item, list)]  # lists: each one's sections
        assert outline == [t("investor.shortlist.title", "en"), *names]
        assert reader.root_object["/Lang"] == "en"
        assert errors == [], errors
    finally:
        visitor.close()


def test_the_presenter_adds_three_sites_and_the_list_survives_stop_changes(app_server, phone_browser, built_store):
    index, chosen = shortlist_stop(built_store)
    port = urlsplit(app_server.url).port
    context = phone_browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"http://{HOST}:{port}/present?lang=de")
        page.locator(".st-key-present_next button").wait_for(timeout=60_000)
        wait_until_idle(page)
        for _ in range(index):
            page.locator(".st-key-present_next button").click()
            wait_until_idle(page)
        count = page.locator(".st-key-present_shortlist_count button").first
        assert "0 Standorte" in count.inner_text()
        for number, site_id in enumerate(chosen, start=1):
            button = page.locator(f".st-key-present_shortlist_add_{site_id} button").first
            assert button.inner_text().startswith("+")
            button.click()
            page.wait_for_function("want => decodeURIComponent(location.search).includes(want)",
                                   arg="shortlist=" + ",".join(chosen[:number]), timeout=60_000)
            expect(page.locator(f".st-key-present_shortlist_add_{site_id} button").first).to_have_text(
                re.compile(r"^✓"), timeout=60_000)
            wait_until_idle(page)
        expect(count).to_contain_text("3 Standorte", timeout=60_000)
        page.locator(".st-key-present_next button").click()  # another stop: the list stays
        wait_until_idle(page)
        page.locator(".st-key-present_previous button").click()
        wait_until_idle(page)
        expect(page.locator(".st-key-present_shortlist_count button").first).to_contain_text("3 Standorte")
        page.locator(".st-key-present_shortlist_count button").first.click()
        qr = page.locator(".st-key-present_shortlist_qr img")
        qr.wait_for(timeout=60_000)
        wait_until_idle(page)
        screenshot(page, "shortlist-present-1920")
        codes = _qr_codes(qr.screenshot())
        assert len(codes) == 1, codes
        parts = urlsplit(codes[0])
        assert (parts.netloc, parts.path) == (f"{HOST}:{port}", "/sites")
        assert parse_qs(parts.query) == {"shortlist": [",".join(chosen)], "lang": ["de"]}
        # The stop with the most sites (Expo Real): every name whole, the list's code above the fold.
        for _ in range(fullest_sites_stop(built_store) - index):
            page.locator(".st-key-present_next button").click()
            wait_until_idle(page)
        qr.wait_for(timeout=60_000)
        assert qr.bounding_box()["y"] + qr.bounding_box()["height"] <= 1080
        clipped = page.evaluate("""() => [...document.querySelectorAll(".st-key-present_shortlist_sites button")]
            .filter((b) => [...b.querySelectorAll("*")].some((e) => e.scrollWidth > e.clientWidth + 1))
            .map((b) => b.innerText)""")
        assert clipped == []
        screenshot(page, "shortlist-present-expo-1920")
        assert errors == [], errors
    finally:
        context.close()
