"""Test data for the map tests: the region's municipalities from the source GeoJSON, synthetic points inside them.

Imported by the other `test_maps_*` modules; its own test checks the data they rely on.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from regionmap.config import region

HOSTILE = "<img src=x onerror=alert(1)>"
GEMEINDEN_FILE = "bkg/vg250-ew/vg250ew_niedersachsen_gemeinden.geojson"
CATEGORIES = ("university", "hochschule", "research_institute")


def source_path() -> Path:
    """$REGIONMAP_SOURCE_DIR; a missing source fails the test (never skips)."""
    value = os.environ.get("REGIONMAP_SOURCE_DIR")
    if not value or not (Path(value) / GEMEINDEN_FILE).is_file():
        pytest.fail(f"REGIONMAP_SOURCE_DIR={value!r} does not hold {GEMEINDEN_FILE}", pytrace=False)
    return Path(value)


@lru_cache(maxsize=1)
def _region_gemeinden(path: Path) -> gpd.GeoDataFrame:
    frame = gpd.read_file(path)
    frame = frame[frame["ags"].str[:5].isin(region().kreis_ags)].sort_values("ags").reset_index(drop=True)
    return frame.assign(kreis_ags=frame["ags"].str[:5])[["ags", "name", "kreis_ags", "pop", "geometry"]]


def region_gemeinden() -> gpd.GeoDataFrame:
    """The region's municipalities (EPSG:4326) in the store's column names `ags`, `name`, `kreis_ags` (a copy)."""
    return _region_gemeinden(source_path() / GEMEINDEN_FILE).copy()


def synthetic_points(gemeinden: gpd.GeoDataFrame, n: int, seed: int = 7) -> gpd.GeoDataFrame:
    """`n` points inside the municipalities in the thematic schema's core columns; row 0 carries a hostile name."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = gemeinden.total_bounds
    xs, ys = rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)
    points = shapely.points(xs, ys)
    tree = shapely.STRtree(gemeinden.geometry.values)
    pairs = tree.query(points, predicate="within")
    _, first = np.unique(pairs[0], return_index=True)
    inside, owner = pairs[0][first][:n], pairs[1][first][:n]
    frame = gpd.GeoDataFrame(
        {
            "id": [f"research-p{i}" for i in range(len(inside))],
            "name": [f"Einrichtung {i}" for i in range(len(inside))],
            "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), len(inside))],
            "ags": gemeinden["ags"].to_numpy()[owner],
            "kreis_ags": gemeinden["kreis_ags"].to_numpy()[owner],
        },
        geometry=points[inside],
        crs="EPSG:4326",
    )
    frame.loc[0, "name"] = HOSTILE
    return frame


def test_region_has_381_municipalities_and_points_fall_inside() -> None:
    gemeinden = region_gemeinden()
    assert len(gemeinden) == 381
    assert gemeinden["kreis_ags"].nunique() == 18
    points = synthetic_points(gemeinden, 200)
    assert len(points) == 200
    joined = gpd.sjoin(points, gemeinden[["ags", "geometry"]], predicate="within")
    assert (joined["ags_left"] == joined["ags_right"]).all()


def descendants(element, type_name: str) -> list:
    """Every element below `element` (a folium map or group) whose class is named `type_name`."""
    found = []
    for child in element._children.values():
        if type(child).__name__ == type_name:
            found.append(child)
        found += descendants(child, type_name)
    return found
