"""Page building blocks: title and URL notices, key figures, and the map/card/table layout of a thematic page."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import streamlit as st

from regionmap.filters import filter_view, key_figures
from regionmap.i18n import format_density, format_km2, format_number, t
from regionmap.store import Store
from regionmap.ui import data, view
from regionmap.ui.mapview import colour_by_control, detail_card, layer_tables, plain, show_map
from regionmap.ui.pages import page_spec
from regionmap.urlstate import ViewState

LAYER_FIGURES_PER_ROW = 4  # as many as the key figures above them


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
    counts = list(figs["counts"].items())
    for start in range(0, len(counts), LAYER_FIGURES_PER_ROW):  # rows of a few, so long layer names stay readable
        row = counts[start : start + LAYER_FIGURES_PER_ROW]
        for col, (layer_id, count) in zip(st.columns(LAYER_FIGURES_PER_ROW), row):
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
    map_col, card_col = st.columns([3, 1], gap="medium")
    with map_col:
        colour_by_control(url_path, lang)
        show_map(url_path, store, state, shown)
    with card_col:
        detail_card(url_path, shown, lang)
    totals = {layer_id: len(store[layer_id]) for layer_id in shown}
    layer_tables(url_path, shown, totals, lang)
