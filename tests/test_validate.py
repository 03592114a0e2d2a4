"""`regionmap validate`: one broken file per check, the store checks, and the shipped curated data."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer

from curated_helpers import (
    BS,
    WOB,
    health_row,
    point_row,
    synthetic_base,
    write_csv,
    write_store,
    write_valid_curated,
)
from regionmap import config
from regionmap.data import record_texts
from regionmap.cli import main
from regionmap.data.pipeline import build_store
from regionmap.data.thematic import build_thematic_layers
from regionmap.data.validation import ValidationReport, run_validation
from regionmap.data.curated import CuratedDataError, record_text_problems
from regionmap.taxonomy import taxonomy

TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    base = synthetic_base()
    return write_store(tmp_path / "store.gpkg", {"gemeinden": base["gemeinden"], "hospitals": base["hospitals"]})


def validate(path: Path, store: Path) -> ValidationReport:
    return run_validation([path], store=store, today=TODAY)


def _report_line(report: ValidationReport, file: Path, row: int | None, rid: str, field: str, label: str,
                 fragments: tuple[str, ...]) -> str:
    """The first report line for this file/row/id/field (`label` is "" or "warning: "), holding every fragment."""
    where = str(file) if row is None else f"{file}:{row}"
    prefix = f"{where}: {label}id={rid} field={field}: "
    lines = [line for line in report.format().splitlines() if line.startswith(prefix)]
    assert lines, f"no line {prefix!r} in:\n{report.format()}"
    assert any(all(f in line for f in fragments) for line in lines), f"{fragments} not in {lines}"
    return lines[0]


def assert_problem(report: ValidationReport, file: Path, row: int | None, rid: str, field: str, *fragments: str) -> str:
    """The one report line for this file/row/id/field, holding every fragment."""
    line = _report_line(report, file, row, rid, field, "", fragments)
    assert not report.ok
    return line


def assert_warning(report: ValidationReport, file: Path, row: int | None, rid: str, field: str, *fragments: str) -> str:
    """The one warning line for this file/row/id/field, holding every fragment (warnings alone leave the report ok)."""
    return _report_line(report, file, row, rid, field, "warning: ", fragments)


def research(tmp_path: Path, *rows: dict[str, str], columns: list[str] | None = None) -> Path:
    return write_csv(tmp_path / "research.csv", list(rows), columns)


def test_valid_files_pass(tmp_path: Path, store: Path) -> None:
    directory = write_valid_curated(tmp_path / "curated")
    report = run_validation([directory], store=store, today=TODAY)
    assert report.ok, report.format()
    assert "OK" in report.format()


# 1. schema and required fields

def test_missing_column(tmp_path: Path, store: Path) -> None:
    row = point_row("research", "research-a", "university")
    path = research(tmp_path, row, columns=[c for c in row if c != "website"])
    assert_problem(validate(path, store), path, 1, "-", "website", "column missing")


def test_unknown_column_is_flagged_as_a_possible_typo(tmp_path: Path, store: Path) -> None:
    row = point_row("research", "research-a", "university") | {"descripton_de": "x"}
    path = research(tmp_path, row, columns=list(row))
    assert_problem(validate(path, store), path, 1, "-", "descripton_de", "unknown column")


def test_empty_required_value(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university"),
                    point_row("research", "research-b", "university", name=""))
    assert_problem(validate(path, store), path, 3, "research-b", "name", "required value is empty")


def test_sites_area_not_a_number_and_bool_not_true_false(tmp_path: Path, store: Path) -> None:
    path = write_csv(tmp_path / "sites.csv",
                     [point_row("sites", "sites-a", "industry", area_ha="12,5", indicative="ja")])
    report = validate(path, store)
    assert_problem(report, path, 2, "sites-a", "area_ha", "not a number", "decimal point")
    assert_problem(report, path, 2, "sites-a", "indicative", "not true or false")


def test_sites_indicative_needs_a_note_and_a_size(tmp_path: Path, store: Path) -> None:
    path = write_csv(tmp_path / "sites.csv",
                     [point_row("sites", "sites-a", "industry", area_ha="", size_class="", indicative_note="")])
    report = validate(path, store)
    assert_problem(report, path, 2, "sites-a", "area_ha", "area_ha or size_class")
    assert_problem(report, path, 2, "sites-a", "indicative_note", "indicative")


def test_row_numbers_count_editor_lines_across_quoted_line_breaks(tmp_path: Path, store: Path) -> None:
    first = point_row("research", "research-a", "university", description_de="Zeile eins\nZeile zwei")
    path = research(tmp_path, first, point_row("research", "research-b", "university", website="ftp://example.org"))
    assert_problem(validate(path, store), path, 4, "research-b", "website", "not an http(s) URL")


def test_short_row(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university"))
    with path.open("a", encoding="utf-8") as fh:
        fh.write("research-b,Short row\n")
    assert_problem(validate(path, store), path, 3, "research-b", "-", "row has 2 fields")


def test_not_utf8(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university"))
    path.write_bytes(path.read_bytes() + "research-b,Göttingen\n".encode("cp1252"))
    assert_problem(validate(path, store), path, 3, "-", "-", "not UTF-8")


# 2. vocabularies

def test_unknown_sector(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", sectors="digital, quantum"))
    assert_problem(validate(path, store), path, 2, "research-a", "sectors", "unknown sector(s) quantum")


def test_category_of_another_layer(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "arena"))
    assert_problem(validate(path, store), path, 2, "research-a", "category", "'arena' is not a category", "research")


def test_curated_mobility_may_not_add_stations(tmp_path: Path, store: Path) -> None:
    path = write_csv(tmp_path / "mobility.csv", [point_row("mobility", "mobility-x", "station_regional")])
    assert_problem(validate(path, store), path, 2, "mobility-x", "category", "inland_port")


def test_layer_column_must_match_the_file(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university") | {"layer": "events"})
    assert_problem(validate(path, store), path, 2, "research-a", "layer", "must be 'research'")


def test_ids_lower_case_and_prefixed(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "Research-A", "university"),
                    point_row("research", "tu-braunschweig", "university"))
    report = validate(path, store)
    assert_problem(report, path, 2, "Research-A", "id", "lower-case")
    assert_problem(report, path, 3, "tu-braunschweig", "id", "layer prefix 'research-'")


# 3. duplicate ids

def test_duplicate_id_within_a_file(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university"),
                    point_row("research", "research-a", "hochschule"))
    assert_problem(validate(path, store), path, 3, "research-a", "id", "duplicate id", f"{path}:2")


def test_duplicate_id_across_files(tmp_path: Path, store: Path) -> None:
    first = research(tmp_path, point_row("research", "research-a", "university"))
    other = write_csv(tmp_path / "more_research.csv", [point_row("research", "research-a", "university")])
    report = run_validation([first, other], store=store, today=TODAY)
    assert_problem(report, other, 2, "research-a", "id", "duplicate id", f"{first}:2")


# 4.-7. geography

def test_outside_the_region(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", (8.0, 50.0)))
    assert_problem(validate(path, store), path, 2, "research-a", "lon", "outside the region")


def test_point_in_another_municipality_than_its_ags(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", WOB, "03101000"))
    assert_problem(validate(path, store), path, 2, "research-a", "ags", "lies in Wolfsburg (03103000)",
                   "outside Braunschweig (03101000)")


def test_ags_unknown(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", BS, "03101999"),
                    point_row("research", "research-b", "university", BS, "09162000"))
    report = validate(path, store)
    assert_warning(report, path, 2, "research-a", "ags", "not a municipality of these boundaries",
                   "merged, split or renumbered", "the point lies in Braunschweig (03101000)")
    assert_problem(report, path, 3, "research-b", "ags", "not in a Kreis of the region")


def test_ags_that_lost_its_leading_zero(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", BS, "3101000"))
    assert_problem(validate(path, store), path, 2, "research-a", "ags", "leading zero", "'03101000'")


def test_swapped_longitude_and_latitude(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", (BS[1], BS[0])))
    assert_problem(validate(path, store), path, 2, "research-a", "lon", "swapped", "Braunschweig")


def test_projected_metres_given_as_degrees(tmp_path: Path, store: Path) -> None:
    east, north = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(*BS)
    path = research(tmp_path, point_row("research", "research-a", "university", (round(east), round(north))),
                    point_row("research", "research-b", "university", (550000, 7900000)))
    report = validate(path, store)
    assert_problem(report, path, 2, "research-a", "lon", "UTM/Gauss-Krüger", "EPSG:25832", "Braunschweig (03101000)")
    line = assert_problem(report, path, 3, "research-b", "lon", "UTM/Gauss-Krüger")
    assert "EPSG:25832" not in line


def test_coordinates_not_numbers(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", ("10,5", "52,27")))
    assert_problem(validate(path, store), path, 2, "research-a", "lat", "decimal point")


# 8. dates

def test_unparseable_and_future_dates(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", as_of="01.03.2024"),
                    point_row("research", "research-b", "university", as_of="2025-02-30"),
                    point_row("research", "research-c", "university", as_of="2025-07"))
    report = validate(path, store)
    assert_problem(report, path, 2, "research-a", "as_of", "not an ISO date")
    assert_problem(report, path, 3, "research-b", "as_of", "not a valid date")
    assert_problem(report, path, 4, "research-c", "as_of", "future")


# 9. HTML and script

@pytest.mark.parametrize(("field", "value", "what"), [
    ("description_en", "<img src=x onerror=alert(1)>", "HTML tag"),
    ("name", "Institute &lt;b&gt;", "HTML entity"),
    ("address", "Street 1\" onmouseover=\"steal()", "event handler"),
    ("description_fr", "voir javascript:alert(1)", "javascript:"),
])
def test_html_or_script_in_text(tmp_path: Path, store: Path, field: str, value: str, what: str) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", **{field: value}))
    assert_problem(validate(path, store), path, 2, "research-a", field, what, "plain text")


def test_script_url_as_website(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", website="javascript:alert(1)"))
    assert_problem(validate(path, store), path, 2, "research-a", "website", "not an http(s) URL")


def test_plain_text_with_less_than_and_ampersand_passes(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university",
                                        description_en="Labs & workshops, < 5 km from the station; Bonn=no"))
    assert validate(path, store).ok


# 10. translated texts: the curated files name them by id, the vocabulary has every language

VOCABULARY = """\
[source.institution_website]
de = "Website der Einrichtung"
en = "Website of the institution"

