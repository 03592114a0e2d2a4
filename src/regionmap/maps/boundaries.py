"""Boundary polygons for display: gap-free simplification, a compact rounded encoding, GeoJSON layers.

`simplified_boundaries` and `boundary_payload` are pure functions of their inputs: the app caches their results
(keyed on the store's manifest and the tolerance).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from regionmap.maps.elements import BoundaryLayer, html_text, script_json
from regionmap.maps.legend import ChoroplethLegend
from regionmap.spatial import METRIC_CRS, WGS84

EARTH_CIRCUMFERENCE_M = 40_075_016.686


def metres_per_pixel(zoom: float, latitude: float) -> float:
    """Ground size of one pixel of a Web Mercator map (256-pixel tiles) at `zoom` and `latitude`."""
    return EARTH_CIRCUMFERENCE_M * math.cos(math.radians(latitude)) / (256 * 2**zoom)


def tolerance_for_zoom(zoom: float, latitude: float = 52.0, pixels: float = 0.5) -> float:
    """A simplification tolerance in metres that changes the drawing by at most about `pixels` at `zoom`."""
    return metres_per_pixel(zoom, latitude) * pixels


def decimals_for_tolerance(tolerance_m: float) -> int:
    """Decimal places of degrees to keep: a rounding step of at most a fifth of the tolerance (5 to 6 for < 5 m)."""
    step_m = max(tolerance_m, 0.5) / 5
    return int(min(6, max(4, math.ceil(-math.log10(step_m / 111_320)))))


def simplified_boundaries(gdf: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """`gdf` with its polygons simplified as one coverage in EPSG:25832 (`shapely.coverage_simplify`).

    Shared borders stay shared: no gaps or overlaps appear between neighbours. `tolerance_m` is in metres (0 keeps
    every vertex). Returns a copy in the input's CRS; rows without geometry are kept as they are.
    """
    if tolerance_m < 0:
        raise ValueError(f"simplification tolerance {tolerance_m}: must not be negative")
    if gdf.crs is None:
        raise ValueError("boundaries: the GeoDataFrame has no CRS")
    out = gdf.copy()
    if tolerance_m == 0 or gdf.empty:
        return out
    metric = gdf.geometry.to_crs(METRIC_CRS)
    present = ~(metric.isna() | metric.is_empty).to_numpy()
    geoms = metric.to_numpy().copy()
    geoms[present] = shapely.coverage_simplify(geoms[present], tolerance_m)
    out.geometry = gpd.GeoSeries(geoms, index=gdf.index, crs=METRIC_CRS).to_crs(gdf.crs)
    return out


@dataclass(frozen=True)
class BoundaryPayload:
    """The browser payload of a boundary layer (see `BoundaryLayer`) and the fill palette it indexes."""

    json: str
    palette: tuple[str, ...]
    count: int
    navigable: bool = False


def encode_polygons(geom: shapely.Geometry, scale: int) -> list[list[list[int]]]:
    """A (Multi)Polygon as polygons of rings of delta-encoded integer coordinates `[x0, y0, dx1, dy1, ...]`.

    Coordinates are rounded to 1/`scale` degrees; repeated vertices after rounding are dropped, and rings that
    collapse below a triangle are left out (a polygon whose shell collapses, entirely). Shared vertices round alike,
    so shared borders stay shared.
    """
    if isinstance(geom, shapely.Polygon):
        polygons = [geom]
    elif isinstance(geom, shapely.MultiPolygon):
        polygons = list(geom.geoms)
    else:
        raise ValueError(f"boundaries: a {geom.geom_type} geometry, expected Polygon or MultiPolygon")
    out = []
    for polygon in polygons:
        rings = []
        for k, ring in enumerate((polygon.exterior, *polygon.interiors)):
            q = np.rint(shapely.get_coordinates(ring) * scale).astype(np.int64)
            q = q[np.concatenate([[True], np.any(q[1:] != q[:-1], axis=1)])]
            if len(q) < 4:
                if k == 0:
                    break
                continue
            q[1:] -= q[:-1].copy()
            rings.append(q.ravel().tolist())
        if rings:
            out.append(rings)
    return out


def neighbours(geoms: Sequence[shapely.Geometry] | np.ndarray) -> list[list[int]]:
    """For each geometry, the indices of the others it touches or overlaps (its neighbours), in ascending order."""
    geoms = np.asarray(geoms, dtype=object)
    pairs = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    out: list[list[int]] = [[] for _ in range(len(geoms))]
    for i, j in zip(*pairs.tolist()):
        if i != j:
            out[i].append(j)
    return [sorted(n) for n in out]


def boundary_payload(
    gdf: gpd.GeoDataFrame,
    *,
    tooltips: Sequence[str | None] | pd.Series | None = None,
    fills: Sequence[str | None] | pd.Series | None = None,
    decimals: int = 5,
    navigable: bool = False,
) -> BoundaryPayload:
    """The compact JSON of `gdf`'s polygons for `BoundaryLayer` (a pure function: cache it).

    Features are `{"t": tooltip text, "f": index into the palette (absent = no fill), "g": encode_polygons(...)}`,
    with coordinates rounded to `decimals`. `tooltips` and `fills` are aligned with the rows of `gdf`.
    Rows without geometry are left out. A `navigable` payload (for the keyboard, see `BoundaryLayer`) adds to each
    feature a point inside it, `"c": [x, y]` in the same integer units, and its neighbours, `"n"`: indices of features.
    """
    n = len(gdf)
    tips = _aligned(tooltips, n, "tooltips")
    colours = _aligned(fills, n, "fills")
    palette = tuple(dict.fromkeys(c for c in colours if c))
    index_of = {c: i for i, c in enumerate(palette)}
    geoms = gdf.geometry.to_crs(WGS84) if gdf.crs is not None and gdf.crs != WGS84 else gdf.geometry
    scale = 10**decimals
    features = []
    kept = []
    for geom, tip, fill in zip(geoms.to_numpy(), tips, colours):
        if geom is None or geom.is_empty:
            continue
        feature: dict[str, object] = {"g": encode_polygons(geom, scale)}
        if tip:
            feature["t"] = tip
        if fill:
            feature["f"] = index_of[fill]
        features.append(feature)
        kept.append(geom)
    if navigable and kept:
        inside = np.rint(shapely.get_coordinates(shapely.point_on_surface(kept)) * scale).astype(np.int64)
        for feature, point, near in zip(features, inside.tolist(), neighbours(kept)):
            feature["c"] = point
            feature["n"] = near
    return BoundaryPayload(json=script_json({"scale": scale, "features": features}), palette=palette,
                           count=len(features), navigable=navigable)


def _aligned(values: Sequence[str | None] | pd.Series | None, n: int, what: str) -> list[str | None]:
    if values is None:
        return [None] * n
    out = [None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else str(v) for v in values]
    if len(out) != n:
        raise ValueError(f"boundaries: {len(out)} {what} for {n} features")
    return out


def boundary_layer(
    gdf: gpd.GeoDataFrame,
    *,
    label: str,
    tooltips: Sequence[str | None] | pd.Series | None = None,
    fills: Sequence[str | None] | pd.Series | None = None,
    choropleth: ChoroplethLegend | None = None,
    colour: str = "#555555",
    weight: float = 1.0,
    fill_colour: str | None = None,
    fill_opacity: float = 0.6,
    interactive: bool = True,
    tooltip_on_area: bool = True,
    z_index: int = 400,
    control: bool = True,
    decimals: int = 5,
    payload: BoundaryPayload | None = None,
    keys_label: str | None = None,
) -> BoundaryLayer:
    """A GeoJSON layer named `label` in the layer control, with tooltips and an optional fill colour per feature.

    `fill_colour` fills every polygon alike; a choropleth passes `fills` (one colour per row, None = `fill_colour` or
    none) and its legend classes. With `keys_label` (the accessible name of the group) the polygons are one keyboard
    stop whose arrow keys move between neighbours (see `BoundaryLayer`).
    Pass a cached `payload` (from `boundary_payload` with the same arguments, `navigable` with `keys_label`) to skip
    the serialisation.
    """
    if payload is not None and keys_label is not None and not payload.navigable:
        raise ValueError(f"boundaries {label!r}: keyboard navigation needs a navigable payload")
    payload = payload or boundary_payload(gdf, tooltips=tooltips, fills=fills, decimals=decimals,
                                          navigable=keys_label is not None)
    return BoundaryLayer(
        payload.json,
        name=html_text(label),
        fills=payload.palette,
        choropleth=choropleth,
        colour=colour,
        weight=weight,
        fill_colour=fill_colour,
        fill_opacity=fill_opacity,
        interactive=interactive,
        tooltip_on_area=tooltip_on_area,
        z_index=z_index,
        control=control,
        keys_label=keys_label,
    )
