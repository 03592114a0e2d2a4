"""Location factors: configuration and distances checked against independently computed values."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point

from regionmap.errors import ConfigError
from regionmap.investor.factors import (
    STRAIGHT_LINE,
    compute_location_factors,
    factor_by_id,
    factor_columns,
    load_factors,
    location_factors,
)

STORE_COLUMNS = [
    "dist_station_fv_km",
    "dist_station_rv_km",
    "dist_airport_km",
    "dist_airfield_km",
    "dist_university_km",
    "dist_research_km",
    "dist_motorway_km",
]

# Real coordinates (WGS84): Hannover Hbf (DB station data) and Hannover airport EDDV (OpenFlights).
HANNOVER_HBF = (9.741017, 52.376764)
HANNOVER_AIRPORT = (9.685079, 52.461102)
BRAUNSCHWEIG_HBF = (10.540103, 52.252621)


def points(rows: list[dict], crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=[Point(r.pop("xy")) for r in rows], crs=crs)


def target_layers() -> dict[str, gpd.GeoDataFrame]:
    mobility = points(
        [
            {"id": "mobility-eddv", "name": "Flughafen Hannover-Langenhagen", "category": "airport", "xy": HANNOVER_AIRPORT},
            {"id": "mobility-hbf-h", "name": "Hannover Hbf", "category": "station_long_distance", "xy": HANNOVER_HBF},
            {"id": "mobility-hbf-bs", "name": "Braunschweig Hbf", "category": "station_long_distance", "xy": BRAUNSCHWEIG_HBF},
        ]
    )
    research = points([{"id": "research-x", "name": "<img src=x onerror=alert(1)>", "category": "hochschule", "xy": (9.72, 52.38)}])
    return {"mobility": mobility, "research": research}


def test_config_defines_the_store_columns() -> None:
    factors = location_factors()
    assert [f.value_column for f in factors] == STORE_COLUMNS
    assert [f.name_column for f in factors] == [c.replace("dist_", "nearest_").removesuffix("_km") for c in STORE_COLUMNS]
    assert factor_by_id(factors, "university").categories == ("university", "hochschule")
    assert all(f.better == "lower" and f.label("fr") for f in factors)
    with pytest.raises(KeyError, match="station_fv"):
        factor_by_id(factors, "harbour")


@pytest.mark.parametrize(
    "body, message",
    [
        ('id = "x"\ncolumn = "x"\nlayer = "nowhere"\ncategories = ["a"]\nbetter = "lower"', "layer 'nowhere'"),
        ('id = "x"\ncolumn = "x"\nlayer = "mobility"\ncategories = ["harbour"]\nbetter = "lower"', "harbour"),
        ('id = "X Y"\ncolumn = "x"\nlayer = "mobility"\ncategories = ["airport"]\nbetter = "lower"', "id 'X Y'"),
        ('id = "x"\ncolumn = "x"\nlayer = "mobility"\ncategories = ["airport"]\nbetter = "best"', "better 'best'"),
    ],
)
def test_config_errors_name_file_and_row(tmp_path, body: str, message: str) -> None:
    path = tmp_path / "location_factors.toml"
    path.write_text(f'[[factors]]\n{body}\nlabel = {{ de = "a", en = "b", fr = "c" }}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_factors(path)
    assert str(path) in str(info.value) and "factors[0]" in str(info.value)


def test_ten_km_apart_in_the_metric_crs() -> None:
    sites = points([{"id": "s1", "xy": (550_000.0, 5_800_000.0)}], crs="EPSG:25832")
    layers = {"mobility": points([{"id": "m1", "name": "A7 Junction 1", "category": "motorway_junction", "xy": (556_000.0, 5_808_000.0)}], crs="EPSG:25832")}
    out = compute_location_factors(sites, layers, [factor_by_id(location_factors(), "motorway")])
    assert out.loc[0, "dist_motorway_km"] == 10.0
    assert out.loc[0, "nearest_motorway"] == "A7 Junction 1"
    assert out.loc[0, "nearest_motorway_id"] == "m1"


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_real_pairs_match_geodesic_distances() -> None:
    geod = Geod(ellps="WGS84")
    sites = points([{"id": "at-hbf", "xy": HANNOVER_HBF}, {"id": "near-bs", "xy": (10.50, 52.27)}])
    factors = [factor_by_id(location_factors(), i) for i in ("airport", "station_fv", "university")]
    out = compute_location_factors(sites, target_layers(), factors)

    _, _, metres = geod.inv(*HANNOVER_HBF, *HANNOVER_AIRPORT)
    assert 9.5 < metres / 1000 < 11.0  # about 10 km as the crow flies
    assert out.loc[0, "dist_airport_km"] == pytest.approx(metres / 1000, rel=0.01)
    assert out.loc[0, "dist_airport_km"] == pytest.approx(haversine_km(HANNOVER_HBF, HANNOVER_AIRPORT), rel=0.01)
    assert out.loc[0, "dist_station_fv_km"] == 0.0
    assert out.loc[1, "nearest_station_fv"] == "Braunschweig Hbf"
    assert out.loc[1, "dist_station_fv_km"] == pytest.approx(haversine_km((10.50, 52.27), BRAUNSCHWEIG_HBF), rel=0.01)
    assert out.loc[1, "nearest_airport"] == "Flughafen Hannover-Langenhagen"
    assert out.loc[0, "nearest_university"] == "<img src=x onerror=alert(1)>"
    assert out.crs == sites.crs and list(out["id"]) == ["at-hbf", "near-bs"]


def test_no_candidates_and_missing_geometry_give_nan() -> None:
    sites = points([{"id": "a", "xy": HANNOVER_HBF}, {"id": "b", "xy": BRAUNSCHWEIG_HBF}])
    sites.loc[1, "geometry"] = None
    out = compute_location_factors(sites, target_layers(), location_factors())
    assert np.isnan(out.loc[0, "dist_research_km"]) and out["nearest_research"].isna().all()
    assert np.isnan(out.loc[0, "dist_motorway_km"]) and np.isnan(out.loc[0, "dist_airfield_km"])
    assert out.loc[0, "dist_station_fv_km"] == 0.0
    assert out.loc[1, ["dist_station_fv_km", "dist_airport_km"]].isna().all()
    assert set(STORE_COLUMNS) <= set(out.columns)


def test_empty_sites_and_missing_layer() -> None:
    empty = points([])
    out = compute_location_factors(empty, target_layers(), location_factors())
    assert len(out) == 0 and set(STORE_COLUMNS) <= set(out.columns)
    with pytest.raises(ValueError, match="layer 'research' was not passed"):
        compute_location_factors(empty, {"mobility": target_layers()["mobility"]}, location_factors())


def test_factor_columns_follow_the_metric() -> None:
    columns = factor_columns(factor_by_id(location_factors(), "station_fv"), STRAIGHT_LINE)
    assert (columns.value, columns.name, columns.id) == ("dist_station_fv_km", "nearest_station_fv", "nearest_station_fv_id")


def test_on_the_built_store_against_brute_force_geodesics(built_store) -> None:
    """Every site of the real store gets all factors; each equals the geodesic distance to the nearest candidate."""
    layers = {name: gpd.read_file(built_store, layer=name) for name in ("sites", "mobility", "research")}
    factors = location_factors()
    sites = compute_location_factors(layers["sites"], layers, factors)
    assert len(sites) > 0 and sites[STORE_COLUMNS].notna().all().all()
    geod = Geod(ellps="WGS84")
    for factor in factors:
        targets = layers[factor.layer][layers[factor.layer]["category"].isin(factor.categories)]
        lon1, lon2 = np.meshgrid(sites.geometry.x, targets.geometry.x, indexing="ij")
        lat1, lat2 = np.meshgrid(sites.geometry.y, targets.geometry.y, indexing="ij")
        _, _, metres = geod.inv(lon1, lat1, lon2, lat2)
        expected = metres.min(axis=1) / 1000
        assert np.allclose(sites[factor.value_column], expected, rtol=0.01, atol=0.01), factor.id
        # the named nearest feature is at that distance (near-ties may name another candidate than argmin)
        chosen = targets["id"].reset_index(drop=True).reset_index().set_index("id")["index"]
        picked = metres[np.arange(len(sites)), chosen.loc[sites[factor.id_column]].to_numpy()] / 1000
        assert np.allclose(picked, expected, rtol=0.01, atol=0.01), factor.id
        assert (targets.set_index("id").loc[sites[factor.id_column], "name"].to_numpy() == sites[factor.name_column]).all()
