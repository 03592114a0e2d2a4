"""The visitor's shortlist on the sites page: the add/remove button, and the panel with the sites side by side,
remove buttons, the combined PDF, the public link with its QR code and the enquiry form (`ui.enquiry_form`).

The shortlist lives in the view state (`ViewState.shortlist`, the URL's `?shortlist=`); its logic is in
`regionmap.investor.shortlist` and `regionmap.investor.expose.bundle`.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import streamlit as st

from regionmap.config import public_url
from regionmap.data.manifest import population_reference_date
from regionmap.data.store import StoreData
from regionmap.errors import RegionmapError
from regionmap.i18n import t, tn
from regionmap.investor.comparison import MIN_COMPARED
from regionmap.investor.factors import LocationFactor
from regionmap.investor.sheet import LAYER, comparison_frame
from regionmap.investor.shortlist import PAGE_PATH, shortlist_config, shortlist_url, toggle
from regionmap.leads.repository import SHORTLISTED, leads_of
from regionmap.presenter.display import share_base_url
from regionmap.presenter.qr import qr_png
from regionmap.dashboard.urlstate import ViewState
from regionmap.ui import data, view
from regionmap.ui.enquiry_form import render_enquiry
from regionmap.ui.tables import static_table
from regionmap.ui.text import plain

QR_WIDTH = 220  # pixels on screen
QR_SCALE = 6


def toggled(store: StoreData, ids: tuple[str, ...], site_id: str) -> tuple[str, ...]:
    """The shortlist with the site added or removed (a full list stays as it is); an addition is counted as
    interest in the site (`regionmap.leads`: per site and month, no identifier)."""
    new = toggle(ids, site_id, shortlist_config().max_sites)
    if site_id in new and site_id not in ids:
        leads_of(store.backend).record_interest(site_id, SHORTLISTED)
    return new


def _toggle(site_id: str) -> None:
    """Add the site to the shortlist or remove it, and rerun (the page above shows the new list)."""
    state = view.current()
    view.update(shortlist=toggled(data.store(state.lang), state.shortlist, site_id))
    st.rerun()


def shortlist_button(state: ViewState, site_id: str, key: str) -> None:
    """One tap adds the site to the shortlist or removes it; disabled (saying why) when the list is full."""
    lang = state.lang
    listed = site_id in state.shortlist
    most = shortlist_config().max_sites
    full = not listed and len(state.shortlist) >= most
    if st.button(("✓ " + t("investor.shortlist.remove", lang)) if listed else ("+ " + t("investor.shortlist.add", lang)),
                 key=f"shortlist_toggle_{key}", disabled=full,
                 help=t("investor.shortlist.full", lang, max=most) if full else None):
        _toggle(site_id)


def public_link(ids: tuple[str, ...], lang: str, current_page: str) -> str | None:
    """The shortlist's link on the public dashboard, None when visitors' phones could not open one (no
    `$REGIONMAP_PUBLIC_URL` and a loopback address, as in the presenter); `current_page` is the URL path of the page
    the browser shows (taken off its address)."""
    base = share_base_url(public_url(), st.context.url, current_page)
    return shortlist_url(base, ids, lang) if base is not None and ids else None


def expose_context(store: StoreData):  # -> ExposeContext; imported lazily (fpdf2 and matplotlib load slowly)
    """What the exposés of this store need besides the site rows."""
    from regionmap.investor.expose import ExposeContext, source_attributions

    return ExposeContext(gemeinden=store.gemeinden, layers=store.thematic,
                         population_as_of=population_reference_date(store.manifest),
                         attributions=source_attributions(data.registry()))


def shortlist_panel(store: StoreData, state: ViewState, factors: tuple[LocationFactor, ...]) -> None:
    """The shortlist section: its sites side by side, remove buttons, the combined PDF, the link and QR code."""
    lang = state.lang
    sites: gpd.GeoDataFrame = store[LAYER]
    ids = tuple(i for i in state.shortlist if i in set(sites["id"]))
    with st.container(border=True, key="shortlist_panel"):
        st.subheader(f"{t('investor.shortlist.heading', lang)} ({tn('investor.shortlist.count', len(ids), lang)})")
        if not ids:
            st.caption(t("investor.shortlist.empty", lang))
            return
        by_id = sites.drop_duplicates("id").set_index("id")
        for site_id in ids:
            with st.container(horizontal=True, vertical_alignment="center", key=f"shortlist_row_{site_id}"):
                st.markdown(plain(str(by_id.at[site_id, "name"])))
                if st.button("✕", key=f"shortlist_remove_{site_id}",
                             help=t("investor.shortlist.remove_site", lang, name=str(by_id.at[site_id, "name"]))):
                    _toggle(site_id)
        if len(ids) >= MIN_COMPARED:
            with st.container(key="shortlist_compare"):
                static_table(comparison_frame(sites, list(ids), factors, lang, data.tax(), most=len(ids)))
            st.caption(t("investor.shortlist.compare_note", lang))
        try:
            link = public_link(ids, lang, PAGE_PATH)
            qr = qr_png(link, scale=QR_SCALE) if link else None
        except RegionmapError as exc:
            link, qr = None, None
            st.caption(plain(str(exc)))
        pdf_col, link_col = st.columns([1, 1], gap="medium")
        with pdf_col:
            _pdf_download(store, sites, ids, lang, link)
        with link_col, st.container(key="shortlist_link"):
            if link is None:
                st.caption(t("investor.shortlist.no_public_url", lang))
            else:
                st.image(qr, caption=t("investor.shortlist.qr_caption", lang), width=QR_WIDTH,
                         alt=t("investor.shortlist.qr_alt", lang))
                st.markdown(f"**{t('investor.shortlist.link_label', lang)}**")
                st.code(link, language=None, wrap_lines=True)
        with st.container(key="shortlist_enquiry"):
            render_enquiry(lang, ids)


def _pdf_download(store: StoreData, sites: gpd.GeoDataFrame, ids: tuple[str, ...], lang: str,
                  link: str | None) -> None:
    """The combined PDF in the visitor's language, rendered only when the button is pressed."""
    from regionmap.investor.expose.bundle import render_shortlist, shortlist_filename

    by_id = sites.drop_duplicates("id").set_index("id", drop=False)
    rows = [by_id.loc[site_id] for site_id in ids]
    st.download_button(t("investor.shortlist.pdf", lang),
                       data=lambda: render_shortlist(rows, expose_context(store), lang, link),
                       file_name=shortlist_filename(lang, dt.date.today()), mime="application/pdf",
                       on_click="ignore", key="shortlist_pdf", icon=":material/download:")
