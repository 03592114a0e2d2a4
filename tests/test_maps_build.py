"""Whole maps: no CDN URL anywhere, legend counts, escaping of hostile text, view, and what st_folium extracts."""

from __future__ import annotations

import json
import re

import folium.elements
import geopandas as gpd
import pytest
import streamlit_folium
from test_maps_support import HOSTILE, descendants, region_gemeinden, synthetic_points

from regionmap.maps import (
    NO_BASEMAP,
    ChoroplethClass,
    ChoroplethLegend,
    ColourClass,
    backdrop_layer,
    basemap_from_config,
    boundary_layer,
    bounds_of,
    build_map,
    compose_map,
    point_layer,
    simplified_boundaries,
)
from regionmap.i18n import t
from regionmap.maps import outline_layer
from regionmap.maps.assets import URL_PREFIX
from regionmap.maps.build import FIT_MAX_ZOOM, OUTLINE_Z_INDEX
from regionmap.maps.elements import MapDecorations
from regionmap.maps.legend import LegendEntry, legend_spec

# The OpenStreetMap entry of data/sources.toml, as the map builder draws it.
OSM = basemap_from_config({"id": "osm", "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "max_zoom": 19,
                           "attribution": "© OpenStreetMap contributors", "background": "#f2efe9"})

URL = re.compile(r"https?://[^\s\"'<>)]*")
CLASSES = (ColourClass("university", "Universität", "#1d3c8f"), ColourClass("hochschule", "Hochschule", "#4a78d0"))
ATTRIBUTION = "© GeoBasis-DE / BKG (2024) (Daten verändert)"


@pytest.fixture(scope="module")
def gemeinden() -> gpd.GeoDataFrame:
    return simplified_boundaries(region_gemeinden(), 150)


