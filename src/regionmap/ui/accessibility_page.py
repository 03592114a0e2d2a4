"""The accessibility statement page (Erklärung zur Barrierefreiheit) in the chosen language."""

from __future__ import annotations

import streamlit as st

from regionmap.dashboard.accessibility_statement import load_statement
from regionmap.dashboard.urlstate import ViewState
from regionmap.i18n import format_date, t


def render(state: ViewState) -> None:
    lang = state.lang
    statement = load_statement()
    st.write(t("accessibility.intro", lang))
    st.subheader(t("accessibility.status_heading", lang))
    st.write(t(f"accessibility.status_{statement.status}", lang))
    if statement.gaps:
        st.subheader(t("accessibility.gaps_heading", lang))
        st.markdown("\n".join(f"- {t(f'accessibility.gaps.{gap}', lang)}" for gap in statement.gaps))
        st.write(t("accessibility.alternatives", lang))
    st.subheader(t("accessibility.prepared_heading", lang))
    st.write(t("accessibility.prepared", lang, prepared=format_date(statement.prepared_on, lang),
               reviewed=format_date(statement.reviewed_on, lang),
               method=t(f"accessibility.methods.{statement.method}", lang)))
    st.subheader(t("accessibility.feedback_heading", lang))
    st.write(t("accessibility.feedback", lang, organisation=statement.organisation))
    st.markdown(f"[{statement.email}](mailto:{statement.email})")
    st.subheader(t("accessibility.enforcement_heading", lang))
    st.write(t("accessibility.enforcement", lang))
