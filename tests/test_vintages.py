"""Builds against other vintages and generalisations of the official boundaries, generated from the shipped ones.

Each generated vintage is built into a store that already holds the shipped build, so the change report compares
the two. A merger, a split and a renumbering leave curated records with an AGS the vintage lacks: warnings naming
exactly those records, errors with `strict`. A copy generalised to 1 km and the official upper-case layouts in
EPSG:25832 and 31467 build with no structural change.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from regionmap import config
from regionmap.data.changes import MERGED, RENUMBERED, SPLIT, ChangeReport
from regionmap.data.curated import CuratedDataError
from regionmap.data.pipeline import build_store
from regionmap.data.source_registry import load_registry
from regionmap.spatial import METRIC_CRS

REGION_KREISE = tuple(config.region().kreis_ags)


@pytest.fixture(scope="module")
def shipped(source_dir: Path) -> gpd.GeoDataFrame:
    """The shipped municipality file (all of Lower Saxony, lower-case layout)."""
    return gpd.read_file(source_dir / load_registry().by_role("municipalities").path)


@pytest.fixture(scope="module")
def curated_ags() -> dict[str, set[str]]:
    """AGS -> the ids of the curated point records stating it."""
    found: dict[str, set[str]] = {}
    for path in sorted(config.curated_dir().glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("ags") and row.get("lon"):
                    found.setdefault(row["ags"], set()).add(row["id"])
    return found


@pytest.fixture
def store_with_shipped_build(source_dir: Path, built_store: Path, tmp_path: Path) -> Path:
    """A copy of the shipped build (store + manifest) to build a vintage over."""
    out = tmp_path / "store" / "regionmap.gpkg"
    out.parent.mkdir()
    shutil.copy(built_store, out)
    shutil.copy(config.manifest_path(built_store), config.manifest_path(out))
    return out


def _busiest_pair(shipped: gpd.GeoDataFrame, curated_ags: dict[str, set[str]]) -> tuple[str, str]:
    """The region municipality with most curated records and a neighbour in its Kreis that has some too."""
    region = shipped[shipped["ags"].str[:5].isin(REGION_KREISE)]
    ranked = sorted(region["ags"], key=lambda a: (-len(curated_ags.get(a, ())), a))
    for a in ranked:
        geometry = region.loc[region["ags"] == a].geometry.iloc[0]
        neighbours = region[(region["ags"].str[:5] == a[:5]) & (region["ags"] != a)
                            & region.geometry.intersects(geometry)]
        for b in sorted(neighbours["ags"], key=lambda x: (-len(curated_ags.get(x, ())), x)):
            return a, b
    raise AssertionError("no neighbouring municipalities")


def _write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    frame.to_file(path)
    return path


def _warned_keys(manifest: dict) -> set[str]:
    """The record keys the build's AGS warnings name (`... id=KEY field=ags: ...`)."""
    return {w.split(" id=", 1)[1].split(" ", 1)[0] for w in manifest["warnings"] if " field=ags: " in w}


def _report(manifest: dict) -> ChangeReport:
    return ChangeReport.from_dict(manifest["changes"])


def test_merger_into_a_new_ags(source_dir, shipped, curated_ags, store_with_shipped_build, tmp_path):
    a, b = _busiest_pair(shipped, curated_ags)
    new_ags = a[:5] + "999"
    parts = shipped[shipped["ags"].isin([a, b])]
    merged = parts.iloc[[0]].copy()
    merged["ags"], merged["id"], merged["name"] = new_ags, new_ags, "Zusammengelegt"
    merged["pop"], merged["area_km2"] = parts["pop"].sum(), parts["area_km2"].sum()
    merged = merged.set_geometry([parts.geometry.union_all()])
    vintage = _write(pd.concat([shipped[~shipped["ags"].isin([a, b])], merged]), tmp_path / "gemeinden_2027.geojson")

    result = build_store(source_dir=source_dir, boundaries=vintage, out=store_with_shipped_build)
    m = result.manifest
    assert _warned_keys(m) == curated_ags.get(a, set()) | curated_ags.get(b, set())
    assert all("merged, split or renumbered" in w for w in m["warnings"])
    report = _report(m)
    assert [(c.kind, [x for x, _ in c.old], [x for x, _ in c.new]) for c in report.municipalities] == [
        (MERGED, sorted([a, b]), [new_ags])]
    assert m["population"]["total"] == json.loads(config.manifest_path(store_with_shipped_build).read_text())[
        "population"]["total"]
    assert "merged:" in result.summary()


