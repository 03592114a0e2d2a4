"""The maintenance page (Pflege) for a signed-in partner: who is signed in, sign-out, and the page body."""

from __future__ import annotations

import streamlit as st

from regionmap.auth.identity import Identity
from regionmap.dashboard.urlstate import ViewState
from regionmap.i18n import t
from regionmap.ui import data
from regionmap.ui.maintenance_body import render_body
from regionmap.ui.signin import sign_out_button


def render(identity: Identity, state: ViewState) -> None:
    """The page of `identity`: "Angemeldet als <name/email>" and the sign-out button."""
    lang = state.lang
    st.text(t("auth.signed_in_as", lang, who=identity.label))  # no Markdown: the e-mail address stays text
    sign_out_button(lang)
    render_body(identity, lang)


def log_sign_in(kind: str, identity: Identity | None, reason: str) -> None:
    """The sign-in hook: every sign-in and every refused one goes into the editing history."""
    actor = identity.label if identity is not None else "(not signed in)"
    action = "sign_in" if kind == "sign_in" else "refused"
    data.store("de").backend.edits().log(actor, action, f"sign-in: {reason}" if reason else "sign-in")
