"""Loading and checking data/sectors.toml and data/layers.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_support import copy_with

from regionmap import config
from regionmap.errors import ConfigError
from regionmap.taxonomy import load_layers, load_sectors, load_taxonomy, taxonomy

REQUIRED_SECTORS = {"mobility", "aerospace", "health", "energy", "digital", "production", "agrifood", "logistics",
                    "geo_environment", "culture_tourism"}


def test_shipped_taxonomy() -> None:
    tax = taxonomy()
    assert set(tax.sector_ids) >= REQUIRED_SECTORS
    assert [layer.id for layer in tax.layers][:5] == ["research", "sites", "health", "events", "mobility"]
    for sector in tax.sectors:
        assert sector.colour.startswith("#") and sector.icon
        assert all(sector.label(lang) for lang in config.LANGUAGES)
    research = tax.layer("research")
    assert research.category_ids == ("university", "hochschule", "research_institute")
    assert research.label("fr") == "Science et recherche"
    mobility = tax.layer("mobility")
    assert mobility.derive["rail_stations"]["categories"]["FV"] == "station_long_distance"
    assert mobility.derive["airports"]["scheduled"] == ["EDDV", "EDVE"]
    assert [(layer.id, layer.page) for layer in tax.layers if layer.page] == [
        ("research", "research"), ("sites", "sites"), ("health", "health"), ("events", "events-mobility"),
        ("mobility", "events-mobility")]
    assert tax.layer("sites").columns == (
        "area_ha", "size_class", "availability", "indicative", "indicative_note_de", "indicative_note_en",
        "indicative_note_fr", "net_area_ha", "price_min_eur_m2", "price_max_eur_m2", "price_on_request",
        "planning_status", "land_use", "serviced", "available_from", "broadband_mbps", "operation_24h", "rail_siding",
        "owner", "contact_org", "contact_person", "contact_email", "contact_phone")
    sites = tax.layer("sites")
    assert sites.column("land_use").choices == ("GI", "GE", "MI", "SO")
    assert sites.column("planning_status").choice_label("in_force", "de") == "B-Plan rechtskräftig"
    assert sites.column("price_min_eur_m2").unit == "eur_m2"
    assert sites.curated.at_most == (("net_area_ha", "area_ha"), ("price_min_eur_m2", "price_max_eur_m2"))
    assert sites.curated.excluded_if_true == (("price_min_eur_m2", "price_on_request"),
                                              ("price_max_eur_m2", "price_on_request"))
    assert sites.curated.requires == (("price_max_eur_m2", "price_min_eur_m2"),)
    assert tax.layer("health").curated.join == "register_id"


def test_unknown_layer_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no layer 'parks'"):
        taxonomy().layer("parks")


@pytest.mark.parametrize(("old", "new", "message"), [
    ('colour = "#1f77b4"', 'colour = "blue"', "colour 'blue' must be #rrggbb"),
    ('icon = "car"', 'icon = ""', "icon missing"),
    ('fr = "Mobilité et automobile"', 'it = "Mobilità"', "label missing for fr"),
    ('id = "aerospace"', 'id = "mobility"', "duplicate id 'mobility'"),
    ('id = "aerospace"', 'id = "Aero Space"', "must match"),
])
def test_broken_sectors(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = copy_with(tmp_path, "sectors.toml", old, new)
    with pytest.raises(ConfigError, match=message) as info:
        load_sectors(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("old", "new", "message"), [
    ('"nur DPN" = "station_regional"', '"nur DPN" = "tram_stop"', "'tram_stop' is not a mobility category"),
    ('{ id = "airfield", colour = "#5f8c00"', '{ id = "airport", colour = "#5f8c00"', "duplicate id 'airport'"),
    ('scheduled = ["EDDV", "EDVE"]', 'scheduled = "EDDV"', "'scheduled' must be a list"),
    ('colour = "#3b5ba9"', 'colour = "#3b5"', "must be #rrggbb"),
    ('sources = ["rail_stations", "airports"]', 'sources = ["rail_stations"]', "'airports' is not among the layer's"),
    ('{ name = "area_ha", type = "float"', '{ name = "area_ha", type = "decimal"', "type 'decimal' is not one of"),
    ('join = "register_id"', 'join = "hospital_id"', "join column 'hospital_id' is not among"),
    ('categories = ["inland_port",', 'categories = ["harbour",', "'categories' harbour are not categories"),
    ('optional = ["address", "website"', 'optional = ["adress", "website"', "outside the core schema: adress"),
    ('{ name = "ref", type = "text"', '{ name = "ags", type = "text"', "ags are core columns"),
    ('page = "research"', 'page = 3', "'page' a page's URL path"),
    ('icon = "school"', 'icon = "<b>"', "Material Symbols name"),
])
def test_broken_layers(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = copy_with(tmp_path, "layers.toml", old, new)
    with pytest.raises(ConfigError, match=message):
        load_layers(path)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = copy_with(tmp_path, "layers.toml", "[layers.derive.airports]", "[layers.derive.airports")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_taxonomy(tmp_path)


def test_layer_source_roles_name_registered_sources() -> None:
    from regionmap.data.source_registry import load_registry

    roles = {s.role for s in load_registry().sources}
    layers = {layer.id: layer for layer in taxonomy().layers}
    assert layers["health"].source_roles == ("hospitals",)
    assert set(layers["mobility"].source_roles) == {"rail_stations", "airports"}
    for layer in layers.values():
        assert set(layer.source_roles) <= roles


def test_layer_sources_must_be_a_list_of_roles(tmp_path: Path) -> None:
    path = copy_with(tmp_path, "layers.toml", 'sources = ["hospitals"]', 'sources = "hospitals"')
    with pytest.raises(ConfigError, match="'sources' must be a list"):
        load_layers(path)


def test_every_layer_page_is_a_thematic_page() -> None:
    from regionmap.ui.navigation import PAGES

    own = {spec.url_path for spec in PAGES if spec.own_layers}
    assert all(layer.page in own | {""} for layer in taxonomy().layers)
    assert all(spec.layers for spec in PAGES if spec.own_layers)  # no thematic page without a layer
    assert next(spec for spec in PAGES if spec.default).layers == taxonomy().layer_ids  # the overview shows all
