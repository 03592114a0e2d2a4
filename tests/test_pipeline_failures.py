"""Builds with other boundaries, broken sources and failures: messages, exit codes, and an untouched previous store."""

from __future__ import annotations

import json
import urllib.error
from pathlib import Path

import geopandas as gpd
import pytest

import regionmap.data.store as store_backend
from regionmap import cli, config
from regionmap.errors import RegionmapError, SourceError
from regionmap.data.pipeline import build_store

DB_FILE = "db/D_Bahnhof_2020_alle.csv"
GISCO_FILE = "gisco/healthcare_DE_2020.csv"


def offline(url: str, dest: Path) -> None:
    raise urllib.error.URLError("network is unreachable")


def linked_sources(source_dir: Path, target: Path, replace: dict[str, bytes | None]) -> Path:
    """`target` mirroring `source_dir` by symlinks, with some files replaced by other bytes (or left out: None)."""
    for path in source_dir.rglob("*"):
        if path.is_dir():
            continue
        rel = path.relative_to(source_dir).as_posix()
        link = target / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        if rel not in replace:
            link.symlink_to(path)
        elif replace[rel] is not None:
            link.write_bytes(replace[rel])
    return target


def write_gpkg(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path, engine="pyogrio", layer="vg250_gem")
    return path


def broken_boundaries(tmp_path: Path, official_layout, kind: str) -> Path:
    path = tmp_path / f"{kind}.gpkg"
    if kind == "unreadable":
        path.write_bytes(b"SQLite format 3\x00 but not really")
        return path
    if kind == "missing":
        return path
    frame = official_layout()
    if kind == "no_ags":
        frame = frame.drop(columns="AGS")
    elif kind == "unknown_crs":
        frame = frame.to_crs("+proj=tmerc +lat_0=0 +lon_0=10.5 +k=0.9996 +x_0=123456 +y_0=0 +ellps=GRS80 +units=m")
    elif kind == "outside_region":
        frame = frame.assign(AGS="09" + frame["AGS"].str[2:])
    return write_gpkg(frame, path)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "file not found"),
        ("unreadable", "unreadable file"),
        ("no_ags", "no ags column (looked for AGS; columns: GEN, BEZ, EWZ, KFL, GF)"),
        ("unknown_crs", "unknown or unsupported CRS"),
        ("outside_region", "empty result: no municipality has an AGS starting with a Kreis of region"),
    ],
)
def test_broken_boundaries(tmp_path, source_dir, official_layout, previous_store, kind: str, message: str) -> None:
    boundaries = broken_boundaries(tmp_path, official_layout, kind)
    with pytest.raises(SourceError) as err:
        build_store(source_dir=source_dir, boundaries=boundaries, out=previous_store.store)
    assert str(err.value).startswith(f"source 'vg250_ew' ({boundaries}): ")
    assert message in str(err.value)
    assert previous_store.unchanged()


def bad_coordinate_sources(source_dir: Path, target: Path) -> Path:
    """The sources with the latitude of the DB stations' line 42 made "52,3x" (not a number)."""
    lines = (source_dir / DB_FILE).read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[41].split(";")
    fields[6] = "52,3x"
    lines[41] = ";".join(fields)
    return linked_sources(source_dir, target, {DB_FILE: "".join(lines).encode()})


def test_bad_coordinate_row(tmp_path, source_dir, previous_store) -> None:
    sources = bad_coordinate_sources(source_dir, tmp_path / "src")
    with pytest.raises(SourceError) as err:
        build_store(source_dir=sources, out=previous_store.store)
    assert str(err.value) == (f"source 'db_stations' ({sources / DB_FILE}): line 42, field 'Breite': "
                              "'52,3x' is not a number")
    assert previous_store.unchanged()


def test_unreadable_text_source(tmp_path, source_dir, previous_store) -> None:
    not_text = b"id,lat\n1,\xff\xfe\x00\x81\x8d\x8f\x90\x9d\n"  # invalid in UTF-8 and in Windows-1252
    sources = linked_sources(source_dir, tmp_path / "src", {GISCO_FILE: not_text})
    with pytest.raises(SourceError, match=r"source 'gisco_hospitals' .*unreadable file: not text"):
        build_store(source_dir=sources, out=previous_store.store)
    assert previous_store.unchanged()


def test_missing_source_without_network(tmp_path, source_dir, previous_store, monkeypatch) -> None:
    monkeypatch.delenv("REGIONMAP_SOURCE_DIR", raising=False)
    monkeypatch.setenv("REGIONMAP_CACHE_DIR", str(tmp_path / "cache"))
    sources = linked_sources(source_dir, tmp_path / "src", {GISCO_FILE: None})
    with pytest.raises(SourceError) as err:
        build_store(source_dir=sources, out=previous_store.store, download=offline)
    message = str(err.value)
    assert message.startswith(f"source 'gisco_hospitals' ({sources / GISCO_FILE}): file not found")
    assert "network is unreachable" in message and "REGIONMAP_SOURCE_DIR" in message and "--source-dir" in message
    assert previous_store.unchanged()


def test_failure_while_writing_keeps_the_previous_store(source_dir, previous_store, thematic_stub, monkeypatch) -> None:
    def half_written(path: Path, layers: dict, geometry_types: dict) -> None:
        layers["gemeinden"].to_file(path, layer="gemeinden", engine="pyogrio")
        raise OSError("disk full")

    monkeypatch.setattr(store_backend, "_write_layers", half_written)
    with pytest.raises(OSError, match="disk full"):
        build_store(source_dir=source_dir, out=previous_store.store)
    assert previous_store.unchanged()


