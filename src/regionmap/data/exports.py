"""Downloads of a (filtered) point layer as CSV, Excel and GeoJSON bytes, built when called.

Tabular exports carry `lon`/`lat` (WGS84) instead of the geometry, and text cells that a spreadsheet would run as a
formula (starting with = + - @, tab or carriage return) are prefixed with an apostrophe.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from regionmap.spatial import WGS84

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
COORDINATE_DECIMALS = 6


def neutralise_formula(value: object) -> object:
    """`value` with an apostrophe in front when it is text a spreadsheet would evaluate; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_table(layer: gpd.GeoDataFrame) -> pd.DataFrame:
    """The layer as a plain table: geometry replaced by `lon`, `lat` (WGS84 point or representative point)."""
    frame = pd.DataFrame(layer.drop(columns=layer.geometry.name))
    geometry = layer.geometry.to_crs(WGS84) if layer.crs is not None else layer.geometry
    points = shapely.point_on_surface(geometry.values)
    frame["lon"] = np.round(shapely.get_x(points), COORDINATE_DECIMALS)
    frame["lat"] = np.round(shapely.get_y(points), COORDINATE_DECIMALS)
    return _map_text(frame, neutralise_formula)


def _map_text(frame: pd.DataFrame, func: Callable[[object], object]) -> pd.DataFrame:
    """`frame` with `func` applied to every non-missing cell of its text columns."""
    text = frame.select_dtypes(include=["object", "string"]).columns
    frame[text] = frame[text].apply(lambda column: column.map(func, na_action="ignore"))
    return frame


def _excel_safe(value: object) -> object:
    """Text without the control characters an .xlsx file cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def to_csv_bytes(layer: gpd.GeoDataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so spreadsheet programs detect the encoding) with lon/lat columns."""
    return to_table(layer).to_csv(index=False).encode("utf-8-sig")


def to_excel_bytes(layer: gpd.GeoDataFrame, sheet_name: str = "data") -> bytes:
    """An .xlsx workbook with one sheet holding the table with lon/lat columns (control characters removed)."""
    frame = _map_text(to_table(layer), _excel_safe)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheet_name, index=False)
        writer.sheets[sheet_name].freeze_panes = "A2"
    return buffer.getvalue()


def to_geojson_bytes(layer: gpd.GeoDataFrame) -> bytes:
    """UTF-8 GeoJSON FeatureCollection in WGS84 (coordinates are data, nothing to neutralise)."""
    frame = layer.to_crs(WGS84) if layer.crs is not None and layer.crs != WGS84 else layer
    return frame.to_json(na="null", show_bbox=False, drop_id=True, ensure_ascii=False).encode("utf-8")
