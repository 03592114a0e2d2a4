"""Reading curated CSV files, their schema, and the value checks shared by validate and the build."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from curated_helpers import BS, health_row, point_row, synthetic_gemeinden, write_csv
from regionmap.data.curated import (
    CuratedDataError,
    Problem,
    ERROR,
    coordinate_problems,
    curated_schemas,
    html_problem,
    normalise_sectors,
    parse_date,
    read_curated,
    split_sectors,
    table_frame,
)
from regionmap.taxonomy import taxonomy


def test_read_keeps_editor_line_numbers(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "research.csv", [
        point_row("research", "research-a", "university", description_de="zwei\r\nZeilen"),
        point_row("research", "research-b", "university"),
    ])
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    path.write_bytes(("\ufeff" + text.replace("\nresearch-b", "\n\n  \nresearch-b")).encode("utf-8"))
    table = read_curated(path)
    assert table.schema == curated_schemas()["research"]
    assert table.problems == ()
    assert [(r.line, r.values["id"]) for r in table.records] == [(2, "research-a"), (6, "research-b")]
    assert table.records[0].values["description_de"] == "zwei\nZeilen"


def test_header_problems(tmp_path: Path) -> None:
    row = point_row("research", "research-a", "university")
    columns = [c for c in row if c != "lat"] + ["name"]
    table = read_curated(write_csv(tmp_path / "research.csv", [row], columns))
    assert {(p.row, p.field, p.message) for p in table.problems} == {
        (1, "name", "column appears more than once in the header"),
        (1, "lat", "column missing from the header"),
    }


def test_layer_and_hospital_name_columns_may_be_left_out(tmp_path: Path) -> None:
    row = point_row("events", "events-a", "arena")
    assert read_curated(write_csv(tmp_path / "events.csv", [row], [c for c in row if c != "layer"])).problems == ()
    row = health_row("1_2_3")
    assert read_curated(write_csv(tmp_path / "health.csv", [row], [c for c in row if c != "name"])).problems == ()


def test_semicolon_separated_file(tmp_path: Path) -> None:
    (tmp_path / "sites.csv").write_text("id;name;layer\nsites-a;A;sites\n", encoding="utf-8")
    assert "separated by ';'" in read_curated(tmp_path / "sites.csv").problems[0].message


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("", encoding="utf-8")
    assert "empty file" in read_curated(tmp_path / "events.csv").problems[0].message
    assert "cannot read" in read_curated(tmp_path / "sites.csv").problems[0].message


def test_schema_of_a_file_named_otherwise_comes_from_its_layer(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "import_2025.csv", [point_row("events", "events-a", "arena")])
    assert read_curated(path).schema == curated_schemas()["events"]


def test_table_frame_types(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sites.csv", [
        point_row("sites", "sites-a", "industry", sectors="logistics, mobility,logistics", website=""),
        point_row("sites", "sites-b", "industry", area_ha="", size_class="L", indicative="FALSE"),
    ])
    frame = table_frame(read_curated(path), taxonomy().sector_ids)
    assert frame["area_ha"].dtype == float and frame["indicative"].dtype == bool
    assert frame["area_ha"].iloc[0] == 12.5 and frame["area_ha"].isna().iloc[1]
    assert frame["indicative"].tolist() == [True, False]
    assert frame["sectors"].tolist() == ["mobility,logistics", "mobility,digital"]
    assert frame["website"].iloc[0] is None
    assert frame["lon"].tolist() == [BS[0], BS[0]]


def test_split_and_normalise_sectors() -> None:
    assert split_sectors(" health, digital ,,") == ["health", "digital"]
    assert split_sectors(None) == [] and split_sectors("") == []
    order = taxonomy().sector_ids
    assert normalise_sectors(["logistics", "mobility", "logistics"], order) == "mobility,logistics"


@pytest.mark.parametrize("text", ["<img src=x onerror=alert(1)>", "</b>", "<!-- x -->", "&#60;script", "&amp;",
                                  "JavaScript :alert(1)", "x\" onclick = \"y"])
def test_html_is_flagged(text: str) -> None:
    assert html_problem(text)


@pytest.mark.parametrize("text", ["A & B", "Fläche < 5 ha", "3 > 2", "Bonn=Hauptstadt a. D.", "on = off"])
def test_plain_text_passes(text: str) -> None:
    assert html_problem(text) is None


def test_parse_date() -> None:
    today = dt.date(2025, 6, 1)
    assert parse_date("2025-06", today) == dt.date(2025, 6, 1)
    assert parse_date("2020-03-08", today) == dt.date(2020, 3, 8)
    for bad in ("2025-6-1", "08/03/2020", "2025", "2025-13", "2025-06-02"):
        with pytest.raises(ValueError):
            parse_date(bad, today)


def test_coordinate_problems_against_boundaries() -> None:
    gemeinden = synthetic_gemeinden()
    assert coordinate_problems(gemeinden, *BS, "03101000") == []
    [(field, message, severity)] = coordinate_problems(gemeinden, BS[1], BS[0], "03101000")
    assert field == "lon" and "swapped" in message and severity == ERROR
    [(field, message, severity)] = coordinate_problems(None, 604000.0, 5792000.0, "03101000")
    assert field == "lon" and "projected metres" in message and severity == ERROR
    assert coordinate_problems(None, *BS, "03101000") == []


def test_curated_data_error_lists_problems() -> None:
    problems = [Problem("research.csv", i, f"research-{i}", "name", "required value is empty") for i in range(2, 30)]
    text = str(CuratedDataError(problems))
    assert text.startswith("28 problem(s)")
    assert "research.csv:2: id=research-2 field=name: required value is empty" in text
    assert "and 8 more (run `regionmap validate`)" in text
