"""The dashboard's map composition and record display on the built store: legend counts, attributions, escaping."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import streamlit_folium

from regionmap.dashboard.composition import (
    attributions,
    boundary_payloads,
    dashboard_parts,
    offline_basemap,
    selected_area,
    simplified_layers,
    view_bounds,
)
from regionmap.dashboard.details import record_fields, table_frame
from regionmap.dashboard.filters import filter_view
from regionmap.i18n import t
from regionmap.maps import bounds_of
from regionmap.data.source_registry import load_registry
from regionmap.testing import legend_counts
from regionmap.data.store import StoreData, open_store
from regionmap.dashboard.map_style import map_style
from regionmap.taxonomy import taxonomy
from regionmap.data.thematic import split_sectors
from regionmap.ui.text import plain
from regionmap.dashboard.urlstate import ViewState
from test_maps_support import descendants

HOSTILE = "<img src=x onerror=alert(1)>"
TAX = taxonomy()
REGISTRY = load_registry()
CATEGORIES = {layer.id: layer.category_ids for layer in TAX.layers}


@pytest.fixture(scope="module")
def store(built_store: Path) -> StoreData:
    return open_store(built_store)


@pytest.fixture(scope="module")
def boundaries(store: StoreData) -> tuple[dict, dict]:
    simplified = simplified_layers(store.layers)
    return simplified, boundary_payloads(simplified, "de")


def view_map(store: StoreData, boundaries: tuple[dict, dict], shown: dict, basemap: str = "none", lang: str = "de"):
    simplified, payloads = boundaries
    return dashboard_parts(shown=shown, simplified=simplified, payloads=payloads, taxonomy=TAX, registry=REGISTRY,
                           region_bounds=bounds_of(store.region), lang=lang, basemap_id=basemap).merged()


def legend_entries(fmap) -> dict[str, int]:
    (legend,) = descendants(fmap, "LegendControl")
    return {entry["layer"]: entry["count"] for entry in json.loads(legend.spec)["entries"]}


def direct_count(layer: gpd.GeoDataFrame, state: ViewState, layer_id: str) -> int:
    """The points of a layer matching the state, counted without `regionmap.dashboard.filters`."""
    mask = pd.Series(True, index=layer.index)
    if state.sectors:
        mask &= layer["sectors"].map(lambda s: bool(set(split_sectors(s)) & set(state.sectors)))
    own = [c for c in state.categories if c in CATEGORIES[layer_id]]
    if own:
        mask &= layer["category"].isin(own)
    if state.kreis:
        mask &= layer["kreis_ags"] == state.kreis
    if state.q:
        mask &= layer["name"].str.casefold().str.contains(state.q.casefold(), regex=False)
    return int(mask.sum())


STATES = [
    ViewState(),
    ViewState(sectors=("mobility",)),
    ViewState(kreis="03101"),
    ViewState(q="Universit", layers=("research", "health")),
    ViewState(categories=("university", "hospital"), layers=("research", "health", "events")),
    ViewState(sectors=("health", "digital"), kreis="03159"),
]


@pytest.mark.parametrize("state", STATES, ids=lambda s: str({k: v for k, v in vars(s).items() if v}))
def test_legend_counts_equal_the_store_for_the_filter(store, boundaries, state) -> None:
    shown = filter_view(store.thematic, state, CATEGORIES)
    assert list(shown) == list(state.layers)
    fmap = view_map(store, boundaries, shown)
    expected = {layer_id: direct_count(store[layer_id], state, layer_id) for layer_id in state.layers}
    assert legend_entries(fmap) == legend_counts(shown) == expected
    if state == ViewState():
        assert expected == {layer_id: len(gdf) for layer_id, gdf in store.thematic.items()}


def mounted(store: StoreData, boundaries: tuple[dict, dict], state: ViewState) -> tuple[str, str]:
    """What streamlit-folium does with the map of `state`: the hash that identifies the mounted map (from the base
    map's script) and the injected overlay script."""
    simplified, payloads = boundaries
    fit = bounds_of(store.kreise[store.kreise["ags"] == state.kreis]) if state.kreis else None
    parts = dashboard_parts(shown=filter_view(store.thematic, state, CATEGORIES), simplified=simplified,
                            payloads=payloads, taxonomy=TAX, registry=REGISTRY, region_bounds=bounds_of(store.region),
                            lang="de", fit_bounds=fit)
    parts.base.get_root().render()
    key = streamlit_folium.generate_js_hash(streamlit_folium._get_map_string(parts.base), "map")
    overlays = "".join(streamlit_folium._get_feature_group_string(g, parts.base, i) for i, g in enumerate(parts.overlays))
    return key, overlays


def test_a_filter_change_swaps_only_the_overlays(store, boundaries) -> None:
    """Same base map (no remount, the view stays) for other sectors or layers; a Kreis selection fits a new view."""
    key, overlays = mounted(store, boundaries, ViewState())
    for state in (ViewState(sectors=("mobility",)), ViewState(q="Universit", layers=("research", "health"))):
        other_key, other_overlays = mounted(store, boundaries, state)
        assert other_key == key and other_overlays != overlays, state
    assert mounted(store, boundaries, ViewState())[1] == overlays  # a rerun without change injects nothing new
    assert mounted(store, boundaries, STATES[2])[0] != key


def test_filters_do_restrict_on_the_real_data(store) -> None:
    """The states above are meaningful: each filter keeps some but not all points of a layer."""
    for state, layer_id in ((STATES[1], "research"), (STATES[2], "research"), (STATES[3], "research")):
        count = len(filter_view(store.thematic, state, CATEGORIES)[layer_id])
        assert 0 < count < len(store[layer_id]), (state, layer_id, count)


def test_attributions_follow_the_layers_and_the_basemap() -> None:
    bkg = REGISTRY.by_role("municipalities").attribution
    states = REGISTRY.by_role("states").attribution
    gisco = REGISTRY.by_role("hospitals").attribution
    db = REGISTRY.by_role("rail_stations").attribution
    flights = REGISTRY.by_role("airports").attribution
    osm = next(b.attribution for b in REGISTRY.basemaps if b.id == "osm")
    curated = t("map.curated_attribution", "en")

    assert attributions(REGISTRY, TAX, [], "none", "en") == [bkg, states]
    assert attributions(REGISTRY, TAX, [], "osm", "en") == [bkg, osm]
    health = attributions(REGISTRY, TAX, ["health"], "none", "en")
    assert gisco in health and curated in health and osm not in health
    mobility = attributions(REGISTRY, TAX, ["mobility"], "osm", "en")
    assert {db, flights, osm, bkg} <= set(mobility) and states not in mobility
    for layer_id in ("research", "sites", "events", "mobility"):
        # every thematic layer holds curated records (data/geo/curated/), so the project's own note is shown with it
        assert curated in attributions(REGISTRY, TAX, [layer_id], "none", "en"), layer_id
    every = attributions(REGISTRY, TAX, list(CATEGORIES), "osm", "fr")
    assert len(every) == len(set(every))


def test_attributions_reach_the_rendered_map(store, boundaries) -> None:
    shown = filter_view(store.thematic, ViewState(layers=("health", "mobility")), CATEGORIES)
    html = view_map(store, boundaries, shown, basemap="osm").get_root().render()
    for role in ("municipalities", "hospitals", "rail_stations", "airports"):
        text = REGISTRY.by_role(role).attribution
        assert json.dumps(text, ensure_ascii=False).replace("&", "\\u0026") in html, role  # JSON text, escaped in JS


def hostile_store_layer(store: StoreData) -> gpd.GeoDataFrame:
    research = store["research"].copy()
    first = research.index[0]
    for column in ("name", "address", "municipality", "description_en", "website"):
        research.loc[first, column] = HOSTILE
    research.loc[first, "category"] = HOSTILE
    return research


def test_hostile_record_is_escaped_in_the_rendered_map(store, boundaries) -> None:
    research = hostile_store_layer(store)
    html = view_map(store, boundaries, {"research": research}, lang="en").get_root().render()
    assert HOSTILE not in html and "<img" not in html
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html  # the name travels as JSON text, shown escaped


def test_record_fields_keep_hostile_text_as_text(store) -> None:
    research = hostile_store_layer(store)
    record = research.iloc[0]
    fields = {field.key: field.value for field in record_fields(record, "research", TAX, "en")}
    assert fields["address"] == HOSTILE and fields["category"] == HOSTILE and fields["website"] == HOSTILE
    for value in fields.values():
        escaped = plain(value)
        assert "<" not in escaped.replace("\\<", "") and ">" not in escaped.replace("\\>", "")
    assert plain(HOSTILE) == "\\<img src=x onerror=alert\\(1\\)\\>"


def test_record_fields_label_values_in_the_language(store) -> None:
    health = store["health"]
    record = health[health["category"] == "university_hospital"].iloc[0]
    for lang in ("de", "en", "fr"):
        fields = {f.key: f for f in record_fields(record, "health", TAX, lang)}
        category = next(c for c in TAX.layer("health").categories if c.id == "university_hospital")
        assert fields["category"].value == category.label(lang)
        assert fields["category"].label == t("column.category", lang)
        assert all(f.value for f in fields.values())


def test_table_frame_translates_headers_and_keeps_rows(store) -> None:
    sites = filter_view(store.thematic, ViewState(layers=("sites",), kreis="03103"), CATEGORIES)["sites"]
    assert len(sites) > 0
    for lang in ("de", "en", "fr"):
        frame = table_frame(sites, "sites", TAX, lang)
        assert len(frame) == len(sites) and list(frame.index) == list(sites.index)
        assert frame.columns[0] == t("column.name", lang)
        assert list(frame[t("column.name", lang)]) == list(sites["name"])
        area = frame[t("column.area_ha", lang)]
        assert pd.api.types.is_float_dtype(area)  # numeric, so the table sorts by size
        categories = {c.id: c.label(lang) for c in TAX.layer("sites").categories}
        assert list(frame[t("column.category", lang)]) == [categories[c] for c in sites["category"]]


def test_table_frame_of_hostile_records_is_plain_text(store) -> None:
    frame = table_frame(hostile_store_layer(store), "research", TAX, "en")
    assert frame.iloc[0][t("column.name", "en")] == HOSTILE
    assert frame.iloc[0][t("column.category", "en")] == HOSTILE


def test_overview_boundaries_stay_small_and_detail_grows_with_the_selection(store: StoreData) -> None:
    from regionmap.dashboard.composition import display_zoom

    sizes = {}
    for kreis, gemeinde in ((None, None), ("03159", None), ("03159", "03159016")):
        zoom = display_zoom(kreis, gemeinde)
        payloads = boundary_payloads(simplified_layers(store.layers, zoom), "de", zoom)
        sizes[zoom] = sum(len(p.json.encode("utf-8")) for p in payloads.values())
    overview, kreis_view, gemeinde_view = (sizes[z] for z in sorted(sizes))
    assert overview <= 400_000
    assert overview < kreis_view <= gemeinde_view


def test_basemaps_come_from_the_source_registry() -> None:
    from regionmap.dashboard.composition import basemap_of

    osm = next(b for b in REGISTRY.basemaps if b.id == "osm")
    assert (basemap_of(REGISTRY, "osm").tiles, basemap_of(REGISTRY, "osm").attribution) == (osm.tiles, osm.attribution)
    assert basemap_of(REGISTRY, "none").tiles is None
    with pytest.raises(ValueError, match="unknown basemap"):
        basemap_of(REGISTRY, "satellite")


def test_view_bounds_fit_the_filtered_points_or_the_selection(store) -> None:
    """Unfiltered: the region (or the selected area); filtered: the shown points, joined with the selected area."""
    region = bounds_of(store.region)
    research = store["research"]
    assert view_bounds(region, None, {"research": research}, filtered=False) == region
    one = research[research["name"].str.contains("Georg-August")]
    assert len(one) == 1
    point = one.geometry.iloc[0]
    assert view_bounds(region, None, {"research": one}, filtered=True) == ((point.y, point.x), (point.y, point.x))
    kreis = bounds_of(store.kreise[store.kreise["ags"] == "03159"])
    joined = view_bounds(region, kreis, {"research": one}, filtered=True)
    assert joined[0][0] <= min(kreis[0][0], point.y) and joined[1][1] >= max(kreis[1][1], point.x)
    assert view_bounds(region, kreis, {"research": research.iloc[0:0]}, filtered=True) == kreis


def test_the_selected_area_is_outlined_in_the_base(store, boundaries) -> None:
    """A Kreis or municipality in the view gets a bold outline in the base map; without a selection there is none."""
    simplified, payloads = boundaries
    assert selected_area(simplified, None, None) is None
    assert list(selected_area(simplified, "03159", None)["ags"]) == ["03159"]
    assert list(selected_area(simplified, "03159", "03159016")["ags"]) == ["03159016"]

    def outlines(**selection) -> list:
        parts = dashboard_parts(shown={}, simplified=simplified, payloads=payloads, taxonomy=TAX, registry=REGISTRY,
                                region_bounds=bounds_of(store.region), lang="de", **selection)
        selected = map_style().boundaries["selected"].colour
        return [layer for layer in descendants(parts.base, "BoundaryLayer") if selected in layer.style]

    assert outlines() == []
    assert len(outlines(gemeinde="03159016", kreis="03159")) == 1


def test_the_map_fits_its_content_from_the_overlays(store, boundaries) -> None:
    """The content's bounds travel with the overlays (a filter change keeps the mounted base) and the map texts come
    in the view's language."""
    simplified, payloads = boundaries
    region = bounds_of(store.region)
    content = ((51.5, 9.9), (51.6, 10.0))
    for lang in ("de", "en", "fr"):
        parts = dashboard_parts(shown={}, simplified=simplified, payloads=payloads, taxonomy=TAX, registry=REGISTRY,
                                region_bounds=region, lang=lang, content_bounds=content)
        (fit,) = descendants(parts.overlays[0], "FitView")
        assert json.loads(fit.spec)["bounds"] == [list(p) for p in content]
        (decorations,) = descendants(parts.base, "MapDecorations")
        texts = json.loads(decorations.texts)
        assert texts["tiles_offline"] == t("map.tiles_offline", lang)
        assert texts["attribution_show"] == t("map.attribution_show", lang)
        assert decorations.offline_basemap == "none"
    assert offline_basemap(REGISTRY) == next(b.id for b in REGISTRY.basemaps if not b.online)


def test_view_bounds_take_in_an_upload_beyond_the_region_unless_an_area_is_selected(store) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    region = bounds_of(store.region)
    upload = gpd.GeoDataFrame({"name": ["Hamburg", "none"]}, geometry=[Point(10.0, 53.55), None], crs="EPSG:4326")
    fitted = view_bounds(region, None, {}, filtered=False, own=upload)
    assert fitted == (region[0], (53.55, region[1][1]))  # the region, stretched north to Hamburg
    kreis = bounds_of(store.kreise[store.kreise["ags"] == "03159"])
    assert view_bounds(region, kreis, {}, filtered=False, own=upload) == kreis  # the user's selection wins
    inside = upload.iloc[:0]
    assert view_bounds(region, None, {}, filtered=False, own=inside) == region
