"""Keyboard-only journeys in a real browser (WCAG 2.1.1, 2.4.7): driven with `page.keyboard` alone (Tab, Shift+Tab,
Enter, Space, the arrows, Escape, typing), no mouse and no element actions. After every key press the focused
element (inside the map's frame too; for a visually hidden radio button or checkbox, its label; for a slider, its
thumb; for the file uploader's input, its drop zone) must show a focus indicator (an outline or a box shadow; for a
municipality on the map, a wide border in a white halo) and be in view."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import MAP_IFRAME, legend_counts, screenshot, wait_for_map, wait_until_idle
from playwright.sync_api import Page

from regionmap.data.store import StoreData, open_store
from regionmap.dashboard.filters import filter_view
from regionmap.dashboard.urlstate import parse_query_params
from regionmap.i18n import t
from regionmap.taxonomy import taxonomy
from regionmap.testing import legend_counts as legend_counts_of
from regionmap.ui.navigation import page_spec

MAX_TABS = 80  # a journey reaches its next control within this many Tab presses
KEY_PAUSE_MS = 300  # a key press, then its effect (Streamlit's widgets answer in the same frame or the next)

# The focused element, followed into (same-origin) frames: what it is, whether it shows a focus indicator (an
# outline that is not "none" and has a width, or a box shadow), and whether it is in view: inside its document's
# viewport, inside every ancestor that clips its overflow, and, inside a frame, inside the frame's box on the page.
FOCUS_JS = """() => {
  let doc = document, el = doc.activeElement, frames = [], offset = {x: 0, y: 0}, inView = true;
  const clippedBox = (node, box) => {
    for (let p = node.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === "visible" && s.overflowY === "visible") continue;
      const r = p.getBoundingClientRect();
      box = {left: Math.max(box.left, r.left), top: Math.max(box.top, r.top),
             right: Math.min(box.right, r.right), bottom: Math.min(box.bottom, r.bottom)};
    }
    const w = node.ownerDocument.defaultView;
    return {left: Math.max(box.left, 0), top: Math.max(box.top, 0),
            right: Math.min(box.right, w.innerWidth), bottom: Math.min(box.bottom, w.innerHeight)};
  };
  const visible = (node) => {
    const r = node.getBoundingClientRect(), box = clippedBox(node, r);
    return r.width > 0 && r.height > 0 && box.right - box.left >= Math.min(4, r.width)
      && box.bottom - box.top >= Math.min(4, r.height);
  };
  while (el && el.tagName === "IFRAME" && el.contentDocument) {
    inView = inView && visible(el);
    frames.push(el.title || el.name || "iframe");
    doc = el.contentDocument;
    el = doc.activeElement;
  }
  if (!el || el === doc.body || el === doc.documentElement) {
    return {frames, tag: el ? el.tagName : null, indicator: false, inView: false, label: "", classes: "", key: ""};
  }
  const own = {tag: el.tagName, role: el.getAttribute("role"),
               label: (el.getAttribute("aria-label") || el.innerText || "").trim().slice(0, 80)};
  // A visually hidden input (Streamlit's radio buttons and checkboxes) is shown by its label.
  const box = el.getBoundingClientRect();
  const hidden = el.tagName === "INPUT" && el.closest("label") && clippedBox(el, box).right - clippedBox(el, box).left < 2;
  if (hidden) { el = el.closest("label"); }
  // A slider (react-aria) hides its range input inside the thumb, which shows the focus.
  const tiny = (node) => clippedBox(node, node.getBoundingClientRect()).right - clippedBox(node, node.getBoundingClientRect()).left < 2;
  if (el.tagName === "INPUT" && el.type === "range" && el.closest("[data-testid='stSlider']") && tiny(el)) {
    el = el.parentElement.parentElement;
  }
  // The file uploader's input has no size: its drop zone shows the focus (focus.css).
  if (el.tagName === "INPUT" && el.type === "file" && tiny(el)) { el = el.closest("[data-testid='stFileUploaderDropzone']") || el; }
  // A table (Glide's data grid) draws the focused cell's ring on its canvas; the page outlines the whole table.
  if (el.closest("[data-testid='stDataFrame']")) { el = el.closest("[data-testid='stDataFrame']"); }
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  // A map's shape (a municipality) shows its focus by a border of its own shape: a wide stroke in a drop shadow.
  const shadow = s.boxShadow !== "none" || (el.namespaceURI === "http://www.w3.org/2000/svg" && s.filter.includes("drop-shadow")
    && parseFloat(s.strokeWidth) >= 3);
  const keyed = el.closest("[class*='st-key-']");
  return {
    frames, own, tag: el.tagName, role: el.getAttribute("role"), indicator: outline || shadow,
    inView: inView && visible(el),
    label: (el.getAttribute("aria-label") || el.getAttribute("title") || el.innerText || el.value || "").trim().slice(0, 80),
    classes: String(el.getAttribute("class") || ""),
    key: keyed ? (keyed.className.match(/st-key-[\\w-]+/) || [""])[0] : "",
    expanded: el.getAttribute("aria-expanded"),
  };
}"""

Focus = dict
Matcher = Callable[[Focus], bool]


def focused(page: Page) -> Focus:
    return page.evaluate(FOCUS_JS)


def assert_focus_visible(page: Page, after: str) -> Focus:
    """The focused element shows a focus indicator and is in view; returns what it is."""
    focus = focused(page)
    assert focus["tag"] is not None and focus["indicator"], f"after {after}: no visible focus indicator on {focus}"
    assert focus["inView"], f"after {after}: the focused element is out of view or clipped: {focus}"
    return focus


def press(page: Page, key: str, times: int = 1, pause_ms: int = KEY_PAUSE_MS) -> Focus:
    """Press `key` `times` times, checking the visible focus after each press."""
    focus: Focus = {}
    for _ in range(times):
        page.keyboard.press(key)
        page.wait_for_timeout(pause_ms)
        focus = assert_focus_visible(page, key)
    return focus


def tab_to(page: Page, matches: Matcher, what: str, back: bool = False, limit: int = MAX_TABS) -> Focus:
    """Press Tab (Shift+Tab with `back`) until the focused element `matches`, checking the visible focus at every
    step; fail after `limit` presses."""
    key = "Shift+Tab" if back else "Tab"
    seen = []
    for _ in range(limit):
        focus = press(page, key)
        if matches(focus):
            return focus
        seen.append(focus["label"] or focus["classes"] or focus["tag"])
    pytest.fail(f"{what} not reached with {limit} × {key}; passed: {seen}")


def wait_for_focus(page: Page, matches: Matcher, what: str, timeout_ms: int = 30_000) -> Focus:
    """Wait, pressing no key, until the focused element `matches` (after a redraw the page puts it back), then
    check that it shows its focus indicator and is in view."""
    focus: Focus = {}
    for _ in range(timeout_ms // 200):
        focus = focused(page)
        if focus["tag"] is not None and matches(focus):
            return assert_focus_visible(page, what)
        page.wait_for_timeout(200)
    pytest.fail(f"the focus never came back to {what}: {focus}")


def in_widget(key: str, tag: str | None = None) -> Matcher:
    """The focused element lies in the Streamlit widget with key `key` (and is a `tag`)."""
    return lambda f: f["key"] == f"st-key-{key}" and (tag is None or f["tag"] == tag) and not f["frames"]


def in_widget_starting(prefix: str) -> Matcher:
    """The focused element lies in a Streamlit widget whose key starts with `prefix` (a table's key ends in a digest
    of its rows)."""
    return lambda f: f["key"].startswith(f"st-key-{prefix}") and not f["frames"]


def has_class(name: str) -> Matcher:
    return lambda f: name in f["classes"].split()


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def wait_for_url(page: Page, check: Callable[[dict[str, list[str]]], bool], what: str) -> None:
    for _ in range(100):
        if check(query(page)):
            return
        page.wait_for_timeout(200)
    pytest.fail(f"the URL never showed {what}: {page.url}")


@pytest.fixture(scope="module")
def store(built_store) -> StoreData:
    return open_store(built_store)


def expected_legend(store: StoreData, url: str) -> dict[str, int]:
    """The legend counts a thematic page's URL asks for, computed from the store."""
    parts = urlsplit(url)
    spec = page_spec(parts.path.strip("/") or "overview")
    tax = taxonomy()
    state, _ = parse_query_params({k: v[0] for k, v in parse_qs(parts.query).items()}, store.url_vocab(tax))
    layers = {layer_id: store[layer_id] for layer_id in spec.layers if layer_id in state.layers}
    return legend_counts_of(filter_view(layers, state, {layer.id: layer.category_ids for layer in tax.layers}))


