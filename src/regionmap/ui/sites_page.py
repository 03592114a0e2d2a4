"""The investor view of the Investitionsstandorte page: site finder, site sheet, comparison and downloads.

The sidebar filters (type = category, sectors, Kreis, municipality, search) come from the view state; the page adds
size, availability, planning status, land use, "serviced only", "rail siding" and a maximum distance per location
factor, the sort order and the compared sites, which live in the view state too (the URL's `size`, `availability`,
`planning_status`, `land_use`, `serviced`, `rail_siding`, `dist`, `sort`, `compare`). The chosen site lives in
`ViewState.site` (the URL's `?site=`), whether it was picked on the map, in the list or through a link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from regionmap.investor.comparison import AREA_ROW, MAX_COMPARED, MIN_COMPARED
from regionmap.config import LANGUAGES
from regionmap.dashboard.composition import KREIS_ZOOM, selected_area
from regionmap.dashboard.details import CONTACT_FIELDS, PLANNING_FIELDS, localised_numbers
from regionmap.i18n import format_density, format_km2, format_number, t, tn
from regionmap.numbers import format_plain
from regionmap.investor.factors import LocationFactor, location_factors
from regionmap.investor.finder import FIT, SiteQuery, site_vocabulary, sort_sites, size_scale, sort_keys
from regionmap.investor.matching import match_sites, scored_criteria
from regionmap.investor.sheet import (
    LAYER,
    comparison_frame,
    distance_header,
    facts_frame,
    factor_frame,
    result_frame,
    site_location_map,
)
from regionmap.data.store import StoreData
from regionmap.freshness.states import overdue, record_notice
from regionmap.ui import data, view
from regionmap.ui.downloads import download_button
from regionmap.ui.inputs import number_field
from regionmap.ui.layout import SIDE_COLUMN, header, population_reference, shown_layers
from regionmap.ui.text import plain
from regionmap.ui.mapview import (
    chosen_row, detail_card, offline_switch, select, selected, show_map, skippable, table_key, upload_card,
)
from regionmap.uploads.layer import UPLOAD_LAYER
from regionmap.ui.navigation import page_spec
from regionmap.ui.shortlist_panel import expose_context, shortlist_button, shortlist_panel
from regionmap.dashboard.urlstate import ViewState
from regionmap.ui.site_matching import as_of_control, excluded_list, historical_sites, weights_control
from regionmap.ui.tables import metric_row, row_choice, static_table

PAGE = "sites"
RESULT_MAP_HEIGHT = 520  # the least height; the map fills the rest of the first screen
RESULT_MAP_OFFSET = 200  # pixels above the map: page header and the folded finder filters
SITE_MAP_HEIGHT = 420
CODED_FILTERS = ("planning_status", "land_use")  # choice columns of the sites (data/layers.toml) filtered by code
FLAG_FILTERS = ("serviced", "rail_siding", "operation_24h")  # yes/no columns: "only the sites stating yes"



def sites_page() -> None:
    """The Investitionsstandorte page."""
    spec = page_spec(PAGE)
    state = view.current()
    lang = state.lang
    store = data.store(lang)
    header(spec.title_key, state)
    factors = location_factors()
    sites = store[LAYER]
    query, weights = finder_query(sites, factors, state)
    state = view.current()
    day = dt.date.fromisoformat(state.as_of) if state.as_of else None
    if day is not None:  # the stock as it was then; the type and sector filters are part of the profile
        base = historical_sites(store, state, day)
    else:
        place = replace(state, categories=(), sectors=())
        base = shown_layers(store, place, (LAYER,)).get(LAYER, sites.iloc[0:0])
    found, missed = match_sites(base, query, factors, weights)
    if state.site:
        select(PAGE, LAYER, state.site)
    shown = {LAYER: found}
    map_col, side_col = st.columns(SIDE_COLUMN, gap="medium")  # the map on the first screen, below the filters
    side_col.caption(tn("investor.finder.result", len(found), lang))
    if query.max_km:
        side_col.caption(limits_text(query, factors, lang))
    before = selected(PAGE, shown)
    with map_col:
        show_map(PAGE, store, state, shown, height=RESULT_MAP_HEIGHT, offset=RESULT_MAP_OFFSET)
    after = selected(PAGE, shown)
    if after is not None and after[0] == UPLOAD_LAYER:  # a record of the session's upload: its card, no site
        with side_col:
            upload_card(PAGE, after[1], lang)
        after = None
    picked = str(after[1]["id"]) if after and (before is None or before[1]["id"] != after[1]["id"]) else None
    found = sort_control(found, factors, state, query)
    state = view.current()
    picked = result_table(found, factors, lang) or picked
    if picked and picked != state.site:
        state = choose_site(state, picked)
    with side_col:
        chosen_summary(sites, state, lang)
        if state.site in set(sites["id"]):
            shortlist_button(state, state.site, "side")
    if found.empty:
        st.info(t("investor.page.empty", lang))
    excluded_list(missed, base, factors, lang)
    if state.site:
        site_sheet(store, state, factors)
    comparison(sites, state, factors)
    shortlist_panel(store, state, factors)
    list_downloads(found, state, query)


def chosen_summary(sites: gpd.GeoDataFrame, state: ViewState, lang: str) -> None:
    """Beside the map: the chosen site's name and place (its sheet follows below), or how to choose one."""
    rows = sites[sites["id"] == state.site] if state.site else sites.iloc[0:0]
    if rows.empty:
        st.info(t("investor.page.select_hint", lang))
        return
    site = rows.iloc[0]
    st.markdown(f"**{plain(site['name'])}**")
    st.caption(plain(" · ".join(str(site[c]) for c in ("municipality", "kreis") if isinstance(site.get(c), str))))


