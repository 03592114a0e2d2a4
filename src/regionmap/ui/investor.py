"""The investor view of the Investitionsstandorte page: site finder, site sheet, comparison and downloads.

The sidebar filters (type = category, sectors, Kreis, municipality, search) come from the view state; the page adds
size, availability and a maximum distance per location factor. The chosen site lives in `ViewState.site` (the URL's
`?site=`), whether it was picked on the map, in the list or through a link.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import replace

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from regionmap.compare import AREA_ROW, MAX_COMPARED, MIN_COMPARED, compare_sites
from regionmap.config import LANGUAGES
from regionmap.dashboard import BOUNDARY_STYLES, KREIS_ZOOM, attributions
from regionmap.details import is_indicative, table_frame
from regionmap.expose import ExposeContext, expose_filename, map_targets, render_expose, source_attributions
from regionmap.exports import to_csv_bytes, to_excel_bytes, to_geojson_bytes
from regionmap.i18n import format_density, format_km2, format_number, format_quantity, t
from regionmap.location_factors import LocationFactor, location_factors
from regionmap.maps import Bounds, ColourClass, backdrop_layer, boundary_layer, build_map, get_basemap
from regionmap.maps.elements import OfflineMap, PointLayer, html_text
from regionmap.maps.points import point_legend_entry, point_payload
from regionmap.site_finder import SiteQuery, find_sites, site_vocabulary, sort_sites
from regionmap.sources_registry import Registry
from regionmap.spatial import METRIC_CRS, WGS84
from regionmap.store import Store
from regionmap.taxonomy import Taxonomy
from regionmap.ui import data, view
from regionmap.ui.layout import header, shown_layers
from regionmap.ui.mapview import detail_card, plain, select, selected, show_map
from regionmap.ui.pages import page_spec
from regionmap.urlstate import ViewState

PAGE = "sites"
LAYER = "sites"
THEMATIC = ("research", "sites", "health", "events", "mobility")
RESULT_MAP_HEIGHT = 520
SITE_MAP_HEIGHT = 420
SITE_MARKER = "#e07b00"
TARGET_LINE = {"weight": 2, "opacity": 0.8, "dash_array": "6 4"}
MAP_PADDING = 0.15  # share of the span added around the site and its targets
MIN_SPAN_DEG = 0.02
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- pure helpers ---------------------------------------------------------------------------------------------------

def result_frame(sites: pd.DataFrame, factors: tuple[LocationFactor, ...], tax: Taxonomy, lang: str) -> pd.DataFrame:
    """The result list for people: the layer's table columns, the indicative flag, then one km column per factor."""
    frame = table_frame(sites, LAYER, tax, lang)
    frame[t("column.indicative", lang)] = [is_indicative(row) for _, row in sites.iterrows()]
    for factor in factors:
        frame[distance_header(factor, lang)] = pd.to_numeric(sites[factor.value_column], errors="coerce")
    return frame


def distance_header(factor: LocationFactor, lang: str) -> str:
    """The column header of a factor's distance, e.g. "Autobahnanschluss (km)"."""
    return f"{factor.label(lang)} (km)"


def factor_frame(site: pd.Series, factors: tuple[LocationFactor, ...], lang: str) -> pd.DataFrame:
    """A site's location factors: factor, name of the nearest feature, straight-line distance (formatted)."""
    distance = t("investor.expose.distance", lang, metric=t("investor.metric.straight_line", lang))
    rows = []
    for factor in factors:
        name = site.get(factor.name_column)
        rows.append({
            t("investor.expose.factor", lang): factor.label(lang),
            t("investor.expose.nearest", lang): "–" if pd.isna(name) or not str(name).strip() else str(name),
            distance: format_quantity(site.get(factor.value_column), "km", lang, 1),
        })
    return pd.DataFrame(rows)


def comparison_frame(
    sites: pd.DataFrame, ids: list[str], factors: tuple[LocationFactor, ...], lang: str
) -> pd.DataFrame:
    """The side-by-side table of 2–3 sites: one row per criterion, one column per site; the better value has ✓."""
    comparison = compare_sites(sites, ids, factors)
    labels = {AREA_ROW: t("investor.compare.area", lang), **{f.id: f.label(lang) for f in factors}}
    names = sites.drop_duplicates("id").set_index("id").loc[ids, "name"].astype(str)
    headers = [name if list(names).count(name) == 1 else f"{name} ({site_id})" for site_id, name in names.items()]
    cells = {}
    for site_id, heading in zip(ids, headers):
        column = []
        for key in comparison.values.index:
            value = comparison.values.at[key, site_id]
            text = format_quantity(value, "ha" if key == AREA_ROW else "km", lang, 1)
            nearest = comparison.nearest.at[key, site_id]
            if nearest:
                text = f"{text} ({nearest})"
            column.append(f"✓ {text}" if comparison.better.at[key, site_id] else text)
        cells[heading] = column
    frame = pd.DataFrame(cells, index=[labels[k] for k in comparison.values.index])
    frame.index.name = t("investor.compare.criterion", lang)
    return frame.reset_index()