def wait_for_legend(page: Page, expected: dict[str, int]) -> None:
    for _ in range(100):
        try:
            if legend_counts(page) == expected:
                return
        except Exception:  # the legend is swapped while the map updates
            pass
        page.wait_for_timeout(200)
    assert legend_counts(page) == expected


# --- (a) the sidebar's filters and the search ----------------------------------------------------------------------


def test_filters_and_search_by_keyboard_follow_in_the_url_and_the_legend(app_server, watched, store) -> None:
    page = watched.page
    page.goto(f"{app_server.url}/?layers=research&basemap=none&lang=en")
    wait_for_map(page)
    tax = taxonomy()
    # A multiselect: the arrow key opens its list ("Select all" first), the next one goes to the first option that
    # is not chosen yet, Enter chooses it, Escape closes the list.
    tab_to(page, in_widget("w_layers", "INPUT"), "the layer filter")
    press(page, "ArrowDown", times=2)
    press(page, "Enter")
    press(page, "Escape")
    layers = ["research", next(layer.id for layer in tax.layers if layer.id != "research")]
    wait_for_url(page, lambda q: q.get("layers") == [",".join(layers)], f"layers={layers}")
    tab_to(page, in_widget("w_sectors", "INPUT"), "the sector filter")
    press(page, "ArrowDown", times=2)
    press(page, "Enter")
    press(page, "Escape")
    wait_for_url(page, lambda q: q.get("sectors") == [tax.sector_ids[0]], f"sectors={tax.sector_ids[0]}")
    # Kreis: type to narrow the list, pick with Enter.
    tab_to(page, in_widget("w_kreis", "INPUT"), "the Kreis filter")
    page.keyboard.type("Göttingen")
    page.wait_for_timeout(300)
    press(page, "Enter")
    wait_for_url(page, lambda q: q.get("kreis") == ["03159"], "kreis=03159")
    # Search: type, then Enter applies it.
    tab_to(page, in_widget("w_q", "INPUT"), "the search")
    page.keyboard.type("Institut")
    press(page, "Enter")
    wait_for_url(page, lambda q: q.get("q") == ["Institut"], "q=Institut")
    expected = expected_legend(store, page.url)
    wait_for_legend(page, expected)
    assert set(expected) == set(layers)
    screenshot(page, "keyboard-filters")
    watched.assert_clean()


