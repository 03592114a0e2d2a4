"""The presenter's high-contrast theme (`/present?contrast=high`, data/present_themes.toml) on a 1920 × 1080 screen:
every text on the page and in the map's legend has at least 7:1 against the background it is drawn on (computed
from the browser's colours), and the map still draws, with dark borders, ringed markers and a large legend."""

from __future__ import annotations

import re

import pytest
from browser_support import MAP_IFRAME, screenshot, wait_for_map
from playwright.sync_api import Frame, Page

from regionmap.maps.contrast import contrast_ratio
from regionmap.presenter.themes import load_themes

# Each visible element with text of its own: its colour and the first opaque background behind it.
COLOURS_JS = """(root) => {
  const out = [];
  const opaque = (el) => {
    for (let n = el; n; n = n.parentElement) {
      const c = getComputedStyle(n).backgroundColor;
      if (c && c !== "transparent" && !/rgba\\(.*, 0\\)$/.test(c)) { return c; }
    }
    return "rgb(255, 255, 255)";
  };
  document.querySelectorAll(root).forEach((scope) => scope.querySelectorAll("*").forEach((el) => {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    const r = el.getBoundingClientRect();
    if (!own || r.width < 1 || r.height < 1 || !el.checkVisibility({opacityProperty: true})) { return; }
    const s = getComputedStyle(el);
    out.push({text: el.textContent.trim().slice(0, 40), colour: s.color, background: opaque(el),
              opacity: parseFloat(s.opacity)});
  }));
  return out;
}"""
PAGE_TEXT = ("[data-testid=stMain] .st-key-present_head, [data-testid=stMain] .st-key-present_stop, "
             "[data-testid=stMain] .st-key-present_status, [data-testid=stMain] .st-key-present_controls, "
             "[data-testid=stMain] .st-key-present_qr_notice")


def hex_of(css: str, under: str = "#ffffff") -> str:
    """A CSS `rgb()`/`rgba()` colour as #rrggbb, a translucent one blended over `under`."""
    parts = [float(p) for p in re.findall(r"[\d.]+", css)]
    red, green, blue = parts[:3]
    alpha = parts[3] if len(parts) > 3 else 1.0
    base = [int(under[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c * alpha + b * (1 - alpha)) for c, b in zip((red, green, blue), base)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def low_contrast(where: Page | Frame, root: str, least: float) -> list[str]:
    found = where.evaluate(COLOURS_JS, root)
    assert found, f"no text found in {root}"
    low = []
    for item in found:
        back = hex_of(item["background"])
        ratio = contrast_ratio(hex_of(item["colour"], back), back)
        if ratio < least or item["opacity"] < 1:
            low.append(f"{item['text']!r}: {ratio:.2f}:1 ({item['colour']} on {item['background']})")
    return low


@pytest.mark.browser
def test_high_contrast_presenter_text_has_7_to_1_and_the_map_draws(app_server, watched) -> None:
    theme = load_themes()["high"]
    page = watched.page
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_server.url}/present?lang=en&contrast=high")
    assert wait_for_map(page) > 300
    page.locator(".st-key-present_stop h2").wait_for()
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    frame.wait_for_selector("path.rm-point, .rm-cluster", state="attached", timeout=20_000)
    page.wait_for_timeout(800)
    assert low_contrast(page, PAGE_TEXT, theme.min_contrast) == []
    assert low_contrast(frame, ".rm-legend", theme.min_contrast) == []
    look = frame.evaluate("""() => {
        const point = document.querySelector("path.rm-point"), cluster = document.querySelector(".rm-cluster");
        const border = document.querySelector("[class*=leaflet-rmBoundaries] path");
        const legend = document.querySelector(".rm-legend-entry");
        return {point: point && [point.getAttribute("stroke"), parseFloat(point.getAttribute("stroke-width"))],
                cluster: cluster && getComputedStyle(cluster).boxShadow,
                border: [border.getAttribute("stroke"), parseFloat(border.getAttribute("stroke-width"))],
                legend: parseFloat(getComputedStyle(legend).fontSize)};
    }""")
    assert look["point"] is None or look["point"] == [theme.marker_outline, theme.marker_outline_width], look
    assert look["cluster"] is None or "0px 0px 0px" in look["cluster"], look
    assert look["border"][0] == theme.boundary_colour and look["border"][1] > 1, look
    assert look["legend"] >= 18 * theme.legend_scale, look  # the standard presenter legend has at least 18 px
    screenshot(page, "present-contrast-high-1920")
    watched.assert_clean()


@pytest.mark.browser
def test_standard_presenter_is_unchanged_without_the_parameter(app_server, watched) -> None:
    """Without `contrast`, the standard look: thin, grey borders (the theme is not applied everywhere)."""
    page = watched.page
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_server.url}/present?lang=en")
    assert wait_for_map(page) > 300
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    border = frame.evaluate("() => document.querySelector('[class*=leaflet-rmBoundaries] path').getAttribute('stroke')")
    assert border != load_themes()["high"].boundary_colour
    watched.assert_clean()