def choose_site(state: ViewState, site_id: str | None) -> ViewState:
    """Make `site_id` the chosen site (None closes the sheet), in the session and the URL."""
    if site_id:
        select(PAGE, LAYER, site_id)
    else:
        st.session_state.pop(f"selected_{PAGE}", None)
    new_state = replace(state, site=site_id)
    view.set_current(new_state)
    return new_state


def finder_query(sites: gpd.GeoDataFrame, factors: tuple[LocationFactor, ...],
                 state: ViewState) -> tuple[SiteQuery, dict[str, float]]:
    """The requirement profile and its weights: the sidebar's site types and sectors, and the page's own filters
    (size, availability, planning status, land use, serviced, rail siding, broadband, 24-hour operation, maximum
    distances, the "as of" day), from and to the view state; the sidebar's place and search narrow the sites
    matched. A size range wider than the sites' is clamped to the slider's."""
    lang = state.lang
    vocabulary = site_vocabulary()
    layer = data.tax().layer(LAYER)
    top = size_scale(sites, vocabulary)
    codes = [c.id for c in vocabulary.availability]
    distances = dict(state.max_km)
    low_seed = min(state.min_ha or 0.0, top)
    view.seed_widget("finder_size", (low_seed, max(low_seed, min(top, state.max_ha if state.max_ha is not None else top))))
    view.seed_widget("finder_availability", [c for c in state.availability if c in codes], codes)
    for column in CODED_FILTERS:
        view.seed_widget(f"finder_{column}", list(getattr(state, column)), list(layer.column(column).choices))
    for column in FLAG_FILTERS:
        view.seed_widget(f"finder_{column}", getattr(state, column))
    view.seed_widget("finder_broadband", state.min_broadband)
    for factor in factors:
        view.seed_widget(f"finder_max_{factor.id}", distances.get(factor.id))
    expanded = bool(state.min_ha or state.max_ha or distances or state.availability or state.min_broadband
                    or state.as_of or any(getattr(state, c) for c in (*CODED_FILTERS, *FLAG_FILTERS)))
    with st.expander(t("investor.page.filters", lang), expanded=expanded):
        low, high = st.slider(t("investor.finder.size", lang), 0.0, top, step=1.0, format="%d",
                              key="finder_size")
        st.caption(t("investor.finder.size_rule", lang))
        availability = st.multiselect(
            t("investor.finder.availability", lang), codes, key="finder_availability",
            format_func=lambda code: vocabulary.availability_label(code, lang), placeholder=t("sidebar.choose", lang))
        coded: dict[str, list[str]] = {}
        for container, column in zip(st.columns(len(CODED_FILTERS)), CODED_FILTERS):
            spec = layer.column(column)
            coded[column] = container.multiselect(
                t(f"column.{column}", lang), list(spec.choices), key=f"finder_{column}",
                format_func=lambda code, spec=spec: spec.choice_label(code, lang),
                placeholder=t("sidebar.choose", lang))
        columns = st.columns(len(FLAG_FILTERS) + 1)
        flags = {column: container.checkbox(t(f"investor.finder.{column}", lang), key=f"finder_{column}")
                 for container, column in zip(columns, FLAG_FILTERS)}
        broadband = number_field(t("investor.match.broadband", lang), "finder_broadband", lang, min_value=0.0,
                                 container=columns[-1], placeholder=t("investor.page.no_limit", lang))
        columns = st.columns(4)
        max_km = {}
        for i, factor in enumerate(factors):
            value = number_field(
                t("investor.page.max_km", lang, factor=factor.label(lang)), f"finder_max_{factor.id}", lang,
                min_value=0.0, container=columns[i % len(columns)], placeholder=t("investor.page.no_limit", lang),
                help=t("investor.page.max_km_help", lang))
            if value is not None:
                max_km[factor.id] = value
        query = SiteQuery(
            types=frozenset(c for c in state.categories if c in layer.category_ids),
            sectors=frozenset(state.sectors),
            min_ha=low if low > 0 else None,
            max_ha=high if high < top else None,
            availability=frozenset(availability),
            max_km=max_km,
            min_broadband=broadband,
            **{column: frozenset(values) for column, values in coded.items()},
            **flags,
        )
        view.update(min_ha=query.min_ha, max_ha=query.max_ha,
                    availability=tuple(c for c in codes if c in availability),
                    max_km=tuple((f.id, max_km[f.id]) for f in factors if f.id in max_km), min_broadband=broadband,
                    **{column: tuple(c for c in layer.column(column).choices if c in values)
                       for column, values in coded.items()},
                    **flags)
        weights = weights_control(query, factors, view.current())
        as_of_control(view.current())
    return query, weights