[source.venue_website]
de = "Website des Veranstaltungsorts"
en = "Website of the venue"
fr = "Site web du lieu <b>"
it = "Sito web"

[indicative_note.estimated_by_compilers]
de = "Richtwerte"
en = "Indicative"
fr = " "
"""


@pytest.mark.parametrize("field", ["source", "indicative_note"])
def test_free_text_instead_of_a_text_id(tmp_path: Path, store: Path, field: str) -> None:
    path = write_csv(tmp_path / "sites.csv", [point_row("sites", "sites-a", "industry",
                                                        **{field: "Own compilation; not an offer"})])
    assert_problem(validate(path, store), path, 2, "sites-a", field, "'Own compilation; not an offer'",
                   f"not a text id of [{field}]", "de, en and fr")


def test_missing_translation_is_reported_with_file_line_entry_and_language(
        tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vocabulary = tmp_path / "record_texts.toml"
    vocabulary.write_text(VOCABULARY, encoding="utf-8")
    monkeypatch.setattr(record_texts, "vocabulary_path", lambda: vocabulary)
    path = research(tmp_path, point_row("research", "research-a", "university"))
    report = validate(path, store)
    assert_problem(report, vocabulary, 1, "source.institution_website", "fr", "translation missing for 'fr'")
    assert_problem(report, vocabulary, 4, "source.venue_website", "it", "unknown language 'it'")
    assert_problem(report, vocabulary, 4, "source.venue_website", "fr", "HTML tag")
    assert_problem(report, vocabulary, 10, "indicative_note.estimated_by_compilers", "fr", "missing for 'fr'")
    # the incomplete entry cannot be used by a record either
    assert_problem(report, path, 2, "research-a", "source", "'institution_website' is not a text id")
    with pytest.raises(CuratedDataError, match="translation missing for 'fr'"):
        build_thematic_layers(synthetic_base(), write_valid_curated(tmp_path / "curated"))


def test_a_description_in_one_language_needs_the_others(tmp_path: Path, store: Path) -> None:
    path = write_csv(tmp_path / "sites.csv", [
        point_row("sites", "sites-a", "industry", description_en="", description_fr=""),
        point_row("sites", "sites-b", "industry", description_de="", description_en="", description_fr=""),
    ])
    report = validate(path, store)
    assert_problem(report, path, 2, "sites-a", "description_en", "translation missing", "description_de given")
    assert_problem(report, path, 2, "sites-a", "description_fr", "translation missing")
    assert len(report.problems) == 2, report.format()  # no description at all is allowed


def test_shipped_vocabulary_is_complete_and_translated() -> None:
    vocabulary = record_texts.load_record_texts()
    assert vocabulary.gaps == () and record_text_problems(vocabulary) == []
    for field, entries in vocabulary.texts.items():
        assert entries, field
        for entry, texts in entries.items():
            assert len({texts["de"], texts["en"], texts["fr"]}) == 3, f"{field}.{entry} is not translated"


# health and gemeinde_status files

def test_health_register_id_not_among_the_sites(tmp_path: Path, store: Path) -> None:
    path = write_csv(tmp_path / "health.csv", [health_row("999_unknown"), health_row("260310000_001_770001", "arena")])
    report = validate(path, store)
    assert_problem(report, path, 2, "999_unknown", "register_id", "not among the region's GISCO hospital sites")
    assert_problem(report, path, 3, "260310000_001_770001", "category", "'arena'")


def test_gemeinde_status(tmp_path: Path, store: Path) -> None:
    path = write_csv(tmp_path / "gemeinde_status.csv", [
        {"ags": "03101000", "name": "Braunschweig", "kind": "Stadt", "source": "town_rights", "as_of": "2024-01-01"},
        {"ags": "03101000", "name": "Braunschweig", "kind": "Stadt", "source": "town_rights", "as_of": "2024-01-01"},
        {"ags": "03103001", "name": "Nowhere", "kind": "Großstadt", "source": "x", "as_of": "2024"},
    ])
    report = validate(path, store)
    assert_problem(report, path, 3, "03101000", "ags", "duplicate ags")
    assert_problem(report, path, 4, "03103001", "kind", "not one of")
    assert_problem(report, path, 4, "03103001", "as_of", "not an ISO date")
    assert_warning(report, path, 4, "03103001", "ags", "not a municipality of these boundaries")
    assert_problem(report, path, 4, "03103001", "source", "'x' is not a text id of [source]")


def test_file_of_unknown_schema(tmp_path: Path, store: Path) -> None:
    path = write_csv(tmp_path / "mixed.csv", [point_row("research", "research-a", "university"),
                                             point_row("events", "events-a", "arena")])
    assert_problem(validate(path, store), path, None, "-", "layer", "cannot tell the file's schema")


def test_file_named_otherwise_is_checked_by_its_layer(tmp_path: Path, store: Path) -> None:
    path = write_csv(tmp_path / "wfg_export.csv", [point_row("sites", "sites-a", "industry", indicative="maybe")],
                     columns=list(point_row("sites", "x", "industry")))
    assert_problem(validate(path, store), path, 2, "sites-a", "indicative", "not true or false")


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path, store: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "arena", (8.0, 50.0), sectors="x", as_of="now"))
    lines = validate(path, store).format().splitlines()
    assert {line.split("field=")[1].split(":")[0] for line in lines[:-1]} >= {"category", "sectors", "as_of", "lon"}


# no store, the store's layers, the command

def test_without_store_the_geographic_checks_are_reported_missing(tmp_path: Path) -> None:
    path = research(tmp_path, point_row("research", "research-a", "university", (550000, 5800000), sectors="x"))
    missing = tmp_path / "nothing.gpkg"
    report = run_validation([path], store=missing, today=TODAY)
    assert_problem(report, missing, None, "-", "-", "regionmap build-data")
    assert_problem(report, path, 2, "research-a", "sectors", "unknown sector")
    assert_problem(report, path, 2, "research-a", "lon", "projected metres")


def test_store_layers_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    curated = write_valid_curated(tmp_path / "curated")
    base = synthetic_base()
    layers = build_thematic_layers(base, curated).layers
    layers["events"].loc[0, "geometry"] = gpd.points_from_xy([WOB[0]], [WOB[1]])[0]  # ags still says Hannover
    layers["sites"].loc[0, "id"] = "research-tu-bs"
    layers["health"].loc[0, "description_de"] = "<script>alert(1)</script>"
    layers["research"].loc[1, "source_fr"] = None
    store = write_store(tmp_path / "store.gpkg", {"gemeinden": base["gemeinden"], "hospitals": base["hospitals"]}
                        | {k: v for k, v in layers.items() if k != "research"} | {"research": layers["research"]})
    monkeypatch.setattr(config, "curated_dir", lambda: curated)
    report = run_validation([], store=store, today=TODAY)
    assert_problem(report, Path(f"{store}[events]"), 1, "events-messe", "ags", "lies in Wolfsburg")
    assert_problem(report, Path(f"{store}[sites]"), 1, "research-tu-bs", "id", "duplicate id", f"{store}[research]:2")
    assert_problem(report, Path(f"{store}[sites]"), 1, "research-tu-bs", "id", "layer prefix 'sites-'")
    assert_problem(report, Path(f"{store}[health]"), 1, "health-260310000_001_770001", "description_de", "HTML tag")
    assert_problem(report, Path(f"{store}[research]"), 2, "research-tu-bs", "source_fr", "required value is empty")
    assert len(report.problems) == 5, report.format()


def test_store_missing_a_thematic_layer(tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "curated_dir", lambda: write_valid_curated(tmp_path / "curated"))
    report = run_validation([], store=store, today=TODAY)
    assert_problem(report, store, None, "-", "-", "thematic layer 'research' missing")


def test_cli_exit_code(tmp_path: Path, store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_valid_curated(tmp_path / "curated") / "research.csv"
    assert main(["validate", str(good), "--store", str(store)]) == 0
    bad = research(tmp_path, point_row("research", "research-a", "university", sectors="x"))
    assert main(["validate", str(bad), "--store", str(store)]) == 1
    assert f"{bad}:2: id=research-a field=sectors:" in capsys.readouterr().out


# the shipped curated data

def test_shipped_curated_data_and_store_pass(tmp_path: Path) -> None:
    """What CI runs: `regionmap build-data`, then `regionmap validate` on the shipped curated files and the store."""
    files = {p.name for p in config.curated_dir().glob("*.csv")}
    assert files >= {"research.csv", "events.csv", "sites.csv", "mobility.csv", "health.csv", "gemeinde_status.csv"}
    store = build_store(source_dir=Path(os.environ["REGIONMAP_SOURCE_DIR"]), out=tmp_path / "regionmap.gpkg").store
    report = run_validation([], store=store)
    assert report.ok, report.format()
    assert len(report.checked) == len(files) + len(taxonomy().layers)  # every file, every thematic store layer


def test_the_manifest_checksums_agree_with_the_sources_on_another_machine(tmp_path: Path, built_store: Path,
                                                                          source_dir: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest names sources relative to their directory, so `regionmap validate --store` compares their
    checksums with the copies of another machine (here: another directory) and reports a changed or missing one."""
    from test_pipeline_failures import GISCO_FILE, linked_sources

    linked_sources(source_dir, tmp_path / "other-machine" / "data", {})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REGIONMAP_SOURCE_DIR", "other-machine/data")
    assert main(["validate", "--store", str(built_store)]) == 0
    report = run_validation([], store=built_store)
    assert report.ok, report.format()

    changed = linked_sources(source_dir, tmp_path / "changed" / "data", {GISCO_FILE: b"id,name\n"})
    monkeypatch.setenv("REGIONMAP_SOURCE_DIR", str(changed))
    report = run_validation([], store=built_store)
    assert [p.format() for p in report.problems] == [
        f"{built_store}: id=- field=sha256: source 'gisco_hospitals' {changed / GISCO_FILE} changed since the "
        "store was built (other SHA-256 than in the manifest); rebuild with `regionmap build-data`"]


def test_a_curated_file_changed_since_the_build_is_reported(tmp_path: Path, built_store: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(config.data_dir(), data_dir, ignore=shutil.ignore_patterns("*.gpkg", "manifest.json"))
    monkeypatch.setenv("REGIONMAP_DATA_DIR", str(data_dir))
    assert run_validation([], store=built_store).ok
    events = data_dir / "geo" / "curated" / "events.csv"
    events.write_text(events.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = run_validation([], store=built_store)
    assert [p.format() for p in report.problems] == [
        f"{built_store}: id=- field=sha256: curated file {events} changed since the store was built (other SHA-256 "
        "than in the manifest); rebuild with `regionmap build-data`"]
