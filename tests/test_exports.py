"""CSV, Excel and GeoJSON downloads of a filtered layer."""

from __future__ import annotations

import csv
import io
import json
import re

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from regionmap.data.exports import (
    download_name,
    labelled,
    neutralise_formula,
    to_csv_bytes,
    to_excel_bytes,
    to_geojson_bytes,
)
from regionmap.taxonomy import taxonomy

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
    data = to_csv_bytes(layer, "en")
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
    assert to_csv_bytes(empty, "en").decode("utf-8-sig").splitlines()[0].endswith("lon,lat")
    assert to_csv_bytes(empty, "de").decode("utf-8-sig").splitlines()[0].endswith("lon;lat")
    assert json.loads(to_geojson_bytes(empty))["features"] == []
    assert openpyxl.load_workbook(io.BytesIO(to_excel_bytes(empty))).active.max_row == 1


@pytest.mark.parametrize(("lang", "separator", "area", "distance"), [
    ("de", ";", "12,5", "1,25"), ("fr", ";", "12,5", "1,25"), ("en", ",", "12.5", "1.25")])
def test_csv_follows_the_languages_convention(layer: gpd.GeoDataFrame, lang, separator, area, distance) -> None:
    text = to_csv_bytes(layer, lang).decode("utf-8-sig")
    assert text.splitlines()[0] == separator.join(["id", "name", "sectors", "address", "area_ha", "indicative",
                                                    "dist_motorway_km", "lon", "lat"])
    rows = list(csv.DictReader(io.StringIO(text), delimiter=separator))
    assert rows[0]["area_ha"] == area and rows[0]["dist_motorway_km"] == distance
    assert rows[1]["area_ha"] == ""
    assert rows[0]["lon"].replace(",", ".") == str(float(rows[0]["lon"].replace(",", ".")))
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


@pytest.fixture
def sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": ["sites-a", "sites-b"], "name": ["A", "=B"], "category": ["logistics", "science_park"],
         "sectors": ["mobility,logistics", None], "size_class": ["L", "XX"], "availability": ["limited", None],
         "area_ha": [1234.5, None]},
        geometry=[Point(10.5, 52.3), Point(10.6, 52.2)], crs="EPSG:4326")


def test_labelled_puts_labels_in_the_column_and_codes_beside_it(sites: gpd.GeoDataFrame) -> None:
    table = labelled(sites, "sites", taxonomy(), "de")
    assert list(table.columns[:10]) == ["id", "name", "category", "category_code", "sectors", "sectors_code",
                                        "size_class", "size_class_code", "availability", "availability_code"]
    first = table.iloc[0]
    assert (first["category"], first["category_code"]) == ("Logistik", "logistics")
    assert first["sectors"].startswith("Mobilität") and first["sectors_code"] == "mobility,logistics"
    assert first["availability"] == "eingeschränkt verfügbar" and first["size_class_code"] == "L"
    assert table.iloc[1]["size_class"] == "XX" and pd.isna(table.iloc[1]["sectors"])  # unknown code, missing value
    assert labelled(sites, "sites", taxonomy(), "fr").iloc[0]["availability"] == "disponibilité limitée"
    assert list(sites.columns) == ["id", "name", "category", "sectors", "size_class", "availability", "area_ha",
                                   "geometry"]  # the input is not changed


def test_excel_and_geojson_keep_real_numbers_and_carry_labels_and_codes(sites: gpd.GeoDataFrame) -> None:
    table = labelled(sites, "sites", taxonomy(), "en")
    sheet = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(table))).active
    header = [c.value for c in sheet[1]]
    row = {header[i]: c.value for i, c in enumerate(sheet[2])}
    assert row["area_ha"] == 1234.5 and row["category"] == "Logistics" and row["category_code"] == "logistics"
    assert {header[i]: c.value for i, c in enumerate(sheet[3])}["name"] == "'=B"
    props = json.loads(to_geojson_bytes(table))["features"][0]["properties"]
    assert props["area_ha"] == 1234.5 and props["category"] == "Logistics" and props["category_code"] == "logistics"


def test_de_csv_of_labelled_sites_opens_with_decimal_comma(sites: gpd.GeoDataFrame) -> None:
    text = to_csv_bytes(labelled(sites, "sites", taxonomy(), "de"), "de").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows[0]["area_ha"] == "1234,5" and rows[0]["category"] == "Logistik"
    assert rows[1]["name"] == "'=B"


def test_download_names_say_what_was_filtered() -> None:
    assert download_name("sites", "csv", kreis="03159", categories=["logistics"]) == (
        "regionmap_sites_kreis-03159_logistics.csv")
    assert download_name("research", "geojson") == "regionmap_research.geojson"
    assert download_name("sites", "xlsx", kreis="03159", gemeinde="03159016", categories=["b", "a"],
                         sectors=["health"], extra=["motorway-max0.5km"]) == (
        "regionmap_sites_gemeinde-03159016_a+b_sector-health_motorway-max0.5km.xlsx")


@pytest.mark.parametrize("q", ["../../etc/passwd", "<script>alert(1)</script>", "Größe Süd/Nord\\x", "a" * 500,
                               "\x00\n;\"|*?", "日本"])
def test_download_names_hold_only_safe_characters(q: str) -> None:
    name = download_name("sites", "csv", q=q)
    assert re.fullmatch(r"[a-z0-9_.+-]+", name), name
    assert ".." not in name and name.endswith(".csv") and len(name) <= 160
    assert name.startswith("regionmap_sites")
