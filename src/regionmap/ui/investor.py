"""The investor view of the Investitionsstandorte page: site finder, site sheet, comparison and downloads.

The sidebar filters (type = category, sectors, Kreis, municipality, search) come from the view state; the page adds
size, availability and a maximum distance per location factor. The chosen site lives in `ViewState.site` (the URL's
`?site=`), whether it was picked on the map, in the list or through a link.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from regionmap.compare import AREA_ROW, MAX_COMPARED, MIN_COMPARED
from regionmap.config import LANGUAGES
from regionmap.dashboard import KREIS_ZOOM
from regionmap.details import is_indicative
from regionmap.exports import to_csv_bytes, to_excel_bytes, to_geojson_bytes
from regionmap.i18n import format_density, format_km2, format_number, t
from regionmap.location_factors import LocationFactor, location_factors
from regionmap.site_finder import SiteQuery, find_sites, site_vocabulary, sort_sites
from regionmap.site_sheet import LAYER, comparison_frame, distance_header, factor_frame, result_frame, site_location_map
from regionmap.store import Store
from regionmap.ui import data, view
from regionmap.ui.layout import header, shown_layers
from regionmap.ui.mapview import chosen_row, detail_card, plain, select, selected, show_map, table_key
from regionmap.ui.pages import page_spec
from regionmap.urlstate import ViewState

PAGE = "sites"
RESULT_MAP_HEIGHT = 520
SITE_MAP_HEIGHT = 420
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



def sites_page() -> None:
    """The Investitionsstandorte page."""
    spec = page_spec(PAGE)
    state = view.current()
    lang = state.lang
    store = data.store(lang)
    header(spec.title_key, state)
    factors = location_factors()
    sites = store[LAYER]
    base = shown_layers(store, state, (LAYER,)).get(LAYER, sites.iloc[0:0])
    found = sort_control(find_sites(base, finder_query(sites, factors, lang), factors), factors, lang)
    st.caption(t("investor.finder.result", lang, count=format_number(len(found), lang)))
    if state.site:
        select(PAGE, LAYER, state.site)
    shown = {LAYER: found}
    before = selected(PAGE, shown)
    show_map(PAGE, store, state, shown, height=RESULT_MAP_HEIGHT)
    after = selected(PAGE, shown)
    picked = str(after[1]["id"]) if after and (before is None or before[1]["id"] != after[1]["id"]) else None
    picked = result_table(found, factors, lang) or picked
    if picked and picked != state.site:
        state = choose_site(state, picked)
    if found.empty:
        st.info(t("investor.page.empty", lang))
    if state.site:
        site_sheet(store, state, factors)
    else:
        st.info(t("investor.page.select_hint", lang))
    comparison(sites, state, factors)
    list_downloads(found, lang)


def choose_site(state: ViewState, site_id: str | None) -> ViewState:
    """Make `site_id` the chosen site (None closes the sheet), in the session and the URL."""
    if site_id:
        select(PAGE, LAYER, site_id)
    else:
        st.session_state.pop(f"selected_{PAGE}", None)
    new_state = replace(state, site=site_id)
    view.set_current(new_state)
    return new_state


def finder_query(sites: gpd.GeoDataFrame, factors: tuple[LocationFactor, ...], lang: str) -> SiteQuery:
    """The page's own filters (size, availability, maximum distances) as a query; the sidebar does the rest."""
    vocabulary = site_vocabulary()
    area = pd.to_numeric(sites["area_ha"], errors="coerce")
    top = float(math.ceil(area.max())) if area.notna().any() and area.max() > 0 else 1.0
    with st.expander(t("investor.page.filters", lang)):
        low, high = st.slider(t("investor.finder.size", lang), 0.0, top, (0.0, top), step=1.0, key="finder_size")
        st.caption(t("investor.finder.size_rule", lang))
        availability = st.multiselect(
            t("investor.finder.availability", lang), [c.id for c in vocabulary.availability], key="finder_availability",
            format_func=lambda code: vocabulary.availability_label(code, lang), placeholder=t("sidebar.choose", lang))
        columns = st.columns(4)
        max_km = {}
        for i, factor in enumerate(factors):
            value = columns[i % len(columns)].number_input(
                t("investor.page.max_km", lang, factor=factor.label(lang)), min_value=0.0, value=None, step=1.0,
                placeholder=t("investor.page.no_limit", lang), help=t("investor.page.max_km_help", lang),
                key=f"finder_max_{factor.id}")
            if value is not None:
                max_km[factor.id] = float(value)
    return SiteQuery(
        min_ha=low if low > 0 else None,
        max_ha=high if high < top else None,
        availability=frozenset(availability),
        max_km=max_km,
    )


