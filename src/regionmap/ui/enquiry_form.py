"""The enquiry form under a visitor's shortlist: name, company, e-mail, message and the consent, sent as a lead to the
organisations holding the sites (`regionmap.leads`). Every check is the library's; the form shows its message beside
the field by name. The session key of the throttle is a random key of this browser session, never stored."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import streamlit as st
from babel.lists import format_list

from regionmap.i18n import format_number, has_text, number_locale, t, tn
from regionmap.leads.consent import recipients
from regionmap.leads.enquiry import LeadError, Throttled
from regionmap.leads.repository import Leads, leads_of
from regionmap.ui.data import store
from regionmap.ui.text import plain

SESSION_KEY = "lead_session"
OUTCOME = "lead_outcome"
FIELDS = ("name", "company", "email", "message")


def _key(name: str) -> str:
    return f"lead_{name}"


def error_text(error: LeadError, lang: str) -> str:
    """The library's refusal in `lang`, naming the field."""
    if isinstance(error, Throttled):
        return tn("leads.form.throttled", error.minutes, lang)
    specific = f"leads.error.{error.field}_{error.reason}"
    if has_text(specific):
        return t(specific, lang, limit=format_number(error.limit, lang))
    if error.field in FIELDS and has_text(f"leads.error.{error.reason}"):
        label = t(f"leads.form.{error.field}", lang)
        return t(f"leads.error.{error.reason}", lang, field=label, limit=format_number(error.limit, lang))
    return str(error)


def _send(leads: Leads, lang: str, site_ids: Sequence[str], shown: str) -> None:
    """The send button's callback: submit, keep the outcome for the run, empty the fields after success."""
    state = st.session_state
    try:
        lead = leads.submit_enquiry(state.setdefault(SESSION_KEY, secrets.token_hex(16)),
                                    **{name: str(state.get(_key(name)) or "") for name in FIELDS}, lang=lang,
                                    site_ids=list(site_ids), consent_given=bool(state.get(_key("consent"))),
                                    consent_shown=shown)
    except LeadError as error:
        state[OUTCOME] = ("warning" if isinstance(error, Throttled) else "error", error_text(error, lang))
        return
    names = format_list(recipients({s.organisation for s in lead.sites}, leads.settings), locale=number_locale(lang))
    state[OUTCOME] = ("success", tn("leads.form.sent", len({s.site_id for s in lead.sites}), lang, recipients=names))
    for name in (*FIELDS, "consent"):
        state.pop(_key(name), None)


def render_enquiry(lang: str, site_ids: Sequence[str]) -> None:
    """The enquiry form about the shortlisted `site_ids` in `lang`, with the consent text for their organisations."""
    leads = leads_of(store(lang).backend)
    routing = leads.route(site_ids)
    st.subheader(t("leads.form.heading", lang))
    kind, text = st.session_state.pop(OUTCOME, (None, ""))
    if kind:
        getattr(st, kind)(plain(text))
    if routing.unknown:
        st.info(tn("leads.form.unknown", len(routing.unknown), lang))
    if not routing.sites:
        st.info(t("leads.form.no_sites", lang))
        return
    settings = leads.settings
    shown = leads.consent_text(lang, routing)
    st.caption(t("leads.form.intro", lang))
    with st.form("lead_form"):
        st.text_input(t("leads.form.name", lang), key=_key("name"), max_chars=settings.limit("name"),
                      autocomplete="name")
        st.text_input(t("leads.form.company", lang), key=_key("company"), max_chars=settings.limit("company"),
                      autocomplete="organization")
        st.text_input(t("leads.form.email", lang), key=_key("email"), max_chars=settings.limit("email"),
                      autocomplete="email")
        st.text_area(t("leads.form.message", lang), key=_key("message"), max_chars=settings.limit("message"))
        st.checkbox(plain(shown), key=_key("consent"))  # organisation names are data: shown as text
        st.form_submit_button(t("leads.form.send", lang), type="primary", on_click=_send,
                              args=(leads, lang, tuple(routing.sites), shown))