def test_strict_turns_the_warnings_into_errors_and_keeps_the_store(source_dir, shipped, curated_ags,
                                                                   store_with_shipped_build, tmp_path):
    a, _ = _busiest_pair(shipped, curated_ags)
    renumbered = shipped.copy()
    renumbered.loc[renumbered["ags"] == a, ["ags", "id"]] = a[:5] + "998"
    vintage = _write(renumbered, tmp_path / "gemeinden.geojson")
    before = store_with_shipped_build.read_bytes()
    with pytest.raises(CuratedDataError, match="warning: id=.* field=ags: AGS '" + a):
        build_store(source_dir=source_dir, boundaries=vintage, out=store_with_shipped_build, strict=True)
    assert store_with_shipped_build.read_bytes() == before

    result = build_store(source_dir=source_dir, boundaries=vintage, out=store_with_shipped_build)
    assert _warned_keys(result.manifest) == curated_ags[a]
    report = _report(result.manifest)
    assert [(c.kind, c.old[0][0], c.new[0][0]) for c in report.municipalities] == [(RENUMBERED, a, a[:5] + "998")]
    moved = {(p.old_ags, p.new_ags) for p in report.points}
    assert moved == {(a, a[:5] + "998")}


def test_split(source_dir, shipped, curated_ags, store_with_shipped_build, tmp_path):
    a, _ = _busiest_pair(shipped, curated_ags)
    row = shipped[shipped["ags"] == a].to_crs(METRIC_CRS).iloc[0]
    minx, miny, maxx, maxy = row.geometry.bounds
    middle = (minx + maxx) / 2
    halves = [row.geometry.intersection(box(minx - 1, miny - 1, middle, maxy + 1)),
              row.geometry.intersection(box(middle, miny - 1, maxx + 1, maxy + 1))]
    split = gpd.GeoDataFrame({"id": [a[:5] + "901", a[:5] + "902"], "ags": [a[:5] + "901", a[:5] + "902"],
                              "name": ["West", "Ost"], "county": [row["county"]] * 2,
                              "pop": [row["pop"] // 2, row["pop"] - row["pop"] // 2],
                              "area_km2": [h.area / 1e6 for h in halves], "kind": ["gemeinde"] * 2},
                             geometry=halves, crs=METRIC_CRS).to_crs(shipped.crs)
    vintage = _write(pd.concat([shipped[shipped["ags"] != a], split]), tmp_path / "gemeinden.geojson")

    m = build_store(source_dir=source_dir, boundaries=vintage, out=store_with_shipped_build).manifest
    assert _warned_keys(m) == curated_ags[a]
    report = _report(m)
    assert [(c.kind, [x for x, _ in c.old], [x for x, _ in c.new]) for c in report.municipalities] == [
        (SPLIT, [a], [a[:5] + "901", a[:5] + "902"])]


def test_generalised_to_1_km_builds_with_the_scale_from_its_name(source_dir, shipped, store_with_shipped_build,
                                                                 tmp_path):
    """Simplified to 1 km, as a 1:5,000,000 product: the name gives the tolerance, nothing structural changes."""
    region = shipped[shipped["ags"].str[:5].isin(REGION_KREISE)].to_crs(METRIC_CRS)
    coarse = region.set_geometry(shapely.coverage_simplify(region.geometry.to_numpy(), 1000)).to_crs(shipped.crs)
    vintage = _write(coarse, tmp_path / "vg5000_gem_generalisiert.geojson")

    m = build_store(source_dir=source_dir, boundaries=vintage, out=store_with_shipped_build).manifest
    assert m["placement"] == {"tolerance_m": 1000.0, "tolerance_from": "vg5000_gem_generalisiert.geojson: 1:5,000,000"}
    assert all("positional tolerance of 1,000 m" in w for w in m["warnings"])
    assert _report(m).municipalities == ()
    assert m["layers"]["gemeinden"]["features"] == 381


def _official_layout(shipped: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """The region's municipalities in BKG's upper-case layout, with BEZ from the curated town status."""
    status = pd.read_csv(config.curated_dir() / "gemeinde_status.csv", dtype=str)
    towns = set(status.loc[status["kind"] == "Stadt", "ags"])
    region = shipped[shipped["ags"].str[:5].isin(REGION_KREISE)]
    bez = ["Stadt" if a in towns else "gemeindefreies Gebiet" if a[5] == "5" else "Gemeinde" for a in region["ags"]]
    return gpd.GeoDataFrame({"AGS": region["ags"], "GEN": region["name"], "BEZ": bez, "EWZ": region["pop"],
                             "KFL": region["area_km2"], "GF": 4}, geometry=region.geometry.to_numpy(),
                            crs=shipped.crs).to_crs(crs)


@pytest.mark.parametrize(("crs", "name"), [("EPSG:25832", "VG250_GEM.gpkg"), ("EPSG:31467", "VG250_GEM.shp")])
def test_official_upper_case_layouts(source_dir, shipped, store_with_shipped_build, tmp_path, crs, name):
    folder = tmp_path / "vg250-ew_12-31"
    folder.mkdir()
    vintage = _write(_official_layout(shipped, crs), folder / name)
    (folder / "aktualitaet.txt").write_text("31.12.2024\n", encoding="utf-8")

    result = build_store(source_dir=source_dir, boundaries=vintage, out=store_with_shipped_build,
                         reference_date="2023-12-31")
    m = result.manifest
    entry = m["sources"][0]
    assert (entry["reference_date"], entry["reference_date_from"]) == ("2024-12-31", "aktualitaet.txt")
    assert m["placement"]["tolerance_m"] == 50.0
    assert _report(m).municipalities == ()
    assert m["population"]["total"] == 3_900_490


def test_reference_date_given_on_the_command_line(source_dir, shipped, store_with_shipped_build, tmp_path):
    from regionmap import cli

    vintage = _write(shipped, tmp_path / "gemeinden.geojson")
    code = cli.main(["build-data", "--source-dir", str(source_dir), "--boundaries", str(vintage),
                     "--out", str(store_with_shipped_build), "--reference-date", "2024-12-31", "--tolerance", "20"])
    assert code == 0
    m = json.loads(config.manifest_path(store_with_shipped_build).read_text(encoding="utf-8"))
    assert (m["sources"][0]["reference_date"], m["sources"][0]["reference_date_from"]) == ("2024-12-31",
                                                                                          "--reference-date")
    assert m["placement"] == {"tolerance_m": 20.0, "tolerance_from": "--tolerance"}
    assert {c["field"] for c in m["changes"]["sources"] if c["id"] == "vg250_ew"} == {"sha256", "reference_date"}


@pytest.mark.parametrize(("args", "message"), [
    (["--reference-date", "31.12.2024"], "is not a date"), (["--tolerance", "-1"], "0 or more")])
def test_bad_options_are_refused_and_keep_the_store(source_dir, store_with_shipped_build, args, message, capsys):
    from regionmap import cli

    before = store_with_shipped_build.read_bytes()
    code = cli.main(["build-data", "--source-dir", str(source_dir), "--out", str(store_with_shipped_build), *args])
    assert code == 2 and message in capsys.readouterr().err
    assert store_with_shipped_build.read_bytes() == before