def site_location_map(
    site: pd.Series,
    *,
    layers: Mapping[str, gpd.GeoDataFrame],
    simplified: Mapping[str, gpd.GeoDataFrame],
    gemeinden_payload: object,
    factors: tuple[LocationFactor, ...],
    tax: Taxonomy,
    registry: Registry,
    lang: str,
    basemap_id: str,
) -> OfflineMap:
    """The site, the nearest feature of every location factor and a dashed straight line to each (no Streamlit).

    Names and distances travel as point names (escaped in the browser); the lines carry no text.
    """
    site_point = gpd.GeoSeries([site.geometry], crs=WGS84).iloc[0]
    targets = map_targets(site, layers, factors, tax, lang, wanted={f.id: "o" for f in factors})
    target_points = gpd.GeoSeries([target.point for target in targets], crs=METRIC_CRS).to_crs(WGS84)
    labels = [
        t("investor.page.map_target", lang, factor=target.category_label, name=target.name,
          distance=format_quantity(target.km, "km", lang, 1))
        for target in targets
    ]
    basemap = get_basemap(basemap_id)
    style = BOUNDARY_STYLES["gemeinden"]
    gemeinden = boundary_layer(simplified["gemeinden"], label=t("legend.gemeinden", lang), payload=gemeinden_payload,
                               fill_opacity=0.0, colour=style["colour"], weight=style["weight"])
    site_frame = gpd.GeoDataFrame({"name": [str(site.get("name", ""))]}, geometry=[site_point], crs=WGS84)
    target_frame = gpd.GeoDataFrame({"name": labels, "cls": [str(i) for i in range(len(targets))]},
                                    geometry=list(target_points), crs=WGS84)
    classes = [ColourClass(str(i), label, target.colour) for i, (label, target) in enumerate(zip(labels, targets))]
    points = [
        _unclustered(site_frame, "sites", t("investor.page.map_site", lang), SITE_MARKER, []),
        _unclustered(target_frame, "nearest", t("investor.expose.nearest", lang), "#263238", classes),
    ]
    fmap = build_map(
        bounds=_bounds([site_point, *target_points]),
        basemap=basemap,
        backdrop=backdrop_layer(simplified["states"]) if basemap.tiles is None else None,
        boundaries=[gemeinden],
        points=points,
        attributions=attributions(registry, tax, sorted({LAYER, *(f.layer for f in factors)}), basemap_id, lang),
        legend_title=t("investor.page.location_map", lang),
        format_count=lambda n: format_number(n, lang),
    )
    for target, point in zip(targets, target_points):
        folium.PolyLine([[site_point.y, site_point.x], [point.y, point.x]], color=target.colour,
                        **TARGET_LINE).add_to(fmap)
    return fmap


def _unclustered(frame: gpd.GeoDataFrame, layer_id: str, label: str, colour: str,
                 classes: list[ColourClass]) -> PointLayer:
    """A point layer whose markers stay apart (a cluster would hide the targets near the site)."""
    payload = point_payload(frame, colour=colour, by="cls" if classes else None, classes=classes)
    entry = point_legend_entry(payload, layer_id=layer_id, label=label, colour=colour, classes=classes)
    return PointLayer(payload.json, name=html_text(label), legend_entry=entry, cluster_radius=1)


def _bounds(points: list) -> Bounds:
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    pad_x = max(max(xs) - min(xs), MIN_SPAN_DEG) * MAP_PADDING
    pad_y = max(max(ys) - min(ys), MIN_SPAN_DEG) * MAP_PADDING
    return (min(ys) - pad_y, min(xs) - pad_x), (max(ys) + pad_y, max(xs) + pad_x)


def _digest(ids: pd.Series, *parts: str) -> str:
    """A short key that changes when the listed sites or their order change (a new table has no stale selection)."""
    return hashlib.sha1("\n".join([*parts, *ids.astype(str)]).encode("utf-8")).hexdigest()[:12]


# --- Streamlit widgets ----------------------------------------------------------------------------------------------

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
                         key=f"finder_table_{_digest(found['id'], lang)}")
    st.caption(t("investor.page.factors_note", lang))
    rows = event.selection.rows if event is not None else []
    if not rows or rows[0] >= len(found):
        return None
    site_id = str(found.iloc[rows[0]]["id"])
    if st.session_state.get("finder_last_row") == site_id:
        return None
    st.session_state["finder_last_row"] = site_id
    return site_id


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
            site, layers={layer_id: store[layer_id] for layer_id in THEMATIC},
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
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    expose_lang = left.selectbox(t("investor.download.expose_lang", lang), LANGUAGES, index=LANGUAGES.index(lang),
                                 format_func=lambda code: t(f"language.{code}", code), key="expose_lang")
    context = ExposeContext(gemeinden=store.gemeinden, layers={layer_id: store[layer_id] for layer_id in THEMATIC},
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
