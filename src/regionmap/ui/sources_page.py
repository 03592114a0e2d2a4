"""The Daten & Quellen page: every source with its licence and date, the curated layers' currency, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from regionmap.config import api_url, public_url
from regionmap.dashboard.embed import dashboard_base, iframe_snippet, view_url
from regionmap.i18n import format_date, format_number, t
from regionmap.data.store import StoreData
from regionmap.ui import data, freshness_section
from regionmap.ui.downloads import download_button
from regionmap.ui.layout import shown_layers
from regionmap.ui.navigation import PAGES
from regionmap.ui.text import plain
from regionmap.dashboard.urlstate import ViewState
from regionmap.dashboard.release_notes import release_notes
from regionmap.ui.tables import static_table


def sources_table(store: StoreData, lang: str) -> pd.DataFrame:
    """One row per source of the build: dataset, publisher, licence, attribution, reference date, rows kept."""
    registry = data.registry()
    publishers = {s.id: s.publisher for s in registry.sources}
    rows = []
    for entry in store.manifest.get("sources", []):
        rows.append({
            t("sources.title", lang): entry.get("title", entry.get("id", "")),
            t("sources.publisher", lang): publishers.get(entry.get("id"), ""),
            t("sources.licence", lang): entry.get("licence", ""),
            t("sources.attribution", lang): entry.get("attribution", ""),
            t("sources.reference_date", lang): format_date(entry.get("reference_date"), lang),
            t("sources.rows_kept", lang): _count(entry.get("rows_kept"), lang),
            t("sources.link", lang): entry.get("licence_url", ""),
        })
    for basemap in registry.basemaps:
        if basemap.attribution:
            rows.append({
                t("sources.title", lang): basemap.label(lang),
                t("sources.publisher", lang): basemap.publisher or "",
                t("sources.licence", lang): basemap.licence or "",
                t("sources.attribution", lang): basemap.attribution,
                t("sources.reference_date", lang): "",
                t("sources.rows_kept", lang): "",
                t("sources.link", lang): basemap.licence_url or "",
            })
    return pd.DataFrame(rows)


def _count(value: object, lang: str) -> str:
    """A row count in the locale's format; '' when the manifest has none."""
    return "" if value is None else format_number(value, lang)


def curated_table(store: StoreData, lang: str) -> pd.DataFrame:
    """Per thematic layer: how many records and the range of their `as_of` dates."""
    tax = data.tax()
    rows = []
    for layer_id in tax.layer_ids:
        dates = store[layer_id]["as_of"].dropna().astype(str)
        start, end = (format_date(dates.min(), lang), format_date(dates.max(), lang)) if len(dates) else ("", "")
        if start == end:
            as_of = t("sources.as_of", lang, date=start) if start else ""
        else:
            as_of = t("sources.as_of_range", lang, start=start, end=end)
        rows.append({
            t("column.layer", lang): tax.layer(layer_id).label(lang),
            t("column.count", lang): format_number(len(store[layer_id]), lang),
            t("column.as_of", lang): as_of,
        })
    return pd.DataFrame(rows)


def render(store: StoreData, state: ViewState) -> None:
    """Sources, curated layers and downloads of the current selection."""
    lang = state.lang
    st.subheader(t("sources.heading", lang))
    built = store.manifest.get("built_at")
    if built:
        st.caption(t("sources.built", lang, date=format_date(str(built)[:10], lang)))
    static_table(sources_table(store, lang), links=[t("sources.link", lang)])
    st.subheader(t("sources.curated", lang))
    static_table(curated_table(store, lang))
    st.caption(t("sources.curated_note", lang))
    freshness_section.render(store, lang)
    changes_section(store.manifest.get("changes"), lang)

    st.subheader(t("download.heading", lang))
    st.caption(t("download.note", lang))
    tax = data.tax()
    for layer_id, gdf in shown_layers(store, state, tax.layer_ids).items():
        label = tax.layer(layer_id).label(lang)
        count = format_number(len(gdf), lang)
        cols = st.columns(2)
        download_button(cols[0], t("download.csv", lang, layer=label, count=count), gdf, layer_id, "csv", state,
                        key=f"dl_csv_{layer_id}")
        download_button(cols[1], t("download.geojson", lang, layer=label, count=count), gdf, layer_id, "geojson",
                        state, key=f"dl_geojson_{layer_id}")
    st.caption(plain(t("sources.licence_note", lang)))
    api_section(lang)
    embed_section(store, state)


def api_section(lang: str) -> None:
    """The OGC API for GIS clients: its address (`$REGIONMAP_API_URL`) and how to open it in QGIS."""
    st.subheader(t("api.heading", lang))
    st.markdown(f"{plain(t('api.url', lang))} `{api_url()}`")
    st.caption(t("api.about", lang))
    st.markdown(f"**{t('api.qgis_heading', lang)}**")
    st.markdown(t("api.qgis_steps", lang))


def embed_section(store: StoreData, state: ViewState) -> None:
    """The `<iframe>` snippet that embeds the map of the current view (Kreis, municipality, layers, filters)."""
    lang = state.lang
    st.subheader(t("api.embed_heading", lang))
    st.caption(t("api.embed_about", lang))
    base = dashboard_base(public_url(), st.context.url)
    overview = next(spec for spec in PAGES if spec.default)
    url = view_url(base, "", state, overview.params, embed=True)
    st.code(iframe_snippet(url, t("api.embed_title", lang, place=place_name(store, state, lang))), language="html",
            wrap_lines=True)  # a scrolling block would need to be keyboard-focusable (WCAG 2.1.1)
    if not public_url():
        st.caption(t("api.embed_no_public_url", lang))


def place_name(store: StoreData, state: ViewState, lang: str) -> str:
    """The name of the view's place: its municipality, else its Kreis, else the region."""
    for frame, code in ((store.gemeinden, state.gemeinde), (store.kreise, state.kreis)):
        if code:
            match = frame.loc[frame["ags"] == code, "name"]
            if len(match):
                return str(match.iloc[0])
    return data.region_name(lang)


def changes_section(changes: dict | None, lang: str) -> None:
    """What changed in this release against the store it replaced (the build's change report)."""
    notes = release_notes(changes, lang)
    st.subheader(t("changes.heading", lang))
    st.caption(notes.summary)
    for heading, frame in ((t("changes.municipalities", lang), notes.municipalities),
                           (t("changes.values", lang), notes.values)):
        if not frame.empty:
            st.markdown(f"**{plain(heading)}**")
            static_table(frame)
    if notes.changed_municipalities:
        st.caption(t("changes.values_count", lang, count=format_number(notes.changed_municipalities, lang)))
    for heading, frame in ((t("changes.points", lang), notes.points), (t("changes.sources", lang), notes.sources)):
        if not frame.empty:
            st.markdown(f"**{plain(heading)}**")
            static_table(frame)
