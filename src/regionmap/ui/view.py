"""The view state: read from the URL when a session starts, edited in the sidebar, written back to the URL.

The state lives in `st.session_state["view"]` (a `ViewState`); the sidebar widgets and the pages' own controls
(`seed_widget`) are initialised from it and a changed widget produces the next state. Every run writes the state's
query parameters (the sidebar's and the shown page's own, `PageSpec.params`), so a copied link opens the same view
(page switches clear the URL, the next run restores it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.navigation.page import StreamlitPage

from regionmap.config import LANGUAGES
from regionmap.i18n import normalise_lang, t
from regionmap.data.store import StoreData
from regionmap.dashboard.details import category_label, sector_labels
from regionmap.taxonomy import Taxonomy
from regionmap.ui.navigation import PageSpec
from regionmap.dashboard.urlstate import (EMBED_PARAM, EMBED_VALUE, Notice, PARAM_NAMES, ViewState, parse_query_params,
                                          to_query_params)
from regionmap.ui import data as app_data

_VIEW = "view"
_NOTICES = "url_notices"
_PENDING = "pending_sidebar_changes"
_PAGE_LAYERS = "sidebar_page_layers"
_PAGE_PARAMS = "page_url_params"
_SEEDED = "seeded_widgets"
_SELECTION_PREFIX = "selected_"  # the detail card's record per page (regionmap.ui.mapview)
_WIDGETS = {
    "lang": "w_lang",
    "basemap": "w_basemap",
    "layers": "w_layers",
    "sectors": "w_sectors",
    "categories": "w_categories",
    "kreis": "w_kreis",
    "gemeinde": "w_gemeinde",
    "q": "w_q",
}


def url_lang() -> str:
    """The language before the sidebar exists: the session's state, else the URL's `lang`, else German."""
    if _VIEW in st.session_state:
        return st.session_state[_WIDGETS["lang"]] if _WIDGETS["lang"] in st.session_state else st.session_state[_VIEW].lang
    return normalise_lang(st.query_params.get("lang"))


def ensure_entrypoint() -> None:
    """Rerun through app.py when Streamlit ran a page file directly.

    A fresh server whose first request is a deep link (`/municipalities`, `/present`) runs `pages/<name>.py` as a
    legacy multipage app, without app.py's navigation and sidebar. Streamlit switches to app.py's `st.navigation` for
    good once any run has called it; this makes that happen at once and reruns the same page through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def current() -> ViewState:
    """The view state of this run (after the sidebar)."""
    ensure_entrypoint()
    return st.session_state[_VIEW]


def set_current(state: ViewState) -> None:
    """Replace the view state (e.g. a page selecting a site) and write it to the URL."""
    st.session_state[_VIEW] = state
    write_url(state, st.session_state.get(_PAGE_PARAMS, ()))


def update(**changes: object) -> ViewState:
    """The current view state with `changes`, made current (and written to the URL) when it differs."""
    state: ViewState = st.session_state[_VIEW]
    new_state = replace(state, **changes)
    if new_state != state:
        set_current(new_state)
    return new_state


def seed_widget(key: str, value: object, options: Sequence[object] | None = None) -> None:
    """Give a page's widget its value from the view state when it has none yet or its value is no longer an option
    (a list keeps the values that still are); the reset button clears every seeded widget."""
    seeded = st.session_state.setdefault(_SEEDED, set())
    seeded.add(key)
    if key not in st.session_state:
        st.session_state[key] = value
    elif options is not None:
        current_value = st.session_state[key]
        if isinstance(current_value, list):
            st.session_state[key] = [v for v in current_value if v in options]
        elif current_value not in options:
            st.session_state[key] = value if value in options else None


def request(**changes: object) -> None:
    """Change sidebar values from a page (e.g. a clicked municipality) and rerun: widgets already drawn in this run
    cannot be changed, so the values are applied when the sidebar is drawn next."""
    st.session_state[_PENDING] = changes
    st.rerun()


def _apply_pending() -> None:
    for name, value in st.session_state.pop(_PENDING, {}).items():
        st.session_state[_WIDGETS[name]] = value


