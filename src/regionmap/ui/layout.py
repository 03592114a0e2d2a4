"""Page building blocks: title and URL notices, key figures, and the map/card/table layout of a thematic page."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import streamlit as st

from regionmap.filters import filter_view, key_figures
from regionmap.i18n import format_density, format_km2, format_number, t
from regionmap.store import Store
from regionmap.ui import data, view
from regionmap.ui.mapview import colour_by_control, detail_card, layer_tables, plain, show_map, sync_selection
from regionmap.ui.pages import PAGES, page_spec
from regionmap.urlstate import ViewState, missing_path, to_query_params


def header(title_key: str, state: ViewState) -> None:
    """The page title, the region's name and any ignored URL parameters."""
    lang = state.lang
    st.title(t(title_key, lang))
    st.caption(plain(data.region_name(lang)))
    for notice in view.notices():
        st.warning(plain(notice.message(lang)), icon="⚠️")  # the message quotes the URL value: text, not Markdown


def shown_layers(store: Store, state: ViewState, layers: tuple[str, ...]) -> dict[str, gpd.GeoDataFrame]:
    """The page's layers that the state shows, filtered by the state."""
    tax = data.tax()
    categories = {layer.id: layer.category_ids for layer in tax.layers}
    return filter_view({layer_id: store[layer_id] for layer_id in view.page_layers(state, layers)}, state, categories)


def figures(store: Store, state: ViewState, shown: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Key figures of the selected area (region, Kreis or municipality) and the point counts of the current filter;
    when anything is filtered, the region's own figures are given beside them for comparison."""
    lang = state.lang
    tax = data.tax()
    figs = key_figures(store.gemeinden, shown, state.kreis, state.gemeinde)
    filtered = bool(state.kreis or state.gemeinde or state.sectors or state.categories or state.q)
    st.markdown(f"**{t('figures.selection' if filtered else 'figures.region', lang)}**")
    cols = st.columns(4)
    cols[0].metric(t("figures.population", lang), format_number(figs["population"], lang))
    cols[1].metric(t("figures.area", lang), format_km2(figs["area_km2"], lang))
    cols[2].metric(t("figures.density", lang), format_density(figs["density"], lang))
    cols[3].metric(t("figures.municipalities", lang), format_number(figs["municipalities"], lang))
    if figs["population_unknown"]:
        st.caption(t("figures.population_incomplete", lang, count=format_number(figs["population_unknown"], lang)))
    if figs["counts"]:
        layer_cols = st.columns(len(figs["counts"]))
        for col, (layer_id, count) in zip(layer_cols, figs["counts"].items()):
            col.metric(tax.layer(layer_id).label(lang), format_number(count, lang))
    if filtered:
        region = key_figures(store.gemeinden, {layer_id: store[layer_id] for layer_id in shown})
        parts = [
            f"{t('figures.population', lang)} {format_number(region['population'], lang)}",
            f"{t('figures.area', lang)} {format_km2(region['area_km2'], lang)}",
            f"{t('figures.municipalities', lang)} {format_number(region['municipalities'], lang)}",
            *(f"{tax.layer(layer_id).label(lang)} {format_number(n, lang)}" for layer_id, n in region["counts"].items()),
        ]
        st.caption(plain(f"{t('figures.region', lang)}: " + " · ".join(parts)))


def thematic_page(url_path: str, *, with_figures: bool = False) -> None:
    """A page of thematic layers: map with detail card beside it, then a sortable table per layer."""
    spec = page_spec(url_path)
    state = view.current()
    lang = state.lang
    store = data.store(lang)
    header(spec.title_key, state)
    shown = shown_layers(store, state, spec.layers)
    if with_figures:
        figures(store, state, shown)
    if not shown:
        st.info(t("map.no_layers", lang))
    own_layers = {layer_id: store[layer_id] for layer_id in spec.layers}
    sync_selection(url_path, own_layers)
    map_col, card_col = st.columns([3, 1], gap="medium")
    with map_col:
        colour_by_control(url_path, state)
        show_map(url_path, store, view.current(), shown)
    with card_col:
        detail_card(url_path, shown, lang)
    sync_selection(url_path, own_layers)
    totals = {layer_id: len(store[layer_id]) for layer_id in shown}
    layer_tables(url_path, shown, totals, lang)


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
