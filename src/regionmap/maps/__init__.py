"""Offline folium maps for regionmap: assets, point, shape and boundary layers, legend, click lookup, map composition."""

from regionmap.maps.assets import ensure_vendor_assets
from regionmap.maps.basemaps import NO_BASEMAP, Basemap, basemap_from_config
from regionmap.maps.boundaries import (
    BoundaryPayload,
    boundary_payload,
    boundary_layer,
    simplified_boundaries,
    tolerance_for_zoom,
)
from regionmap.maps.build import (
    Bounds,
    MapParts,
    backdrop_layer,
    bounds_of,
    build_map,
    compose_map,
    map_texts,
    outline_layer,
)
from regionmap.maps.clicks import RETURNED_OBJECTS, clicked_record
from regionmap.maps.legend import ChoroplethClass, ChoroplethLegend, LegendEntry, LegendItem
from regionmap.maps.points import ColourClass, PointPayload, point_layer, point_payload
from regionmap.maps.shapes import shape_payload

__all__ = [
    "RETURNED_OBJECTS",
    "NO_BASEMAP",
    "Basemap",
    "Bounds",
    "ChoroplethClass",
    "ChoroplethLegend",
    "ColourClass",
    "LegendEntry",
    "LegendItem",
    "MapParts",
    "PointPayload",
    "backdrop_layer",
    "basemap_from_config",
    "BoundaryPayload",
    "boundary_payload",
    "boundary_layer",
    "bounds_of",
    "build_map",
    "clicked_record",
    "compose_map",
    "ensure_vendor_assets",
    "map_texts",
    "outline_layer",
    "point_layer",
        "point_payload",
    "shape_payload",
    "simplified_boundaries",
    "tolerance_for_zoom",
]
