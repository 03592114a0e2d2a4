"""The map of a page beside its detail card, and the table of what the map shows."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import geopandas as gpd
import pandas as pd
import streamlit as st

from regionmap.dashboard.composition import (
    COLOUR_BY,
    Choropleth,
    dashboard_parts,
    display_zoom,
    offline_basemap,
    view_bounds,
)
from regionmap.dashboard.details import (
    category_label,
    description,
    is_indicative,
    localised_numbers,
    record_fields,
    table_frame,
    indicative_basis,
    sector_labels,
)
from regionmap.dashboard.summary import map_summary
from regionmap.dashboard.filters import bounds_for
from regionmap.i18n import format_number, t, tn
from regionmap.maps import RETURNED_OBJECTS, MapParts, bounds_of, clicked_record
from regionmap.data.store import StoreData
from regionmap.ui import data, upload_panel, view
from regionmap.ui.rendered import (RenderedMap, frame_digest, frame_ids, freeze_styler, mount_map, render_map,
                                   rows_digest)
from regionmap.uploads.layer import UPLOAD_LAYER, UploadLayers, UploadMap, layer_label, upload_fields
from regionmap.ui.tables import row_choice
from regionmap.ui.text import plain
from regionmap.dashboard.urlstate import ViewState

MAP_HEIGHT = 600  # the least height; the page's CSS stretches the map to the screen (see `fill_screen`)
MAP_MAX_HEIGHT = 1000
HEADER_OFFSET = 150  # pixels above a map that follows the page header directly (title, region, toolbar)
SKIP_TARGET = "rm-after-map-"  # the id (+ page) of the skip link's target, right after the map


def _selection_key(page: str) -> str:
    return f"selected_{page}"


def select(page: str, layer_id: str, record_id: str) -> None:
    """Show a record in the page's detail card (from a map click or a table row)."""
    st.session_state[_selection_key(page)] = (layer_id, record_id)


def selected(page: str, shown: Mapping[str, gpd.GeoDataFrame]) -> tuple[str, pd.Series] | None:
    """The page's selected record, if it is among the shown ones."""
    chosen = st.session_state.get(_selection_key(page))
    if not chosen:
        return None
    layer_id, record_id = chosen
    gdf = shown.get(layer_id)
    if layer_id == UPLOAD_LAYER:
        upload = upload_panel.current_layers(view.current().lang)
        gdf = upload[0].frame if upload is not None else None
    if gdf is None:
        return None
    rows = gdf[gdf["id"] == record_id]
    return (layer_id, rows.iloc[0]) if len(rows) else None


@contextmanager
def skippable(page: str, lang: str, heading: str | None = None) -> Iterator[None]:
    """A map with a link before it to right after it, past its markers and boundaries (WCAG 2.4.1); `heading`: a
    visually hidden heading before the link that names the map for screen readers."""
    head = f'<h2 class="rm-sr-only">{html.escape(heading)}</h2>' if heading else ""
    st.html(f'{head}<a class="rm-skip-link" href="#{SKIP_TARGET}{page}">{html.escape(t("map_summary.skip", lang))}</a>')
    yield
    st.html(f'<span id="{SKIP_TARGET}{page}" class="rm-skip-target" tabindex="-1">'
            f'{html.escape(t("map_summary.skipped", lang))}</span>')


def fill_screen(key: str, offset: int, least: int) -> None:
    """Stretch the map in the container `key` to the rest of the first screen: the viewport height minus `offset`
    pixels above it, at least `least` and at most `MAP_MAX_HEIGHT` pixels (the map itself follows its iframe)."""
    st.html(f'<style>.st-key-{key} iframe[title="streamlit_folium.st_folium"] {{ height: '
            f'clamp({int(least)}px, calc(100vh - {int(offset)}px), {MAP_MAX_HEIGHT}px) !important; }}</style>')