# --- (b) a record from the table below the map, and its detail card ----------------------------------------------


def test_a_table_row_opens_the_detail_card_by_keyboard(app_server, watched) -> None:
    """On a theme page: the skip link passes the map, Tab reaches the table's first cell, the arrow keys move to
    another row and Shift+Space (the grid's row selection) opens that record in the detail card."""
    page = watched.page
    page.goto(f"{app_server.url}/research?basemap=none&lang=en")
    wait_for_map(page)
    tab_to(page, has_class("rm-skip-link"), "the link past the map")
    target = press(page, "Enter")
    assert "rm-skip-target" in target["classes"].split(), target
    page.wait_for_timeout(1_000)
    cell = lambda f: in_widget_starting("table_research")(f) and f["own"]["role"] == "gridcell"  # noqa: E731
    first = tab_to(page, cell, "the first cell of the research table")
    # The grid is described by the caption above it, which says how a row is chosen (ui.tables.row_choice).
    assert page.evaluate("""() => {
        const grid = document.activeElement.closest("table[role='grid']");
        const hint = document.getElementById(grid.getAttribute("aria-describedby"));
        return hint && hint.innerText.trim();
    }""") == t("table.choose_row", "en")
    chosen = press(page, "ArrowDown")
    name = chosen["own"]["label"]
    assert cell(chosen) and name and name != first["own"]["label"], chosen
    press(page, "Shift+Space")
    card = page.locator("[class*='st-key-card_']")
    card.get_by_text(name, exact=True).wait_for(timeout=15_000)
    assert t("detail.heading", "en") in page.locator("[data-testid=stMain]").inner_text()
    wait_for_url(page, lambda q: "detail" in q, "the chosen record")
    screenshot(page, "keyboard-table-card")
    watched.assert_clean()


