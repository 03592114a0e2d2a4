"""Line and polygon layers from any GeoDataFrame: GeoJSON geometries with a colour class and a name per feature.

For layers whose features are drawn as they are (an uploaded file's plots or routes), not the region's boundaries,
which travel delta-encoded (`regionmap.maps.boundaries`). Coordinates are rounded to `DECIMALS` (about 10 cm).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from regionmap.maps.elements import check_colour, script_json
from regionmap.maps.points import ColourClass, class_codes
from regionmap.spatial import WGS84

DECIMALS = 6


def shape_payload(gdf: gpd.GeoDataFrame, *, colour: str, by: str | None = None, classes: Sequence[ColourClass] = (),
                  name_column: str = "name") -> str:
    """The JSON for a `regionmap.maps.elements.ShapeLayer`: `geoms` (GeoJSON geometries), `cls` (class index per feature), `colours`, `names`.

    Features without a geometry are left out; points belong in a point layer and are an error here.
    """
    geoms = gdf.geometry if gdf.crs is None or gdf.crs == WGS84 else gdf.geometry.to_crs(WGS84)
    present = ~(geoms.isna() | geoms.is_empty)
    shown = gdf[present.to_numpy()]
    kinds = geoms[present].geom_type
    if kinds.isin(["Point", "MultiPoint"]).any():
        raise ValueError(f"shape layer: row {kinds[kinds.isin(['Point', 'MultiPoint'])].index[0]} is a point")
    rounded = shapely.set_precision(geoms[present].to_numpy(), 10.0 ** -DECIMALS, mode="pointwise")
    codes = class_codes(shown[by], classes) if by is not None else np.full(len(shown), len(classes), dtype=np.int64)
    return script_json({
        "colours": [check_colour(c.colour, f"colour of {c.value!r}") for c in classes] + [check_colour(colour)],
        "cls": codes.tolist(),
        "geoms": [json.loads(text) for text in shapely.to_geojson(rounded)],
        "names": shown[name_column].astype("string").fillna("").tolist(),
    })