def _from_url(data: StoreData, tax: Taxonomy) -> ViewState:
    params = {name: st.query_params.get_all(name) for name in st.query_params}
    if st.context.is_embedded:  # `embed=true`, which st.query_params hides (see urlstate.EMBED_PARAM)
        params[EMBED_PARAM] = [EMBED_VALUE]
    state, notices = parse_query_params(params, app_data.url_vocab(data, tax))
    st.session_state[_NOTICES] = notices
    return state


def notices() -> list[Notice]:
    """The URL notices of this session's first run (ignored or corrected parameter values)."""
    return st.session_state.get(_NOTICES, [])


def write_url(state: ViewState, page_params: Sequence[str] = ()) -> None:
    """Make the URL's view parameters equal the state's: the sidebar's and the page's own `page_params` (other
    parameters are left alone)."""
    params = to_query_params(state, page_params)
    for name in PARAM_NAMES:
        if name == EMBED_PARAM:
            continue  # Streamlit's own: kept in the URL by the frontend, never written by a script
        if name in params:
            if st.query_params.get(name) != params[name] or len(st.query_params.get_all(name)) != 1:
                st.query_params[name] = params[name]
        elif name in st.query_params:
            del st.query_params[name]


def embedded(data: StoreData, tax: Taxonomy, page_params: Sequence[str] = ()) -> bool:
    """Whether this session shows a page embedded (`embed=1`): then the view is the URL's as it is, with no sidebar
    widgets and no page menu."""
    if _VIEW not in st.session_state:
        st.session_state[_VIEW] = _from_url(data, tax)
    st.session_state[_PAGE_PARAMS] = tuple(page_params)
    return st.session_state[_VIEW].embed


def _init_widget(name: str, value: object, options: Sequence[object] | None = None) -> None:
    """Give a sidebar widget its value from the state when it has none yet or its value is no longer an option."""
    seed_widget(_WIDGETS[name], value, options)