# --- (c) a site sheet on /sites and its exposé ------------------------------------------------------------------


def test_site_sheet_and_expose_download_by_keyboard(app_server, watched) -> None:
    """The result list's first row opens the site sheet (Shift+Space); Tab reaches the exposé button, Enter
    downloads the PDF and the focus comes back to the button."""
    page = watched.page
    page.goto(f"{app_server.url}/sites?basemap=none&lang=en")
    wait_for_map(page)
    tab_to(page, has_class("rm-skip-link"), "the link past the result map")
    press(page, "Enter")
    page.wait_for_timeout(1_000)
    cell = lambda f: in_widget_starting("finder_table")(f) and f["own"]["role"] == "gridcell"  # noqa: E731
    first = tab_to(page, cell, "the first cell of the result list")
    name = first["own"]["label"]
    press(page, "Shift+Space")
    sheet = page.locator(".st-key-site_sheet")
    sheet.get_by_text(name).first.wait_for(timeout=30_000)
    wait_for_url(page, lambda q: "site" in q, "the chosen site")
    # The sheet's location map has a skip link of its own, past its municipalities and markers.
    tab_to(page, lambda f: has_class("rm-skip-link")(f) and page.evaluate(
        "() => document.activeElement.getAttribute('href')") == "#rm-after-map-site_map", "the link past the location map",
        limit=MAX_TABS * 4)
    target = press(page, "Enter")
    assert "rm-skip-target" in target["classes"].split(), target
    button = tab_to(page, in_widget("expose_download", "BUTTON"), "the exposé button", limit=MAX_TABS * 8)
    assert t("investor.download.expose", "en") in button["label"], button
    wait_until_idle(page)  # the run that opened the sheet has finished: the button stays
    with page.expect_download(timeout=60_000) as info:
        page.keyboard.press("Enter")
    download = info.value
    assert download.suggested_filename.startswith("expose-") and download.suggested_filename.endswith("-en.pdf")
    with open(download.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"
    # Streamlit disables the button while it makes the file, which takes the focus from it; the page puts it back
    # (ui/focus.js), with its focus ring.
    wait_for_focus(page, in_widget("expose_download", "BUTTON"), "the exposé button")
    screenshot(page, "keyboard-site-expose")
    watched.assert_clean()


# --- (d) the presenter ---------------------------------------------------------------------------------------------


def test_presenter_plays_pauses_and_steps_by_keyboard(app_server, watched) -> None:
    page = watched.page
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_server.url}/present?lang=en")
    wait_for_map(page)
    title = page.locator(".st-key-present_stop h2")
    first = title.inner_text().strip()
    status = page.locator(".st-key-present_status")
    play = tab_to(page, in_widget("present_play", "BUTTON"), "the play button")
    assert t("present.play", "en") in play["label"], play
    press(page, "Enter")
    status.get_by_text(t("present.playing", "en", seconds="")[:8], exact=False).wait_for(timeout=10_000)
    press(page, "Space")
    status.get_by_text(t("present.paused", "en"), exact=True).wait_for(timeout=10_000)
    tab_to(page, in_widget("present_next", "BUTTON"), "the next button")
    press(page, "Enter")
    page.wait_for_function("([sel, old]) => document.querySelector(sel).innerText.trim() !== old",
                           arg=[".st-key-present_stop h2", first], timeout=15_000)
    assert_focus_visible(page, "the next stop")
    tab_to(page, in_widget("present_previous", "BUTTON"), "the previous button", back=True)
    press(page, "Enter")
    page.wait_for_function("([sel, old]) => document.querySelector(sel).innerText.trim() === old",
                           arg=[".st-key-present_stop h2", first], timeout=15_000)
    assert_focus_visible(page, "the previous stop")
    watched.assert_clean()


