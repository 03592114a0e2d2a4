"""Spatial helpers shared by the pipeline and the thematic layers."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

WGS84 = "EPSG:4326"
METRIC_CRS = "EPSG:25832"  # ETRS89 / UTM zone 32N: distances and areas

LOCATION_COLUMNS = ("ags", "municipality", "kreis_ags", "kreis")


def points_from_lonlat(frame: pd.DataFrame, lon: str = "lon", lat: str = "lat") -> gpd.GeoDataFrame:
    """A WGS84 point GeoDataFrame from longitude/latitude columns (rows with missing coordinates must be removed first)."""
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame[lon], frame[lat]), crs=WGS84)


def locate_points(points: gpd.GeoDataFrame, gemeinden: gpd.GeoDataFrame,
                  tolerance_m: float = 0.0) -> tuple[gpd.GeoDataFrame, int]:
    """Give every point the municipality and Kreis it lies in; drop points outside all of them.

    `gemeinden` is the normalised municipality layer (`ags`, `name`, `kreis_ags`, `kreis_name`).
    Existing location columns on `points` are replaced. Returns the kept points (original order) and the number dropped.
    A point on a shared border is given to one municipality only (the first match). A point outside every
    municipality by at most `tolerance_m` (the boundaries' positional tolerance) is given to the nearest one.
    """
    points = points.drop(columns=[c for c in LOCATION_COLUMNS if c in points.columns])
    polygons = gemeinden[["ags", "name", "kreis_ags", "kreis_name", "geometry"]].rename(
        columns={"name": "municipality", "kreis_name": "kreis"}
    )
    if points.crs != polygons.crs:
        points = points.to_crs(polygons.crs)
    joined = gpd.sjoin(points, polygons, how="inner", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")].drop(columns="index_right")
    outside = points.loc[points.index.difference(joined.index)]
    if tolerance_m > 0 and len(outside):
        near = gpd.sjoin_nearest(outside.to_crs(METRIC_CRS), polygons.to_crs(METRIC_CRS), how="inner",
                                 max_distance=tolerance_m)
        near = near[~near.index.duplicated(keep="first")].drop(columns="index_right").to_crs(points.crs)
        joined = pd.concat([joined, near])
    dropped = len(points) - len(joined)
    return joined.loc[points.index.intersection(joined.index)], dropped