def test_thematic_failure_keeps_the_previous_store(source_dir, previous_store, monkeypatch) -> None:
    import sys
    import types

    def failing(base: dict, curated_dir: Path, **options) -> dict:
        raise RegionmapError("research.csv: line 3: bad category")

    monkeypatch.setitem(sys.modules, "regionmap.data.thematic", types.SimpleNamespace(build_thematic_layers=failing))
    with pytest.raises(RegionmapError, match="bad category"):
        build_store(source_dir=source_dir, out=previous_store.store)
    assert previous_store.unchanged()


def test_cli_failure_exit_code_and_message(tmp_path, source_dir, official_layout, previous_store, capsys) -> None:
    boundaries = broken_boundaries(tmp_path, official_layout, "no_ags")
    code = cli.main(["build-data", "--source-dir", str(source_dir), "--boundaries", str(boundaries),
                     "--out", str(previous_store.store)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.startswith(f"regionmap build-data: error: source 'vg250_ew' ({boundaries}): no ags column")
    assert previous_store.unchanged()


def test_cli_build_with_official_boundaries(tmp_path, source_dir, official_layout, sample_gemeinden, thematic_stub,
                                            monkeypatch, capsys) -> None:
    boundaries = write_gpkg(official_layout("EPSG:31467"), tmp_path / "vg250.gpkg")
    store = tmp_path / "out" / "store.gpkg"
    monkeypatch.setenv("REGIONMAP_STORE", str(store))
    assert cli.main(["build-data", "--source-dir", str(source_dir), "--boundaries", str(boundaries)]) == 0
    out = capsys.readouterr().out
    assert f"Built {store}" in out and "gemeinden" in out and "Population 483,359," in out
    manifest = json.loads(config.manifest_path(store).read_text(encoding="utf-8"))
    gemeinden = gpd.read_file(store, layer="gemeinden")
    assert list(gemeinden["ags"]) == list(sample_gemeinden["ags"])
    assert manifest["population"]["total"] == sample_gemeinden["pop"].sum() == gemeinden["population"].sum()
    assert len(manifest["missing_kreise"]) == 15 and manifest["layers"]["kreise"]["features"] == 3
    entry = manifest["sources"][0]
    assert entry["origin"] == "--boundaries" and entry["file"] == str(boundaries) and entry["rows_kept"] == 36
    assert set(gpd.read_file(store, layer="hospitals")["kreis_ags"]) == {"03101", "03154", "03157"}


def test_cli_build_with_relative_paths(tmp_path, source_dir, official_layout, built_store, thematic_stub,
                                       monkeypatch, capsys) -> None:
    """--source-dir, --boundaries, --out and $REGIONMAP_SOURCE_DIR relative to the current directory, as in the README;
    the manifest then names the sources relative to the source directory, as a build elsewhere does."""
    mirror = linked_sources(source_dir, tmp_path / "shared" / "data", {})
    (tmp_path / "clone").mkdir()
    write_gpkg(official_layout("EPSG:31467"), tmp_path / "clone" / "vg250.gpkg")
    monkeypatch.chdir(tmp_path / "clone")
    monkeypatch.setenv("REGIONMAP_SOURCE_DIR", "../shared/data")
    assert cli.main(["build-data", "--out", "out/store.gpkg"]) == 0
    assert cli.main(["build-data", "--source-dir", "../shared/data", "--boundaries", "vg250.gpkg",
                     "--out", "out/sample.gpkg"]) == 0
    out = capsys.readouterr().out
    store, sample = tmp_path / "clone" / "out" / "store.gpkg", tmp_path / "clone" / "out" / "sample.gpkg"
    assert f"Built {store}" in out and f"Built {sample}" in out
    monkeypatch.chdir(tmp_path)
    manifest = store_backend.GeoPackageStore(store).manifest()
    here = {e["id"]: e for e in manifest["sources"]}
    elsewhere = {e["id"]: e for e in json.loads(config.manifest_path(built_store).read_text("utf-8"))["sources"]}
    assert {i: (e["file"], e["sha256"]) for i, e in here.items()} == {i: (e["file"], e["sha256"])
                                                                      for i, e in elsewhere.items()}
    assert all((mirror / e["file"]).is_file() and e["origin"] == "$REGIONMAP_SOURCE_DIR" for e in here.values())
    first = store_backend.GeoPackageStore(sample).manifest()["sources"][0]
    assert first["origin"] == "--boundaries" and first["file"] == str(tmp_path / "clone" / "vg250.gpkg")


def test_build_with_unknown_population(tmp_path, source_dir, official_layout, thematic_stub) -> None:
    boundaries = write_gpkg(official_layout(population=False), tmp_path / "vg250.gpkg")
    result = build_store(source_dir=source_dir, boundaries=boundaries, out=tmp_path / "store.gpkg")
    assert result.manifest["population"]["total"] is None
    assert len(result.manifest["population"]["unknown_ags"]) == 36
    assert "population unknown for 36 municipalities" in result.summary()
    kreise = gpd.read_file(result.store, layer="kreise")
    assert kreise["population"].isna().all() and kreise["density"].isna().all()
    assert (kreise["area_km2"] > 0).all()
    gemeinden = gpd.read_file(result.store, layer="gemeinden")
    assert set(gemeinden["area_source"]) == {"computed"} and not gemeinden["population_known"].any()
