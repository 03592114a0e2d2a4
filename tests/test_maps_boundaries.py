"""Boundaries: gap-free simplification, the compact encoding and the overview payload size."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from test_maps_support import HOSTILE, region_gemeinden

from regionmap.maps import boundary_payload, bounds_of, build_map, simplified_boundaries, tolerance_for_zoom
from regionmap.maps.elements import script_json
from regionmap.maps.boundaries import boundary_layer, decimals_for_tolerance, encode_polygons, neighbours
from regionmap.spatial import METRIC_CRS

OVERVIEW_ZOOM = 8
MAX_OVERVIEW_BYTES = 400_000


@pytest.fixture(scope="module")
def gemeinden() -> gpd.GeoDataFrame:
    return region_gemeinden()


def metric(frame: gpd.GeoDataFrame) -> np.ndarray:
    return frame.geometry.to_crs(METRIC_CRS).to_numpy()


@pytest.mark.parametrize("tolerance", [50.0, tolerance_for_zoom(OVERVIEW_ZOOM), 500.0])
def test_simplification_keeps_area_and_leaves_no_gaps_or_overlaps(gemeinden: gpd.GeoDataFrame, tolerance: float) -> None:
    original, simple = metric(gemeinden), metric(simplified_boundaries(gemeinden, tolerance))
    assert shapely.get_num_coordinates(simple).sum() < shapely.get_num_coordinates(original).sum()
    assert shapely.is_valid(simple).all()
    union_before, union_after = shapely.union_all(original), shapely.coverage_union_all(simple)
    assert abs(union_after.area - union_before.area) / union_before.area < 0.005
    # no overlaps: the parts add up to their union
    assert abs(shapely.area(simple).sum() - union_after.area) / union_after.area < 1e-6
    # no gaps: the union has no holes the original union did not have, and neighbours still form a valid coverage
    holes = lambda g: sum(shapely.area(shapely.polygons(shapely.get_interior_ring(p, i))) for p in shapely.get_parts(g)
                          for i in range(shapely.get_num_interior_rings(p)))
    assert holes(union_after) <= holes(union_before) + 1.0
    assert shapely.coverage_is_valid(simple, gap_width=tolerance / 10)


def test_simplification_is_pure_and_keeps_columns(gemeinden: gpd.GeoDataFrame) -> None:
    before = gemeinden.copy()
    out = simplified_boundaries(gemeinden, 100)
    assert gemeinden.equals(before)
    assert out.crs == gemeinden.crs and list(out.columns) == list(gemeinden.columns) and out.index.equals(gemeinden.index)
    assert simplified_boundaries(gemeinden, 0).geometry.equals(gemeinden.geometry)
    with pytest.raises(ValueError, match="negative"):
        simplified_boundaries(gemeinden, -1)


def decode(ring: list[int], scale: int) -> np.ndarray:
    return np.cumsum(np.asarray(ring, dtype=np.int64).reshape(-1, 2), axis=0) / scale


def test_encoding_round_trips_to_rounded_coordinates(gemeinden: gpd.GeoDataFrame) -> None:
    geom = gemeinden.geometry.iloc[0]
    polygons = encode_polygons(geom, 10**5)
    parts = shapely.get_parts(geom)
    assert len(polygons) == len(parts)
    ring = decode(polygons[0][0], 10**5)
    expected = np.round(np.asarray(parts[0].exterior.coords), 5)
    expected = expected[np.concatenate([[True], np.any(expected[1:] != expected[:-1], axis=1)])]
    assert np.allclose(ring, expected, atol=1e-9)
    assert np.array_equal(ring[0], ring[-1])


def test_shared_borders_stay_shared_after_rounding(gemeinden: gpd.GeoDataFrame) -> None:
    simple = simplified_boundaries(gemeinden, tolerance_for_zoom(OVERVIEW_ZOOM))
    decimals = decimals_for_tolerance(tolerance_for_zoom(OVERVIEW_ZOOM))
    data = json.loads(boundary_payload(simple, decimals=decimals).json)
    polygons = [
        shapely.Polygon(decode(rings[0], data["scale"]), [decode(r, data["scale"]) for r in rings[1:]])
        for f in data["features"] for rings in f["g"]
    ]
    shown = gpd.GeoSeries(polygons, crs="EPSG:4326").to_crs(METRIC_CRS)
    valid = shown[shown.is_valid]
    assert len(valid) / len(shown) > 0.99
    union = shapely.union_all(valid.to_numpy())
    assert abs(valid.area.sum() - union.area) / union.area < 1e-4


def test_overview_boundary_payload_is_small(gemeinden: gpd.GeoDataFrame) -> None:
    tolerance = tolerance_for_zoom(OVERVIEW_ZOOM)
    decimals = decimals_for_tolerance(tolerance)
    assert decimals == 4
    kreise = gemeinden.dissolve("kreis_ags").reset_index()
    outline = gemeinden.dissolve()
    sizes = {
        name: len(boundary_payload(simplified_boundaries(frame, tolerance), tooltips=frame["name"], decimals=decimals)
                  .json.encode())
        for name, frame in (("gemeinden", gemeinden), ("kreise", kreise), ("region", outline))
    }
    assert sum(sizes.values()) <= MAX_OVERVIEW_BYTES, sizes


def test_tooltips_and_fills(gemeinden: gpd.GeoDataFrame) -> None:
    frame = gemeinden.head(4).copy()
    tips = [HOSTILE, "{{ 7*7 }}", None, "Ort"]
    payload = boundary_payload(frame, tooltips=tips, fills=["#ff0000", None, "#00ff00", "#ff0000"])
    assert "<" not in payload.json and "{{" not in payload.json
    data = json.loads(payload.json)
    assert [f.get("t") for f in data["features"]] == tips
    assert payload.palette == ("#ff0000", "#00ff00")
    assert [f.get("f") for f in data["features"]] == [0, None, 1, 0]
    with pytest.raises(ValueError, match="3 tooltips for 4 features"):
        boundary_payload(frame, tooltips=tips[:3])


def test_rows_without_geometry_are_left_out_and_other_types_rejected(gemeinden: gpd.GeoDataFrame) -> None:
    frame = gemeinden.head(3).copy()
    frame.loc[1, "geometry"] = None
    assert boundary_payload(frame).count == 2
    frame.loc[2, "geometry"] = shapely.Point(10, 52)
    with pytest.raises(ValueError, match="Point geometry"):
        boundary_payload(frame)


def test_neighbours_are_the_polygons_that_touch() -> None:
    # A row of three unit squares and one apart: the middle one touches both others, the far one none.
    squares = [shapely.box(x, 0, x + 1, 1) for x in (0, 1, 2, 5)]
    assert neighbours(squares) == [[1], [0, 2], [1], []]
    assert neighbours([shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2)]) == [[1], [0]]  # a corner counts


def test_navigable_payload_has_a_point_inside_and_the_neighbours(gemeinden: gpd.GeoDataFrame) -> None:
    frame = simplified_boundaries(gemeinden, tolerance_for_zoom(OVERVIEW_ZOOM)).reset_index(drop=True)
    frame.loc[3, "geometry"] = None  # left out: the neighbours are indices of the features that remain
    decimals = 5
    payload = boundary_payload(frame, tooltips=frame["name"], decimals=decimals, navigable=True)
    assert payload.navigable and not boundary_payload(frame.head(2)).navigable
    features = json.loads(payload.json)["features"]
    kept = frame[frame.geometry.notna()].reset_index(drop=True)
    assert len(features) == len(kept) == len(frame) - 1
    metric_geoms = kept.geometry.to_crs(METRIC_CRS)
    for i, feature in enumerate(features):
        x, y = (v / 10**decimals for v in feature["c"])
        assert kept.geometry[i].distance(shapely.Point(x, y)) < 1e-4, kept["name"][i]
        touching = set(np.flatnonzero(metric_geoms.distance(metric_geoms[i]) < 1.0)) - {i}
        assert set(feature["n"]) == touching, kept["name"][i]
    assert all(feature["n"] for feature in features)  # the region's municipalities form one coverage


def test_keyboard_layers_need_a_navigable_payload(gemeinden: gpd.GeoDataFrame) -> None:
    frame = gemeinden.head(3)
    with pytest.raises(ValueError, match="navigable payload"):
        boundary_layer(frame, label="Gemeinden", payload=boundary_payload(frame), keys_label="Gemeinden")
    with pytest.raises(ValueError, match="interactive"):
        boundary_layer(frame, label="Gemeinden", interactive=False, keys_label="Gemeinden")
    hostile = "Gemeinden – {{ 7*7 }} </script>"
    for keys_label in (hostile, None):
        layer = boundary_layer(frame, label="Gemeinden", keys_label=keys_label)
        html = build_map(bounds=bounds_of(frame), boundaries=[layer]).get_root().render()
        assert ('className: "rm-area"' in html) is (keys_label is not None)
        assert ("areaKeys(map, group, d, " + script_json(hostile) + ");" in html) is (keys_label is not None)
        assert "{{ 7*7 }}" not in html and "</script> " not in html


def test_zoom_tolerances() -> None:
    assert 150 < tolerance_for_zoom(8) < 200
    assert tolerance_for_zoom(10) == pytest.approx(tolerance_for_zoom(8) / 4)
    assert decimals_for_tolerance(2) == 6 and decimals_for_tolerance(20) == 5 and decimals_for_tolerance(200) == 4
