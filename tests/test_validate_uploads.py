"""`regionmap validate PATH --layer L` checks any upload format against a curated layer's schema."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from regionmap import cli, config
from regionmap.data.validation import run_validation


def _research() -> pd.DataFrame:
    return pd.read_csv(config.curated_dir() / "research.csv", dtype=str, keep_default_na=False)


def test_the_curated_research_layer_as_geojson_passes(tmp_path: Path, built_store: Path):
    frame = _research()
    points = gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]),
                              geometry=gpd.points_from_xy(frame["lon"].astype(float), frame["lat"].astype(float)),
                              crs="EPSG:4326")
    path = tmp_path / "partner.geojson"
    points.to_file(path)
    report = run_validation([path], store=built_store, layer="research")
    assert report.ok, report.format()


def test_a_semicolon_csv_and_an_xlsx_name_row_and_field(tmp_path: Path, built_store: Path):
    frame = _research().head(3).copy()
    frame.loc[1, "category"] = "castle"
    csv_path = tmp_path / "partner.csv"
    frame.to_csv(csv_path, sep=";", index=False, encoding="cp1252", errors="replace")
    xlsx_path = tmp_path / "partner.xlsx"
    frame.to_excel(xlsx_path, index=False)
    for path in (csv_path, xlsx_path):
        report = run_validation([path], store=built_store, layer="research")
        assert not report.ok
        lines = [line for line in report.format().splitlines() if "field=category" in line]
        assert lines and lines[0].startswith(f"{path}:3: id={frame.loc[1, 'id']} field=category"), report.format()


def test_unknown_layer_and_unknown_schema(tmp_path: Path, built_store: Path, capsys):
    path = tmp_path / "x.geojson"
    gpd.GeoDataFrame({"a": [1]}, geometry=gpd.points_from_xy([9.7], [52.3]), crs="EPSG:4326").to_file(path)
    assert cli.main(["validate", str(path), "--store", str(built_store), "--layer", "castles"]) == 1
    assert "unknown layer 'castles'" in capsys.readouterr().out
    assert cli.main(["validate", str(path), "--store", str(built_store)]) == 1
    assert "give --layer" in capsys.readouterr().out
