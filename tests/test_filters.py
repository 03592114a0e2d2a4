"""Filter functions on small GeoDataFrames in the store's schema, and on the real store built from the sources."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from regionmap.dashboard.filters import (
    bounds_for,
    filter_gemeinden,
    filter_points,
    filter_view,
    fold,
    fold_series,
    key_figures,
)
from regionmap.data.store import open_store
from regionmap.taxonomy import taxonomy
from regionmap.dashboard.urlstate import ViewState

THEMATIC_LAYERS = taxonomy().layer_ids

HOSTILE = "<img src=x onerror=alert(1)>"

# ags, name, kind, kreis_ags, kreis_name, population, area_km2, (west, south) of a 0.1° box
SAMPLE_GEMEINDEN = [
    ("03101000", "Braunschweig", "Stadt", "03101", "Braunschweig", 250_000, 192.7, (10.5, 52.2)),
    ("03154013", "Helmstedt", "Stadt", "03154", "Helmstedt", 25_000, 62.3, (11.0, 52.2)),
    ("03154501", "Helmstedt, gemfr. Gebiet", "gemeindefreies Gebiet", "03154", "Helmstedt", None, 20.0, (11.1, 52.2)),
    ("03241001", "Hannover", "Stadt", "03241", "Region Hannover", 545_000, 204.1, (9.7, 52.3)),
    ("03241002", "Barsinghausen", "Stadt", "03241", "Region Hannover", 34_000, 102.8, (9.4, 52.3)),
    ("03241003", "Testgebiet ohne Einwohner", "Gemeinde", "03241", "Region Hannover", 0, 5.0, (9.5, 52.3)),
]
# layer, id, name, category, sectors, ags
SAMPLE_POINTS = [
    ("research", "research-tu-bs", "Technische Universität Braunschweig", "university", "mobility,digital", "03101000"),
    ("research", "research-luh", "Leibniz Universität Hannover", "university", "digital,energy", "03241001"),
    ("research", "research-hostile", HOSTILE, "research_institute", "health", "03154013"),
    ("research", "research-strasse", "Institut für Straßenwesen", "research_institute", "mobility, production", "03241002"),
    ("research", "research-nosectors", "Forschungsstelle Göttinger Weg", "research_institute", None, "03241001"),
    ("sites", "sites-bs-nord", "Gewerbegebiet Braunschweig-Nord", "logistics", "logistics,production", "03101000"),
    ("sites", "sites-expo", "Expo Park Hannover", "office", "digital", "03241001"),
    ("health", "health-mhh", "Medizinische Hochschule Hannover", "university_hospital", "health", "03241001"),
    ("health", "health-helmstedt", "Helios Klinikum Helmstedt", "hospital", "health", "03154013"),
    ("events", "events-messe", "Messegelände Hannover", "trade_fair", "culture_tourism,digital", "03241001"),
    ("mobility", "mobility-hbf-h", "Hannover Hbf", "station_long_distance", "mobility,logistics", "03241001"),
    ("mobility", "mobility-hbf-bs", "Braunschweig Hbf", "station_long_distance", "mobility", "03101000"),
]


def synthetic_layers() -> dict[str, gpd.GeoDataFrame]:
    """A tiny store in the contract's schema: 3 Kreise, 6 municipalities, the 5 thematic layers, states, region."""
    rows = pd.DataFrame(SAMPLE_GEMEINDEN, columns=["ags", "name", "kind", "kreis_ags", "kreis_name", "population",
                                                   "area_km2", "corner"])
    boxes = [shapely.box(x, y, x + 0.1, y + 0.1) for x, y in rows.pop("corner")]
    gemeinden = gpd.GeoDataFrame(rows, geometry=boxes, crs="EPSG:4326")
    gemeinden["population"] = gemeinden["population"].astype("Int64")
    gemeinden["density"] = (gemeinden["population"] / gemeinden["area_km2"]).astype("Float64")
    gemeinden["population_known"] = gemeinden["population"].notna()
    gemeinden["area_source"] = "source"

    points = pd.DataFrame(SAMPLE_POINTS, columns=["layer", "id", "name", "category", "sectors", "ags"])
    located = points.merge(gemeinden[["ags", "name", "kreis_ags", "kreis_name", "geometry"]]
                           .rename(columns={"name": "municipality", "kreis_name": "kreis"}), on="ags")
    offsets = np.arange(len(located)) * 0.005
    geometry = gpd.points_from_xy(located.geometry.map(lambda g: g.bounds[0]) + 0.01 + offsets,
                                  located.geometry.map(lambda g: g.bounds[1]) + 0.01 + offsets)
    located = located.drop(columns="geometry").assign(address="", website="", source_de="Test", source_en="test",
                                                     source_fr="essai", as_of="2024-01-01",
                                                     description_de="", description_en="", description_fr="")
    layers = {layer: gpd.GeoDataFrame(located[located["layer"] == layer].reset_index(drop=True),
                                      geometry=geometry[(located["layer"] == layer).to_numpy()], crs="EPSG:4326")
              for layer in THEMATIC_LAYERS}
    for layer in THEMATIC_LAYERS:
        counts = layers[layer]["ags"].value_counts()
        gemeinden[f"n_{layer}"] = gemeinden["ags"].map(counts).fillna(0).astype("Int64")

    kreise = gemeinden.dissolve("kreis_ags", aggfunc={"kreis_name": "first", "population": "sum", "area_km2": "sum"})
    kreise = kreise.reset_index().rename(columns={"kreis_ags": "ags", "kreis_name": "name"})
    kreise["density"] = kreise["population"] / kreise["area_km2"]
    kreise["n_gemeinden"] = gemeinden.groupby("kreis_ags").size().to_numpy()
    outline = gpd.GeoDataFrame({"id": ["region"], "name": ["Testregion"], "population": [854_000],
                                "area_km2": [586.9], "density": [1455.0], "n_gemeinden": [6], "n_kreise": [3]},
                               geometry=[gemeinden.union_all()], crs="EPSG:4326")
    states = gpd.GeoDataFrame({"ags": ["03"], "name": ["Niedersachsen"]},
                              geometry=[shapely.box(9.0, 52.0, 11.5, 52.6)], crs="EPSG:4326")
    return {"gemeinden": gemeinden, "kreise": kreise, "region": outline, "states": states, **layers}


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return synthetic_layers()


