"""A partner's file import without Streamlit: real CSV, XLSX and GeoJSON files read by the upload readers, columns
mapped to the schema (suggested from names and labels, or the saved mapping), rows as curated records, and the
preview against the current records with its changes for a change set."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from regionmap.editing.changesets import ImportRow
from regionmap.editing.imports import (
    change_items,
    compared_fields,
    import_fields,
    import_rows,
    outside_area,
    preview,
    suggested_mapping,
)
from regionmap.editing.records import Place, form_fields, schema_of
from regionmap.editing.roles import Grant
from regionmap.uploads.problems import UploadError
from regionmap.uploads.records import file_records

SCHEMA = schema_of("sites")
CURRENT = {
    "sites-a": {"id": "sites-a", "name": "Gebiet A", "category": "industry", "sectors": "production",
                "area_ha": "12.5", "indicative": "true", "lon": "10.45", "lat": "51.912", "availability": "on_request"},
    "sites-b": {"id": "sites-b", "name": "Gebiet B", "category": "commercial", "sectors": "logistics",
                "area_ha": "", "indicative": "false", "lon": "10.482", "lat": "51.91", "availability": "available"},
    "sites-c": {"id": "sites-c", "name": "Gebiet C", "category": "office", "sectors": "digital",
                "area_ha": "3", "indicative": "false", "lon": "10.4", "lat": "51.9", "availability": "available"},
}
HEADER = ["Kennung", "Name", "Kategorie", "Branchen", "Bruttofläche (ha)", "Richtwert", "Länge", "Breite", "Verfügbarkeit"]
ROWS = [
    ["sites-a", "Gebiet A", "industry", "production", "12,5", "ja", "10,45", "51,912", "on_request"],  # unchanged
    ["sites-b", "Gebiet B", "commercial", "logistics, mobility", "1.234,5", "nein", "10,482", "51,91", "available"],
    ["", "=HYPERLINK(\"http://x\")", "industry", "production", "", "vielleicht", "10,44", "51,91", "<b>bald</b>"],
]


def csv_bytes() -> bytes:
    lines = [";".join(HEADER), *(";".join(row) for row in ROWS)]
    return ("\n".join(lines) + "\n").encode("cp1252")


def xlsx_bytes() -> bytes:
    frame = pd.DataFrame(ROWS, columns=HEADER)
    frame["Bruttofläche (ha)"] = [12.5, 1234.5, None]  # real numbers in a spreadsheet
    frame["Länge"] = [10.45, 10.482, 10.44]
    frame["Breite"] = [51.912, 51.91, 51.91]
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def geojson_bytes() -> bytes:
    frame = gpd.GeoDataFrame(
        {"id": [r[0] for r in ROWS], "name": [r[1] for r in ROWS], "category": [r[2] for r in ROWS],
         "sectors": [r[3] for r in ROWS], "area_ha": [12.5, 1234.5, None], "indicative": [True, False, None],
         "availability": [r[8] for r in ROWS]},
        geometry=[Point(10.45, 51.912), Point(10.482, 51.91), Point(10.44, 51.91)], crs="EPSG:4326")
    return frame.to_json().encode()


def rows_of(name: str, data: bytes) -> tuple[list[ImportRow], dict[str, str]]:
    records = file_records(name, data)
    mapping = suggested_mapping(SCHEMA, records.columns, points=records.points)
    return import_rows(records, SCHEMA, mapping), mapping


def test_import_fields_are_the_id_the_form_fields_and_the_point() -> None:
    assert import_fields(SCHEMA) == ("id", *(f.name for f in form_fields(SCHEMA)), "lon", "lat")


def test_columns_named_by_their_german_labels_are_mapped() -> None:
    mapping = suggested_mapping(SCHEMA, HEADER)
    assert mapping == {"id": "Kennung", "name": "Name", "category": "Kategorie", "sectors": "Branchen",
                       "area_ha": "Bruttofläche (ha)", "indicative": "Richtwert", "lon": "Länge", "lat": "Breite",
                       "availability": "Verfügbarkeit"}


def test_the_saved_mapping_wins_where_its_columns_are_in_the_file() -> None:
    columns = ["Nr", "Bezeichnung", "Name", "X"]
    mapping = suggested_mapping(SCHEMA, columns, {"id": "Nr", "name": "Bezeichnung", "lon": "gone"})
    assert mapping["id"] == "Nr" and mapping["name"] == "Bezeichnung"
    assert "lon" not in mapping  # the saved column is not in this file, and none is named like it
    assert suggested_mapping(SCHEMA, ["a"], points=True) == {"lon": "lon", "lat": "lat"}


@pytest.mark.parametrize(("name", "make"), [("liste.csv", csv_bytes), ("liste.xlsx", xlsx_bytes),
                                            ("liste.geojson", geojson_bytes)])
def test_rows_from_every_format_become_the_same_records(name: str, make) -> None:
    rows, mapping = rows_of(name, make())
    assert [r.row for r in rows] == ([2, 3, 4] if name != "liste.geojson" else [1, 2, 3])
    first, second, third = (r.values for r in rows)
    assert first == {k: CURRENT["sites-a"][k] for k in first}
    assert second["area_ha"] == "1234.5" and second["sectors"] == "mobility,logistics"
    assert second["indicative"] == "false" and second["lon"] == "10.482"
    assert third["id"] == ""
    # text stays text; a spreadsheet's formula cell gives its stored value, never the formula
    assert third["name"] == ("" if name == "liste.xlsx" else "=HYPERLINK(\"http://x\")")
    if name != "liste.geojson":
        assert third["indicative"] == "vielleicht"  # no yes/no word: left for the checks to name
        assert third["availability"] == "<b>bald</b>"


def test_a_number_that_is_no_number_keeps_its_text() -> None:
    data = ("Name;Bruttofläche (ha);Länge;Breite\nA;viel;10,4;51,9\nB;2,5;10,4;51,9\n").encode()
    rows, _ = rows_of("x.csv", data)
    assert [r.values["area_ha"] for r in rows] == ["viel", "2.5"]


def test_preview_sorts_the_rows_and_lists_what_the_file_no_longer_has() -> None:
    rows, mapping = rows_of("liste.csv", csv_bytes())
    result = preview(CURRENT, rows, mapping)
    assert result.counts == {"new": 1, "changed": 1, "unchanged": 1, "missing": 1}
    assert [r.values["id"] for r, _ in result.changed] == ["sites-b"]
    assert result.missing == ["sites-c"]
    assert "id" not in compared_fields(mapping) and "area_ha" in compared_fields(mapping)


def test_change_items_merge_the_file_over_the_current_values_and_withdraw_only_when_asked() -> None:
    rows, mapping = rows_of("liste.csv", csv_bytes())
    result = preview(CURRENT, rows, mapping)
    current = {i: (v | {"address": "Am Markt 1"}, 3) for i, v in CURRENT.items()}
    items = change_items(result, current)
    assert [(row, record_id, revision, withdraw) for row, _, record_id, revision, withdraw in items] == [
        (4, None, None, False), (3, "sites-b", 3, False)]
    changed = items[1][1]
    assert changed["address"] == "Am Markt 1" and changed["area_ha"] == "1234.5"  # unmapped fields are kept
    withdrawn = change_items(result, current, withdraw_missing=True, skip_rows=[4])
    assert [(i[2], i[4]) for i in withdrawn] == [("sites-b", False), ("sites-c", True)]


def test_rows_outside_the_grants_area_are_named() -> None:
    rows = [ImportRow(2, {"id": "sites-x"}), ImportRow(3, {}), ImportRow(4, {})]
    places = {2: Place("03241001", "Hannover", "03241", "Region Hannover"),
              3: Place("03153017", "Goslar", "03153", "Goslar"), 4: None}
    grant = Grant("ed@goslar.de", "editor", "WiReGo Goslar", kreise=("03153",))
    problems = outside_area(rows, places, grant, "liste.csv")
    assert [(p.file, p.row, p.id, p.field) for p in problems] == [("liste.csv", 2, "sites-x", "lon")]
    assert "Hannover" in problems[0].message


@pytest.mark.parametrize("data", [b"", b"\x00\x01garbage", json.dumps({"type": "nothing"}).encode()])
def test_unreadable_files_raise_upload_errors(data: bytes) -> None:
    with pytest.raises(UploadError):
        file_records("liste.geojson" if data.startswith(b"{") else "liste.csv", data)