def sidebar(data: StoreData, tax: Taxonomy, page_layers: Sequence[str], page_params: Sequence[str] = ()) -> ViewState:
    """Render the filter sidebar for a page showing `page_layers` and return the resulting view state; the URL gets
    the sidebar's parameters and the page's own `page_params`."""
    if _VIEW not in st.session_state:
        st.session_state[_VIEW] = _from_url(data, tax)
    st.session_state[_PAGE_PARAMS] = tuple(page_params)
    if st.session_state.get(_PAGE_LAYERS) != tuple(page_layers):
        # Another page: its layer and category choices start from the view state, not from the last page's widgets.
        st.session_state[_PAGE_LAYERS] = tuple(page_layers)
        for name in ("layers", "categories"):
            st.session_state.pop(_WIDGETS[name], None)
    _apply_pending()
    state: ViewState = st.session_state[_VIEW]
    lang = url_lang()

    layer_options = list(page_layers)
    category_options = [(layer_id, c.id) for layer_id in page_layers for c in tax.layer(layer_id).categories]
    category_ids = [c for _, c in category_options]
    kreis_options, kreis_names = app_data.places(data, "kreise")

    _init_widget("lang", state.lang, LANGUAGES)
    basemaps = app_data.registry()
    _init_widget("basemap", state.basemap, basemaps.basemap_ids)
    _init_widget("layers", [l for l in state.layers if l in layer_options], layer_options)
    _init_widget("sectors", list(state.sectors), tax.sector_ids)
    _init_widget("categories", [c for c in state.categories if c in category_ids], category_ids)
    _init_widget("kreis", state.kreis, kreis_options)
    _init_widget("q", state.q)

    with st.sidebar:
        st.selectbox(t("sidebar.language", lang), LANGUAGES, key=_WIDGETS["lang"],
                     format_func=lambda code: t(f"language.{code}", code))
        lang = st.session_state[_WIDGETS["lang"]]
        st.header(t("sidebar.filters", lang))
        choose = t("sidebar.choose", lang)
        if len(layer_options) > 1:
            st.multiselect(t("sidebar.layers", lang), layer_options, key=_WIDGETS["layers"], placeholder=choose,
                           format_func=lambda layer_id: tax.layer(layer_id).label(lang))
        st.multiselect(t("sidebar.sectors", lang), tax.sector_ids, key=_WIDGETS["sectors"],
                       help=t("sidebar.sectors_help", lang), placeholder=choose,
                       format_func=lambda sector_id: sector_labels(tax, sector_id, lang))
        labels = {c: _category_label(tax, layer_id, c, lang, len(page_layers) > 1) for layer_id, c in category_options}
        st.multiselect(t("sidebar.category", lang), category_ids, key=_WIDGETS["categories"], placeholder=choose,
                       format_func=lambda c: labels[c])
        st.selectbox(t("sidebar.kreis", lang), kreis_options, key=_WIDGETS["kreis"], placeholder=t("sidebar.all_kreise", lang),
                     format_func=lambda ags: t("sidebar.all_kreise", lang) if ags is None else kreis_names[ags])
        kreis = st.session_state[_WIDGETS["kreis"]]
        gemeinde_options, gemeinde_names = app_data.places(data, "gemeinden", kreis)
        _init_widget("gemeinde", state.gemeinde, gemeinde_options)
        st.selectbox(t("sidebar.gemeinde", lang), gemeinde_options, key=_WIDGETS["gemeinde"],
                     placeholder=t("sidebar.all_gemeinden", lang),
                     format_func=lambda ags: t("sidebar.all_gemeinden", lang) if ags is None
                     else f"{gemeinde_names[ags]} ({ags})")
        st.text_input(t("sidebar.search", lang), key=_WIDGETS["q"], placeholder=t("sidebar.search_placeholder", lang),
                      max_chars=100)
        st.radio(t("sidebar.basemap", lang), basemaps.basemap_ids, key=_WIDGETS["basemap"],
                 format_func=lambda b: basemaps.basemap(b).label(lang), horizontal=True)
        if st.button(t("sidebar.reset", lang), width="stretch"):
            _reset(lang, state.basemap)
        st.caption(t("sidebar.share_help", lang))

    chosen_layers = st.session_state[_WIDGETS["layers"]] if len(layer_options) > 1 else layer_options
    other_layers = [l for l in state.layers if l not in layer_options]
    new_state = replace(
        state,
        lang=st.session_state[_WIDGETS["lang"]],
        basemap=st.session_state[_WIDGETS["basemap"]],
        layers=tuple(l for l in tax_layer_order(tax) if l in chosen_layers or l in other_layers),
        sectors=tuple(st.session_state[_WIDGETS["sectors"]]),
        categories=tuple(st.session_state[_WIDGETS["categories"]])
        + tuple(c for c in state.categories if c not in category_ids),
        kreis=st.session_state[_WIDGETS["kreis"]],
        gemeinde=st.session_state[_WIDGETS["gemeinde"]],
        q=st.session_state[_WIDGETS["q"]].strip(),
    )
    set_current(new_state)
    return new_state


def page_links(menu: DeltaGenerator, links: Sequence[tuple[StreamlitPage, PageSpec]], state: ViewState) -> None:
    """The page menu in `menu`: links that keep the current view (its query parameters) on the other pages, each with
    that page's own parameters."""
    with menu:
        for page, spec in links:
            st.page_link(page, label=t(spec.title_key, state.lang), icon=spec.icon,
                         query_params=to_query_params(state, spec.params))
        st.divider()


def tax_layer_order(tax: Taxonomy) -> list[str]:
    """Layer ids in the taxonomy's order (the order of the URL parameter)."""
    return [layer.id for layer in tax.layers]


def page_layers(state: ViewState, layers: Sequence[str]) -> list[str]:
    """The layers of a page that the state shows."""
    return [layer_id for layer_id in layers if layer_id in state.layers]


def _reset(lang: str, basemap: str) -> None:
    for key in [*_WIDGETS.values(), *st.session_state.pop(_SEEDED, set())]:
        st.session_state.pop(key, None)
    for key in [k for k in st.session_state if str(k).startswith(_SELECTION_PREFIX)]:
        st.session_state.pop(key, None)
    st.session_state[_VIEW] = ViewState(lang=lang, basemap=basemap)
    st.session_state[_NOTICES] = []
    st.rerun()


def _category_label(tax: Taxonomy, layer_id: str, category_id: str, lang: str, with_layer: bool) -> str:
    label = category_label(tax, layer_id, category_id, lang)
    return f"{t('detail.label', lang, label=tax.layer(layer_id).label(lang))} {label}" if with_layer else label