def limits_text(query: SiteQuery, factors: tuple[LocationFactor, ...], lang: str) -> str:
    """The distance limits in force, e.g. "Höchstens 0,5 km bis Autobahnanschluss · Höchstens 10 km bis ..."."""
    return " · ".join(
        t("investor.finder.max_distance", lang, factor=f.label(lang),
          distance=t("unit.km", lang, value=format_number(query.max_km[f.id], lang, 2, trim=True)))
        for f in factors if f.id in query.max_km)


def sort_control(found: gpd.GeoDataFrame, factors: tuple[LocationFactor, ...], state: ViewState,
                 query: SiteQuery) -> gpd.GeoDataFrame:
    """The result sorted by name, fit (best first), area (largest first) or a factor (best first), from and to the
    view state; by default by fit when the profile has criteria with degrees, else by name."""
    lang = state.lang
    keys = list(sort_keys(factors))
    default = FIT if scored_criteria(query) else "name"
    labels = {"name": t("investor.page.sort_name", lang), FIT: t("investor.match.sort_fit", lang),
              AREA_ROW: t("investor.compare.area", lang), **{f.id: f.label(lang) for f in factors}}
    view.seed_widget("finder_sort", state.sort or default, keys)
    by = st.selectbox(t("investor.finder.sort_by", lang), keys, format_func=labels.__getitem__, key="finder_sort")
    view.update(sort=None if by == default else by)
    better = {f.id: f.better for f in factors}.get(by, "higher" if by in (AREA_ROW, FIT) else "lower")
    return sort_sites(found, by, ascending=better == "lower", factors=factors)


