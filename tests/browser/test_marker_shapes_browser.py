"""No information by colour alone (WCAG 1.4.1): on the map each category, or each sector when the map colours by
sector, is drawn in its own shape (the SVG path of its outline), and the legend shows the same shape beside its
name; a marker's tooltip names its class."""

from __future__ import annotations

import pytest
from browser_support import MAP_IFRAME, screenshot, wait_for_map, wait_until_idle

from regionmap.maps.markers import MARKER_SHAPES
from regionmap.taxonomy import taxonomy

MAP_JS = "() => Object.values(window).find((v) => v instanceof L.Map)"
# Per drawn marker (Leaflet gives one outside the drawn area the empty path "M0 0"): its shape class, the number of corners of its path (0: the circle's arcs), whether it is hollow.
MARKERS_JS = """() => [...document.querySelectorAll("path.rm-point")].filter((p) => p.getAttribute("d") !== "M0 0").map((p) => {
  const d = p.getAttribute("d");
  return {shape: [...p.classList].find((c) => c.startsWith("rm-shape-")).slice(9),
          corners: d.includes("a") ? 0 : (d.match(/[ML]/g) || []).length, stale: p.classList.contains("rm-stale")};
})"""
LEGEND_JS = """() => [...document.querySelectorAll(".rm-legend-item")].map((i) => ({
  value: i.dataset.value, shape: i.dataset.shape, label: i.innerText.trim(),
  svg: (i.querySelector("svg.rm-swatch-shape") || {}).getAttribute?.("class") || "",
  fill: (i.querySelector("svg.rm-swatch-shape path") || {}).getAttribute?.("fill") || "",
}))"""


@pytest.mark.parametrize(("colour", "path"), [("category", "/events-mobility"), ("sectors", "/")])
def test_classes_are_drawn_in_their_own_shapes_on_the_map_and_in_the_legend(app_server, watched, colour: str,
                                                                            path: str) -> None:
    page = watched.page
    query = "basemap=none&lang=en" + ("&colour=sectors" if colour == "sectors" else "")
    page.goto(f"{app_server.url}{path}?{query}")
    wait_for_map(page)
    wait_until_idle(page)
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    frame.evaluate(f"() => ({MAP_JS})().setZoom(10)")  # past most clusters: many single markers
    frame.wait_for_function("() => document.querySelectorAll('path.rm-point').length >= 20", timeout=15_000)
    page.wait_for_timeout(800)
    tax = taxonomy()
    if colour == "sectors":
        declared = {s.id: s.shape for s in tax.sectors}
        labels = {s.id: s.label("en") for s in tax.sectors}
    else:
        classes = [c for layer_id in ("events", "mobility") for c in tax.layer(layer_id).categories]  # the page's
        declared = {c.id: c.shape for c in classes}
        labels = {c.id: c.label("en") for c in classes}
    markers = frame.evaluate(MARKERS_JS)
    shapes = {m["shape"] for m in markers}
    assert len(shapes) >= 3 and shapes <= set(declared.values()), shapes
    for m in markers:  # every path is drawn from its shape's outline
        assert m["corners"] == len(MARKER_SHAPES[m["shape"]]), m
    assert any(m["stale"] for m in markers) and any(not m["stale"] for m in markers)  # hollow ones keep their shape
    legend = frame.evaluate(LEGEND_JS)
    assert legend and all(i["shape"] == declared[i["value"]] for i in legend), legend
    assert all(f"rm-shape-{i['shape']}" in i["svg"] and i["fill"].startswith("#") for i in legend), legend
    assert all(i["label"].startswith(labels[i["value"]]) for i in legend), legend
    # A hovered marker's tooltip names its class beside the record (categories of two layers may share a shape).
    box = frame.evaluate("""() => {
      const view = document.querySelector(".leaflet-container").getBoundingClientRect();
      return [...document.querySelectorAll("path.rm-point")].map((p) => p.getBoundingClientRect())
        .filter((b) => b.width > 0 && b.left > view.left + 60 && b.right < view.right - 260
                       && b.top > view.top + 60 && b.bottom < view.bottom - 60)
        .map((b) => ({x: b.left + b.width / 2, y: b.top + b.height / 2}))[0];
    }""")
    offset = page.locator(MAP_IFRAME).bounding_box()
    page.mouse.move(offset["x"] + box["x"], offset["y"] + box["y"])
    tooltip = frame.locator(".leaflet-tooltip").first
    tooltip.wait_for(timeout=5_000)
    text = tooltip.inner_text().strip()
    assert any(text.endswith(f", {label}") and len(text) > len(label) + 2 for label in labels.values()), text
    screenshot(page, f"marker-shapes-{colour}")
    watched.assert_clean()