def ids(gdf: gpd.GeoDataFrame) -> list[str]:
    return sorted(gdf["id"])


def test_fold_ignores_case_and_accents():
    assert fold("Göttingen") == "gottingen"
    assert fold("STRASSE") == fold("Straße") == "strasse"
    assert fold("Élysée") == "elysee"
    values = pd.Series(["Göttingen", None, "Straße", "ÆØ", HOSTILE], dtype=object)
    assert fold_series(values).tolist() == ["gottingen", "", "strasse", "æø", HOSTILE]
    repeated_index = pd.Series(["Ä", "b", "Ö", "x"], index=[1, 1, 2, 2])  # e.g. after a concat
    assert fold_series(repeated_index).tolist() == ["a", "b", "o", "x"]


def test_no_filter_keeps_everything(layers):
    research = layers["research"]
    result = filter_points(research)
    assert ids(result) == ids(research)
    assert list(result.columns) == list(research.columns) and result.crs == research.crs


def test_sectors_match_any_of_the_chosen(layers):
    research = layers["research"]
    assert ids(filter_points(research, sectors=["digital"])) == ["research-luh", "research-tu-bs"]
    assert ids(filter_points(research, sectors=["health", "energy"])) == ["research-hostile", "research-luh"]
    # a space after the comma and a missing value are handled
    assert ids(filter_points(research, sectors=["production"])) == ["research-strasse"]
    assert ids(filter_points(research, sectors=["mobility"])) == ["research-strasse", "research-tu-bs"]


def test_sector_ids_are_matched_whole_not_as_substrings():
    gdf = gpd.GeoDataFrame({"sectors": ["digital_twins", "predigital", "a,digital", "digital.x", "x|y"]},
                           geometry=gpd.points_from_xy([0] * 5, [0] * 5), crs="EPSG:4326")
    assert filter_points(gdf, sectors=["digital"])["sectors"].tolist() == ["a,digital"]
    assert filter_points(gdf, sectors=["x|y"])["sectors"].tolist() == ["x|y"]  # regex characters are literal


def test_categories_kreis_and_gemeinde(layers):
    research = layers["research"]
    assert ids(filter_points(research, categories=["university"])) == ["research-luh", "research-tu-bs"]
    assert ids(filter_points(research, kreis="03241")) == ["research-luh", "research-nosectors", "research-strasse"]
    assert ids(filter_points(research, gemeinde="03241001")) == ["research-luh", "research-nosectors"]
    assert ids(filter_points(research, kreis="03101", gemeinde="03241001")) == []
    assert ids(filter_points(research, kreis="03241", categories=["university"], sectors=["energy"])) == ["research-luh"]


