"""Page building blocks: title and URL notices, key figures, and the map/card/table layout of a thematic page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import streamlit as st

from regionmap.dashboard.filters import filter_view, key_figures
from regionmap.data.manifest import population_reference_date
from regionmap.i18n import format_date, format_density, format_km2, format_number, t, tn
from regionmap.data.store import StoreData
from regionmap.ui import data, view
from regionmap.ui.focus import keep_focus
from regionmap.ui.text import document_language, plain
from regionmap.ui.mapview import colour_by_control, detail_card, layer_tables, show_map, shown_key, sync_selection
from regionmap.ui.navigation import page_spec, PAGES
from regionmap.dashboard.urlstate import ViewState, missing_path, to_query_params

PAGE_CSS = Path(__file__).with_name("page.css")
FOCUS_CSS = Path(__file__).with_name("focus.css")  # every page, the presenter too
SIDE_COLUMN = [3, 1]  # map : figures and detail card (the columns stack on a phone: map first)

FIGURE_COLUMNS = ("ags", "kreis_ags", "population", "area_km2")  # what key_figures reads of the municipalities
LAYER_FIGURES_PER_ROW = 4  # as many as the key figures above them


def header(title_key: str, state: ViewState) -> None:
    """The page title, the region's name and any ignored URL parameters."""
    lang = state.lang
    st.html(PAGE_CSS)  # style only: takes no space on the page
    st.html(FOCUS_CSS)
    document_language(lang)
    keep_focus()
    st.title(t(title_key, lang))
    st.caption(plain(data.region_name(lang)))
    for notice in view.notices():
        st.warning(plain(notice.message(lang)), icon="⚠️")  # the message quotes the URL value: text, not Markdown