def result_table(found: gpd.GeoDataFrame, factors: tuple[LocationFactor, ...], lang: str) -> str | None:
    """The sortable result list; returns the id of a newly chosen row."""
    if found.empty:
        return None
    frame = result_frame(found, factors, data.tax(), lang)
    config: dict[str, object] = {t("column.website", lang): st.column_config.LinkColumn()}
    distances = [distance_header(f, lang) for f in factors]
    shown = localised_numbers(frame, lang, decimals={t("column.area_ha", lang): 1, **dict.fromkeys(distances, 1)},
                              units=dict.fromkeys(distances, "km"))
    config[t("column.name", lang)] = st.column_config.Column(pinned=True)  # visible while it scrolls
    key = table_key("finder_table", found["id"], lang)
    row_choice(key, lang)
    event = st.dataframe(shown, alt=data.tax().layer(LAYER).label(lang), hide_index=True, width="stretch",
                         on_select="rerun", selection_mode="single-row", column_config=config, key=key)
    st.caption(t("investor.page.factors_note", lang))
    return chosen_row(event, found["id"], "finder_last_row")


def site_sheet(store: StoreData, state: ViewState, factors: tuple[LocationFactor, ...]) -> None:
    """The chosen site: key data, location factors, location map, municipality profile and the exposé download."""
    lang = state.lang
    sites = store[LAYER]
    rows = sites[sites["id"] == state.site]
    if rows.empty:
        st.warning(t("investor.page.unknown_site", lang), icon="⚠️")
        return
    site = rows.iloc[0]
    with st.container(border=True, key="site_sheet"):
        with st.container(horizontal=True, vertical_alignment="center", key="site_sheet_title"):
            heading = t("detail.label", lang, label=t("investor.page.sheet", lang))
            st.subheader(f"{plain(heading)} {plain(site['name'])}")
            shortlist_button(state, str(site["id"]), "sheet")
            if st.button(t("investor.page.close", lang), key="close_sheet"):
                choose_site(state, None)
                st.rerun()
        if overdue(rows, LAYER).iloc[0]:  # a site past its maximum age says so before anything else
            st.warning(plain(t("investor.page.freshness", lang, notice=record_notice(site, lang=lang))),
                       icon=":material/schedule:")
        card, factor_col = st.columns([2, 3], gap="medium")
        with card:
            detail_card(PAGE, {LAYER: sites}, lang)
        with factor_col:
            st.markdown(f"**{t('investor.expose.location_factors', lang)}**")
            static_table(factor_frame(site, factors, lang))
            st.caption(t("investor.page.factors_note", lang))
        planning_col, contact_col = st.columns([3, 2], gap="medium")
        for container, heading, columns in ((planning_col, "planning_prices", PLANNING_FIELDS),
                                            (contact_col, "contact", CONTACT_FIELDS)):
            with container:
                st.markdown(f"**{t(f'investor.expose.{heading}', lang)}**")
                static_table(facts_frame(site, columns, data.tax(), lang))
        st.markdown(f"**{t('investor.page.location_map', lang)}**")
        fmap = site_location_map(
            site, layers=store.thematic,
            simplified=data.simplified(store, KREIS_ZOOM),
            gemeinden_payload=data.payloads(store, lang, KREIS_ZOOM)["gemeinden"], factors=factors, tax=data.tax(),
            registry=data.registry(), lang=lang, basemap_id=state.basemap,
            outline=selected_area(data.simplified(store, KREIS_ZOOM), state.kreis, state.gemeinde))
        with st.container(key="site_mapbox"), skippable("site_map", lang):  # its own box: the link's place
            result = st_folium(fmap, key="site_map", height=SITE_MAP_HEIGHT, use_container_width=True,
                               returned_objects=[])
        offline_switch(result, state)
        municipality_profile(store, site, lang)
        expose_download(store, site, lang)


