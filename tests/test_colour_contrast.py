"""The configured map colours meet WCAG 2.1 AA: markers, boundary lines and choropleth classes 3:1 against every
background the map draws them on (WCAG 1.4.11), the classes also against the lines over them, and the white numbers
of cluster markers 4.5:1 on their layer's colour (1.4.3). Computed from the TOML files, so a new or changed colour is
checked where it is declared."""

from __future__ import annotations

import pytest

from regionmap.dashboard.indicators import CLASS_RANGE
from regionmap.dashboard.map_style import map_style
from regionmap.data.source_registry import load_registry
from regionmap.maps.basemaps import NO_BASEMAP, basemap_from_config
from regionmap.maps.build import BACKDROP_FILL
from regionmap.maps.contrast import NON_TEXT, TEXT, contrast_ratio
from regionmap.taxonomy import taxonomy


def backgrounds() -> dict[str, str]:
    """Every colour a marker may lie on: each basemap's background, the plain map, the offline region backdrop."""
    found = {f"basemap {b.id}": basemap_from_config({"id": b.id, "background": b.background} if b.background
                                                    else {"id": b.id}).background
             for b in load_registry().basemaps}
    return {**found, "plain map": NO_BASEMAP.background, "offline backdrop": BACKDROP_FILL}


def marker_colours() -> dict[str, str]:
    tax = taxonomy()
    colours = {f"layer {layer.id}": layer.colour for layer in tax.layers}
    colours |= {f"category {layer.id}.{c.id}": c.colour for layer in tax.layers for c in layer.categories}
    return colours | {f"sector {sector.id}": sector.colour for sector in tax.sectors}


def test_the_ratio_is_wcags() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#f2efe9", "#f2efe9") == 1


@pytest.mark.parametrize("name, colour", sorted(marker_colours().items()))
def test_every_marker_colour_stands_out_from_every_background(name: str, colour: str) -> None:
    weak = {where: round(contrast_ratio(colour, background), 2) for where, background in backgrounds().items()
            if contrast_ratio(colour, background) < NON_TEXT}
    assert not weak, f"{name} {colour} has less than {NON_TEXT}:1 against {weak}"


@pytest.mark.parametrize("name, colour", sorted(marker_colours().items()))
def test_every_marker_outline_stands_out_from_the_hollow_fill(name: str, colour: str) -> None:
    """A record past its age is drawn hollow (white) with its class's colour as the (dashed) outline of its shape."""
    assert contrast_ratio(colour, "#ffffff") >= NON_TEXT, f"{name} {colour} on white"


@pytest.mark.parametrize("layer", [layer.id for layer in taxonomy().layers])
def test_cluster_numbers_are_readable_on_the_layer_colour(layer: str) -> None:
    assert contrast_ratio("#ffffff", taxonomy().layer(layer).colour) >= TEXT


def test_the_freshness_chart_colours_stand_out_on_white() -> None:
    from regionmap.freshness.states import STATES, freshness_settings

    settings = freshness_settings()
    assert all(contrast_ratio(settings.colour(state), "#ffffff") >= NON_TEXT for state in STATES)


def over(fill: str, background: str, opacity: float) -> str:
    """The colour a browser shows for `fill` at `opacity` over `background` (sRGB alpha blending)."""
    channels = [round(opacity * int(fill[i:i + 2], 16) + (1 - opacity) * int(background[i:i + 2], 16))
                for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in channels)


def test_blending_is_the_browsers() -> None:
    assert over("#000000", "#ffffff", 1.0) == "#000000"
    assert over("#000000", "#ffffff", 0.5) == "#808080"
    assert over("#287d8e", "#dde3e8", 0.0) == "#dde3e8"


@pytest.mark.parametrize("k", range(CLASS_RANGE[0], CLASS_RANGE[1] + 1))
def test_every_choropleth_class_stands_out_from_the_basemap_and_the_lines(k: int) -> None:
    """A class's fill, laid over each background at the configured opacity, has 3:1 against that background and
    against the lines drawn over the fills (data/map_style.toml); so does every class colour of a numeric upload's
    markers, drawn opaque."""
    classes = map_style().classes
    weak = {}
    for colour in classes.spread(k):
        for where, background in backgrounds().items():
            shown = over(colour, background, classes.fill_opacity)
            for against, other in ((where, background), ("the lines", classes.lines), (f"opaque on {where}", None)):
                ratio = contrast_ratio(shown, other) if other else contrast_ratio(colour, background)
                if ratio < NON_TEXT:
                    weak[f"{colour} on {where} against {against}"] = round(ratio, 2)
    assert not weak, f"{k} classes: {weak}"


@pytest.mark.parametrize("name", sorted(map_style().boundaries))
def test_every_boundary_line_stands_out_from_every_background(name: str) -> None:
    colour = map_style().boundaries[name].colour
    weak = {where: round(contrast_ratio(colour, background), 2) for where, background in backgrounds().items()
            if contrast_ratio(colour, background) < NON_TEXT}
    assert not weak, f"boundary {name} {colour} has less than {NON_TEXT}:1 against {weak}"