def shown_layers(store: StoreData, state: ViewState, layers: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
    """The page's layers that the state shows, filtered by the state (by Kreis and municipality in the database when
    the store filters in place). Each filtered layer is shared by every session with the same filter of that layer
    (`data.shared`): callers never change the frames."""
    tax = data.tax()
    categories = {layer.id: layer.category_ids for layer in tax.layers}
    place = {"kreis": state.kreis or None, "ags": state.gemeinde or None}
    page = view.page_layers(state, layers)
    shown = {}
    for layer_id in (layer_id for layer_id in state.layers if layer_id in page):
        own = tuple(c for c in state.categories if c in categories[layer_id])
        shown[layer_id] = data.shared(
            store, "view", ("shown", layer_id, state.sectors, own, place["kreis"], place["ags"], state.q),
            lambda layer_id=layer_id: filter_view({layer_id: data.filtered(store, layer_id, **place)}, state,
                                                  categories)[layer_id])
    return shown


def population_reference(store: StoreData, lang: str) -> str:
    """The reference date of the population figures, as the build recorded it ("Einwohner: Stand 31.12.2023")."""
    return t("figures_reference.population", lang,
             date=format_date(population_reference_date(store.manifest), lang))


def figures(store: StoreData, state: ViewState, shown: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Key figures of the selected area (region, Kreis or municipality) and the point counts of the current filter,
    one compact row each (beside the map, or below it on a phone); when anything is filtered, the region's own
    figures are given below them for comparison."""
    lang = state.lang
    tax = data.tax()
    figs = view_figures(store, state, shown)
    filtered = bool(state.kreis or state.gemeinde or state.sectors or state.categories or state.q)
    with st.container(key="figures"):
        st.markdown(f"**{t('figures.selection' if filtered else 'figures.region', lang)}**")
        st.metric(t("figures.population", lang), format_number(figs["population"], lang))
        st.metric(t("figures.area", lang), format_km2(figs["area_km2"], lang))
        st.metric(t("figures.density", lang), format_density(figs["density"], lang))
        st.metric(t("figures.municipalities", lang), format_number(figs["municipalities"], lang))
        for layer_id, count in figs["counts"].items():
            st.metric(tax.layer(layer_id).label(lang), format_number(count, lang))
    st.caption(population_reference(store, lang))
    if figs["population_unknown"]:
        st.caption(tn("figures.population_incomplete", figs["population_unknown"], lang))
    if filtered:
        region = data.shared(store, "view", ("region_figures", tuple(shown)), lambda: region_figures(store, shown))
        parts = [
            f"{t('figures.population', lang)} {format_number(region['population'], lang)}",
            f"{t('figures.area', lang)} {format_km2(region['area_km2'], lang)}",
            f"{t('figures.municipalities', lang)} {format_number(region['municipalities'], lang)}",
            *(f"{tax.layer(layer_id).label(lang)} {format_number(n, lang)}" for layer_id, n in region["counts"].items()),
        ]
        st.caption(plain(f"{t('figures.region', lang)}: " + " · ".join(parts)))


def view_figures(store: StoreData, state: ViewState, shown: Mapping[str, gpd.GeoDataFrame]) -> dict:
    """`key_figures` of the view from shared parts (`data.shared`): the area's figures per Kreis and municipality,
    each layer's count per its shown records."""
    gemeinden = data.columns(store, "gemeinden", FIGURE_COLUMNS)
    figs = data.shared(store, "view", ("area_figures", state.kreis, state.gemeinde),
                       lambda: key_figures(gemeinden, {}, state.kreis, state.gemeinde))
    counts = {}
    for layer_id, digest in shown_key(shown):
        counts[layer_id] = data.shared(
            store, "view", ("count_in", layer_id, digest, state.kreis, state.gemeinde),
            lambda: key_figures(gemeinden, {layer_id: shown[layer_id]}, state.kreis, state.gemeinde)["counts"][layer_id])
    return {**figs, "counts": counts}


def region_figures(store: StoreData, layers: Iterable[str]) -> dict:
    """`key_figures` of the whole region for `layers`, from the municipalities' figures and the layers' counts
    (on PostGIS: only those columns and count queries, no layer read whole)."""
    figs = key_figures(data.columns(store, "gemeinden", FIGURE_COLUMNS), {})
    return {**figs, "counts": {layer_id: data.count(store, layer_id) for layer_id in layers}}


def thematic_page(url_path: str, *, with_figures: bool = False) -> None:
    """A page of thematic layers: the map on the first screen with the colour switch, key figures and detail card
    beside it (below it on a phone), then a sortable table per layer."""
    spec = page_spec(url_path)
    state = view.current()
    lang = state.lang
    store = data.store(lang)
    header(spec.title_key, state)
    shown = shown_layers(store, state, spec.layers)
    if not shown:
        st.info(t("map.no_layers", lang))
    own_layers = {layer_id: data.columns(store, layer_id, ("id",)) for layer_id in spec.layers}  # ids suffice
    sync_selection(url_path, own_layers)
    map_col, side_col = st.columns(SIDE_COLUMN, gap="medium")
    with side_col:  # drawn first: the colour switch decides how the map colours its markers
        colour_by_control(url_path, state)
    with map_col:
        show_map(url_path, store, view.current(), shown)
    with side_col:
        detail_card(url_path, shown, lang)
        if with_figures:
            figures(store, state, shown)
    sync_selection(url_path, own_layers)
    totals = {layer_id: data.count(store, layer_id) for layer_id in shown}
    layer_tables(url_path, store, shown, totals, lang)


def not_found_page() -> None:
    """The page for a path that is no page: says so and links to the overview with the same view."""
    state = view.current()
    lang = state.lang
    header("page.not_found", state)
    path = missing_path({name: st.query_params.get_all(name) for name in st.query_params})
    st.error(plain(t("url.page_not_found", lang, path=f"/{path}")), icon="⚠️")
    overview = next(spec for spec in PAGES if spec.default)
    st.page_link(overview.path, label=t("url.to_overview", lang), icon=overview.icon,
                 query_params=to_query_params(state, overview.params))
