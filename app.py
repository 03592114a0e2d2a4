"""regionmap: the Streamlit entry point. Sets up the page, the navigation and the shared sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from regionmap.i18n import t
from regionmap.ui import data, upload_panel, view
from regionmap.ui.embed_page import embedded_page
from regionmap.ui.navigation import PAGES, page_spec
from regionmap.ui.tables import whole_text_css

# A local favicon: Material and emoji icons would be fetched from outside hosts.
st.set_page_config(page_title="regionmap", page_icon=str(Path(__file__).parent / "static" / "favicon.png"), layout="wide")
data.vendor_assets()
whole_text_css()

lang = view.url_lang()
pages = {
    spec.url_path: st.Page(spec.path, title=t(spec.title_key, lang), icon=spec.icon, url_path=spec.url_path,
                           default=spec.default, visibility="hidden" if spec.hidden else "visible")
    for spec in PAGES
}
# The menu is drawn by the sidebar as page links that carry the view's query parameters: Streamlit's own menu
# drops them on a page switch, and setting them again during the switch leaves the previous page's path in the URL.
navigation = st.navigation(list(pages.values()), position="hidden")
spec = page_spec(navigation.url_path)
if spec.sidebar and view.embedded(data.store(lang), data.tax(), spec.params):
    embedded_page(spec.url_path)  # ?embed=1: only the map, for an <iframe>; no sidebar, no page chrome
else:
    if spec.sidebar:
        store = data.store(lang)
        menu = st.sidebar.container()
        uploads = st.sidebar.container()  # "Eigene Daten" below the page menu, above the filters
        state = view.sidebar(store, data.tax(), spec.layers, spec.params)
        view.page_links(menu, [(pages[other.url_path], other) for other in PAGES if not other.hidden], state)
        if spec.upload:
            upload_panel.panel(uploads, store, state.lang)
    navigation.run()
