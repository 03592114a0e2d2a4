"""The record form's map in a real browser: it opens fitted to the editor's area (not at the widest zoom), and a click
sets the point's longitude and latitude, in the page's notation, inside that area. The identity is given to
`render_body` by a small script (the real sign-in's browser tests come with the sign-in page)."""

from __future__ import annotations

import shutil
from pathlib import Path

from browser_support import MAP_IFRAME, ROOT, choose
from playwright.sync_api import Page

from regionmap.config import manifest_path
from regionmap.data.store import store_at
from regionmap.i18n import parse_number
from regionmap.testing import streamlit_server

SCRIPT = '''
from regionmap.auth.identity import Identity
from regionmap.ui.maintenance_body import render_body

render_body(Identity("ed@goslar.de", "sub-ed"), "de")
'''
GOSLAR_BOUNDS = (10.0, 51.6, 10.8, 52.1)  # west, south, east, north: Landkreis Goslar with a margin


def coordinate(page: Page, label: str) -> float:
    value = parse_number(page.get_by_role("textbox", name=label).input_value(), "de")
    assert value is not None
    return value


def test_the_form_map_fits_the_area_and_a_click_places_the_point(built_store: Path, tmp_path: Path,
                                                                  watched) -> None:
    store = tmp_path / "store" / built_store.name
    store.parent.mkdir()
    shutil.copy2(built_store, store)
    shutil.copy2(manifest_path(built_store), manifest_path(store))
    store_at(str(store)).edits().set_grant(None, "ed@goslar.de", "editor", "WiReGo Goslar", kreise=["03153"])
    app = tmp_path / "app"
    app.mkdir()
    (app / "maintenance_check.py").write_text(SCRIPT, encoding="utf-8")
    (app / "static").symlink_to(ROOT / "static")  # the map's scripts, served next to the entry script
    page = watched.page
    with streamlit_server(app / "maintenance_check.py", {"REGIONMAP_STORE": str(store)}, cwd=ROOT) as server:
        page.goto(server.url)
        choose(page, "mt_layer", "Investitionsstandorte")
        choose(page, "mt_record_sites", "Industriegebiet Oker-Harlingerode (sites-goslar-oker)")
        frame = page.frame_locator(MAP_IFRAME)
        frame.locator("path.rm-point").first.wait_for(state="attached", timeout=30_000)
        iframe = page.locator(MAP_IFRAME).first
        iframe.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        zoom = frame.locator(".leaflet-control-zoom-out").first.get_attribute("class") or ""
        assert "leaflet-disabled" not in zoom  # fitted to the Kreis, not left at the widest zoom
        box = iframe.bounding_box()
        assert box is not None and box["height"] > 200
        before = coordinate(page, "Länge *")
        page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6)
        page.wait_for_function("(v) => [...document.querySelectorAll('input[aria-label=\"Länge *\"]')]"
                               ".some(e => e.value && e.value !== v)",
                               arg=page.get_by_role("textbox", name="Länge *").input_value(), timeout=20_000)
        lon, lat = coordinate(page, "Länge *"), coordinate(page, "Breite *")
        west, south, east, north = GOSLAR_BOUNDS
        assert lon != before and west < lon < east and south < lat < north
    watched.assert_clean()