# --- (e) the map's own controls ------------------------------------------------------------------------------------

MAP_JS = "() => Object.values(window).find((v) => v instanceof L.Map)"


def research_map(page, url: str):
    """/research in English without basemap, once its map has fitted its content: the map's frame and a function
    reading its zoom."""
    page.goto(f"{url}/research?basemap=none&lang=en")
    wait_for_map(page)
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    page.wait_for_timeout(800)  # the map fits its content first
    return frame, lambda: frame.evaluate(f"() => ({MAP_JS})().getZoom()")


def test_map_controls_by_keyboard(app_server, watched) -> None:
    """Inside the map's frame: zoom in and out, open the layer control, switch a layer off and on, close it with
    Escape, fold and unfold the legend."""
    page = watched.page
    frame, zoom = research_map(page, app_server.url)
    before = zoom()
    tab_to(page, lambda f: bool(f["frames"]) and has_class("leaflet-container")(f), "the map")
    tab_to(page, has_class("leaflet-control-zoom-in"), "zoom in", limit=3)
    press(page, "Enter")
    frame.wait_for_function(f"(z) => ({MAP_JS})().getZoom() > z", arg=before, timeout=5_000)
    tab_to(page, has_class("leaflet-control-zoom-out"), "zoom out", limit=2)
    press(page, "Enter")
    frame.wait_for_function(f"(z) => Math.abs(({MAP_JS})().getZoom() - z) < 1e-9", arg=before, timeout=5_000)
    # The layer control: Enter opens it, Tab reaches its check boxes, Space switches a layer off.
    tab_to(page, has_class("leaflet-control-layers-toggle"), "the layer control", limit=2)
    box = press(page, "Enter")  # the focus moves on to the first check box
    frame.wait_for_selector(".leaflet-control-layers-expanded", timeout=5_000)
    assert has_class("leaflet-control-layers-selector")(box), box
    layers_before = frame.evaluate(f"() => {{ let n = 0; ({MAP_JS})().eachLayer(() => n++); return n; }}")
    press(page, "Space")
    assert frame.evaluate("() => document.activeElement.checked") is False, box
    layers_after = frame.evaluate(f"() => {{ let n = 0; ({MAP_JS})().eachLayer(() => n++); return n; }}")
    assert layers_after < layers_before
    press(page, "Space")  # and on again
    toggle = press(page, "Escape")  # closes the control, the focus back on its toggle
    assert has_class("leaflet-control-layers-toggle")(toggle), toggle
    assert frame.evaluate("() => document.querySelector('.leaflet-control-layers-expanded') === null")
    # The legend: its title folds and unfolds the categories.
    legend = tab_to(page, has_class("rm-legend-toggle"), "the legend's toggle", limit=12)
    folded = frame.evaluate("() => document.querySelector('.rm-legend').classList.contains('rm-legend-collapsed')")
    press(page, "Enter")
    assert frame.evaluate("() => document.querySelector('.rm-legend').classList.contains('rm-legend-collapsed')") \
        is not folded, legend
    press(page, "Space")
    assert frame.evaluate("() => document.querySelector('.rm-legend').classList.contains('rm-legend-collapsed')") \
        is folded
    screenshot(page, "keyboard-map-controls")
    watched.assert_clean()


# --- (f) the map's markers and clusters ----------------------------------------------------------------------------


