"""A whole map: basemap or backdrop, boundary and point layers, layer control, legend, attributions, view."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd

from regionmap.maps.basemaps import NO_BASEMAP, Basemap
from regionmap.maps.boundaries import BoundaryPayload, boundary_layer
from regionmap.maps.elements import (
    Attributions,
    BoundaryLayer,
    FitView,
    MapDecorations,
    OfflineMap,
    OverlayGroup,
    PointLayer,
    ShapeLayer,
    html_text,
)
from regionmap.i18n import t
from regionmap.maps.legend import legend_control
from regionmap.spatial import WGS84

Bounds = tuple[tuple[float, float], tuple[float, float]]  # ((south, west), (north, east)) in degrees

BACKDROP_Z_INDEX = 300  # below Leaflet's overlay pane (400) and the point markers (450)
BACKDROP_FILL = "#dde3e8"
BACKDROP_LINE = "#ffffff"
OUTLINE_Z_INDEX = 420  # above the other boundaries (400), below the point markers (450)
FIT_MAX_ZOOM = 13  # the closest first view: a single point is shown with its surroundings
ZOOM_SNAP = 0.25  # fractional zoom: a fitted region fills the map instead of the next smaller whole zoom level


def bounds_of(gdf: gpd.GeoDataFrame) -> Bounds:
    """The WGS84 bounds of a GeoDataFrame as ((south, west), (north, east))."""
    if gdf.crs is not None and gdf.crs != WGS84:
        gdf = gdf.to_crs(WGS84)
    west, south, east, north = (float(v) for v in gdf.total_bounds)
    if not all(map(lambda v: v == v, (west, south, east, north))):
        raise ValueError("bounds of an empty GeoDataFrame")
    return (south, west), (north, east)


def map_texts(lang: str) -> dict[str, str]:
    """The user-facing texts of a map's own controls (see `MapDecorations`) in `lang`; `{count}` is left for the
    browser to fill."""
    return {key: t(f"map.{key}", lang, count="{count}") for key in MapDecorations.TEXT_KEYS}


def outline_layer(area: gpd.GeoDataFrame, label: str, *, colour: str, weight: float, decimals: int = 5) -> BoundaryLayer:
    """A bold, inert outline of the selected area (a Kreis or municipality), drawn above the other boundaries."""
    return boundary_layer(area, label=label, colour=colour, weight=weight, interactive=False, control=False,
                          z_index=OUTLINE_Z_INDEX, decimals=decimals)


BACKDROP_DECIMALS = 4


def backdrop_layer(states: gpd.GeoDataFrame, decimals: int = BACKDROP_DECIMALS,
                   payload: BoundaryPayload | None = None) -> BoundaryLayer:
    """Light, inert polygons (e.g. the states) under everything, for a map without basemap tiles. Pass a cached
    `payload` (`boundary_payload(states, decimals=decimals)`) to skip the serialisation."""
    return boundary_layer(
        states,
        label="backdrop",
        colour=BACKDROP_LINE,
        weight=1.0,
        fill_colour=BACKDROP_FILL,
        fill_opacity=1.0,
        interactive=False,
        control=False,
        z_index=BACKDROP_Z_INDEX,
        decimals=decimals,
        payload=payload,
    )


@dataclass(frozen=True)
class MapParts:
    """A map in two parts. `base` (basemap or backdrop, boundaries, view) stays the same while only the shown points
    change; `overlays` (first the legend and attributions, then one group per point layer) and `layer_control`
    are the swappable content: `st_folium(base, feature_group_to_add=list(overlays), layer_control=layer_control)`
    injects them into the mounted map instead of mounting a new one."""

    base: OfflineMap
    overlays: tuple[OverlayGroup, ...]
    layer_control: folium.LayerControl

    def merged(self) -> OfflineMap:
        """All parts in one map (for a static page). Call it once: it adds the overlays to `base`."""
        for group in self.overlays:
            group.add_to(self.base)
        self.layer_control.add_to(self.base)
        return self.base


def compose_map(
    *,
    bounds: Bounds,
    basemap: Basemap = NO_BASEMAP,
    backdrop: BoundaryLayer | None = None,
    boundaries: Sequence[BoundaryLayer] = (),
    points: Sequence[PointLayer | ShapeLayer] = (),
    attributions: Sequence[str] = (),
    fit_bounds: Bounds | None = None,
    content_bounds: Bounds | None = None,
    outline: BoundaryLayer | None = None,
    legend_title: str | None = None,
    format_count: Callable[[int], str] = str,
    min_zoom: int = 6,
    collapsed_layer_control: bool = False,
    lang: str = "de",
    offline_basemap: str | None = None,
) -> MapParts:
    """Compose one map. All JavaScript and CSS it needs come from `/app/static/vendor` (see `ensure_vendor_assets`).

    - `bounds`: the initial view (the region); `fit_bounds` replaces it for a selection (a municipality or Kreis).
      `content_bounds` (in the overlays) is what the map fits when this content is first shown (the filtered points),
      at most to `FIT_MAX_ZOOM`; without it, the map fits `fit_bounds` or `bounds` that way.
    - `outline`: the selected area's outline (see `outline_layer`), part of the base.
    - `basemap`: tiles with their attribution, or none: then `backdrop` (see `backdrop_layer`) is drawn instead.
    - `boundaries` (in the base) then `points` (in the overlays: point layers, and line/polygon layers such as an
      upload's) are added in order, each a toggle in the layer control.
    - `attributions`: the licence attribution of every dataset shown (plain text, shown escaped).
    - The legend lists every overlay layer with a legend entry as "Label (count)" and the classes of every choropleth boundary layer.
    - `lang`: the language of the map's own controls (attribution toggle, offline notice); `offline_basemap`: the
      basemap the offline notice offers when tiles fail to load (None: no notice).
    """
    (south, west), (north, east) = bounds
    m = OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=8,
        tiles=None,
        control_scale=True,
        # With tiles=None Leaflet has no zoom limits; MarkerCluster needs them (see NOTES: "Map has no maxZoom").
        maxZoom=basemap.max_zoom,
        minZoom=min_zoom,
        zoomSnap=ZOOM_SNAP,
        zoomDelta=0.5,
    )
    if basemap.tiles is not None:
        folium.TileLayer(
            basemap.tiles,
            attr=html_text(basemap.attribution),
            name=html_text(basemap.id),
            max_zoom=basemap.max_zoom,
            control=False,
        ).add_to(m)
    elif backdrop is not None:
        backdrop.add_to(m)
    for layer in boundaries:
        layer.add_to(m)
    if outline is not None:
        outline.add_to(m)
    MapDecorations(basemap.background, map_texts(lang), offline_basemap).add_to(m)
    m.fit_bounds([list(p) for p in (fit_bounds or bounds)])

    info = OverlayGroup(control=False, first=True)
    Attributions(attributions).add_to(info)
    FitView(content_bounds or fit_bounds or bounds, FIT_MAX_ZOOM).add_to(info)
    entries = [p.legend_entry for p in points if p.legend_entry is not None]
    choropleths = [b.choropleth for b in boundaries if b.choropleth is not None]
    if entries or choropleths:
        legend_control(entries, choropleths, title=legend_title, format_count=format_count).add_to(info)
    groups = [info]
    for layer in points:
        group = OverlayGroup(name=layer.layer_name, control=layer.control)
        layer.add_to(group)
        groups.append(group)
    return MapParts(base=m, overlays=tuple(groups), layer_control=folium.LayerControl(collapsed=collapsed_layer_control))


def build_map(**kwargs: Any) -> OfflineMap:
    """`compose_map(**kwargs)` as one map (see `MapParts.merged`)."""
    return compose_map(**kwargs).merged()