def test_search_is_case_and_accent_insensitive_on_name_and_municipality(layers):
    research = layers["research"]
    assert ids(filter_points(research, q="universitat")) == ["research-luh", "research-tu-bs"]
    assert ids(filter_points(research, q="STRASSENWESEN")) == ["research-strasse"]
    assert ids(filter_points(research, q="straßen")) == ["research-strasse"]
    assert ids(filter_points(research, q="  göttinger   weg ")) == ["research-nosectors"]
    assert ids(filter_points(research, q="barsinghausen")) == ["research-strasse"]  # municipality
    assert ids(filter_points(research, q="   ")) == ids(research)


def test_search_treats_markup_and_regex_characters_as_text(layers):
    research = layers["research"]
    assert ids(filter_points(research, q="<IMG src=x")) == ["research-hostile"]
    assert ids(filter_points(research, q=".*")) == []
    assert ids(filter_points(research, q="(")) == ["research-hostile"]
    # the separator between name and municipality cannot be matched across
    assert ids(filter_points(research, q="braunschweig braunschweig")) == []


def test_missing_columns_match_nothing():
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=gpd.points_from_xy([0], [0]), crs="EPSG:4326")
    assert len(filter_points(gdf, sectors=["digital"])) == 0
    assert len(filter_points(gdf, kreis="03241")) == 0
    assert len(filter_points(gdf, q="a")) == 1


def test_filter_view_applies_a_state_and_categories_per_layer(layers):
    tax = taxonomy()
    layer_categories = {layer.id: layer.category_ids for layer in tax.layers}
    state = ViewState(layers=("mobility", "research", "sites"), categories=("university",), kreis="03241")
    shown = filter_view({k: layers[k] for k in THEMATIC_LAYERS}, state, layer_categories)
    assert list(shown) == ["mobility", "research", "sites"]
    assert ids(shown["research"]) == ["research-luh"]  # its own category filters research
    assert ids(shown["sites"]) == ["sites-expo"]  # ... but not the other layers
    assert ids(shown["mobility"]) == ["mobility-hbf-h"]
    assert filter_view(layers, ViewState(layers=()), layer_categories) == {}


def test_filter_gemeinden(layers):
    gemeinden = layers["gemeinden"]
    assert len(filter_gemeinden(gemeinden)) == 6
    assert filter_gemeinden(gemeinden, kreis="03154")["ags"].tolist() == ["03154013", "03154501"]
    assert filter_gemeinden(gemeinden, gemeinde="03241001")["name"].tolist() == ["Hannover"]
    assert filter_gemeinden(gemeinden, kreis="03101", gemeinde="03241001").empty


def counted(**counts: int) -> dict[str, int]:
    """Point counts per thematic layer in registry order; layers not named have none in the sample."""
    return {layer: counts.get(layer, 0) for layer in THEMATIC_LAYERS}


def test_key_figures_of_region_kreis_and_gemeinde(layers):
    thematic = {k: layers[k] for k in THEMATIC_LAYERS}
    region = key_figures(layers["gemeinden"], thematic)
    assert region["population"] == 250_000 + 25_000 + 545_000 + 34_000
    assert region["population_unknown"] == 1
    assert region["municipalities"] == 6
    assert region["area_km2"] == pytest.approx(586.9)
    assert region["density"] == pytest.approx(854_000 / (586.9 - 20.0))  # area of the unknown one is left out
    assert region["counts"] == counted(research=5, sites=2, health=2, events=1, mobility=2)

    helmstedt = key_figures(layers["gemeinden"], thematic, kreis="03154")
    assert (helmstedt["population"], helmstedt["municipalities"]) == (25_000, 2)
    assert helmstedt["counts"] == counted(research=1, health=1)

    unknown = key_figures(layers["gemeinden"], thematic, gemeinde="03154501")
    assert (unknown["population"], unknown["density"], unknown["population_unknown"]) == (None, None, 1)

    filtered = {k: filter_points(v, sectors=["digital"]) for k, v in thematic.items()}
    assert key_figures(layers["gemeinden"], filtered, kreis="03241")["counts"] == counted(research=1, sites=1, events=1)


def test_key_figures_for_an_empty_selection(layers):
    figures = key_figures(layers["gemeinden"], {}, kreis="09162")
    assert figures == {"population": None, "population_unknown": 0, "area_km2": 0.0, "density": None,
                       "municipalities": 0, "counts": {}}


def flat(bounds) -> list[float]:
    (south, west), (north, east) = bounds
    return [south, west, north, east]


