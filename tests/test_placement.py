"""The point's position decides its municipality; the stated AGS is a check with the boundaries' tolerance."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point

from regionmap.data.curated import ERROR, WARNING, coordinate_problems
from regionmap.spatial import METRIC_CRS, WGS84, locate_points

TOLERANCE = 50.0


@pytest.fixture(scope="module")
def gemeinden(built_store) -> gpd.GeoDataFrame:
    return gpd.read_file(built_store, layer="gemeinden")[["ags", "name", "kreis_ags", "kreis_name", "geometry"]]


def _lonlat(point: Point) -> tuple[float, float]:
    p = gpd.GeoSeries([point], crs=METRIC_CRS).to_crs(WGS84).iloc[0]
    return p.x, p.y


def _point_in_b_near_a(gemeinden: gpd.GeoDataFrame, distance: float) -> tuple[str, str, float, float]:
    """(AGS a, AGS b, lon, lat) of a point inside b, `distance` metres from its neighbour a."""
    metric = gemeinden.to_crs(METRIC_CRS).sort_values("ags").reset_index(drop=True)
    for a in metric.itertuples():
        for b in metric[metric.geometry.intersects(a.geometry) & (metric["ags"] != a.ags)].itertuples():
            ring = a.geometry.buffer(distance).exterior.intersection(b.geometry)
            for part in getattr(ring, "geoms", [ring]):
                if part.is_empty or part.length < distance:
                    continue
                candidate = part.interpolate(0.5, normalized=True)
                if b.geometry.contains(candidate) and abs(a.geometry.distance(candidate) - distance) < 0.05 * distance:
                    return (a.ags, b.ags, *_lonlat(candidate))
    raise AssertionError("no pair of neighbours found")


def test_a_point_just_across_the_border_is_a_warning(gemeinden):
    a, b, lon, lat = _point_in_b_near_a(gemeinden, 30)
    [(field, message, severity)] = coordinate_problems(gemeinden, lon, lat, a, TOLERANCE)
    assert (field, severity) == ("ags", WARNING)
    assert f"({b})" in message and "within the boundaries' positional tolerance of 50 m" in message


def test_the_same_point_without_tolerance_is_an_error(gemeinden):
    a, _, lon, lat = _point_in_b_near_a(gemeinden, 30)
    [(_, _, severity)] = coordinate_problems(gemeinden, lon, lat, a, 0.0)
    assert severity == ERROR


def test_a_point_5_km_off_its_ags_stays_an_error(gemeinden):
    a, b, lon, lat = _point_in_b_near_a(gemeinden, 5000)
    [(field, message, severity)] = coordinate_problems(gemeinden, lon, lat, a, TOLERANCE)
    assert (field, severity) == ("ags", ERROR)
    assert "more than the boundaries' positional tolerance" in message and f"({b})" in message


def test_an_ags_missing_from_this_vintage_is_a_warning_naming_where_the_point_lies(gemeinden):
    lon, lat = _lonlat(gemeinden.to_crs(METRIC_CRS).set_index("ags").geometry["03101000"].representative_point())
    [(field, message, severity)] = coordinate_problems(gemeinden, lon, lat, "03101999", TOLERANCE)
    assert (field, severity) == ("ags", WARNING)
    assert "'03101999'" in message and "Braunschweig (03101000)" in message


def _outside_region(gemeinden: gpd.GeoDataFrame, distance: float) -> tuple[str, Point]:
    """(AGS, metric point) `distance` metres outside the region, next to that municipality."""
    metric = gemeinden.to_crs(METRIC_CRS)
    region = metric.geometry.union_all()
    ring = shapely.get_exterior_ring(max(getattr(region, "geoms", [region]), key=lambda g: g.area))
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):
        on_border = ring.interpolate(fraction, normalized=True)
        for step in range(72):
            angle = math.radians(step * 5)
            candidate = Point(on_border.x + distance * math.cos(angle), on_border.y + distance * math.sin(angle))
            if not region.intersects(candidate) and abs(region.distance(candidate) - distance) < 0.2 * distance:
                nearest = metric.iloc[int(metric.geometry.distance(candidate).argmin())]
                return nearest["ags"], candidate
    raise AssertionError("no point outside the region found")


def test_a_point_just_outside_the_region_is_placed_in_the_nearest_municipality(gemeinden):
    ags, point = _outside_region(gemeinden, 30)
    lon, lat = _lonlat(point)
    [(field, message, severity)] = coordinate_problems(gemeinden, lon, lat, ags, TOLERANCE)
    assert (field, severity) == ("lon", WARNING) and f"({ags})" in message
    points = gpd.GeoDataFrame({"id": ["x"]}, geometry=[point], crs=METRIC_CRS).to_crs(WGS84)
    located, dropped = locate_points(points, gemeinden, TOLERANCE)
    assert dropped == 0 and located["ags"].tolist() == [ags]
    assert locate_points(points, gemeinden)[1] == 1  # without a tolerance it is outside


def test_far_outside_the_region_stays_an_error(gemeinden):
    ags, point = _outside_region(gemeinden, 3000)
    [(_, message, severity)] = coordinate_problems(gemeinden, *_lonlat(point), ags, TOLERANCE)
    assert severity == ERROR and "outside the region" in message
