"""Which record was clicked: st_folium's return value -> (layer id, row index).

streamlit-folium reports a click on a layer as `last_object_clicked` ({"lat", "lng"}) and the clicked layer's tooltip
text as `last_object_clicked_tooltip`. For a point marker (radius <= 10 px) Leaflet reports the marker's own position,
which the payload rounded to 5 decimals, so the record is the one at that position; the tooltip (its name and class)
settles ties between records at the same place. For a polygon the position is where the user clicked, inside it.

Pages pass `returned_objects=RETURNED_OBJECTS` to `st_folium`: then panning and zooming change nothing that is
returned and do not rerun the script.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from regionmap.spatial import WGS84

RETURNED_OBJECTS = ("last_object_clicked", "last_object_clicked_tooltip")
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQUATOR = 111_320.0


def names_match(tooltip: str, name: str) -> bool:
    """Whether a clicked marker's tooltip is that of the record `name`: the name alone, or the name and its class
    label ("name, label", as `PointLayer` shows it)."""
    return tooltip == name or tooltip.startswith(f"{name}, ")


def _nearest(
    gdf: gpd.GeoDataFrame, lat: float, lng: float, tolerance_m: float, name: str | None, name_column: str
) -> tuple[float, Hashable] | None:
    if gdf.empty:
        return None
    geoms = gdf.geometry if gdf.crs is None or gdf.crs == WGS84 else gdf.geometry.to_crs(WGS84)
    # Local equirectangular metres around the click: exact enough within a tolerance of metres.
    kx, ky = _M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat)), _M_PER_DEG_LAT
    click = shapely.Point(0.0, 0.0)
    local = shapely.transform(geoms.to_numpy(), lambda xy: (xy - (lng, lat)) * (kx, ky))
    dist = shapely.distance(local, click)
    dist = np.where(np.isnan(dist), np.inf, dist)
    hits = np.flatnonzero(dist <= tolerance_m)
    if hits.size == 0:
        return None
    if name is not None and name_column in gdf.columns:
        names = [str(n) for n in gdf[name_column].to_numpy()[hits]]
        lengths = np.array([len(n) if names_match(name, n) else -1 for n in names])
        named = hits[lengths == lengths.max()] if lengths.size and lengths.max() >= 0 else hits[:0]
        if named.size:
            hits = named
    best = hits[np.argmin(dist[hits])]
    return float(dist[best]), gdf.index[best]


def clicked_record(
    result: Mapping[str, Any] | None,
    layers: Mapping[str, gpd.GeoDataFrame],
    tolerance_m: float = 5.0,
    name_column: str = "name",
) -> tuple[str, Hashable] | None:
    """(layer id, index label) of the record the user clicked last, from the dict `st_folium` returned.

    `layers` are the GeoDataFrames shown on the map (the same filtered frames the layers were built from), point
    layers before polygon layers: a marker lies inside a polygon too. The first layer with a record within the
    tolerance whose name equals the clicked tooltip wins; failing that, the first layer with any record within it.
    """
    clicked = (result or {}).get("last_object_clicked")
    if not clicked or clicked.get("lat") is None or clicked.get("lng") is None:
        return None
    lat, lng = float(clicked["lat"]), float(clicked["lng"])
    name = (result or {}).get("last_object_clicked_tooltip")
    first: tuple[str, Hashable] | None = None
    for layer_id, gdf in layers.items():
        found = _nearest(gdf, lat, lng, tolerance_m, name, name_column)
        if found is None:
            continue
        if name is not None and name_column in gdf.columns and names_match(name, str(gdf.loc[found[1], name_column])):
            return layer_id, found[1]
        first = first or (layer_id, found[1])
    return first