def sort_control(found: gpd.GeoDataFrame, factors: tuple[LocationFactor, ...], lang: str) -> gpd.GeoDataFrame:
    """The result sorted by name, area (largest first) or a factor (best first)."""
    labels = {"name": t("investor.page.sort_name", lang), AREA_ROW: t("investor.compare.area", lang),
              **{f.id: f.label(lang) for f in factors}}
    by = st.selectbox(t("investor.finder.sort_by", lang), list(labels), format_func=labels.__getitem__,
                      key="finder_sort")
    better = {f.id: f.better for f in factors}.get(by, "higher" if by == AREA_ROW else "lower")
    return sort_sites(found, by, ascending=better == "lower", factors=factors)


def result_table(found: gpd.GeoDataFrame, factors: tuple[LocationFactor, ...], lang: str) -> str | None:
    """The sortable result list; returns the id of a newly chosen row."""
    if found.empty:
        return None
    frame = result_frame(found, factors, data.tax(), lang)
    config: dict[str, object] = {t("column.website", lang): st.column_config.LinkColumn()}
    config.update({distance_header(f, lang): st.column_config.NumberColumn(format="%.1f km") for f in factors})
    config[t("column.area_ha", lang)] = st.column_config.NumberColumn(format="%.1f")
    event = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row", column_config=config,
                         key=table_key("finder_table", found["id"], lang))
    st.caption(t("investor.page.factors_note", lang))
    return chosen_row(event, found["id"], "finder_last_row")


def site_sheet(store: Store, state: ViewState, factors: tuple[LocationFactor, ...]) -> None:
    """The chosen site: key data, location factors, location map, municipality profile and the exposé download."""
    lang = state.lang
    sites = store[LAYER]
    rows = sites[sites["id"] == state.site]
    if rows.empty:
        st.warning(t("investor.page.unknown_site", lang), icon="⚠️")
        return
    site = rows.iloc[0]
    with st.container(border=True, key="site_sheet"):
        title, close = st.columns([5, 1])
        title.subheader(f"{t('investor.page.sheet', lang)}: {plain(site['name'])}")
        if close.button(t("investor.page.close", lang), key="close_sheet"):
            choose_site(state, None)
            st.rerun()
        if is_indicative(site):
            note = site.get("indicative_note")
            if isinstance(note, str) and note.strip():
                st.caption(plain(t("investor.expose.indicative_basis", lang, note=note)))
        card, factor_col = st.columns([2, 3], gap="medium")
        with card:
            detail_card(PAGE, {LAYER: sites}, lang)
        with factor_col:
            st.markdown(f"**{t('investor.expose.location_factors', lang)}**")
            st.dataframe(factor_frame(site, factors, lang), hide_index=True, width="stretch")
            st.caption(t("investor.page.factors_note", lang))
        st.markdown(f"**{t('investor.page.location_map', lang)}**")
        fmap = site_location_map(
            site, layers=store.thematic,
            simplified=data.simplified(store, KREIS_ZOOM),
            gemeinden_payload=data.payloads(store, lang, KREIS_ZOOM)["gemeinden"], factors=factors, tax=data.tax(),
            registry=data.registry(), lang=lang, basemap_id=state.basemap)
        st_folium(fmap, key="site_map", height=SITE_MAP_HEIGHT, use_container_width=True, returned_objects=[])
        municipality_profile(store, site, lang)
        expose_download(store, site, lang)


