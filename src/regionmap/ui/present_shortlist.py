"""The visitor's shortlist in the presenter mode: "Auf die Merkliste" for the stop's highlighted sites, the list's
count beside the stop and, when opened, its QR code. The list lives in the session and in the
presenter's URL (`?shortlist=`), so it survives stop changes and reloads."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import streamlit as st

from regionmap.dashboard.urlstate import parse_query_params
from regionmap.data.store import StoreData
from regionmap.errors import RegionmapError
from regionmap.i18n import t, tn
from regionmap.investor.sheet import LAYER
from regionmap.investor.shortlist import PARAM, shortlist_config
from regionmap.presenter.display import confirmed_only
from regionmap.presenter.qr import qr_png
from regionmap.presenter.tours import Stop
from regionmap.ui import data
from regionmap.ui.shortlist_panel import public_link, toggled
from regionmap.ui.text import plain

SESSION_KEY = "present_shortlist"
OPEN_KEY = "present_shortlist_open"
QR_SCALE = 6


def shortlist_ids(store: StoreData) -> tuple[str, ...]:
    """The session's shortlist; on the session's first run, the URL's (validated against the store's sites, with
    the URL notices returned to the page through `st.session_state`)."""
    if SESSION_KEY not in st.session_state:
        state, notices = parse_query_params({PARAM: st.query_params.get(PARAM, "")}, data.url_vocab(store, data.tax()))
        st.session_state[SESSION_KEY] = state.shortlist
        st.session_state[f"{SESSION_KEY}_notices"] = notices
    ids: tuple[str, ...] = st.session_state[SESSION_KEY]
    if ids:
        st.query_params[PARAM] = ",".join(ids)
    elif PARAM in st.query_params:
        del st.query_params[PARAM]
    return ids


def url_notices(lang: str) -> list[str]:
    """The first run's notices about the URL's shortlist, as plain text."""
    return [n.message(lang) for n in st.session_state.get(f"{SESSION_KEY}_notices", [])]


def _toggle(store: StoreData, site_id: str, touched: Callable[[], None]) -> None:
    st.session_state[SESSION_KEY] = toggled(store, st.session_state[SESSION_KEY], site_id)
    touched()


def _open(touched: Callable[[], None]) -> None:
    st.session_state[OPEN_KEY] = not st.session_state.get(OPEN_KEY, False)
    touched()


def count_button(ids: tuple[str, ...], lang: str, touched: Callable[[], None]) -> None:
    """Among the presenter's controls: the shortlist's count; a tap shows or hides its QR code."""
    st.button("★ " + tn("investor.shortlist.count", len(ids), lang), key="present_shortlist_count",
              help=t("investor.shortlist.open_shortlist", lang), on_click=_open, args=(touched,),
              type="primary" if st.session_state.get(OPEN_KEY) else "secondary")


def panel(store: StoreData, stop: Stop, ids: tuple[str, ...], lang: str, touched: Callable[[], None],
          current_page: str, skip_unconfirmed: bool = False) -> bool:
    """The stop's shortlist controls; when the list is opened, its QR code beside them, in place of the stop's (so
    that a stop with six sites keeps the code above the fold at 1920 × 1080). Whether the shortlist's code (or why
    there is none) is shown."""
    opened = bool(ids) and bool(st.session_state.get(OPEN_KEY))
    if not opened:
        _stop_sites(store, stop, ids, lang, touched, skip_unconfirmed)
        return False
    controls, code = st.columns([3, 2], gap="small")
    with controls:
        _stop_sites(store, stop, ids, lang, touched, skip_unconfirmed)
    with code:
        _shortlist_qr(ids, lang, current_page)
    return True


def _stop_sites(store: StoreData, stop: Stop, ids: tuple[str, ...], lang: str, touched: Callable[[], None],
                skip_unconfirmed: bool) -> None:
    """One button per site the stop highlights: "+ name", or "✓ name" when listed (not those past their maximum age
    when the tour skips unconfirmed records); then the shortlist's count, also at a stop without sites once the list
    holds one (beside the stop, so the head row keeps its height)."""
    sites: gpd.GeoDataFrame = store[LAYER]
    if skip_unconfirmed:
        sites = confirmed_only({LAYER: sites})[LAYER]
    shown = sites[sites["id"].isin(stop.highlight)] if LAYER in stop.layers and stop.highlight else sites.iloc[0:0]
    if shown.empty:
        if ids:
            count_button(ids, lang, touched)
        return
    most = shortlist_config().max_sites
    st.caption(t("investor.shortlist.add", lang))
    # The buttons flow side by side and wrap: a stop's six sites and the count take few rows.
    with st.container(key="present_shortlist_sites", horizontal=True, wrap=True):
        for site_id, name in zip(shown["id"].astype(str), shown["name"].astype(str)):
            listed = site_id in ids
            st.button(("✓ " if listed else "+ ") + name, key=f"present_shortlist_add_{site_id}",
                      type="primary" if listed else "secondary", on_click=_toggle, args=(store, site_id, touched),
                      disabled=not listed and len(ids) >= most,
                      help=t("investor.shortlist.remove" if listed else "investor.shortlist.add", lang))
        count_button(ids, lang, touched)


def _shortlist_qr(ids: tuple[str, ...], lang: str, current_page: str) -> None:
    """The shortlist's QR code, or why there is none."""
    with st.container(key="present_shortlist_qr"):
        try:
            link = public_link(ids, lang, current_page)
        except RegionmapError as exc:
            st.caption(plain(str(exc)))
            return
        if link is None:
            st.caption(t("investor.shortlist.no_public_url", lang))
        else:
            st.image(qr_png(link, scale=QR_SCALE), caption=t("investor.shortlist.qr_caption", lang), width="stretch",
                     alt=t("investor.shortlist.qr_alt", lang))
