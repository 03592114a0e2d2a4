"""The Kommunen page: a choropleth of the municipalities by an indicator, and the profile of one municipality."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from regionmap.dashboard.composition import choropleth
from regionmap.dashboard.details import category_label
from regionmap.dashboard.filters import filter_points, filter_view
from regionmap.i18n import format_density, format_km2, format_number, label_for, t, tn
from regionmap.dashboard.indicators import (
    CLASS_RANGE, DEFAULT_CLASSES, SCHEMES, Indicator, indicators, rank_in_region,
)
from regionmap.maps import clicked_record
from regionmap.data.store import StoreData
from regionmap.ui import data, upload_panel, view
from regionmap.uploads.analysis import UPLOAD_INDICATORS, outside_region, records_in, upload_indicators, with_counts
from regionmap.uploads.layer import layer_label, records_table
from regionmap.ui.layout import population_reference
from regionmap.ui.text import plain
from regionmap.ui.mapview import show_map
from regionmap.dashboard.urlstate import ViewState
from regionmap.ui.tables import metric_row

PAGE = "municipalities"
CONTROLS_OFFSET = 240  # pixels above the map: page header and the indicator controls


@dataclass(frozen=True)
class Municipalities:
    """The municipalities the page classes and profiles, and the indicators it offers (the built-in ones, then the
    session's upload counted per municipality when there is one)."""

    gemeinden: gpd.GeoDataFrame
    items: dict[str, Indicator]
    session: upload_panel.SessionUpload | None = None


def municipalities(store: StoreData, lang: str) -> Municipalities:
    """The store's municipalities, with the upload's count per municipality when the session has an upload."""
    items = {item.id: item for item in indicators()}
    session = upload_panel.current()
    if session is None:
        return Municipalities(store.gemeinden, items)
    items |= {item.id: item for item in upload_indicators(layer_label(session.upload, lang))}
    return Municipalities(with_counts(store.gemeinden, session.joined(store.gemeinden)), items, session)


def classification(state: ViewState) -> tuple[str, str, int]:
    """The view's indicator, classification scheme and number of classes, with their defaults (the first indicator,
    the first scheme, DEFAULT_CLASSES: left out of the URL)."""
    return state.indicator or indicators()[0].id, state.scheme or list(SCHEMES)[0], state.classes or DEFAULT_CLASSES


def indicator_controls(state: ViewState, offered: Municipalities) -> tuple[Indicator, str, int]:
    """Indicator, classification scheme and number of classes chosen on the page, from and to the view state (the
    first indicator, the first scheme and DEFAULT_CLASSES are the defaults, left out of the URL, and so are the
    upload's indicators: a shared link cannot show the session's upload)."""
    lang = state.lang
    ids = list(offered.items)
    schemes = list(SCHEMES)
    low, high = CLASS_RANGE
    chosen_id, chosen_scheme, chosen_k = classification(state)
    view.seed_widget("choropleth_indicator", chosen_id, ids)
    view.seed_widget("choropleth_scheme", chosen_scheme, schemes)
    view.seed_widget("choropleth_classes", chosen_k, range(low, high + 1))
    cols = st.columns([2, 2, 1])
    chosen = cols[0].selectbox(t("indicator.choose", lang), ids, key="choropleth_indicator",
                               format_func=lambda i: offered.items[i].label(lang))
    scheme = cols[1].selectbox(t("legend.scheme", lang), schemes, key="choropleth_scheme",
                               format_func=lambda s: t(f"scheme.{s}", lang))
    k = cols[2].slider(t("legend.classes", lang), low, high, key="choropleth_classes")
    in_url = chosen != ids[0] and chosen not in UPLOAD_INDICATORS
    view.update(indicator=chosen if in_url else None, scheme=None if scheme == schemes[0] else scheme,
                classes=None if k == DEFAULT_CLASSES else k)
    return offered.items[chosen], scheme, k


def choropleth_map(store: StoreData, offered: Municipalities, state: ViewState, item: Indicator, scheme: str,
                   k: int) -> None:
    """The classed map; a click on a municipality selects it in the sidebar (and zooms to it)."""
    lang = state.lang
    fills = choropleth(offered.gemeinden, item, scheme, k, lang)
    result = show_map(PAGE, store, state, {}, choropleth=fills, offset=CONTROLS_OFFSET)
    hit = clicked_record(result, {"gemeinden": store.gemeinden})
    click = (result or {}).get("last_object_clicked")
    if hit is not None and st.session_state.get("municipality_click") != click:
        st.session_state["municipality_click"] = click
        ags = str(store.gemeinden.loc[hit[1], "ags"])
        if ags != state.gemeinde:
            view.request(kreis=ags[:5], gemeinde=ags)


def profile(store: StoreData, offered: Municipalities, state: ViewState, item: Indicator) -> None:
    """Figures, rank in the region, the points inside the selected municipality and the session's records there."""
    lang = state.lang
    if not state.gemeinde:
        st.info(t("profile.empty", lang))
        return
    rows = store.gemeinden[store.gemeinden["ags"] == state.gemeinde]
    if rows.empty:
        return
    row = rows.iloc[0]
    st.subheader(plain(t("profile.heading", lang, name=row["name"])))
    st.caption(plain(f"{label_for('kind', str(row['kind']), lang)} · {row['kreis_name']} · AGS {row['ags']}"))
    rank = rank_in_region(offered.gemeinden, state.gemeinde, item)
    metric_row([
        (t("figures.population", lang), format_number(row["population"], lang)),
        (t("figures.area", lang), format_km2(row["area_km2"], lang)),
        (t("figures.density", lang), format_density(row["density"], lang)),
        (t("column.rank", lang) + f" · {item.label(lang)}",
         t("profile.rank", lang, rank=format_number(rank.rank, lang), total=format_number(rank.total, lang))
         if rank else t("number.unknown", lang)),
    ], key="profile_figures")
    st.caption(population_reference(store, lang))
    st.markdown(f"#### {plain(t('profile.points', lang, name=row['name']))}")
    st.dataframe(points_table(store, state), hide_index=True, width="stretch",
                 column_config={t("column.name", lang): st.column_config.Column(pinned=True)})
    if offered.session is not None:
        upload_records(offered.session, store, row, lang)


def upload_records(session: upload_panel.SessionUpload, store: StoreData, row: pd.Series, lang: str) -> None:
    """The session's uploaded records inside the municipality `row`, and how many lie outside the region."""
    joined = session.joined(store.gemeinden)
    st.markdown(f"#### {plain(t('upload.profile.heading', lang, name=row['name']))}")
    st.caption(plain(layer_label(session.upload, lang)))
    inside = records_in(joined, str(row["ags"]))
    if len(inside):
        st.dataframe(records_table(session.upload, inside, lang), hide_index=True, width="stretch")
    else:
        st.info(plain(t("upload.profile.none", lang, name=row["name"])))
    outside = outside_region(joined)
    if outside:
        st.caption(tn("upload.profile.outside", outside, lang))


def points_table(store: StoreData, state: ViewState) -> pd.DataFrame:
    """The points of every thematic layer inside the selected municipality (with the current filters)."""
    lang = state.lang
    tax = data.tax()
    categories = {layer.id: layer.category_ids for layer in tax.layers}
    shown = filter_view(store.thematic, state, categories)
    frames = []
    for layer_id, gdf in shown.items():
        inside: gpd.GeoDataFrame = filter_points(gdf, gemeinde=state.gemeinde)
        frames.append(pd.DataFrame({
            t("column.layer", lang): tax.layer(layer_id).label(lang),
            t("column.name", lang): inside["name"].astype(str),
            t("column.category", lang): [category_label(tax, layer_id, c, lang) for c in inside["category"]],
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