def municipality_profile(store: Store, site: pd.Series, lang: str) -> None:
    """Population, area, density and the number of entries of every layer in the site's municipality."""
    matches = store.gemeinden[store.gemeinden["ags"] == site.get("ags")]
    if matches.empty:
        return
    municipality = matches.iloc[0]
    st.markdown(f"**{plain(t('investor.expose.profile', lang, name=municipality['name']))}**")
    cols = st.columns(3)
    cols[0].metric(t("investor.expose.population", lang), format_number(municipality["population"], lang))
    cols[1].metric(t("investor.expose.area_km2", lang), format_km2(municipality["area_km2"], lang))
    cols[2].metric(t("investor.expose.density", lang), format_density(municipality["density"], lang))
    layers = [layer for layer in data.tax().layers if f"n_{layer.id}" in municipality.index]
    if not layers:
        return
    st.caption(t("investor.expose.points_heading", lang))
    for col, layer in zip(st.columns(len(layers)), layers):
        col.metric(layer.label(lang), format_number(municipality[f"n_{layer.id}"], lang))


def expose_download(store: Store, site: pd.Series, lang: str) -> None:
    """The exposé PDF of the site in a chosen language, rendered only when the button is pressed."""
    # Imported here: fpdf2 and matplotlib take half a second to load and only a site sheet needs them.
    from regionmap.expose import ExposeContext, expose_filename, render_expose, source_attributions

    left, right = st.columns([1, 2], vertical_alignment="bottom")
    expose_lang = left.selectbox(t("investor.download.expose_lang", lang), LANGUAGES, index=LANGUAGES.index(lang),
                                 format_func=lambda code: t(f"language.{code}", code), key="expose_lang")
    context = ExposeContext(gemeinden=store.gemeinden, layers=store.thematic,
                            attributions=source_attributions(data.registry()))
    right.download_button(t("investor.download.expose", lang),
                          data=_deferred(render_expose, site, context, expose_lang),
                          file_name=expose_filename(site, expose_lang), mime="application/pdf", on_click="ignore",
                          key="expose_download")


def _deferred(func: Callable[..., bytes], *args: object) -> Callable[[], bytes]:
    """A download's data built when the download is requested, not on every run."""
    return lambda: func(*args)


def comparison(sites: gpd.GeoDataFrame, state: ViewState, factors: tuple[LocationFactor, ...]) -> None:
    """Two or three sites side by side, factor by factor; the better value is marked with ✓."""
    lang = state.lang
    st.subheader(t("investor.compare.heading", lang))
    ordered = sites.sort_values("name", key=lambda s: s.astype(str).str.casefold())
    names = dict(zip(ordered["id"], ordered["name"].astype(str)))
    if "compare_ids" not in st.session_state and state.site in names:
        st.session_state["compare_ids"] = [state.site]
    chosen = st.multiselect(t("investor.compare.choose", lang), list(names), key="compare_ids",
                            max_selections=MAX_COMPARED, format_func=names.__getitem__,
                            placeholder=t("sidebar.choose", lang))
    if len(chosen) < MIN_COMPARED:
        st.caption(t("investor.compare.too_few", lang))
        return
    st.dataframe(comparison_frame(sites, list(chosen), factors, lang), hide_index=True, width="stretch",
                 key="compare_table")
    st.caption(f"✓ = {t('investor.compare.better', lang)} · {t('investor.page.factors_note', lang)}")


def list_downloads(found: gpd.GeoDataFrame, lang: str) -> None:
    """The result list as CSV, Excel and GeoJSON, each built when its button is pressed."""
    st.subheader(t("investor.download.heading", lang))
    st.caption(t("investor.download.list", lang, count=format_number(len(found), lang)))
    frame = found.copy()
    cols = st.columns(3)
    for col, (label, func, ext, mime) in zip(cols, (
        (t("investor.download.csv", lang), to_csv_bytes, "csv", "text/csv"),
        (t("investor.download.excel", lang), to_excel_bytes, "xlsx", XLSX),
        (t("investor.download.geojson", lang), to_geojson_bytes, "geojson", "application/geo+json"),
    )):
        col.download_button(label, data=_deferred(func, frame), file_name=f"sites.{ext}", mime=mime,
                            on_click="ignore", disabled=found.empty,
                            width="stretch", key=f"download_{ext}")