def test_markers_and_clusters_by_keyboard(app_server, watched) -> None:
    """Inside the map: Tab reaches a cluster (a button named by its number of records), Enter zooms into it and the
    focus moves on to the nearest marker or cluster; Tab reaches a single marker (named by its record's name and
    category), Enter opens its detail card as a click does, Space on another marker opens that one's."""
    page = watched.page
    frame, zoom = research_map(page, app_server.url)
    tab_to(page, lambda f: bool(f["frames"]) and has_class("leaflet-container")(f), "the map")
    cluster = tab_to(page, has_class("rm-cluster"), "a cluster", limit=20)
    count = int(cluster["own"]["label"].split()[2])  # "Group of N records – ..."
    assert cluster["role"] == "button" and cluster["label"] == t("map.cluster", "en", count=count), cluster
    before = zoom()
    after = press(page, "Enter")  # zooms in; the focus moves to what lay under the cluster
    frame.wait_for_function(f"(z) => ({MAP_JS})().getZoom() > z", arg=before, timeout=5_000)
    page.wait_for_timeout(1_000)
    after = assert_focus_visible(page, "the cluster opened")
    assert has_class("rm-point")(after) or has_class("rm-cluster")(after), after
    categories = {c.label("en"): c.shape for c in taxonomy().layer("research").categories}
    names = []
    for key in ("Enter", "Space"):
        point = tab_to(page, lambda f: has_class("rm-point")(f) and f["label"].rpartition(", ")[0] not in names,
                       "a single marker", limit=40)
        name, _, category = point["label"].rpartition(", ")
        assert point["role"] == "button" and name and category in categories, point
        assert f"rm-shape-{categories[category]}" in point["classes"].split(), point
        press(page, key)
        page.locator("[class*='st-key-card_']").get_by_text(name, exact=True).wait_for(timeout=15_000)
        wait_until_idle(page)
        assert_focus_visible(page, f"{key} on the marker of {name}")
        names.append(name)
    wait_for_url(page, lambda q: "detail" in q, "the chosen record")
    screenshot(page, "keyboard-map-markers")
    watched.assert_clean()


# --- (g) the Kommunen page: an indicator, a municipality, its profile --------------------------------------------


def test_municipality_profile_by_keyboard(app_server, watched) -> None:
    """Choose the map's indicator (type to narrow the list, Enter), then a municipality in the sidebar (Shift+Tab back
    to it); the profile appears, and Tab reaches its table of records."""
    from regionmap.dashboard.indicators import indicators

    page = watched.page
    page.goto(f"{app_server.url}/municipalities?basemap=none&lang=en")
    wait_for_map(page)
    indicator = indicators()[1]
    tab_to(page, in_widget("choropleth_indicator", "INPUT"), "the indicator", limit=MAX_TABS * 2)
    page.keyboard.type(indicator.label("en"))
    page.wait_for_timeout(300)
    press(page, "Enter")
    wait_for_url(page, lambda q: q.get("indicator") == [indicator.id], f"indicator={indicator.id}")
    wait_until_idle(page)
    tab_to(page, in_widget("w_gemeinde", "INPUT"), "the municipality filter", back=True)
    page.keyboard.type("Wolfsburg")
    page.wait_for_timeout(300)
    press(page, "Enter")
    wait_for_url(page, lambda q: q.get("gemeinde") == ["03103000"], "gemeinde=03103000")
    main = page.locator("[data-testid=stMain]")
    main.get_by_text(t("profile.heading", "en", name="Wolfsburg"), exact=True).wait_for(timeout=30_000)
    wait_until_idle(page)
    assert_focus_visible(page, "the profile appeared")
    cell = lambda f: f["own"]["role"] == "gridcell" and not f["frames"]  # noqa: E731
    first = tab_to(page, cell, "the profile's table of records", limit=MAX_TABS * 2)
    assert first["own"]["label"], first
    assert indicator.label("en") in main.inner_text()  # the rank is given for the chosen indicator
    screenshot(page, "keyboard-municipality-profile")
    watched.assert_clean()


# --- (h) the data page: a download ---------------------------------------------------------------------------------