def municipality_profile(store: StoreData, site: pd.Series, lang: str) -> None:
    """Population, area, density and the number of entries of every layer in the site's municipality."""
    matches = store.gemeinden[store.gemeinden["ags"] == site.get("ags")]
    if matches.empty:
        return
    municipality = matches.iloc[0]
    st.markdown(f"**{plain(t('investor.expose.profile', lang, name=municipality['name']))}**")
    metric_row([
        (t("investor.expose.population", lang), format_number(municipality["population"], lang)),
        (t("investor.expose.area_km2", lang), format_km2(municipality["area_km2"], lang)),
        (t("investor.expose.density", lang), format_density(municipality["density"], lang)),
    ], key="site_profile_figures")
    st.caption(population_reference(store, lang))
    layers = [layer for layer in data.tax().layers if f"n_{layer.id}" in municipality.index]
    if not layers:
        return
    st.caption(t("investor.expose.points_heading", lang))
    metric_row([(layer.label(lang), format_number(municipality[f"n_{layer.id}"], lang)) for layer in layers],
               key="site_profile_counts")


def expose_download(store: StoreData, site: pd.Series, lang: str) -> None:
    """The exposé PDF of the site in a chosen language, rendered only when the button is pressed."""
    # Imported here: fpdf2 and matplotlib take half a second to load and only a site sheet needs them.
    from regionmap.investor.expose import expose_filename, render_expose

    left, right = st.columns([1, 2], vertical_alignment="bottom")
    expose_lang = left.selectbox(t("investor.download.expose_lang", lang), LANGUAGES, index=LANGUAGES.index(lang),
                                 format_func=lambda code: t(f"language.{code}", code), key="expose_lang")
    context = expose_context(store)
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
    start = list(state.compare) or ([state.site] if state.site in names else [])
    view.seed_widget("compare_ids", [site_id for site_id in start if site_id in names][:MAX_COMPARED], list(names))
    chosen = st.multiselect(t("investor.compare.choose", lang), list(names), key="compare_ids",
                            max_selections=MAX_COMPARED, format_func=names.__getitem__,
                            placeholder=t("sidebar.choose", lang))
    view.update(compare=tuple(chosen))
    if len(chosen) < MIN_COMPARED:
        st.caption(t("investor.compare.too_few", lang))
        return
    with st.container(key="compare_table"):
        static_table(comparison_frame(sites, list(chosen), factors, lang, data.tax()))
    st.caption(f"✓ = {t('investor.compare.better', lang)} · {t('investor.page.factors_note', lang)}")


def list_downloads(found: gpd.GeoDataFrame, state: ViewState, query: SiteQuery) -> None:
    """The result list as CSV, Excel and GeoJSON, each built when its button is pressed and named after the filters."""
    lang = state.lang
    st.subheader(t("investor.download.heading", lang))
    st.caption(tn("investor.download.list", len(found), lang))
    frame = found.copy()
    extra = finder_name_parts(query)
    for col, (label, ext) in zip(st.columns(3), (
        (t("investor.download.csv", lang), "csv"),
        (t("investor.download.excel", lang), "xlsx"),
        (t("investor.download.geojson", lang), "geojson"),
    )):
        download_button(col, label, frame, LAYER, ext, state, key=f"download_{ext}", extra=extra)


def finder_name_parts(query: SiteQuery) -> list[str]:
    """The page's own filters as file name parts: `size-10-50ha`, `availability-available`, `motorway-max0.5km`."""
    parts = []
    if query.min_ha is not None and query.max_ha is not None:
        parts.append(f"size-{format_plain(query.min_ha)}-{format_plain(query.max_ha)}ha")
    elif query.min_ha is not None:
        parts.append(f"size-min{format_plain(query.min_ha)}ha")
    elif query.max_ha is not None:
        parts.append(f"size-max{format_plain(query.max_ha)}ha")
    for column in ("availability", *CODED_FILTERS):
        if getattr(query, column):
            parts.append(f"{column.replace('_', '-')}-" + "+".join(sorted(getattr(query, column))))
    parts += [column.replace("_", "-") for column in FLAG_FILTERS if getattr(query, column)]
    parts += [f"{factor_id}-max{format_plain(km)}km" for factor_id, km in sorted(query.max_km.items())]
    return parts
