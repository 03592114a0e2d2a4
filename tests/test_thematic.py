"""build_thematic_layers: the five layers in the core schema from synthetic base layers and curated files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from curated_helpers import HAN, WOB, health_row, point_row, synthetic_base, write_csv, write_valid_curated
from regionmap.config import data_dir
from regionmap.data.curated import CuratedDataError
from regionmap.errors import ConfigError
from regionmap.taxonomy import taxonomy
from regionmap.data.thematic import CORE_COLUMNS, build_thematic_layers, load_derived_texts
from regionmap.data.record_texts import load_record_texts

THEMATIC_LAYERS = taxonomy().layer_ids


@pytest.fixture
def layers(tmp_path: Path) -> dict[str, gpd.GeoDataFrame]:
    return build_thematic_layers(synthetic_base(), write_valid_curated(tmp_path / "curated")).layers


def test_five_layers_in_the_core_schema(layers: dict[str, gpd.GeoDataFrame]) -> None:
    assert tuple(layers) == THEMATIC_LAYERS
    for name, frame in layers.items():
        assert list(frame.columns) == [*CORE_COLUMNS, *taxonomy().layer(name).columns, "geometry"]
        assert frame.crs == "EPSG:4326"
        assert (frame.geometry.geom_type == "Point").all()
        assert frame["id"].is_monotonic_increasing and frame["id"].is_unique
        assert (frame["layer"] == name).all()
        assert frame[["id", "name", "category", "sectors", "ags", "municipality", "kreis", "kreis_ags",
                      "source_de", "source_en", "source_fr", "as_of"]].notna().all().all(), name


def test_curated_layers(layers: dict[str, gpd.GeoDataFrame]) -> None:
    research = layers["research"].set_index("id")
    assert list(research.index) == ["research-inst-wob", "research-tu-bs"]
    wob = research.loc["research-inst-wob"]
    assert (wob["ags"], wob["municipality"], wob["kreis_ags"], wob["kreis"]) == ("03103000", "Wolfsburg", "03103",
                                                                                 "Wolfsburg")
    assert wob["sectors"] == "mobility,digital"  # deduplicated, in taxonomy order
    site = layers["sites"].iloc[0]
    assert bool(site["indicative"])
    assert site["size_class"] == "M" and gpd.pd.isna(site["area_ha"])


def test_curated_texts_come_from_the_vocabulary_in_each_language(layers: dict[str, gpd.GeoDataFrame]) -> None:
    vocabulary = load_record_texts()
    research = layers["research"].iloc[0]
    site = layers["sites"].iloc[0]
    for lang in ("de", "en", "fr"):
        assert research[f"source_{lang}"] == vocabulary.texts["source"]["institution_website"][lang]
        assert site[f"indicative_note_{lang}"] == vocabulary.texts["indicative_note"]["estimated_by_compilers"][lang]
    assert research["source_de"].startswith("Website der Einrichtung")
    assert research["source_fr"].startswith("Site web de l'établissement")
    assert "source" not in layers["research"].columns and "indicative_note" not in layers["sites"].columns


def test_health_layer(layers: dict[str, gpd.GeoDataFrame]) -> None:
    health = layers["health"].set_index("register_id")
    uni = health.loc["260310000_001_770001"]
    assert uni["id"] == "health-260310000_001_770001"
    assert uni["category"] == "university_hospital"
    assert uni["name"] == "Städtisches Klinikum Braunschweig" and uni["site_name"] == "Salzdahlumer Straße"
    assert uni["address"] == "Salzdahlumer Str. 90, 38126 Braunschweig"
    assert uni["website"] == "https://example.org/"
    attribution = "© Eurostat/GISCO, Healthcare services in Europe (InEK Krankenhausstandortverzeichnis)"
    assert uni["source_de"] == (f"{attribution}; Einstufung nach öffentlichen Angaben des Krankenhauses, zugeordnet "
                                "über die Standortkennung des Registers")
    assert uni["source_fr"] == (f"{attribution}; Classification d'après les informations publiques de l'hôpital, "
                                "rattachée par l'identifiant de site du registre")
    assert set(health.loc["260310001_002_770002", ["source_de", "source_en", "source_fr"]]) == {attribution}
    assert uni["as_of"] == "2020-03-08"
    assert uni["description_en"].startswith("University hospital in Braunschweig")
    other = health.loc["260310001_002_770002"]
    assert (other["category"], other["sectors"], other["website"]) == ("hospital", "health", None)


def test_mobility_layer(layers: dict[str, gpd.GeoDataFrame]) -> None:
    mobility = layers["mobility"].set_index("id")
    assert mobility.loc["mobility-db-8000049", "category"] == "station_long_distance"
    assert mobility.loc["mobility-db-8006552", "category"] == "station_regional"
    assert mobility.loc["mobility-db-8003372", "category"] == "station_regional"  # unknown traffic
    assert mobility.loc["mobility-db-8000049", "ref"] == "8000049"
    assert mobility.loc["mobility-db-8000049", "sectors"] == "mobility,logistics"
    assert mobility.loc["mobility-airport-edve", ["category", "ref", "sectors"]].tolist() == [
        "airport", "EDVE", "mobility,aerospace"]
    assert mobility.loc["mobility-airport-8749", ["category", "ref"]].tolist() == ["airfield", "ZVM"]
    assert mobility.loc["mobility-db-8000049", "description_fr"] == (
        "Gare desservie par les grandes lignes à Braunschweig (numéro EVA 8000049).")
    assert set(mobility.loc["mobility-db-8000049", ["source_de", "source_en", "source_fr"]]) == {
        "© DB Station&Service AG (CC BY 4.0)"}
    port = mobility.loc["mobility-port-bs"]
    assert (port["category"], port["ref"], port["description_de"]) == ("inland_port", "BS-Hafen", None)


def test_point_outside_the_region_fails_the_build(tmp_path: Path) -> None:
    curated = write_valid_curated(tmp_path / "curated")
    write_csv(curated / "events.csv", [point_row("events", "events-messe", "trade_fair", HAN, "03241001"),
                                       point_row("events", "events-far", "arena", (13.4, 52.5), "03241001")])
    with pytest.raises(CuratedDataError) as info:
        build_thematic_layers(synthetic_base(), curated)
    assert f"{curated / 'events.csv'}:3: id=events-far field=lon: lon=13.4, lat=52.5 lies outside the region" in str(
        info.value)


def test_health_register_id_must_exist(tmp_path: Path) -> None:
    curated = write_valid_curated(tmp_path / "curated")
    write_csv(curated / "health.csv", [health_row("260310000_001_770001"), health_row("000_gone")])
    with pytest.raises(CuratedDataError, match=r"health.csv:3: id=000_gone field=register_id: .* not among"):
        build_thematic_layers(synthetic_base(), curated)


def test_missing_curated_file_fails_the_build(tmp_path: Path) -> None:
    curated = write_valid_curated(tmp_path / "curated")
    (curated / "sites.csv").unlink()
    with pytest.raises(CuratedDataError, match="sites.csv: id=- field=-: cannot read"):
        build_thematic_layers(synthetic_base(), curated)


def test_duplicate_id_between_curated_and_derived_records(tmp_path: Path) -> None:
    curated = write_valid_curated(tmp_path / "curated")
    write_csv(curated / "mobility.csv", [point_row("mobility", "mobility-db-8006552", "freight_terminal", WOB,
                                                   "03103000")])
    with pytest.raises(CuratedDataError, match="id=mobility-db-8006552 field=id: duplicate id"):
        build_thematic_layers(synthetic_base(), curated)


def test_hostile_source_text_is_kept_as_text(tmp_path: Path) -> None:
    base = synthetic_base()
    base["rail_stations"].loc[0, "name"] = "<img src=x onerror=alert(1)> {ref} {0}"
    layers = build_thematic_layers(base, write_valid_curated(tmp_path / "curated")).layers
    station = layers["mobility"].set_index("id").loc["mobility-db-8000049"]
    assert station["name"] == "<img src=x onerror=alert(1)> {ref} {0}"


def test_derived_texts_are_checked(tmp_path: Path) -> None:
    texts = load_derived_texts()
    assert set(texts) >= {("health", "hospital"), ("mobility", "station_regional"), ("mobility", "airfield")}
    path = tmp_path / "derived_texts.toml"
    shipped = (data_dir() / "derived_texts.toml").read_text(encoding="utf-8")
    path.write_text(shipped.replace("(EVA-Nummer {ref})", "({eva})", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"station_long_distance\]: de: unknown placeholder\(s\) eva"):
        load_derived_texts(path)
    path.write_text(shipped.replace("[mobility.airfield]", "[mobility.heliport]"), encoding="utf-8")
    with pytest.raises(ConfigError, match="'heliport' is not a category of layer 'mobility'"):
        load_derived_texts(path)
