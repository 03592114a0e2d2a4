"""The Daten & Quellen page: every source with its licence and date, the curated layers' currency, downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from regionmap.exports import to_csv_bytes, to_geojson_bytes
from regionmap.i18n import format_date, format_number, t
from regionmap.store import Store
from regionmap.ui import data
from regionmap.ui.layout import shown_layers
from regionmap.ui.mapview import plain
from regionmap.urlstate import ViewState


def sources_table(store: Store, lang: str) -> pd.DataFrame:
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
            t("sources.rows_kept", lang): entry.get("rows_kept"),
            t("sources.link", lang): entry.get("licence_url", ""),
        })
    for basemap in registry.basemaps:
        if basemap.attribution:
            rows.append({
                t("sources.title", lang): basemap.title,
                t("sources.publisher", lang): basemap.publisher or "",
                t("sources.licence", lang): basemap.licence or "",
                t("sources.attribution", lang): basemap.attribution,
                t("sources.reference_date", lang): "",
                t("sources.rows_kept", lang): None,
                t("sources.link", lang): basemap.licence_url or "",
            })
    return pd.DataFrame(rows)


def curated_table(store: Store, lang: str) -> pd.DataFrame:
    """Per thematic layer: how many records and the range of their `as_of` dates."""
    tax = data.tax()
    rows = []
    for layer_id in tax.layer_ids:
        dates = store[layer_id]["as_of"].dropna().astype(str)
        rows.append({
            t("column.layer", lang): tax.layer(layer_id).label(lang),
            t("column.count", lang): len(store[layer_id]),
            t("column.as_of", lang): t("sources.as_of_range", lang, start=format_date(dates.min(), lang),
                                       end=format_date(dates.max(), lang)) if len(dates) else "",
        })
    return pd.DataFrame(rows)


def render(store: Store, state: ViewState) -> None:
    """Sources, curated layers and downloads of the current selection."""
    lang = state.lang
    st.subheader(t("sources.heading", lang))
    built = store.manifest.get("built_at")
    if built:
        st.caption(t("sources.built", lang, date=format_date(str(built)[:10], lang)))
    st.dataframe(sources_table(store, lang), hide_index=True, width="stretch",
                 column_config={t("sources.link", lang): st.column_config.LinkColumn()})
    st.subheader(t("sources.curated", lang))
    st.dataframe(curated_table(store, lang), hide_index=True, width="stretch")
    st.caption(t("sources.curated_note", lang))

    st.subheader(t("download.heading", lang))
    st.caption(t("download.note", lang))
    tax = data.tax()
    for layer_id, gdf in shown_layers(store, state, tax.layer_ids).items():
        label = tax.layer(layer_id).label(lang)
        count = format_number(len(gdf), lang)
        cols = st.columns(2)
        cols[0].download_button(t("download.csv", lang, layer=label, count=count), data=lambda g=gdf: to_csv_bytes(g),
                                file_name=f"regionmap-{layer_id}.csv", mime="text/csv", key=f"dl_csv_{layer_id}",
                                on_click="ignore", width="stretch")
        cols[1].download_button(t("download.geojson", lang, layer=label, count=count),
                                data=lambda g=gdf: to_geojson_bytes(g), file_name=f"regionmap-{layer_id}.geojson",
                                mime="application/geo+json", key=f"dl_geojson_{layer_id}", on_click="ignore",
                                width="stretch")
    st.caption(plain(t("sources.licence_note", lang)))