def draw_map(parts: MapParts, key: str, height: int, returned_objects: Sequence[str]) -> dict | None:
    """Draw a composed map with st_folium. The base map is mounted once per `key` and base; a rerun that changes
    only the overlays (points, legend, attributions) injects them into the mounted map, whose view stays."""
    return mount_map(render_map(parts, key, height, returned_objects))


def shown_key(shown: Mapping[str, gpd.GeoDataFrame]) -> tuple[tuple[str, str], ...]:
    """What a view shows of its layers, as a cache key: each layer's id with a digest of its records' ids in order
    (the frames are shared ones, never changed: their digests are kept)."""
    return tuple((layer_id, frame_digest(gdf)) for layer_id, gdf in shown.items())


def map_key(page: str, state: ViewState, colour_by: str, height: int, shown: Mapping[str, gpd.GeoDataFrame],
            choropleth: Choropleth | None) -> tuple:
    """The key of a page's rendered map among the shared ones (`data.shared`): everything the map shows besides the
    store (a session's upload is never shared), and the day (which records are drawn as overdue)."""
    return (page, height, state.lang, state.basemap, colour_by, state.kreis, state.gemeinde, shown_key(shown),
            None if choropleth is None else rows_digest([repr(choropleth)]), dt.date.today().isoformat())


def show_map(
    page: str,
    store: StoreData,
    state: ViewState,
    shown: Mapping[str, gpd.GeoDataFrame],
    *,
    choropleth: Choropleth | None = None,
    height: int = MAP_HEIGHT,
    offset: int = HEADER_OFFSET,
    embedded: bool = False,
) -> dict | None:
    """Draw the page's map; a click on a marker selects its record. Returns st_folium's result.

    The map fills the first screen below `offset` pixels (at least `height`). It first shows the selected area, or the
    shown points when they are fewer than the store holds (a filter). Its text alternative follows it, visible unless
    `embedded` (a partner's iframe).
    """
    lang = state.lang
    colour_by = st.session_state.get(f"colour_by_{page}", "category")
    upload = upload_panel.current_layers(lang)

    def rendered() -> RenderedMap:
        zoom = display_zoom(state.kreis, state.gemeinde)
        region = bounds_of(store.region)
        area = (bounds_for(store.gemeinden, store.kreise, state.kreis, state.gemeinde) if state.kreis or state.gemeinde
                else None)
        filtered = any(len(gdf) < data.count(store, layer_id) for layer_id, gdf in shown.items())
        parts = dashboard_parts(
            shown=shown,
            simplified=data.simplified(store, zoom),
            payloads=data.payloads(store, lang, zoom),
            taxonomy=data.tax(),
            registry=data.registry(),
            region_bounds=region,
            lang=lang,
            basemap_id=state.basemap,
            colour_by=colour_by,
            fit_bounds=area,
            content_bounds=view_bounds(region, area, shown, filtered, upload[0].frame if upload is not None else None),
            kreis=state.kreis,
            gemeinde=state.gemeinde,
            choropleth=choropleth,
            extra_layers=upload[1].elements() if upload is not None else (),
        )
        return render_map(parts, f"map_{page}", height, RETURNED_OBJECTS)

    with st.container(key=f"mapbox_{page}"):
        fill_screen(f"mapbox_{page}", offset, height)
        with skippable(page, lang, t("map_summary.heading", lang)):
            if upload is None:
                result = mount_map(data.shared(store, "map", map_key(page, state, colour_by, height, shown, choropleth),
                                               rendered))
            else:  # the session's own upload: rendered for it alone
                result = mount_map(rendered())
    summary = summary_text(store, state, shown, upload, choropleth, tables=not embedded)
    if embedded:  # a partner's iframe has room for the map alone: the text alternative is for screen readers
        st.html(f'<p class="rm-sr-only">{html.escape(summary)}</p>')
    else:
        st.caption(plain(summary), width="stretch")
    offline_switch(result, state)
    clickable = {**shown, **({UPLOAD_LAYER: upload[0].frame} if upload is not None else {})}
    hit = clicked_record(result, clickable)
    click = (result or {}).get("last_object_clicked")
    if hit is not None and st.session_state.get(f"last_click_{page}") != click:
        st.session_state[f"last_click_{page}"] = click
        layer_id, index = hit
        select(page, layer_id, str(clickable[layer_id].loc[index, "id"]))
    return result


