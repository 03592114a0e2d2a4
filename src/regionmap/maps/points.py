"""Point layers: any point GeoDataFrame -> compact columnar JSON -> markers created in the browser.

No Python object per point: coordinates become integer arrays (degrees x 10^5, i.e. rounded to 5 decimals, about 1 m),
the colour class of each point a small integer, the names one array of strings. Each class has a colour, a marker
shape (`regionmap.maps.markers`) and a label (for the markers' accessible names), listed once per class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from regionmap.maps.elements import PointLayer, check_colour, html_text, script_json
from regionmap.maps.legend import LegendEntry, LegendItem
from regionmap.maps.markers import DEFAULT_SHAPE, check_shape, outlines
from regionmap.spatial import WGS84

SCALE = 100_000  # coordinates travel as integers: round(degrees * SCALE)


@dataclass(frozen=True)
class ColourClass:
    """A value of the colour column (a category or sector id), its display label, colour and marker shape."""

    value: str
    label: str
    colour: str
    shape: str = DEFAULT_SHAPE


@dataclass(frozen=True)
class PointPayload:
    """The browser payload of one point layer and the counts the legend shows."""

    json: str
    count: int
    class_counts: tuple[int, ...]  # per class of `classes`, then the points of no listed class
    stale_count: int = 0  # points drawn as not confirmed (hollow, dashed)


def point_coordinates(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, pd.Index]:
    """WGS84 (lon, lat) of the shown points and their index labels.

    Rows without a location (null or empty geometry) are not shown; other geometry types are an error.
    """
    geoms = gdf.geometry if gdf.crs is None or gdf.crs == WGS84 else gdf.geometry.to_crs(WGS84)
    present = ~(geoms.isna() | geoms.is_empty)
    kinds = geoms[present].geom_type
    if (kinds != "Point").any():
        bad = kinds[kinds != "Point"]
        raise ValueError(f"point layer: row {bad.index[0]} has a {bad.iloc[0]} geometry, expected Point")
    shown = geoms[present]
    return np.column_stack([shown.x.to_numpy(), shown.y.to_numpy()]), shown.index


def class_codes(values: pd.Series, classes: Sequence[ColourClass]) -> np.ndarray:
    """The class index of each value (`len(classes)` for none of them).

    For a comma-separated column such as `sectors`, the first listed value decides.
    """
    raw_codes, uniques = pd.factorize(values, use_na_sentinel=True)
    position = {c.value: i for i, c in enumerate(classes)}
    per_unique = np.array(
        [position.get(str(u).split(",", 1)[0].strip(), len(classes)) for u in uniques] + [len(classes)], dtype=np.int64
    )
    return per_unique[raw_codes]  # the sentinel -1 (missing value) picks the last entry


def point_payload(
    gdf: gpd.GeoDataFrame,
    *,
    colour: str,
    by: str | None = None,
    classes: Sequence[ColourClass] = (),
    name_column: str = "name",
    stale: pd.Series | None = None,
) -> PointPayload:
    """The columnar JSON for `gdf` (a pure function: cache it on the filtered data).

    Points are coloured by their class in column `by`; points of no listed class (or with `by=None`) get `colour`.
    Points whose `stale` value (a boolean Series on `gdf`'s index) is true are drawn hollow with a dashed outline:
    records past their layer's maximum age (`regionmap.freshness`).
    """
    if by is not None and by not in gdf.columns:
        raise ValueError(f"point layer: no column {by!r} to colour by (columns: {', '.join(map(str, gdf.columns))})")
    if name_column not in gdf.columns:
        raise ValueError(f"point layer: no name column {name_column!r}")
    xy, index = point_coordinates(gdf)
    shown = gdf.loc[index]
    codes = class_codes(shown[by], classes) if by is not None else np.full(len(shown), len(classes), dtype=np.int64)
    scaled = np.rint(xy * SCALE).astype(np.int64)
    shapes = [check_shape(c.shape, f"shape of {c.value!r}") for c in classes] + [DEFAULT_SHAPE]
    payload = {
        "scale": SCALE,
        "colour": check_colour(colour, "layer colour"),
        "colours": [check_colour(c.colour, f"colour of {c.value!r}") for c in classes] + [colour],
        "shapes": shapes,
        "outlines": outlines(shapes),
        "labels": [c.label for c in classes] + [""],
        "cls": codes.tolist(),
        "lat": scaled[:, 1].tolist(),
        "lng": scaled[:, 0].tolist(),
        "names": shown[name_column].astype("string").fillna("").tolist(),
    }
    marked = np.flatnonzero(stale.reindex(index, fill_value=False).to_numpy(dtype=bool)) if stale is not None else []
    if len(marked):
        payload["stale"] = [int(i) for i in marked]
    counts = np.bincount(codes, minlength=len(classes) + 1)
    return PointPayload(json=script_json(payload), count=len(shown), class_counts=tuple(int(c) for c in counts),
                        stale_count=len(marked))


def point_legend_entry(
    payload: PointPayload, *, layer_id: str, label: str, colour: str, classes: Sequence[ColourClass] = (),
    item_counts: bool = True, stale_label: str = "",
) -> LegendEntry:
    """The legend entry of a point layer: its total and the classes that have points (with their counts unless
    `item_counts` is False), and how many are drawn as not confirmed (`stale_label`)."""
    items = tuple(
        LegendItem(value=c.value, label=c.label, colour=c.colour, count=n, shape=c.shape)
        for c, n in zip(classes, payload.class_counts)
        if n
    )
    return LegendEntry(layer=layer_id, label=label, colour=colour, count=payload.count, items=items,
                       item_counts=item_counts, stale=payload.stale_count, stale_label=stale_label)


def point_layer(
    gdf: gpd.GeoDataFrame,
    *,
    layer_id: str,
    label: str,
    colour: str,
    by: str | None = None,
    classes: Sequence[ColourClass] = (),
    name_column: str = "name",
    payload: PointPayload | None = None,
    stale: pd.Series | None = None,
    stale_label: str = "",
) -> PointLayer:
    """One toggleable, clustered point layer named `label` in the layer control, with its legend entry attached.

    Pass a cached `payload` (from `point_payload` with the same arguments) to skip the serialisation. `stale` marks
    the points drawn as not confirmed, which the legend counts under `stale_label`.
    """
    payload = payload or point_payload(gdf, colour=colour, by=by, classes=classes, name_column=name_column,
                                       stale=stale)
    entry = point_legend_entry(payload, layer_id=layer_id, label=label, colour=colour, classes=classes,
                               stale_label=stale_label)
    return PointLayer(payload.json, name=html_text(label), legend_entry=entry)