def test_data_download_by_keyboard(app_server, watched) -> None:
    page = watched.page
    page.goto(f"{app_server.url}/data?lang=en")
    page.locator(".st-key-dl_csv_research button").wait_for(timeout=30_000)
    wait_until_idle(page)
    button = tab_to(page, in_widget("dl_csv_research", "BUTTON"), "the research CSV download", limit=MAX_TABS * 4)
    assert t("download.csv", "en", layer=taxonomy().layer("research").label("en"), count="")[:20] in button["label"]
    with page.expect_download(timeout=60_000) as info:
        page.keyboard.press("Enter")
    download = info.value
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    with open(download.path(), encoding="utf-8-sig") as fh:
        header = fh.readline()
    assert "name" in header.lower(), header
    # Streamlit disables the button while it makes the file; the focus comes back to it (ui/focus.js).
    wait_for_focus(page, in_widget("dl_csv_research", "BUTTON"), "the research CSV download")
    watched.assert_clean()


# --- (i) the upload panel: a file chosen by keyboard ---------------------------------------------------------------

UPLOAD_CSV = b"name,lon,lat\nKeyboard Hannover,9.7320,52.3759\nKeyboard Braunschweig,10.5268,52.2689\n"


def test_upload_by_keyboard(app_server, watched) -> None:
    """Tab reaches the sidebar's upload button, Enter opens the file chooser (the dialog itself is the browser's);
    the chosen file becomes a layer with its count in the legend, and the focus comes back to the uploader (the
    file's remove button)."""
    page = watched.page
    page.goto(f"{app_server.url}/?basemap=none&lang=en")
    wait_for_map(page)
    help_text = t("upload.panel.file", "en")  # the help button beside the label is named "Help for <label>"
    button = tab_to(page, lambda f: f["tag"] == "BUTTON" and f["key"] == "st-key-upload_file"
                    and help_text not in f["label"], "the upload button")
    wait_until_idle(page)  # a press during a rerun may hit a button the run replaces
    with page.expect_file_chooser(timeout=10_000) as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files(files=[{"name": "keyboard.csv", "mimeType": "text/csv", "buffer": UPLOAD_CSV}])
    page.frame_locator(MAP_IFRAME).locator(".rm-legend-entry[data-layer='upload'][data-count='2']") \
        .wait_for(state="attached", timeout=30_000)
    wait_until_idle(page)
    assert button["label"], button
    # Streamlit redraws the uploader with the chosen file, which takes the focus from its button; the page puts it
    # on the button's successor in the drop zone (ui/focus.js): the chosen file's remove button.
    remove = wait_for_focus(page, in_widget("upload_file", "BUTTON"), "the uploader")
    assert "keyboard.csv" in remove["label"], remove
    screenshot(page, "keyboard-upload")
    watched.assert_clean()


# --- (j) the site comparison -------------------------------------------------------------------------------------


def test_site_comparison_by_keyboard(app_server, watched, store) -> None:
    """On /sites: type two site names into the comparison's chooser (Enter adds each, Escape closes the list); the
    table compares them."""
    page = watched.page
    page.goto(f"{app_server.url}/sites?basemap=none&lang=en")
    wait_for_map(page)
    names = sorted(store["sites"]["name"].astype(str), key=str.casefold)[:2]
    tab_to(page, in_widget("compare_ids", "INPUT"), "the comparison's chooser", limit=MAX_TABS * 8)
    ids = store["sites"].set_index("name").loc[names, "id"].tolist()
    for n, name in enumerate(names, start=1):
        page.keyboard.type(name)
        page.wait_for_timeout(300)
        press(page, "Enter")
        wait_for_url(page, lambda q: q.get("compare") == [",".join(ids[:n])], f"the {n} compared site(s)")
        wait_until_idle(page)
    press(page, "Escape")
    table = page.locator(".st-key-compare_table [data-testid='stTable']")
    table.wait_for(timeout=30_000)
    wait_until_idle(page)
    heads = table.locator("th").all_inner_texts()
    assert all(any(name in h for h in heads) for name in names), heads
    assert table.locator("tbody tr").count() >= 2
    assert_focus_visible(page, "the comparison appeared")
    screenshot(page, "keyboard-site-comparison")
    watched.assert_clean()


# --- (k) the municipalities on the map: one stop, the arrow keys, Enter selects ----------------------------------


