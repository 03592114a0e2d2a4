"""CSV, Excel and GeoJSON downloads of a filtered layer."""

from __future__ import annotations

import csv
import io
import json

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from regionmap.data.exports import neutralise_formula, to_csv_bytes, to_excel_bytes, to_geojson_bytes

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def layer() -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "id": ["sites-a", "sites-b", "sites-c"],
            "name": ["Gewerbegebiet Süd – Größe ß", "=HYPERLINK(\"http://x\")", HOSTILE],
            "sectors": ["logistics,mobility", "+cmd|' /C calc'!A0", "@SUM(A1)"],
            "address": ["-2+3", None, "Straße 1\x07"],
            "area_ha": [12.5, None, 3.0],
            "indicative": [True, False, True],
            "dist_motorway_km": [1.25, float("nan"), 8.0],
        },
        geometry=[Point(552_000, 5_805_000), Point(604_000, 5_790_000), None],
        crs="EPSG:25832",
    )
    frame["name"] = frame["name"].astype("string")
    return frame


def test_neutralise_formula() -> None:
    assert [neutralise_formula(v) for v in ("=1+1", "+1", "-1", "@a", "\t=1", "a=b", 5, None)] == [
        "'=1+1", "'+1", "'-1", "'@a", "'\t=1", "a=b", 5, None,
    ]


def test_csv_has_lonlat_utf8_and_no_formulas(layer: gpd.GeoDataFrame) -> None:
    data = to_csv_bytes(layer)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 3 and "geometry" not in rows[0]
    assert rows[0]["name"] == "Gewerbegebiet Süd – Größe ß"
    assert 9.7 < float(rows[0]["lon"]) < 9.8 and 52.3 < float(rows[0]["lat"]) < 52.4
    assert rows[2]["lon"] == "" and rows[2]["name"] == HOSTILE
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    assert rows[1]["name"] == "'=HYPERLINK(\"http://x\")" and rows[0]["address"] == "'-2+3"


def test_excel_round_trip(layer: gpd.GeoDataFrame) -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(layer)))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["id", "name"] and header[-2:] == ["lon", "lat"]
    values = {header[i]: c.value for i, c in enumerate(sheet[3])}
    assert values["name"] == "'=HYPERLINK(\"http://x\")" and values["sectors"].startswith("'+")
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert sheet["D4"].value == "Straße 1"
    assert pd.read_excel(io.BytesIO(to_excel_bytes(layer))).shape == (3, 9)


def test_geojson_is_wgs84_feature_collection(layer: gpd.GeoDataFrame) -> None:
    collection = json.loads(to_geojson_bytes(layer).decode("utf-8"))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 3
    first = collection["features"][0]
    lon, lat = first["geometry"]["coordinates"]
    assert 9.7 < lon < 9.8 and 52.3 < lat < 52.4
    assert first["properties"]["name"] == "Gewerbegebiet Süd – Größe ß"
    assert collection["features"][1]["properties"]["area_ha"] is None
    assert collection["features"][2]["geometry"] is None
    assert "Süd".encode() in to_geojson_bytes(layer)


def test_empty_layer(layer: gpd.GeoDataFrame) -> None:
    empty = layer.iloc[0:0]
    assert to_csv_bytes(empty).decode("utf-8-sig").splitlines()[0].endswith("lon,lat")
    assert json.loads(to_geojson_bytes(empty))["features"] == []
    assert openpyxl.load_workbook(io.BytesIO(to_excel_bytes(empty))).active.max_row == 1
