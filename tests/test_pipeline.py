"""The built store: layers, counts from the PROVENANCE files, clipping, point assignment, dissolve totals, manifest."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from pipeline_support import THEMATIC

from regionmap import config
from regionmap.data.manifest import sha256_file
from regionmap.data.pipeline import build_store
from regionmap.data.sources.bkg import load_layout, read_gemeinde_status
from regionmap.data.store import META_TABLE, GeoPackageStore

BASE_POINTS = ("hospitals", "rail_stations", "airports")
LAYERS = ("gemeinden", "kreise", "region", "states", *BASE_POINTS, *THEMATIC, "postcodes")
# Municipalities per Kreis, from bkg/vg250-ew/PROVENANCE.md
PER_KREIS = {"03101": 1, "03102": 1, "03103": 1, "03151": 42, "03153": 8, "03154": 28, "03155": 12, "03157": 7,
             "03158": 35, "03159": 40, "03241": 21, "03252": 8, "03254": 20, "03255": 39, "03256": 36, "03257": 38,
             "03351": 21, "03358": 23}
# Hospital sites per Kreis, from gisco/PROVENANCE.md
HOSPITALS_PER_KREIS = {"Region Hannover": 32, "Göttingen": 13, "Hameln-Pyrmont": 10, "Braunschweig": 9, "Goslar": 8,
                       "Hildesheim": 7, "Heidekreis": 5, "Schaumburg": 5, "Helmstedt": 4, "Salzgitter": 4,
                       "Nienburg (Weser)": 3, "Holzminden": 3, "Celle": 3, "Northeim": 3, "Gifhorn": 3, "Wolfsburg": 2,
                       "Wolfenbüttel": 2, "Peine": 2}
# From openflights/PROVENANCE.md
AIRPORT_ICAO = {"EDDV", "EDVE", "EDVM", "ETHB", "ETHC", "ETHS", "ETNW", "EDVP", "EDXI", "EDVH", "EDVC", "EDVW", "EDVS",
                "EDVR", "EDVN"}


@pytest.fixture(scope="module")
def layers(built_store: Path) -> dict[str, gpd.GeoDataFrame]:
    return {name: gpd.read_file(built_store, layer=name) for name in LAYERS}


@pytest.fixture(scope="module")
def manifest(built_store: Path) -> dict:
    return json.loads(config.manifest_path(built_store).read_text(encoding="utf-8"))


def test_store_layers_and_crs(built_store: Path, layers) -> None:
    listed = {name: geom for name, geom in pyogrio.list_layers(built_store)}
    assert set(listed) == {*LAYERS, META_TABLE} and listed[META_TABLE] is None  # the metadata: a table, no geometry
    listed.pop(META_TABLE)
    for name, frame in layers.items():
        assert frame.crs == "EPSG:4326", name
        assert listed[name] == ("MultiPolygon" if name in ("gemeinden", "kreise", "region", "states") else "Point")


def test_municipalities(layers) -> None:
    gemeinden = layers["gemeinden"]
    assert len(gemeinden) == 381 and gemeinden["ags"].is_unique
    assert (gemeinden["ags"].str.fullmatch(r"03\d{6}")).all()
    assert gemeinden["kreis_ags"].value_counts().to_dict() == PER_KREIS
    assert int(gemeinden["population"].sum()) == 3_900_490
    assert gemeinden["population_known"].all() and set(gemeinden["area_source"]) == {"source"}
    assert (gemeinden["kind"] == "gemeindefreies Gebiet").sum() == 21
    assert set(gemeinden["kind"]) <= {"Stadt", "Gemeinde", "gemeindefreies Gebiet"}
    assert list(gemeinden["ags"]) == sorted(gemeinden["ags"])
    names = {k.ags: k.name for k in config.region().kreise}
    assert (gemeinden["kreis_name"] == gemeinden["kreis_ags"].map(names)).all()
    braunschweig = gemeinden.set_index("ags").loc["03101000"]
    assert braunschweig["density"] == pytest.approx(252066 / 192.70, abs=0.01)


def test_kinds_come_from_the_ags_and_the_curated_status(layers) -> None:
    status = read_gemeinde_status(config.curated_dir() / "gemeinde_status.csv")  # the source file has no BEZ
    gemeinden = layers["gemeinden"]
    expected = [load_layout().kind(None, ags, status) for ags in gemeinden["ags"]]
    assert gemeinden["kind"].tolist() == expected
    assert gemeinden.set_index("ags").loc["03101000", "kind"] == "Stadt"


def test_gemeindefreie_gebiete_with_town_names_stay_separate(layers) -> None:
    gemeinden = layers["gemeinden"].set_index("ags")
    for town, gebiet in (("03154028", "03154502"), ("03255023", "03255505")):
        assert gemeinden.loc[gebiet, "kind"] == "gemeindefreies Gebiet"
        assert gemeinden.loc[town, "kind"] != "gemeindefreies Gebiet"
        assert gemeinden.loc[gebiet, "population"] == 0 and gemeinden.loc[town, "population"] > 10_000
    assert gemeinden.loc["03154028", "name"] == gemeinden.loc["03154502", "name"] == "Helmstedt"


def test_kreise_and_region_totals(layers) -> None:
    gemeinden, kreise, region = layers["gemeinden"], layers["kreise"], layers["region"]
    assert list(kreise["ags"]) == list(PER_KREIS) and kreise["n_gemeinden"].tolist() == list(PER_KREIS.values())
    assert list(kreise["name"]) == [k.name for k in config.region().kreise]
    assert kreise["population"].sum() == region["population"].iloc[0] == 3_900_490
    sums = gemeinden.groupby("kreis_ags")[["population", "area_km2"]].sum()
    assert kreise.set_index("ags")["population"].to_dict() == sums["population"].to_dict()
    assert kreise["area_km2"].to_numpy() == pytest.approx(sums["area_km2"].to_numpy())
    assert region["area_km2"].iloc[0] == pytest.approx(18_623.2, abs=0.1)
    assert region["density"].iloc[0] == pytest.approx(3_900_490 / region["area_km2"].iloc[0], abs=0.01)
    assert region["n_gemeinden"].iloc[0] == 381 and region["n_kreise"].iloc[0] == 18
    assert region["id"].iloc[0] == config.region().id
    metric = region.to_crs("EPSG:25832").area.iloc[0] / 1e6
    assert metric == pytest.approx(18_615.6, rel=0.001)  # the union of the municipality polygons
    assert region.geometry.iloc[0].covers(gemeinden.geometry.representative_point()).all()


def test_states_backdrop(layers) -> None:
    states = layers["states"]
    assert list(states["ags"]) == [f"{i:02d}" for i in range(1, 17)]
    assert states.set_index("ags").loc["03", "name"] == "Niedersachsen"


def test_points_are_clipped_and_located(layers) -> None:
    gemeinden = layers["gemeinden"].set_index("ags")
    for name in (*BASE_POINTS, *THEMATIC):
        points = layers[name]
        assert points[["ags", "municipality", "kreis_ags", "kreis"]].notna().all().all(), name
        assert points["ags"].isin(gemeinden.index).all(), name
        assert (points["municipality"] == points["ags"].map(gemeinden["name"])).all(), name
        assert (points["kreis_ags"] == points["ags"].str[:5]).all(), name
        polygons = gpd.GeoSeries(points["ags"].map(gemeinden.geometry), crs="EPSG:4326")
        assert polygons.covers(points.geometry.reset_index(drop=True)).all(), name


def test_point_counts_from_provenance(layers) -> None:
    hospitals, stations, airports = (layers[n] for n in BASE_POINTS)
    assert len(hospitals) == 118
    assert hospitals["kreis"].value_counts().to_dict() == HOSPITALS_PER_KREIS
    assert len(stations) == 189
    assert stations["traffic"].value_counts().to_dict() == {"RV": 102, "nur DPN": 72, "FV": 15}
    assert stations["eva_nr"].is_unique and list(stations["eva_nr"]) == sorted(stations["eva_nr"])
    assert len(airports) == 16
    assert set(airports["icao"].dropna()) == AIRPORT_ICAO
    assert "Hannover Messe-Heliport" in set(airports["name"])
    hannover = airports.set_index("icao").loc["EDDV"]
    assert hannover["iata"] == "HAJ" and hannover["municipality"] == "Langenhagen"


def test_indicator_counts(layers) -> None:
    gemeinden = layers["gemeinden"]
    for name in (*BASE_POINTS, *THEMATIC):
        column = f"n_{name}"
        assert gemeinden[column].dtype.kind == "i", column
        assert gemeinden[column].sum() == len(layers[name]), column
        expected = layers[name]["ags"].value_counts()
        assert gemeinden.set_index("ags")[column][expected.index].to_dict() == expected.to_dict(), column
    assert gemeinden.set_index("ags").loc["03101000", "n_hospitals"] == 9


def test_manifest(built_store: Path, manifest: dict, layers, source_dir: Path) -> None:
    assert manifest["region"]["id"] == config.region().id
    assert manifest["store"] == {"file": built_store.name, "sha256": sha256_file(built_store)}
    features = {name: entry["features"] for name, entry in manifest["layers"].items()}
    assert features == {name: len(frame) for name, frame in layers.items()}
    assert manifest["population"] == {"total": 3_900_490, "unknown_ags": []}
    assert manifest["missing_kreise"] == [] and manifest["build_seconds"] > 0
    assert pd.Timestamp(manifest["built_at"]).tzinfo is not None
    sources = {entry["id"]: entry for entry in manifest["sources"]}
    assert set(sources) == {"vg250_ew", "vg5000_lan", "gisco_hospitals", "db_stations", "openflights_airports",
                            "geonames_postalcodes"}
    counts = {i: (e["rows_read"], e["rows_kept"]) for i, e in sources.items()}
    assert counts == {"vg250_ew": (990, 381), "vg5000_lan": (25, 16), "gisco_hospitals": (2809, 118),
                      "db_stations": (6519, 189), "openflights_airports": (12668, 16),
                      "geonames_postalcodes": (16485, 699)}
    assert sources["gisco_hospitals"]["rows_outside_region"] == 2809 - 118
    assert sources["vg250_ew"]["sha256"].startswith("122427a5") and sources["vg250_ew"]["sha256"].endswith("7eb09816")
    for entry in sources.values():
        assert not Path(entry["file"]).is_absolute() and entry["origin"] == "--source-dir"  # the same on every machine
        assert entry["sha256"] == sha256_file(source_dir / entry["file"])
        assert entry["licence"] and entry["attribution"] and entry["reference_date"]
    curated = {entry["file"]: entry for entry in manifest["curated"]}
    assert "geo/curated/gemeinde_status.csv" in curated
    for name, entry in curated.items():
        path = config.data_dir() / name
        assert entry["sha256"] == sha256_file(path) and entry["rows"] > 0
    recorded = GeoPackageStore(built_store).manifest()  # the store's own copy, in its metadata table
    assert recorded == {key: value for key, value in manifest.items() if key != "store"}
    assert recorded["build_id"] == GeoPackageStore(built_store).version()


def test_rebuild_gives_the_same_layers(built_store: Path, source_dir: Path, tmp_path: Path, layers) -> None:
    again = build_store(source_dir=source_dir, out=tmp_path / "again.gpkg").store
    for name, frame in layers.items():
        pd.testing.assert_frame_equal(gpd.read_file(again, layer=name), frame, obj=name)


def test_sites_carry_their_location_factors(layers) -> None:
    from regionmap.investor.factors import location_factors

    sites = layers["sites"]
    assert len(sites) > 0
    for factor in location_factors():
        values = pd.to_numeric(sites[factor.value_column], errors="coerce")
        assert values.notna().all() and (values >= 0).all() and values.map(math.isfinite).all(), factor.id
        names = sites[factor.name_column].astype("string")
        assert names.notna().all() and (names.str.strip() != "").all(), factor.id
        targets = layers[factor.layer]
        wanted = set(targets.loc[targets["category"].isin(factor.categories), "id"])
        assert set(sites[factor.id_column]) <= wanted, factor.id


def test_postcodes_layer(layers) -> None:
    postcodes = layers["postcodes"]
    assert postcodes["postal_code"].is_unique and len(postcodes) > 8000
    braunschweig = postcodes.set_index("postal_code").loc["38100"]
    assert "Braunschweig" in braunschweig["place_name"]
    assert abs(braunschweig.geometry.x - 10.52) < 0.05 and abs(braunschweig.geometry.y - 52.26) < 0.05
