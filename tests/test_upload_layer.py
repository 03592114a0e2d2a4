"""An upload on the map and in the analysis: display frame, layers and legend, fields of a record, the join with the
municipalities, counts and indicators, and the export (pure functions, on the real store)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from regionmap.data.exports import to_csv_bytes, to_excel_bytes, to_geojson_bytes
from regionmap.data.store import open_store
from regionmap.dashboard.composition import choropleth
from regionmap.maps import shape_payload
from regionmap.maps.elements import PointLayer, ShapeLayer
from regionmap.uploads.analysis import (
    COUNT_COLUMN, EXPORT_APPROXIMATE, EXPORT_ROW, JOINED_PREFIX, counts_per_municipality, export_frame, joined_table,
    outside_region, records_in, upload_indicators, with_counts,
)
from regionmap.uploads.geometry import CoordinateChoice
from regionmap.uploads.layer import (
    UPLOAD_LAYER, field_text, layer_label, name_column, records_table, upload_fields, upload_layers, upload_map,
)
from regionmap.uploads.settings import settings
from regionmap.uploads.style import style_by
from regionmap.uploads.upload import load_upload

HOSTILE = "<script>alert(1)</script>"
# Hannover (twice), Braunschweig, and one point in the North Sea (outside the region).
CSV = ("Firma;lon;lat;Branche;Mitarbeitende;ags\n"
       f"{HOSTILE};9,7320;52,3759;Logistik;12;x\n"
       "=HYPERLINK(\"http://evil\");9,7400;52,3700;IT;250;y\n"
       "Braunschweig GmbH;10,5268;52,2689;Logistik;40;z\n"
       "Offshore;7,0;54,5;Energie;3;w\n").encode("cp1252")


@pytest.fixture(scope="module")
def store(built_store):
    return open_store(built_store)


@pytest.fixture(scope="module")
def upload():
    return load_upload("firmen.csv", CSV)


def test_display_frame_names_records_by_their_name_column(upload) -> None:
    assert name_column(upload, settings()) == "Firma"
    shown = upload_map(upload, None, settings(), "de")
    assert list(shown.frame["name"]) == [HOSTILE, "=HYPERLINK(\"http://evil\")", "Braunschweig GmbH", "Offshore"]
    assert list(shown.frame["id"]) == ["2", "3", "4", "5"]  # the file's rows (header = 1)
    assert shown.label == "Eigene Daten: firmen.csv" and layer_label(upload, "fr") == "Vos données : firmen.csv"


def test_records_without_a_name_are_called_by_their_row() -> None:
    upload = load_upload("punkte.csv", b"lon,lat,wert\n9.7,52.3,1\n10.5,52.2,2\n")
    assert name_column(upload, settings()) is None
    assert list(upload_map(upload, None, settings(), "en").frame["name"]) == ["Row 2", "Row 3"]


def test_points_go_through_the_point_layer_with_a_legend_of_styled_classes(upload) -> None:
    styled = style_by(upload.frame, "Branche", settings().style, "de")
    layers = upload_layers(upload_map(upload, styled, settings(), "de"), "de")
    (layer,) = layers.elements()
    assert isinstance(layer, PointLayer) and layers.shapes is None
    assert layers.entry.layer == UPLOAD_LAYER and layers.entry.count == 4
    assert {item.label: item.count for item in layers.entry.items} == {"Logistik": 2, "IT": 1, "Energie": 1}
    payload = json.loads(layers.points.json)
    assert len(payload["lat"]) == 4 and HOSTILE not in layers.points.json  # `<` travels as \u003c
    assert payload["names"][0] == HOSTILE  # and is the same text once parsed (escaped again when shown)


def test_numbers_are_styled_in_classes(upload) -> None:
    styled = style_by(upload.frame, "Mitarbeitende", settings().style, "de")
    entry = upload_layers(upload_map(upload, styled, settings(), "de"), "de").entry
    assert sum(item.count for item in entry.items) == 4 and len(entry.items) >= 2


def test_lines_and_polygons_are_drawn_as_shapes_beside_the_points() -> None:
    frame = gpd.GeoDataFrame(
        {"name": ["Plot", "Route", "Stop"]},
        geometry=[Polygon([(9.7, 52.3), (9.8, 52.3), (9.8, 52.4), (9.7, 52.3)]),
                  LineString([(9.7, 52.3), (10.5, 52.2)]), Point(9.75, 52.35)], crs="EPSG:4326")
    upload = load_upload("mixed.geojson", frame.to_json().encode())
    layers = upload_layers(upload_map(upload, None, settings(), "en"), "en")
    points, shapes = layers.elements()
    assert isinstance(points, PointLayer) and isinstance(shapes, ShapeLayer)
    assert points.legend_entry.count == 3 and shapes.legend_entry is None  # one legend entry for the whole upload
    assert layers.points_label == "Your data: mixed.geojson (points)"
    assert layers.shapes_label == "Your data: mixed.geojson (lines and areas)"
    payload = json.loads(layers.shapes)
    assert [g["type"] for g in payload["geoms"]] == ["Polygon", "LineString"] and payload["names"] == ["Plot", "Route"]


def test_shape_payload_refuses_points_and_rounds_coordinates() -> None:
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[LineString([(9.123456789, 52.1), (9.2, 52.2)])],
                             crs="EPSG:4326")
    assert json.loads(shape_payload(frame, colour="#123456"))["geoms"][0]["coordinates"][0] == [9.123457, 52.1]
    with pytest.raises(ValueError, match="point"):
        shape_payload(gpd.GeoDataFrame({"name": ["p"]}, geometry=[Point(9, 52)], crs="EPSG:4326"), colour="#123456")


def test_record_fields_are_text_in_the_files_order(upload) -> None:
    fields = upload_fields(upload, upload.frame.index[0], "de")
    assert fields[0] == ("Firma", HOSTILE)
    assert ("Mitarbeitende", "12") in fields and ("lon", "9,7320") in fields


def test_postcode_placed_records_say_they_are_approximate(store) -> None:
    from regionmap.uploads.upload import postcode_lookup

    upload = load_upload("plz.csv", b"Name;PLZ\nA;30159\nB;38100\n", CoordinateChoice("postcode", "PLZ"),
                         postcodes=postcode_lookup(store["postcodes"]))
    assert upload.approximate == 2
    assert upload_fields(upload, upload.frame.index[0], "en")[0] == ("Position", "approximate (centre of the postcode)")
    exported = export_frame(upload, joined_table(upload, store.gemeinden))
    assert exported[EXPORT_APPROXIMATE].tolist() == [True, True]


@pytest.mark.parametrize(("value", "lang", "text"), [(1234.5, "de", "1.234,5"), (1234.5, "en", "1,234.5"),
                                                     (7, "fr", "7"), (None, "de", ""), ("=1+2", "de", "=1+2")])
def test_field_text_formats_numbers_by_language(value, lang, text) -> None:
    assert field_text(value, lang) == text


def test_join_counts_and_indicators_per_municipality(store, upload) -> None:
    joined = joined_table(upload, store.gemeinden)
    # The file's own `ags` column keeps its name; the region's AGS is prefixed.
    assert joined["ags"].tolist() == ["x", "y", "z", "w"]
    ags = joined[f"{JOINED_PREFIX}ags"]
    assert ags.iloc[0] == ags.iloc[1] == "03241001" and ags.iloc[2] == "03101000" and pd.isna(ags.iloc[3])
    assert joined["municipality"].iloc[2] == "Braunschweig" and joined["kreis"].iloc[0] == "Region Hannover"
    counts = counts_per_municipality(joined, store.gemeinden)
    assert len(counts) == len(store.gemeinden) and counts["03241001"] == 2 and counts.sum() == 3
    assert outside_region(joined) == 1 and list(records_in(joined, "03241001")) == [0, 1]
    counted = with_counts(store.gemeinden, joined)
    count, per_10k = upload_indicators(layer_label(upload, "de"))
    hannover = counted["ags"] == "03241001"
    assert count.values(counted)[hannover].iloc[0] == 2
    population = store.gemeinden.loc[hannover, "population"].iloc[0]
    assert per_10k.values(counted)[hannover].iloc[0] == pytest.approx(2 / population * 10_000)
    assert per_10k.label("de") == "Eigene Daten: firmen.csv je 10.000 Einwohner"
    assert COUNT_COLUMN not in store.gemeinden.columns  # the store's frame is left alone
    fills = choropleth(counted, count, "natural_breaks", 3, "de")
    assert len(fills.fills) == len(store.gemeinden)


def test_records_table_lists_rows_and_columns_as_text(upload) -> None:
    table = records_table(upload, [0, 2], "en")
    assert list(table.columns) == ["Row", "Firma", "lon", "lat", "Branche", "Mitarbeitende", "ags"]
    assert table["Row"].tolist() == [2, 4] and table["Firma"].tolist() == [HOSTILE, "Braunschweig GmbH"]


def test_joined_export_neutralises_formulas_in_every_format(store, upload) -> None:
    exported = export_frame(upload, joined_table(upload, store.gemeinden))
    assert list(exported.columns[:2]) == [EXPORT_ROW, "Firma"] and {f"{JOINED_PREFIX}ags", "kreis"} <= set(exported.columns)
    csv = to_csv_bytes(exported, "de").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and not re.search(r"(^|;)=HYPERLINK", csv, re.M)
    assert "Region Hannover" in csv
    geojson = json.loads(to_geojson_bytes(exported))
    assert geojson["features"][1]["properties"]["Firma"].startswith("'=")
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(exported))).active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://evil\")" in cells and not any(isinstance(c, str) and c.startswith("=") for c in cells)