def test_municipalities_on_the_map_by_keyboard(app_server, watched, store) -> None:
    """On /municipalities: the municipalities are one tab stop (a group of buttons named by their tooltips), entered
    at the municipality at the map's centre; ArrowRight moves to a neighbour to the east, which shows its tooltip;
    Enter selects it as a click does (the URL and the profile follow) and the redrawn map keeps the focus on it;
    Escape gives the focus to the map."""
    import geopandas as gpd
    import shapely

    from regionmap.dashboard.composition import boundary_tooltips
    from regionmap.spatial import METRIC_CRS, WGS84

    page = watched.page
    page.goto(f"{app_server.url}/municipalities?basemap=none&lang=en")
    wait_for_map(page)
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    page.wait_for_timeout(800)  # the map fits its content first
    gemeinden = store.gemeinden.reset_index(drop=True)
    metric = gemeinden.geometry.to_crs(METRIC_CRS)
    by_tooltip = {tip: i for i, tip in enumerate(boundary_tooltips(gemeinden, "en"))}
    assert len(by_tooltip) == len(gemeinden)  # a tooltip names one municipality
    tooltip = frame.locator(".leaflet-tooltip")

    tab_to(page, lambda f: bool(f["frames"]) and has_class("leaflet-container")(f), "the map")
    first = tab_to(page, has_class("rm-area"), "the municipalities", limit=12)
    assert first["role"] == "button" and first["label"] in by_tooltip, first
    group = frame.evaluate("() => { const g = document.activeElement.closest('svg');"
                           " return [g.getAttribute('role'), g.getAttribute('aria-label')]; }")
    assert group == ["group", t("map.municipalities_keys", "en")], group
    lng, lat = frame.evaluate(f"() => {{ const c = ({MAP_JS})().getCenter(); return [c.lng, c.lat]; }}")
    at_centre = gpd.GeoSeries(gpd.points_from_xy([lng], [lat]), crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    start = by_tooltip[first["label"]]
    assert metric[start].distance(at_centre) < 500, (first["label"], lng, lat)  # the map's centre lies in it
    tooltip.get_by_text(first["label"], exact=True).wait_for(timeout=5_000)
    assert frame.evaluate("() => document.querySelectorAll('path.rm-area[tabindex=\"0\"]').length") == 1

    moved = press(page, "ArrowRight")
    assert has_class("rm-area")(moved) and moved["label"] in by_tooltip and moved["label"] != first["label"], moved
    east = by_tooltip[moved["label"]]
    assert metric[start].distance(metric[east]) < 1.0, moved["label"]  # a neighbour
    assert shapely.point_on_surface(metric[east]).x > shapely.point_on_surface(metric[start]).x, moved["label"]
    tooltip.get_by_text(moved["label"], exact=True).wait_for(timeout=5_000)
    screenshot(page, "keyboard-municipalities-arrow")
    # One stop: Shift+Tab leaves the municipalities (for the map's controls), Tab comes back to the last focused one.
    assert not has_class("rm-area")(press(page, "Shift+Tab"))
    back = press(page, "Tab")
    assert back["label"] == moved["label"], back
    tooltip.get_by_text(moved["label"], exact=True).wait_for(timeout=5_000)

    page.keyboard.press("Enter")
    ags = str(gemeinden.loc[east, "ags"])
    wait_for_url(page, lambda q: q.get("gemeinde") == [ags], f"gemeinde={ags}")
    name = str(gemeinden.loc[east, "name"])
    page.locator("[data-testid=stMain]").get_by_text(t("profile.heading", "en", name=name), exact=True) \
        .wait_for(timeout=30_000)
    wait_until_idle(page)
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    frame.wait_for_function("(label) => document.activeElement && document.activeElement.getAttribute('aria-label')"
                            " === label", arg=moved["label"], timeout=15_000)
    assert_focus_visible(page, "the selection redrew the map")
    screenshot(page, "keyboard-municipalities-map")
    out = press(page, "Escape")
    assert has_class("leaflet-container")(out), out
    watched.assert_clean()

