"""The site finder in a real browser at 1400×900: German decimal commas, locale numbers in the list, numeric sorting,
and the filtered CSV download in the German convention."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import pytest
from playwright.sync_api import Page

from browser_support import legend_counts, screenshot, wait_for_map, wait_until_idle

from regionmap.i18n import format_number, t, tn
from regionmap.investor.factors import location_factors
from regionmap.investor.finder import SiteQuery, find_sites

VIEWPORT = {"width": 1400, "height": 900}
GRID = "[data-testid=stDataFrame]"


@pytest.fixture(scope="module")
def sites(built_store: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(built_store, layer="sites")


def _motorway_field(page: Page):
    motorway = next(f for f in location_factors() if f.id == "motorway")
    page.get_by_text(t("investor.page.filters")).click()
    return page.get_by_role("textbox", name=t("investor.page.max_km", factor=motorway.label())), motorway


def _not_clipped(page: Page, text: str) -> None:
    element = page.get_by_text(text, exact=True)
    element.wait_for(timeout=30_000)
    sizes = element.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] <= sizes[1] + 1, (text, sizes)


def test_a_decimal_comma_filters_at_half_a_kilometre(app_server, watched, sites, tmp_path: Path):
    page = watched.page
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{app_server.url}/sites?basemap=none")
    wait_for_map(page)
    expected = find_sites(sites, SiteQuery(max_km={"motorway": 0.5}))
    assert 0 < len(expected) < len(find_sites(sites, SiteQuery(max_km={"motorway": 5.0})))
    field, motorway = _motorway_field(page)
    field.fill("0,5")
    field.press("Enter")
    _not_clipped(page, t("investor.finder.max_distance", factor=motorway.label(), distance="0,5\u00a0km"))
    _not_clipped(page, tn("investor.finder.result", len(expected)))
    page.wait_for_function(
        "([sel, n]) => { const f = document.querySelector(sel); const e = f && f.contentDocument"
        " && f.contentDocument.querySelector('.rm-legend-entry[data-layer=sites]');"
        " return e && Number(e.getAttribute('data-count')) === n; }",
        arg=["iframe[title='streamlit_folium.st_folium']", len(expected)], timeout=30_000)
    assert legend_counts(page)["sites"] == len(expected)
    assert page.locator("[data-testid=stAlert]").filter(has_text=motorway.label()).count() == 0
    assert field.input_value() == "0,5"
    screenshot(page, "sites-decimal-comma-1400")

    button = page.get_by_role("button", name=t("investor.download.csv"), exact=True)
    button.scroll_into_view_if_needed()
    wait_until_idle(page)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "regionmap_sites_motorway-max0.5km.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert {r["id"] for r in rows} == set(expected["id"])
    first = expected.set_index("id").loc[rows[0]["id"]]
    assert rows[0]["category_code"] == first["category"] and rows[0]["category"] != first["category"]
    assert rows[0]["dist_motorway_km"] == str(first["dist_motorway_km"]).replace(".", ",")

    field.fill("abc")
    field.press("Enter")
    notice = page.locator("[data-testid=stAlert]").filter(has_text="„abc“")
    notice.wait_for(timeout=30_000)
    assert motorway.label() in notice.inner_text()
    _not_clipped(page, tn("investor.finder.result", len(sites)))
    watched.assert_clean()


def test_distance_columns_sort_by_value_not_by_text(app_server, watched, sites):
    page = watched.page
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{app_server.url}/sites?basemap=none")
    wait_for_map(page)
    grid = page.locator(GRID).first
    grid.scroll_into_view_if_needed()
    page.locator(f"{GRID} [role=gridcell]").first.wait_for(state="attached", timeout=30_000)  # the grid is drawn
    page.evaluate("(sel) => { document.querySelector(sel + ' .dvn-scroller').scrollLeft = 1e6; }", GRID)
    page.wait_for_timeout(300)  # the scroll is applied in the next frames
    box = grid.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 90, box["y"] + 17)  # the last column's header: the motorway distance
    values = sorted(sites["dist_motorway_km"].dropna())
    shown = [format_number(v, "de", 1) + "\u00a0km" for v in values]
    assert shown != sorted(shown)  # text order would differ from the numbers' order
    page.wait_for_function(
        "([sel, first]) => { const c = document.querySelector(sel + ' [role=row] [role=gridcell]:last-child');"
        " return c && Math.abs(Number(c.innerText) - first) < 1e-6; }", arg=[GRID, values[0]], timeout=30_000)
    column = page.evaluate(
        "(sel) => Array.from(document.querySelectorAll(sel + ' [role=row]')).map(r => {"
        " const c = r.querySelectorAll('[role=gridcell]'); return c.length ? Number(c[c.length - 1].innerText) : null; })"
        ".filter(v => v !== null)", GRID)
    assert len(column) >= 8 and column == pytest.approx(values[:len(column)])
    screenshot(page, "sites-sorted-by-motorway-1400")
    watched.assert_clean()