def test_bounds_for_region_kreis_and_gemeinde(layers):
    gemeinden, kreise = layers["gemeinden"], layers["kreise"]
    assert flat(bounds_for(gemeinden, kreise)) == pytest.approx([52.2, 9.4, 52.4, 11.2])
    assert flat(bounds_for(gemeinden, kreise, kreis="03154")) == pytest.approx([52.2, 11.0, 52.3, 11.2])
    assert flat(bounds_for(gemeinden, kreise, kreis="03154", gemeinde="03154501")) == pytest.approx([52.2, 11.1, 52.3, 11.2])
    # unknown values fall back to the next wider view
    assert flat(bounds_for(gemeinden, kreise, kreis="03241", gemeinde="99999999")) == pytest.approx([52.3, 9.4, 52.4, 9.8])
    assert bounds_for(gemeinden, kreise, kreis="09162") == bounds_for(gemeinden, kreise)


def test_filtering_100k_points_is_fast():
    rng = np.random.default_rng(7)
    n = 100_000
    names = np.array(["Technische Universität", "Göttingen Campus", "Straße der Logistik", "Klinikum", HOSTILE])
    sectors = np.array(["mobility,digital", "health", "logistics", "digital", "energy,production"])
    gdf = gpd.GeoDataFrame(
        {"name": pd.Series(names[rng.integers(0, 5, n)]) + pd.Series(np.arange(n)).astype(str),
         "municipality": "Hannover", "sectors": sectors[rng.integers(0, 5, n)], "category": "university",
         "kreis_ags": "03241", "ags": "03241001"},
        geometry=gpd.points_from_xy(rng.uniform(9, 11, n), rng.uniform(51.5, 53, n)), crs="EPSG:4326")
    filter_points(gdf, q="warm-up")
    started = time.perf_counter()
    result = filter_points(gdf, sectors=["digital", "health"], categories=["university"], kreis="03241", q="gottingen")
    elapsed = time.perf_counter() - started
    expected = [n.startswith("Göttingen") and bool({"digital", "health"} & set(s.split(",")))
                for n, s in zip(gdf["name"], gdf["sectors"])]
    assert len(result) == sum(expected)
    assert elapsed < 1.0, f"filtering 100k points took {elapsed:.2f} s"  # about 0.1 s on the 2-core CI machine


# --- the real store built from the sources ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(real_store):
    """The real store, read from the GeoPackage and from PostGIS."""
    return open_store(real_store)


def test_region_figures_of_the_real_store(store):
    figures = key_figures(store.gemeinden, store.thematic)
    region = store.region.iloc[0]
    assert figures["municipalities"] == 381 == int(region["n_gemeinden"])
    assert figures["population"] == int(region["population"])
    assert figures["area_km2"] == pytest.approx(float(region["area_km2"]), rel=1e-6)
    for layer in THEMATIC_LAYERS:
        assert figures["counts"][layer] == len(store[layer]) == int(store.gemeinden[f"n_{layer}"].sum())


def test_kreis_figures_of_the_real_store(store):
    for kreis in store.kreise.itertuples():
        figures = key_figures(store.gemeinden, store.thematic, kreis=kreis.ags)
        assert figures["municipalities"] == kreis.n_gemeinden
        assert figures["population"] == kreis.population
        for layer in THEMATIC_LAYERS:
            assert figures["counts"][layer] == (store[layer]["kreis_ags"] == kreis.ags).sum()


def test_gemeinde_counts_of_the_real_store_agree_with_its_n_columns(store):
    for gemeinde in store.gemeinden.sample(40, random_state=1).itertuples():
        counts = key_figures(store.gemeinden, store.thematic, gemeinde=gemeinde.ags)["counts"]
        assert counts == {layer: getattr(gemeinde, f"n_{layer}") for layer in THEMATIC_LAYERS}


def test_sector_filter_on_the_real_store_agrees_with_split_sectors(store):
    for sector in taxonomy().sector_ids:
        for layer in THEMATIC_LAYERS:
            gdf = store[layer]
            expected = gdf["sectors"].fillna("").map(lambda s: sector in [x.strip() for x in s.split(",")])
            assert len(filter_points(gdf, sectors=[sector])) == int(expected.sum()), (layer, sector)


def test_bounds_of_the_real_store_cover_every_municipality(store):
    (south, west), (north, east) = bounds_for(store.gemeinden, store.kreise)
    assert [west, south, east, north] == pytest.approx(list(store.region.total_bounds))
    assert 8.5 < west < east < 11.7 and 51.0 < south < north < 53.5
    hannover = bounds_for(store.gemeinden, store.kreise, gemeinde="03241001")
    assert south < hannover[0][0] < hannover[1][0] < north
