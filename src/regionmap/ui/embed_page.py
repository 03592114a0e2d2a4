"""Embed mode (`embed=1`): a page drawn as its map alone, with legend and attribution, for an iframe on a partner's
website, and a link to the full dashboard at the same view."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from regionmap.config import public_url
from regionmap.dashboard.composition import choropleth
from regionmap.dashboard.embed import dashboard_base, view_url
from regionmap.dashboard.indicators import indicator
from regionmap.i18n import t
from regionmap.ui import data, view
from regionmap.ui.layout import PAGE_CSS, shown_layers
from regionmap.ui.mapview import show_map
from regionmap.ui.text import document_language, plain
from regionmap.ui.municipalities_page import PAGE as MUNICIPALITIES, classification
from regionmap.ui.navigation import page_spec

EMBED_CSS = Path(__file__).with_name("embed.css")
MAP_OFFSET = 36  # pixels below the embedded map: the link to the full view
MAP_LEAST = 240


def embedded_page(url_path: str) -> None:
    """The map of the page in the URL's view: the Kommunen page's choropleth, a thematic page's own layers, the
    other pages' every layer; then the link (new tab) to the same view without `embed`."""
    spec = page_spec(url_path)
    state = view.current()
    store = data.store(state.lang)
    st.html(PAGE_CSS)
    st.html(EMBED_CSS)
    document_language(state.lang)
    if url_path == MUNICIPALITIES:
        indicator_id, scheme, k = classification(state)
        fills = choropleth(store.gemeinden, indicator(indicator_id), scheme, k, state.lang)
        show_map(url_path, store, state, {}, choropleth=fills, height=MAP_LEAST, offset=MAP_OFFSET, embedded=True)
    else:
        show_map(url_path, store, state, shown_layers(store, state, spec.layers), height=MAP_LEAST,
                 offset=MAP_OFFSET, embedded=True)
    full_view = view_url(dashboard_base(public_url(), st.context.url), url_path, state, spec.params, embed=False)
    with st.container(key="embed_link"):
        st.markdown(f"[{plain(t('api.full_view', state.lang))} ↗]({full_view})")
