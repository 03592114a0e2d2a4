"""Enquiries (Anfragen): the leads routed to the signed-in person's organisation (the region's office and admins: all
of them), loaded on request (each load is an access in the history), the interest figures per site and month, and for
the region's office and admins the deletion of a visitor's enquiries on request. Visitors' text is shown in tables,
as text."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from regionmap.i18n import format_date, t, tn
from regionmap.leads.enquiry import LeadError
from regionmap.leads.repository import Lead, Leads
from regionmap.editing.roles import PermissionDenied
from regionmap.ui.maintenance_common import Context, flash, refusal_text
from regionmap.ui.tables import static_table
from regionmap.ui.text import plain

LOADED = "mt_leads"


def leads_frame(leads: list[Lead], names: dict[str, str], lang: str) -> pd.DataFrame:
    """One row per lead: received, name, company, e-mail, message, language, its sites by name."""
    rows = [(format_date(lead.created_at[:10], lang), lead.name, lead.company, lead.email, lead.message,
             lead.language, ", ".join(dict.fromkeys(names.get(s.site_id, s.site_id) for s in lead.sites)))
            for lead in leads]
    columns = ("received", "name", "company", "email", "message", "language", "sites")
    return pd.DataFrame(rows, columns=[t(f"leads.column.{c}", lang) for c in columns])


def interest_frame(interest: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    """The interest per site and month with the sites' names and the months in the page's language."""
    frame = pd.DataFrame({"site": [names.get(i, i) for i in interest["site_id"]], "site_id": interest["site_id"],
                          "month": [format_date(m, lang) for m in interest["month"]],
                          "shortlisted": interest["shortlisted"], "enquired": interest["enquired"]})
    return frame.rename(columns=lambda c: t(f"leads.column.{c}", lang))


def _load(ctx: Context, leads: Leads) -> None:
    """The button's callback: read the leads (an access in the history) and keep them for this session's page."""
    try:
        st.session_state[LOADED] = (ctx.identity.email, leads.leads_for(ctx.identity))
    except PermissionDenied as refusal:
        flash("error", refusal_text(refusal, ctx.lang))


def _erase(ctx: Context, leads: Leads) -> None:
    """The erasure form's callback: delete the visitor's enquiries (the library checks the role), then reload."""
    state = st.session_state
    if not state.get("mt_leads_erase_sure"):
        flash("error", t("leads.erase.unconfirmed", ctx.lang))
        return
    try:
        count = leads.delete_by_email(ctx.identity, str(state.get("mt_leads_erase_email") or ""))
    except PermissionDenied as refusal:
        flash("error", refusal_text(refusal, ctx.lang))
        return
    except LeadError:
        flash("error", t("leads.error.email_invalid", ctx.lang))
        return
    flash("success", tn("leads.erase.done", count, ctx.lang))
    state.pop(LOADED, None)  # the shown table held them


def _erasure(ctx: Context, leads: Leads) -> None:
    """A visitor's request to delete their data (GDPR Art. 17): every enquiry sent with one e-mail address."""
    lang = ctx.lang
    st.subheader(t("leads.erase.heading", lang))
    st.caption(t("leads.erase.intro", lang))
    with st.form("mt_leads_erase", clear_on_submit=True):
        st.text_input(t("leads.column.email", lang), key="mt_leads_erase_email", max_chars=254)
        st.checkbox(t("leads.erase.sure", lang), key="mt_leads_erase_sure")
        st.form_submit_button(t("leads.erase.button", lang), on_click=_erase, args=(ctx, leads))


def render(ctx: Context) -> None:
    lang = ctx.lang
    leads = Leads(ctx.edits)
    retention = tn("leads.retention", leads.settings.retention_months, lang)
    sees_all = ctx.grant.is_admin or ctx.grant.organisation == leads.settings.region_office
    st.caption(plain(t("leads.tab.intro_all", lang, retention=retention) if sees_all else
                     t("leads.tab.intro", lang, organisation=ctx.grant.organisation, retention=retention)))
    sites = ctx.data.layers["sites"]
    names = {str(i): str(n) for i, n in zip(sites["id"], sites["name"])}
    loaded = st.session_state.get(LOADED)
    mine = loaded[1] if loaded and loaded[0] == ctx.identity.email else None
    st.button(t("leads.tab.refresh" if mine is not None else "leads.tab.show", lang), key="mt_leads_load",
              on_click=_load, args=(ctx, leads))
    if mine is not None:
        if mine:
            with st.container(key="mt_leads_table"):  # wrapping cells: every message readable in full
                static_table(leads_frame(mine, names, lang))
        else:
            st.caption(t("leads.tab.none", lang))
    st.subheader(t("leads.tab.interest_heading", lang))
    st.caption(t("leads.tab.interest_intro", lang))
    interest = leads.interest(ctx.identity)
    if interest.empty:
        st.caption(t("leads.tab.interest_none", lang))
    else:
        st.dataframe(interest_frame(interest, names, lang), hide_index=True, width="stretch")
    if sees_all:
        _erasure(ctx, leads)