@pytest.fixture(scope="module")
def points(gemeinden: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return synthetic_points(gemeinden, 300)


def make_map(gemeinden, points, basemap=NO_BASEMAP, kreis="03241", **kwargs):
    shown = points[points["kreis_ags"] == kreis]
    health = points[points["kreis_ags"] == "03159"].assign(name="{{ 7*7 }}")
    return build_map(
        bounds=bounds_of(gemeinden),
        basemap=basemap,
        backdrop=backdrop_layer(gemeinden.dissolve()),
        boundaries=[boundary_layer(gemeinden, label="Gemeinden", tooltips=gemeinden["name"], decimals=4)],
        points=[
            point_layer(shown, layer_id="research", label=HOSTILE, colour="#3b5ba9", by="category", classes=CLASSES),
            point_layer(health, layer_id="health", label="Gesundheit {{ 6*7 }}", colour="#c62828"),
        ],
        attributions=[ATTRIBUTION, "<b>{{ 5*5 }}</b>"],
        legend_title="Legende",
        **kwargs,
    ), shown, health


@pytest.mark.parametrize("basemap", [NO_BASEMAP, OSM], ids=lambda b: b.id)
def test_rendered_map_references_no_cdn(gemeinden, points, basemap) -> None:
    m, _, _ = make_map(gemeinden, points, basemap)
    html = m.get_root().render()
    urls = set(URL.findall(html))
    assert urls == ({OSM.tiles} if basemap.tiles else set()), urls
    assert f'src="{URL_PREFIX}/leaflet-' in html
    assert "markercluster" in html and "bootstrap" not in html and "awesome" not in html


def test_st_folium_gets_only_local_links(gemeinden, points) -> None:
    """The parts streamlit-folium extracts: header, script, and the JS/CSS lists it collects from every element."""
    m, _, _ = make_map(gemeinden, points)
    m.get_root().render()
    links = [url for e in _walk(m) for _, url in (*e.default_js, *e.default_css)]
    assert links and all(url.startswith(URL_PREFIX + "/") for url in links), links
    script = streamlit_folium._get_map_string(m)
    header = streamlit_folium._get_header(m)
    assert not URL.findall(script + header)
    assert "L.markerClusterGroup" in script and "maxZoom" in script


def _walk(element):
    if isinstance(element, folium.elements.JSCSSMixin):
        yield element
    for child in element._children.values():
        yield from _walk(child)


def test_legend_lists_every_layer_with_its_count(gemeinden, points) -> None:
    m, shown, health = make_map(gemeinden, points)
    (legend,) = descendants(m, "LegendControl")
    spec = json.loads(legend.spec)
    assert [(e["layer"], e["count"]) for e in spec["entries"]] == [("research", len(shown)), ("health", len(health))]
    assert spec["entries"][0]["text"] == f"{HOSTILE} ({len(shown)})"
    items = {i["value"]: i["count"] for i in spec["entries"][0]["items"]}
    assert items == shown["category"].value_counts().reindex(["university", "hochschule"]).dropna().astype(int).to_dict()


def test_hostile_text_never_reaches_the_page_raw(gemeinden, points) -> None:
    m, _, _ = make_map(gemeinden, points)
    html = m.get_root().render()
    assert HOSTILE not in html and "<img" not in html
    # the layer control name, HTML-escaped because Leaflet sets it as innerHTML (folium's JSON escapes the "&")
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html
    # branca renders element output a second time as a Jinja template: data must not be evaluated
    assert '"49"' not in html and '"\\u007b{ 7*7 }}"' in html
    assert "Gesundheit \\u0026#123;\\u0026#123; 6*7 }}" in html and "\\u007b{ 5*5 }}" in html


def test_choropleth_classes_in_the_legend(gemeinden) -> None:
    classes = (ChoroplethClass("#fee5d9", 0, 5000, "0 – 5.000"), ChoroplethClass("#a50f15", 5000, None, "> 5.000"))
    fills = ["#fee5d9" if p < 5000 else "#a50f15" for p in gemeinden["pop"]]
    layer = boundary_layer(gemeinden, label="Einwohner", tooltips=gemeinden["name"], fills=fills,
                           choropleth=ChoroplethLegend("gemeinden", "Einwohner", classes))
    m = build_map(bounds=bounds_of(gemeinden), boundaries=[layer])
    (legend,) = descendants(m, "LegendControl")
    spec = json.loads(legend.spec)
    assert spec["entries"] == []
    assert [(c["colour"], c["lower"], c["upper"]) for c in spec["choropleths"][0]["classes"]] == [
        ("#fee5d9", 0, 5000), ("#a50f15", 5000, None)]
    with pytest.raises(ValueError, match="not a hex colour"):
        legend_spec([LegendEntry("x", "X", "javascript:alert(1)", 1)])


def test_legend_items_of_single_features_leave_out_their_count() -> None:
    from regionmap.maps.legend import LegendItem

    items = (LegendItem("0", "Autobahnanschluss · 2,3 km", "#263238", 1),)
    counted, bare = (legend_spec([LegendEntry("nearest", "Nächstgelegen", "#263238", 1, items, item_counts=flag)],
                                 format_count=str)["entries"][0] for flag in (True, False))
    assert counted["text"] == bare["text"] == "Nächstgelegen (1)"
    assert counted["items"][0]["text"] == "Autobahnanschluss · 2,3 km (1)"
    assert bare["items"][0]["text"] == "Autobahnanschluss · 2,3 km" and bare["items"][0]["count"] == 1


def test_initial_view_and_selection(gemeinden, points) -> None:
    region_bounds = bounds_of(gemeinden)
    m, _, _ = make_map(gemeinden, points)
    fits = [c for c in m._children.values() if type(c).__name__ == "FitBounds"]
    assert [f.bounds for f in fits] == [[list(p) for p in region_bounds]]
    one = gemeinden[gemeinden["ags"] == "03101000"]
    m, _, _ = make_map(gemeinden, points, fit_bounds=bounds_of(one))
    fits = [c for c in m._children.values() if type(c).__name__ == "FitBounds"]
    assert fits[0].bounds == [list(p) for p in bounds_of(one)]


def test_parts_keep_the_points_and_legend_out_of_the_base(gemeinden, points) -> None:
    """The base map holds what stays across filter changes; the overlays (legend first) what a filter changes."""
    layer = point_layer(points, layer_id="research", label="Forschung", colour="#3b5ba9")
    parts = compose_map(bounds=bounds_of(gemeinden), boundaries=[boundary_layer(gemeinden, label="Gemeinden")],
                        points=[layer], attributions=[ATTRIBUTION])
    for name in ("PointLayer", "LegendControl", "Attributions", "LayerControl"):
        assert not descendants(parts.base, name), name
    info, group = parts.overlays
    assert info.first and not info.control and descendants(info, "LegendControl") and descendants(info, "Attributions")
    assert group.control and group.layer_name == "Forschung" and descendants(group, "PointLayer") == [layer]
    html = parts.merged().get_root().render()
    assert "window.feature_group.length = 0" in html
    assert len(re.findall(r"var feature_group_\w+ = L.featureGroup\(\);", html)) == 2
    assert f"if (n <= {layer.cluster_limit})" in html and "map.project(" in html  # grid clusters above the limit


def test_attributions_are_listed(gemeinden, points) -> None:
    html = make_map(gemeinden, points, OSM)[0].get_root().render()
    assert json.dumps(ATTRIBUTION, ensure_ascii=False) in html
    assert "OpenStreetMap contributors" in html
    html = make_map(gemeinden, points, NO_BASEMAP)[0].get_root().render()
    assert "OpenStreetMap" not in html and "tileLayer" not in html


def test_basemaps() -> None:
    assert NO_BASEMAP.tiles is None
    entry = {"id": "osm", "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "max_zoom": 19,
             "attribution": "© OpenStreetMap contributors"}
    assert basemap_from_config(entry).tiles == OSM.tiles and basemap_from_config(entry).max_zoom == 19
    assert basemap_from_config({"id": "none", "online": False}).tiles is None
    with pytest.raises(ValueError, match="attribution"):
        basemap_from_config({"id": "x", "tiles": "https://example.org/{z}/{x}/{y}.png"})


def test_map_behaviour_focus_credits_zoom_and_offline_notice(gemeinden, points) -> None:
    """The rendered map focuses without scrolling the page (the lost first click), folds its credits behind a button,
    snaps to fractional zoom levels and, with tiles, offers the offline basemap when a tile fails."""
    html = make_map(gemeinden, points, OSM, offline_basemap="none", lang="en")[0].get_root().render()
    assert "focus({preventScroll: true})" in html and "map.keyboard.disable(); }" in html
    assert "rm-attribution-collapsed" in html and 'toggle.type = "button"' in html
    assert '"zoomSnap": 0.25' in html
    assert 'layer.on("tileerror", offline)' in html and "offlineBasemap = \"none\"" in html
    assert json.dumps(t("map.tiles_offline", "en"), ensure_ascii=False) in html
    html = make_map(gemeinden, points, OSM, lang="en")[0].get_root().render()
    assert "offlineBasemap = null" in html  # no offline basemap configured: no notice
    with pytest.raises(ValueError, match="missing tiles_offline"):
        MapDecorations("#ffffff", {"attribution_show": "a", "attribution_hide": "b", "tiles_offline_action": "c"})


def test_content_fit_and_outline(gemeinden, points) -> None:
    """`content_bounds` is fitted from the overlays with a zoom limit; `outline` is drawn above the boundaries."""
    one = gemeinden[gemeinden["ags"] == "03101000"]
    parts = compose_map(bounds=bounds_of(gemeinden), content_bounds=bounds_of(one),
                        outline=outline_layer(one, "Auswahl", colour="#d1495b", weight=3.5))
    (fit,) = descendants(parts.overlays[0], "FitView")
    assert json.loads(fit.spec) == {"bounds": [list(p) for p in bounds_of(one)], "maxZoom": FIT_MAX_ZOOM}
    (outline,) = [b for b in descendants(parts.base, "BoundaryLayer") if b.z_index == OUTLINE_Z_INDEX]
    assert "#d1495b" in outline.style and "3.5" in outline.style and not outline.interactive
    (fit,) = descendants(compose_map(bounds=bounds_of(gemeinden)).overlays[0], "FitView")
    assert json.loads(fit.spec)["bounds"] == [list(p) for p in bounds_of(gemeinden)]