def summary_text(store: StoreData, state: ViewState, shown: Mapping[str, gpd.GeoDataFrame],
                 upload: tuple[UploadMap, UploadLayers] | None, choropleth: Choropleth | None,
                 tables: bool = True) -> str:
    """The map's text alternative: the shown layers with their counts, the area, the filters and the choropleth
    (and, with `tables`, that the tables below the map list the same records)."""
    lang = state.lang
    tax = data.tax()
    layers = {layer_id: (tax.layer(layer_id).label(lang), gdf) for layer_id, gdf in shown.items()}
    if upload is not None:
        layers[UPLOAD_LAYER] = (upload[0].label, upload[0].frame)
    names = data.places(store, "gemeinden")[1] | data.places(store, "kreise")[1]
    area = names.get(state.gemeinde or "") or names.get(state.kreis or "")
    owners = {c.id: layer.id for layer in tax.layers for c in layer.categories}
    filters = [*(sector_labels(tax, s, lang) for s in state.sectors),
               *(category_label(tax, owners[c], c, lang) for c in state.categories if c in owners),
               *([t("map_summary.search", lang, q=state.q)] if state.q else [])]
    return map_summary(layers, lang, area=area, filters=filters,
                       choropleth=choropleth.legend.title if choropleth is not None else None,
                       tables=tables and bool(shown))


def offline_switch(result: Mapping[str, object] | None, state: ViewState) -> None:
    """Switch to the offline basemap when the map's offline notice asked for it (its tiles failed to load)."""
    wanted = (result or {}).get("rm_basemap")
    if wanted and wanted != state.basemap and wanted == offline_basemap(data.registry()):
        view.request(basemap=wanted)


def colour_by_control(page: str, state: ViewState) -> None:
    """A switch between colouring markers by category and by sector, from and to the view state's `colour`."""
    lang = state.lang
    view.seed_widget(f"colour_by_{page}", state.colour or COLOUR_BY[0], COLOUR_BY)
    value = st.radio(t("map.colour_by", lang), COLOUR_BY, key=f"colour_by_{page}", horizontal=True,
                     format_func=lambda value: t(f"map.colour_by_{value}", lang))
    view.update(colour=None if value == COLOUR_BY[0] else value)


def sync_selection(page: str, layers: Mapping[str, pd.DataFrame]) -> None:
    """Keep the page's detail card and the view state's `detail` in step: a record the URL names is selected when the
    page has none, a record chosen on the map or in a table becomes the state's. `layers` are the page's layers (their
    `id` columns suffice)."""
    chosen = st.session_state.get(_selection_key(page))
    if chosen is not None:
        # The session's own upload stays out of the URL: a shared link cannot show it.
        view.update(detail=None if chosen[0] == UPLOAD_LAYER else chosen[1])
        return
    record_id = view.current().detail
    owner = next((layer_id for layer_id, gdf in layers.items() if record_id and (gdf["id"] == record_id).any()), None)
    if owner is None:
        view.update(detail=None)
    else:
        select(page, owner, record_id)


