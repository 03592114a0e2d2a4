"""Small synthetic inputs for the curated/thematic/validate tests: boundaries, base layers, curated CSVs, stores."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from regionmap.spatial import WGS84
from regionmap.taxonomy import taxonomy

# Three square "municipalities" with real AGS of the region (not their real shapes).
SQUARES = {
    "03101000": ("Braunschweig", "03101", "Braunschweig", (10.40, 52.20, 10.60, 52.35)),
    "03103000": ("Wolfsburg", "03103", "Wolfsburg", (10.70, 52.35, 10.90, 52.50)),
    "03241001": ("Hannover", "03241", "Region Hannover", (9.60, 52.30, 9.90, 52.45)),
}
BS = (10.5, 52.27)  # a point inside the Braunschweig square
WOB = (10.8, 52.42)
HAN = (9.73, 52.37)


def synthetic_gemeinden() -> gpd.GeoDataFrame:
    rows = [
        {"ags": ags, "name": name, "kind": "Stadt", "kreis_ags": kreis, "kreis_name": kreis_name,
         "geometry": shapely.MultiPolygon([shapely.box(*bounds)])}
        for ags, (name, kreis, kreis_name, bounds) in SQUARES.items()
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def _located(rows: list[dict], coords: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(rows, geometry=[shapely.Point(c) for c in coords], crs=WGS84)
    located = gpd.sjoin(frame, synthetic_gemeinden()[["ags", "name", "kreis_ags", "kreis_name", "geometry"]]
                        .rename(columns={"name": "municipality", "kreis_name": "kreis"}), predicate="intersects")
    return located.drop(columns="index_right")


def synthetic_base() -> dict[str, gpd.GeoDataFrame]:
    """The base layers build_thematic_layers needs, with a few records each."""
    hospitals = _located(
        [
            {"id": "260310000_001_770001", "name": "Städtisches Klinikum Braunschweig",
             "site_name": "Salzdahlumer Straße", "street": "Salzdahlumer Str.", "house_number": "90",
             "postcode": "38126", "city": "Braunschweig"},
            {"id": "260310001_002_770002", "name": "Klinikum Wolfsburg", "site_name": "Klinikum Wolfsburg",
             "street": "Sauerbruchstraße", "house_number": "7", "postcode": "38440", "city": "Wolfsburg"},
        ],
        [BS, WOB],
    )
    stations = _located(
        [
            {"eva_nr": 8000049, "ds100": "HBS", "name": "Braunschweig Hbf", "traffic": "FV", "operator": "DB"},
            {"eva_nr": 8006552, "ds100": "HWOB", "name": "Wolfsburg Hbf", "traffic": "RV", "operator": "DB"},
            {"eva_nr": 8003372, "ds100": "HLEH", "name": "Hannover-Leinhausen", "traffic": None, "operator": "DB"},
        ],
        [BS, WOB, HAN],
    )
    airports = _located(
        [
            {"id": 1234, "name": "Braunschweig-Wolfsburg", "city": "Braunschweig", "iata": "BWE", "icao": "EDVE",
             "altitude_ft": 295},
            {"id": 8749, "name": "Hannover Messe-Heliport", "city": "Hannover", "iata": "ZVM", "icao": None,
             "altitude_ft": 152},
        ],
        [BS, HAN],
    )
    return {"gemeinden": synthetic_gemeinden(), "hospitals": hospitals, "rail_stations": stations, "airports": airports}


def point_row(layer: str, rid: str, category: str, lonlat: tuple[float, float] = BS, ags: str = "03101000",
              **extra: str) -> dict[str, str]:
    """A valid curated point record."""
    row = {
        "id": rid, "name": f"Name of {rid}", "layer": layer, "category": category, "sectors": "digital,mobility",
        "ags": ags, "address": "Musterstraße 1, 38100 Braunschweig", "website": "https://example.org/",
        "source": "institution_website", "as_of": "2025-01",
        "description_de": "Beschreibung.", "description_en": "Description.", "description_fr": "Description.",
        "lon": str(lonlat[0]), "lat": str(lonlat[1]),
    }
    if layer == "sites":
        row |= {"area_ha": "12.5", "size_class": "", "availability": "partly available", "indicative": "true",
                "indicative_note": "estimated_by_compilers"}
    if layer == "mobility":
        row |= {"ref": ""}
    spec = taxonomy().layer(layer).curated
    row |= {c.name: "" for c in spec.columns if c.curated and not c.required and c.name not in row} if spec else {}
    return row | extra


def health_row(register_id: str, category: str = "university_hospital", **extra: str) -> dict[str, str]:
    row = {"register_id": register_id, "name": "", "category": category, "sectors": "",
           "website": "https://example.org/", "source": "hospital_classification", "as_of": "2025-01",
           "description_de": "", "description_en": "", "description_fr": ""}
    return row | extra


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    """Write rows as a curated CSV (columns: those of the first row, unless given)."""
    columns = columns or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_valid_curated(directory: Path) -> Path:
    """A complete, valid set of curated files."""
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(directory / "research.csv", [
        point_row("research", "research-tu-bs", "university"),
        point_row("research", "research-inst-wob", "research_institute", WOB, "03103000",
                  sectors="mobility,digital,mobility"),
    ])
    write_csv(directory / "events.csv", [point_row("events", "events-messe", "trade_fair", HAN, "03241001")])
    write_csv(directory / "sites.csv", [point_row("sites", "sites-park", "science_park", area_ha="", size_class="M")])
    write_csv(directory / "mobility.csv", [point_row("mobility", "mobility-port-bs", "inland_port", ref="BS-Hafen",
                                                     description_de="", description_en="", description_fr="")])
    write_csv(directory / "health.csv", [health_row("260310000_001_770001")])
    for layer in taxonomy().layers:  # one record in every further point file of data/layers.toml
        spec = layer.curated
        if spec and not spec.join and not (directory / spec.file).exists():
            write_csv(directory / spec.file, [point_row(layer.id, f"{layer.id}-sample", layer.category_ids[0])])
    return directory


def write_store(path: Path, layers: dict[str, gpd.GeoDataFrame | pd.DataFrame]) -> Path:
    """A store with these layers, written as `regionmap build-data` writes one (metadata table included)."""
    from regionmap.data.store import GeoPackageStore

    GeoPackageStore(path).write_build(layers, {})
    return path
