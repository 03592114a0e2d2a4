"""The Investitionsstandorte page in a real browser: a site sheet opened through the URL, and its exposé download."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
from pypdf import PdfReader

from browser_support import MAP_IFRAME, screenshot, wait_until_idle

from regionmap.i18n import t


def test_site_sheet_from_the_url_and_expose_download(app_server, watched, built_store: Path, tmp_path: Path):
    sites = gpd.read_file(built_store, layer="sites")
    site = sites[sites["category"] == "logistics"].iloc[0]
    page = watched.page
    page.goto(f"{app_server.url}/sites?site={site['id']}&basemap=none")
    page.get_by_text(f"{t('investor.page.sheet')}: {site['name']}").wait_for(timeout=30_000)
    page.wait_for_function("(sel) => document.querySelectorAll(sel).length >= 2", arg=MAP_IFRAME, timeout=30_000)
    for i in range(2):  # the result map and the site's location map, each drawn with its legend
        frame = page.locator(MAP_IFRAME).nth(i).content_frame
        frame.locator(".leaflet-container").first.wait_for(state="attached", timeout=30_000)
        frame.locator(".rm-legend").first.wait_for(state="attached", timeout=30_000)
    heights = page.evaluate(
        "(sel) => Array.from(document.querySelectorAll(sel)).map(f => f.getBoundingClientRect().height)", MAP_IFRAME)
    assert len(heights) == 2 and min(heights) > 0, heights
    site_map = page.locator(MAP_IFRAME).nth(1).content_frame
    site_map.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=30_000)
    assert "site=" + site["id"] in page.url
    page.locator(MAP_IFRAME).nth(1).scroll_into_view_if_needed()
    screenshot(page, "sites-location-map")

    button = page.get_by_role("button", name=t("investor.download.expose"))
    button.scroll_into_view_if_needed()
    screenshot(page, "sites-sheet")
    wait_until_idle(page)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == f"expose-{site['id']}-de.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(content)).pages)
    assert site["name"] in " ".join(text.split())
    watched.assert_clean()


def test_french_site_sheet_and_expose_show_french_notes_and_sources(app_server, watched, built_store: Path,
                                                                    tmp_path: Path):
    """/sites?site=<id>&lang=fr: the indicative notice, what it rests on and the source are French, in the sheet and
    in the exposé; none of the record's English or German texts is shown."""
    sites = gpd.read_file(built_store, layer="sites")
    site = sites[sites["indicative"].astype(bool)].iloc[0]
    page = watched.page
    page.goto(f"{app_server.url}/sites?site={site['id']}&lang=fr&basemap=none")
    page.get_by_text(f"{t('investor.page.sheet', 'fr')}\u00a0: {site['name']}").wait_for(timeout=30_000)
    sheet = page.locator(".st-key-site_sheet")
    sheet.get_by_text(t("sites.indicative_notice", "fr")).wait_for(timeout=30_000)
    sheet.get_by_text(t("investor.expose.indicative_basis", "fr", note=site["indicative_note_fr"])).wait_for()
    sheet.get_by_text(site["source_fr"]).wait_for()
    shown = " ".join(page.locator("body").inner_text().split())
    for other in ("de", "en"):
        for field in ("indicative_note", "source"):
            assert " ".join(site[f"{field}_{other}"].split()) not in shown, (field, other)
    sheet.get_by_text(site["source_fr"]).scroll_into_view_if_needed()
    screenshot(page, "sites-sheet-fr")

    button = page.get_by_role("button", name=t("investor.download.expose", "fr"))
    button.scroll_into_view_if_needed()
    wait_until_idle(page)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    assert info.value.suggested_filename == f"expose-{site['id']}-fr.pdf"
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages)
    assert " ".join(site["indicative_note_fr"].split()) in text and site["source_fr"] in text
    assert site["indicative_note_en"] not in text and site["source_en"] not in text
    watched.assert_clean()


def test_a_profile_shows_the_fit_and_why_the_other_sites_miss(app_server, watched, built_store: Path):
    """A maximum motorway distance: the legend counts the sites meeting it, the map draws them, and the folded list
    of the others opens on the nearest miss with its reason in German notation."""
    import pandas as pd

    from regionmap.i18n import tn
    from regionmap.investor.matching import Miss
    from regionmap.ui.site_matching import miss_text
    from regionmap.investor.factors import location_factors

    motorway = next(f for f in location_factors() if f.id == "motorway")
    sites = gpd.read_file(built_store, layer="sites")
    distances = pd.to_numeric(sites[motorway.value_column], errors="coerce")
    limit = float(distances.median())
    meeting, far = int((distances <= limit).sum()), sites[distances > limit]
    page = watched.page
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{app_server.url}/sites?dist=motorway:{limit}&basemap=none")
    frame = page.frame_locator(MAP_IFRAME).first
    frame.locator(f".rm-legend-entry[data-layer='sites'][data-count='{meeting}']").wait_for(timeout=60_000)
    wait_until_idle(page)
    page.get_by_text(tn("investor.match.excluded", len(far))).click()
    nearest = far.loc[distances[far.index].idxmin()]
    reason = miss_text(Miss("motorway", nearest[motorway.value_column], limit, 0.0), location_factors(), "de")
    table = page.locator(".st-key-finder_excluded table")
    table.wait_for(timeout=30_000)
    first = table.locator("tbody tr").first
    assert first.locator("td").nth(0).inner_text().strip() == nearest["name"]
    assert first.locator("td").nth(2).inner_text().strip() == reason
    assert table.locator("tbody tr").count() == len(far)
    first.scroll_into_view_if_needed()
    screenshot(page, "sites-matching-excluded")
    watched.assert_clean()
