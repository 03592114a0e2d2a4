"""Your data in a real browser: a CSV dropped on the sidebar's file input is drawn as its own layer with its count in
the legend; a click on one of its markers shows the record's fields as text (hostile ones too); the layer stays
across a page switch; and a second browser context (another visitor) never sees it.
"""

from __future__ import annotations

import pytest
from browser_support import MAP_IFRAME, legend_counts, screenshot, wait_for_map
from playwright.sync_api import Page

from regionmap.i18n import format_number, t

HOSTILE = '<img src=x onerror="document.title=1">'
# Three places far apart (Hannover, Braunschweig, Göttingen): single markers at the region's zoom, not a cluster.
# German Excel: semicolons, decimal commas, Windows-1252.
ROWS = [("Hannover Nord", "9,7320", "52,3759", "Logistik"), (HOSTILE, "10,5268", "52,2689", "=1+2"),
        ("Göttingen Süd", "9,9158", "51,5413", "Logistik")]
CSV = ("Name;Längengrad;Breitengrad;Branche\n" + "".join(";".join(r) + "\n" for r in ROWS)).encode("cp1252")
UPLOAD_COLOUR = "#5e3c99"  # data/uploads.toml [style] colour
START = "/research?q=Georg-August&basemap=none"  # one research marker beside the upload's three


def upload(page: Page, name: str, data: bytes) -> None:
    """Drop a file on the sidebar's "Eigene Daten" input, as a person choosing it in the file dialog."""
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def wait_for_upload_legend(page: Page, count: int) -> None:
    page.frame_locator(MAP_IFRAME).locator(f".rm-legend-entry[data-layer='upload'][data-count='{count}']") \
        .wait_for(state="attached", timeout=30_000)


@pytest.mark.browser
def test_uploaded_csv_is_drawn_clicked_kept_and_private(app_server, sized) -> None:
    watched = sized(1400, 900)
    page = watched.page
    page.on("dialog", lambda dialog: watched.errors.append(f"dialog: {dialog.message}"))
    page.goto(f"{app_server.url}{START}")
    wait_for_map(page)
    upload(page, "firmen.csv", CSV)
    wait_for_upload_legend(page, len(ROWS))
    frame = page.frame_locator(MAP_IFRAME)
    entry = frame.locator(".rm-legend-entry[data-layer='upload']")
    assert entry.inner_text().strip() == f"{t('upload.layer', 'de', name='firmen.csv')} ({format_number(3, 'de')})"
    assert frame.locator(".leaflet-control-layers-overlays").get_by_text("Eigene Daten: firmen.csv").count() == 1
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("firmen.csv: 3 Objekte auf der Karte").wait_for()
    screenshot(page, "upload-csv")

    markers = frame.locator(f".leaflet-rmPoints-pane path.rm-point[fill='{UPLOAD_COLOUR}']")
    markers.first.wait_for(state="attached", timeout=15_000)
    assert markers.count() == len(ROWS)
    page.wait_for_timeout(500)  # the map fits its content first; a click during that move would land beside a marker
    card = page.locator("[class*='st-key-card_']")
    for i in range(markers.count()):  # the hostile record's marker, found by its card
        markers.nth(i).click(force=True)
        card.wait_for(timeout=15_000)
        if card.get_by_text(HOSTILE, exact=True).count():
            break
        page.wait_for_timeout(300)
    card.get_by_text(HOSTILE, exact=True).wait_for(timeout=15_000)
    card.get_by_text("=1+2").wait_for(timeout=15_000)  # a formula is shown as text, never evaluated
    assert card.locator("img").count() == 0 and page.title() != "1"
    screenshot(page, "upload-card")

    page.locator("[data-testid='stSidebar'] a", has_text=t("page.health", "de")).first.click()
    page.wait_for_url("**/health**")
    wait_for_map(page)
    wait_for_upload_legend(page, len(ROWS))
    assert legend_counts(page)["upload"] == len(ROWS)

    other = sized(1400, 900)  # another visitor: a new browser context, its own session
    other.page.goto(f"{app_server.url}/health?basemap=none")
    wait_for_map(other.page)
    other.page.wait_for_timeout(1000)
    assert "upload" not in legend_counts(other.page)
    assert other.page.locator("[data-testid='stSidebar']").get_by_text("firmen.csv").count() == 0
    watched.assert_clean()
    other.assert_clean()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_bad_file_gets_a_message_naming_it(app_server, sized, lang: str) -> None:
    """A file that is not what its name says: the message names it, in the session's language; the map stays."""
    watched = sized(1400, 900)
    page = watched.page
    page.goto(f"{app_server.url}/?basemap=none&lang={lang}")
    wait_for_map(page)
    upload(page, "plots.geojson", b"Name;Lon;Lat\nA;9,7;52,3\n")
    error = page.locator("[data-testid='stSidebar'] [data-testid='stAlertContentError']").first
    error.wait_for(timeout=30_000)
    assert "plots.geojson" in error.inner_text()
    assert t("upload.problem.content_mismatch", lang, suffix=".geojson", content="text").split("“")[0][:20] \
        in error.inner_text()
    assert wait_for_map(page) > 0 and "upload" not in legend_counts(page)
    watched.assert_clean()


@pytest.mark.browser
def test_geopackage_layer_with_polygons_and_lines_is_drawn_as_shapes(app_server, sized, tmp_path) -> None:
    """A GeoPackage in EPSG:25832 with two layers: the chosen one is drawn as areas (and a line) in the map's shape
    pane, with its count in the legend and the layer's name as tooltip."""
    import geopandas as gpd
    from shapely.geometry import LineString, box

    path = tmp_path / "flaechen.gpkg"
    plots = gpd.GeoDataFrame({"name": ["Baufeld A", "Baufeld B", HOSTILE]},
                             geometry=[box(550_000, 5_800_000, 552_000, 5_802_000),
                                       box(600_000, 5_790_000, 603_000, 5_793_000),
                                       LineString([(560_000, 5_760_000), (590_000, 5_770_000)])], crs="EPSG:25832")
    plots.to_file(path, layer="baufelder", driver="GPKG")
    plots.iloc[:1].to_file(path, layer="andere", driver="GPKG")
    watched = sized(1400, 900)
    page = watched.page
    page.goto(f"{app_server.url}/?basemap=none")
    wait_for_map(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": "flaechen.gpkg", "mimeType": "application/geopackage+sqlite3", "buffer": path.read_bytes()}])
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text(t("upload.panel.layer", "de")).wait_for(timeout=30_000)
    first = 1 if sidebar.get_by_text("andere").count() else 3  # the first layer is placed at once
    wait_for_upload_legend(page, first)
    layer_box = sidebar.locator("[data-testid='stSelectbox']").filter(has_text=t("upload.panel.layer", "de"))
    layer_box.click()
    page.get_by_role("option", name="baufelder").click()
    sidebar.get_by_role("button", name=t("upload.panel.show", "de")).click()
    wait_for_upload_legend(page, 3)
    shapes = page.frame_locator(MAP_IFRAME).locator(".leaflet-rmShapes-pane path.leaflet-interactive")
    shapes.first.wait_for(state="attached", timeout=15_000)
    assert shapes.count() == 3
    screenshot(page, "upload-gpkg-shapes")
    watched.assert_clean()
