"""Uploaded files: every format, generated in the test, and every kind of bad input."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import openpyxl
import pytest
from shapely.geometry import LineString, Point, Polygon

from regionmap.uploads.geometry import APPROXIMATE, CoordinateChoice
from regionmap.uploads.problems import UploadError
from regionmap.uploads.settings import settings
from regionmap.uploads.upload import inspect_upload, load_upload

HANNOVER = (9.7320, 52.3759)
BRAUNSCHWEIG = (10.5268, 52.2689)
HOSTILE = "<img src=x onerror=alert(1)>"


def codes(upload_or_error) -> list[str]:
    return [p.code for p in upload_or_error.problems]


def fatal(name: str, data: bytes, **kwargs) -> UploadError:
    with pytest.raises(UploadError) as info:
        load_upload(name, data, **kwargs)
    return info.value


# --- tables --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_excel_csv_with_semicolons_decimal_commas_and_any_excel_encoding(encoding):
    text = "Name;Straße;Länge;Breite\nBüro Hannover;Königstraße 1;9,7320;52,3759\nWerk BS;Hagenring 2;10,5268;52,2689\n"
    upload = load_upload("firmen.csv", text.encode(encoding))
    assert upload.choice == CoordinateChoice("lonlat", "Länge", "Breite", 4326)
    assert upload.frame["Straße"].tolist() == ["Königstraße 1", "Hagenring 2"]
    assert [(round(p.x, 4), round(p.y, 4)) for p in upload.frame.geometry] == [HANNOVER, BRAUNSCHWEIG]
    assert upload.frame.crs == "EPSG:4326"


def test_tsv_with_points_and_column_named_by_value():
    text = "id\teast_deg\tnorth_deg\n1\t9.7320\t52.3759\n2\t10.5268\t52.2689\n"
    upload = load_upload("punkte.tsv", text.encode())
    assert upload.choice == CoordinateChoice("lonlat", "east_deg", "north_deg", 4326)


@pytest.mark.parametrize(("epsg", "xy"), [(25832, (550135.0, 5802600.0)), (31467, (3550220.0, 5804490.0))])
def test_metres_are_told_apart_by_their_range(epsg, xy):
    text = f"name,x,y\nA,{xy[0]},{xy[1]}\n"
    upload = load_upload("m.csv", text.encode())
    assert upload.choice.epsg == epsg
    point = upload.frame.geometry.iloc[0]
    assert 9.6 < point.x < 9.9 and 52.3 < point.y < 52.45


def test_metres_in_lon_lat_columns_are_read_as_metres_with_a_notice():
    upload_inspection = inspect_upload("m.csv", b"lon,lat\n550135,5802600\n")
    assert upload_inspection.suggestion.epsg == 25832
    assert "metres_detected" in codes(upload_inspection)


def test_swapped_lon_lat_columns_are_detected():
    inspection = inspect_upload("s.csv", b"lon,lat\n52.3759,9.7320\n52.2689,10.5268\n")
    assert inspection.suggestion == CoordinateChoice("lonlat", "lat", "lon", 4326)
    assert "swapped_columns" in codes(inspection)


def test_xlsx_sheet_choice_formulas_never_evaluated():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Standorte"
    sheet.append(["Name", "lon", "lat", "Notiz"])
    sheet.append(["=HYPERLINK(\"http://evil\")", 9.7320, 52.3759, "@SUM(A1)"])
    book.create_sheet("Leer").append(["x"])
    buffer = io.BytesIO()
    book.save(buffer)
    inspection = inspect_upload("liste.xlsx", buffer.getvalue())
    assert inspection.layers == ("Standorte", "Leer") and inspection.layer == "Standorte"
    upload = load_upload("liste.xlsx", buffer.getvalue())
    # no cached value: openpyxl gives the formula text itself, which stays text (exports neutralise it)
    assert upload.frame["Notiz"].tolist() == ["@SUM(A1)"]
    assert upload.frame["Name"].iloc[0] in ("", '=HYPERLINK("http://evil")')


def test_postcodes_are_placed_approximately():
    postcodes = {"30159": HANNOVER, "38100": BRAUNSCHWEIG}
    upload = load_upload("plz.csv", "Firma;PLZ\nA;30159\nB;38100\nC;99999\n".encode(), postcodes=postcodes)
    assert upload.choice == CoordinateChoice("postcode", "PLZ")
    assert upload.frame[APPROXIMATE].tolist() == ["postcode", "postcode"]
    unknown = [p for p in upload.problems if p.code == "unknown_postcode"]
    assert [(p.row, p.field) for p in unknown] == [(4, "PLZ")]
    assert "Zeile 4, Spalte „PLZ“" in unknown[0].text("de")


# --- vector files --------------------------------------------------------------------------------------------------

def _frame(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["A", HOSTILE]}, geometry=[Point(*HANNOVER), Point(*BRAUNSCHWEIG)],
                            crs="EPSG:4326").to_crs(crs)


def _bytes(frame: gpd.GeoDataFrame, tmp_path: Path, name: str, **kwargs) -> bytes:
    path = tmp_path / name
    frame.to_file(path, **kwargs)
    return path.read_bytes()


def test_geojson(tmp_path):
    upload = load_upload("a.geojson", _bytes(_frame(), tmp_path, "a.geojson"))
    assert upload.frame["name"].tolist() == ["A", HOSTILE] and upload.choice.kind == "geometry"


def test_geopackage_layer_choice(tmp_path):
    path = tmp_path / "two.gpkg"
    _frame().to_file(path, layer="punkte")
    gpd.GeoDataFrame({"name": ["F"]}, geometry=[Polygon([(9.7, 52.3), (9.8, 52.3), (9.8, 52.4)])],
                     crs="EPSG:4326").to_file(path, layer="flaechen")
    data = path.read_bytes()
    assert inspect_upload("two.gpkg", data).layers == ("punkte", "flaechen")
    assert load_upload("two.gpkg", data, layer="flaechen").families == {"polygon": 1}
    assert "unknown_layer" in codes(fatal("two.gpkg", data, layer="nope"))


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def _shapefile(tmp_path: Path, frame: gpd.GeoDataFrame, prj: bool = True) -> dict[str, bytes]:
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    frame.to_file(folder / "orte.shp")
    return {f"orte/{p.name}": p.read_bytes() for p in folder.iterdir() if prj or p.suffix != ".prj"}


def test_zipped_shapefile_in_utm(tmp_path):
    upload = load_upload("orte.zip", _zip(_shapefile(tmp_path, _frame("EPSG:25832"))))
    assert round(upload.frame.geometry.iloc[0].x, 4) == HANNOVER[0]


def test_zipped_shapefile_without_prj_guesses_the_crs_from_its_extent(tmp_path):
    data = _zip(_shapefile(tmp_path, _frame("EPSG:31467"), prj=False))
    inspection = inspect_upload("orte.zip", data)
    assert inspection.suggestion.epsg == 31467 and "crs_guessed" in codes(inspection)
    assert round(load_upload("orte.zip", data).frame.geometry.iloc[0].y, 3) == round(HANNOVER[1], 3)


def test_kml(tmp_path):
    upload = load_upload("orte.kml", _bytes(_frame(), tmp_path, "orte.kml", driver="KML"))
    assert len(upload.frame) == 2 and upload.frame.crs == "EPSG:4326"


def test_lines_polygons_mixed_and_invalid(tmp_path):
    bowtie = Polygon([(9.70, 52.30), (9.80, 52.40), (9.80, 52.30), (9.70, 52.40)])
    frame = gpd.GeoDataFrame({"name": ["line", "bowtie"]},
                             geometry=[LineString([HANNOVER, BRAUNSCHWEIG]), bowtie], crs="EPSG:4326")
    upload = load_upload("mix.geojson", _bytes(frame, tmp_path, "mix.geojson"))
    assert {"mixed_geometry", "repaired_geometry"} <= set(codes(upload))
    assert upload.frame.geometry.is_valid.all()
    repaired = next(p for p in upload.problems if p.code == "repaired_geometry")
    assert repaired.row == 2


# --- bad input -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "code"), [
    ("leer.csv", b"", "empty"),
    ("leer.csv", b"\xef\xbb\xbf  \r\n", "empty"),
    ("kopf.csv", b"name;lon;lat\n", "only_header"),
    ("fake.csv", b"PK\x03\x04" + b"\x00" * 40, "content_mismatch"),
    ("fake.geojson", b"name,lon,lat\nA,1,2\n", "content_mismatch"),
    ("fake.gpkg", b"{\"type\": \"FeatureCollection\"}", "content_mismatch"),
    ("fake.xlsx", b"name,lon\n", "content_mismatch"),
    ("bild.png", b"\x89PNG", "unknown_suffix"),
    ("kaputt.geojson", b"{\"type\": \"FeatureCollection\", \"features\": [", "not_readable"),
    ("keine.csv", b"name,strasse\nA,B\n", "no_coordinates"),
])
def test_bad_files_get_a_message_naming_the_file(name, data, code):
    error = fatal(name, data)
    assert codes(error) == [code]
    for lang in ("de", "en", "fr"):
        assert error.problems[0].text(lang).startswith(name)


def test_zip_without_shapefile():
    assert codes(fatal("daten.zip", _zip({"readme.txt": b"hallo"}))) == ["zip_no_shp"]


@pytest.mark.parametrize("member", ["../evil.shp", "/etc/evil.shp", "a/../../evil.shp", "C:/evil.shp"])
def test_zip_paths_that_climb_out_are_refused(member):
    error = fatal("evil.zip", _zip({member: b"x"}))
    assert codes(error) == ["zip_path"] and member in error.problems[0].text("en")


def test_a_real_zip_bomb_is_refused_before_extracting():
    bomb = _zip({"orte.shp": b"\x00" * 50_000_000})
    assert len(bomb) < 100_000
    small = replace(settings(), max_uncompressed_bytes=10_000_000)
    assert codes(fatal("bomb.zip", bomb, settings=small)) == ["zip_bomb"]


def test_a_zip_bomb_with_forged_sizes_stops_while_extracting(tmp_path):
    bomb = bytearray(_zip({"orte.shp": b"\x00" * 20_000_000}))
    # forge the declared uncompressed size in the local and central headers to 100 bytes
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = bomb.find(signature)
        bomb[at + offset:at + offset + 4] = (100).to_bytes(4, "little")
    small = replace(settings(), max_uncompressed_bytes=1_000_000)
    error = fatal("bomb.zip", bytes(bomb), settings=small)
    assert codes(error) in (["zip_bomb"], ["not_readable"])


def test_size_and_row_limits():
    small = replace(settings(), max_bytes=100, max_rows=2)
    assert codes(fatal("gross.csv", b"x" * 101, settings=small)) == ["too_large"]
    rows = b"lon,lat\n" + b"9.7,52.3\n" * 3
    assert codes(fatal("viele.csv", rows, settings=small)) == ["too_many_rows"]


def test_bad_coordinates_name_row_and_field_and_the_rest_is_kept():
    text = "name,lon,lat\nok,9.7320,52.3759\nkaputt,abc,52.1\nweit,9.7,952.1\nleer,,52.2\nok2,10.5268,52.2689\n"
    upload = load_upload("k.csv", text.encode())
    assert len(upload.frame) == 2
    found = {(p.code, p.row, p.field) for p in upload.problems}
    assert {("not_a_number", 3, "lon"), ("out_of_range", 4, "lat"), ("missing_coordinate", 5, "lon")} <= found


def test_hostile_text_long_cells_and_duplicate_headers_stay_data():
    long = "x" * 10_000
    text = f"name,name,lon,lat,notiz\n{HOSTILE},=1+1,9.7320,52.3759,{long}\n"
    upload = load_upload("h.csv", text.encode())
    assert upload.frame["name"].iloc[0] == HOSTILE and upload.frame["name (2)"].iloc[0] == "=1+1"
    assert len(upload.frame["notiz"].iloc[0]) == settings().max_cell_chars + 1
    assert {"duplicate_header", "long_cell"} <= set(codes(upload))


def test_messages_in_three_languages_with_local_numbers():
    small = replace(settings(), max_rows=1000)
    rows = b"lon,lat\n" + b"9.7,52.3\n" * 1001
    error = fatal("viele.csv", rows, settings=small)
    assert "1.001" in error.problems[0].text("de") and "1,001" in error.problems[0].text("en")
    assert "1\u202f001" in error.problems[0].text("fr") or "1 001" in error.problems[0].text("fr")


def test_geojson_is_wgs84_and_json_arrays_are_not_geojson(tmp_path):
    raw = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"n": 1}, "geometry": {"type": "Point", "coordinates": list(HANNOVER)}}]})
    assert load_upload("p.json", raw.encode()).frame.crs == "EPSG:4326"
    assert codes(fatal("a.json", b"[1, 2, 3]")) == ["not_readable"]


def test_postcodes_from_the_store_place_a_table(built_store):
    from regionmap.uploads.upload import postcode_lookup

    lookup = postcode_lookup(gpd.read_file(built_store, layer="postcodes"))
    assert len(lookup) > 8000 and "38100" in lookup
    upload = load_upload("plz.csv", b"Firma,PLZ\nA,38100\nB,30159\n", postcodes=lookup)
    braunschweig = upload.frame.geometry.iloc[0]
    assert abs(braunschweig.x - BRAUNSCHWEIG[0]) < 0.05 and abs(braunschweig.y - BRAUNSCHWEIG[1]) < 0.05


def test_numbers_follow_the_columns_convention():
    from regionmap.uploads.geometry import parse_numbers

    values, bad = parse_numbers(pd.Series(["52,37", "1.234,5", "-0,5", "", "52.3759", "abc", "7"]))
    assert values.tolist()[:3] == [52.37, 1234.5, -0.5] and values.tolist()[6] == 7.0
    assert bad.tolist() == [False, False, False, False, True, True, False]
    values, bad = parse_numbers(pd.Series(["52.37", "1,234.5", "1e3"]))
    assert values.tolist() == [52.37, 1234.5, 1000.0] and not bad.any()