def detail_card(page: str, shown: Mapping[str, gpd.GeoDataFrame], lang: str) -> None:
    """The selected record's fields, sectors, address, website, source and date; plain text only."""
    st.subheader(t("detail.heading", lang))
    found = selected(page, shown)
    if found is None:
        st.info(t("detail.not_shown", lang) if st.session_state.get(_selection_key(page)) else t("detail.empty", lang))
        return
    layer_id, record = found
    if layer_id == UPLOAD_LAYER:
        upload_card(page, record, lang)
        return
    tax = data.tax()
    with st.container(border=True, key=f"card_{page}"):
        st.markdown(f"**{plain(record['name'])}**")
        st.caption(plain(tax.layer(layer_id).label(lang)))
        if is_indicative(record):
            st.warning(t("sites.indicative_notice", lang), icon="⚠️")
            basis = indicative_basis(record, lang)
            if basis:
                st.caption(plain(basis))
        text = description(record, lang)
        if text:
            st.markdown(plain(text))
        for item in record_fields(record, layer_id, tax, lang):
            label = t("detail.label", lang, label=item.label)
            if item.key == "website" and item.value.startswith(("https://", "http://")):
                st.markdown(f"**{plain(label)}** [{plain(item.value)}]({item.value.replace(')', '%29')})")
            else:
                st.markdown(f"**{plain(label)}** {plain(item.value)}")


def upload_card(page: str, record: pd.Series, lang: str) -> None:
    """An uploaded record's card: its name, the layer it belongs to, and every non-empty field as plain text."""
    session = upload_panel.current()
    if session is None:
        return
    with st.container(border=True, key=f"card_{page}"):
        st.markdown(f"**{plain(record['name'])}**")
        st.caption(plain(layer_label(session.upload, lang)))
        for label, value in upload_fields(session.upload, record.name, lang):
            st.markdown(f"**{plain(t('detail.label', lang, label=label))}** {plain(value)}")


def layer_tables(page: str, store: StoreData, shown: Mapping[str, gpd.GeoDataFrame], totals: Mapping[str, int],
                 lang: str) -> None:
    """A sortable table per shown layer, in step with the map; choosing a row selects the record. The formatted
    tables are shared by every session showing the same records (`data.shared`); `shown` holds shared frames."""
    tax = data.tax()
    for layer_id, gdf in shown.items():
        layer = tax.layer(layer_id)
        st.markdown(f"#### :material/{layer.icon}: {plain(layer.label(lang))}")
        st.caption(tn("table.shown", totals.get(layer_id, len(gdf)), lang, shown=format_number(len(gdf), lang)))
        if gdf.empty:
            st.info(t("table.empty", lang))
            continue
        ids = frame_ids(gdf)
        key = table_key(f"table_{page}_{layer_id}", ids, lang)
        styler = data.shared(store, "table", key, lambda: freeze_styler(localised_numbers(
            table_frame(gdf, layer_id, tax, lang), lang, {t("column.area_ha", lang): 1})))
        row_choice(key, lang)
        event = st.dataframe(
            styler,
            alt=layer.label(lang),
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key=key,
            column_config={t("column.website", lang): st.column_config.LinkColumn(),
                           t("column.name", lang): st.column_config.Column(pinned=True)},  # visible while it scrolls
        )
        record_id = chosen_row(event, ids, f"last_row_{page}_{layer_id}")
        if record_id is not None:
            select(page, layer_id, record_id)
            st.rerun()


def table_key(prefix: str, ids: pd.Series, *parts: str) -> str:
    """A table's widget key that changes with its rows: a new list never inherits a stale row selection."""
    return f"{prefix}_{rows_digest(ids, *parts)}"


def chosen_row(event: object, ids: pd.Series, memory_key: str) -> str | None:
    """The id of a row the user has just chosen in a table (None when nothing new is chosen).

    The last chosen id is remembered under `memory_key` so that reruns do not choose it again; choosing nothing
    forgets it, so the same row can be chosen again after something else was selected on the map.
    """
    rows = event.selection.rows if event is not None else []
    if not rows or rows[0] >= len(ids):
        st.session_state.pop(memory_key, None)
        return None
    record_id = str(ids.iloc[rows[0]])
    if st.session_state.get(memory_key) == record_id:
        return None
    st.session_state[memory_key] = record_id
    return record_id
