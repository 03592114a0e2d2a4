"""Admin: the grants (list, add or replace, revoke) and the history with filters, as a table and as CSV and Excel
downloads (text a spreadsheet would evaluate neutralised)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from regionmap.config import region
from regionmap.data.exports import table_csv_bytes, table_excel_bytes
from regionmap.editing.records import editable_layers
from regionmap.editing.repository import HISTORY_COLUMNS
from regionmap.editing.roles import ROLES
from regionmap.i18n import t
from regionmap.ui.maintenance_common import Context, attempt, flash

GRANT_FIELDS = ("email", "role", "organisation", "kreise", "municipalities", "layers")
ANY = ""


def _kreis_names(ctx: Context) -> dict[str, str]:
    kreise = ctx.data.layers["kreise"]
    return {str(a): str(n) for a, n in zip(kreise["ags"], kreise["name"])}


def grants_frame(ctx: Context) -> pd.DataFrame:
    names = _kreis_names(ctx)
    rows = [(g.email, t(f"maintenance.role.{g.role}", ctx.lang), g.organisation,
             ", ".join(names.get(k, k) for k in g.kreise), ", ".join(g.municipalities), ", ".join(g.layers))
            for g in ctx.edits.grants(ctx.identity)]
    return pd.DataFrame(rows, columns=[t(f"maintenance.admin.{c}", ctx.lang) for c in GRANT_FIELDS])


def _set_grant(ctx: Context) -> None:
    state = st.session_state
    municipalities = [a.strip() for a in str(state.get("mt_g_municipalities") or "").split(",") if a.strip()]
    attempt(lambda: ctx.edits.set_grant(ctx.identity, str(state.get("mt_g_email") or ""), str(state.get("mt_g_role")),
                                        str(state.get("mt_g_organisation") or ""),
                                        kreise=state.get("mt_g_kreise") or [], municipalities=municipalities,
                                        layers=state.get("mt_g_layers") or []),
            t("maintenance.admin.granted", ctx.lang, email=str(state.get("mt_g_email") or "")[:254]), ctx.lang)


def _revoke(ctx: Context) -> None:
    email = st.session_state.get("mt_g_revoke")
    if not email:
        flash("error", t("maintenance.admin.choose_email", ctx.lang))
        return
    attempt(lambda: ctx.edits.revoke_grant(ctx.identity, email), t("maintenance.admin.revoked", ctx.lang, email=email),
            ctx.lang)


def _grants(ctx: Context) -> None:
    lang = ctx.lang
    st.subheader(t("maintenance.admin.grants", lang))
    frame = grants_frame(ctx)
    st.dataframe(frame, hide_index=True, width="stretch")
    names = _kreis_names(ctx)
    layers = {layer.id: layer.label(lang) for layer in editable_layers()}
    with st.form("mt_grant_form"):
        st.markdown(t("maintenance.admin.add", lang))
        st.text_input(t("maintenance.admin.email", lang), key="mt_g_email", max_chars=254)
        st.selectbox(t("maintenance.admin.role", lang), ROLES, key="mt_g_role",
                     format_func=lambda r: t(f"maintenance.role.{r}", lang))
        st.text_input(t("maintenance.admin.organisation", lang), key="mt_g_organisation", max_chars=200)
        st.multiselect(t("maintenance.admin.kreise", lang), list(region().kreis_ags), key="mt_g_kreise",
                       format_func=lambda k: f"{names.get(k, k)} ({k})")
        st.text_input(t("maintenance.admin.municipalities", lang), key="mt_g_municipalities",
                      help=t("maintenance.admin.municipalities_help", lang))
        st.multiselect(t("maintenance.admin.layers", lang), list(layers), key="mt_g_layers",
                       format_func=lambda i: layers[i], help=t("maintenance.admin.layers_help", lang))
        st.form_submit_button(t("maintenance.admin.save", lang), on_click=_set_grant, args=(ctx,))
    emails = list(frame.iloc[:, 0]) if len(frame) else []
    st.selectbox(t("maintenance.admin.revoke_whom", lang), emails, index=None, key="mt_g_revoke",
                 placeholder=t("maintenance.form.choose", lang))
    st.button(t("maintenance.admin.revoke", lang), key="mt_g_revoke_button", on_click=_revoke, args=(ctx,))


def _history(ctx: Context) -> None:
    lang = ctx.lang
    st.subheader(t("maintenance.admin.history", lang))
    everything = ctx.edits.history(ctx.identity)
    person, action, layer = st.columns(3)
    chosen_person = person.selectbox(t("maintenance.admin.person", lang), [ANY, *sorted(everything["actor"].unique())],
                                     key="mt_h_person", format_func=lambda v: v or t("maintenance.admin.any", lang))
    chosen_action = action.selectbox(t("maintenance.admin.action", lang),
                                     [ANY, *sorted(everything["action"].unique())], key="mt_h_action",
                                     format_func=lambda v: v or t("maintenance.admin.any", lang))
    chosen_layer = layer.selectbox(t("maintenance.admin.layer", lang), [ANY, *(l.id for l in editable_layers())],
                                   key="mt_h_layer", format_func=lambda v: v or t("maintenance.admin.any", lang))
    record, dates = st.columns(2)
    record_id = record.text_input(t("maintenance.admin.record", lang), key="mt_h_record", max_chars=120).strip()
    period = dates.date_input(t("maintenance.admin.period", lang), value=(), key="mt_h_period",
                              format=t("maintenance.form.date_format", lang))
    since, until = (list(period) + [None, None])[:2] if isinstance(period, (tuple, list)) else (period, None)
    frame = ctx.edits.history(ctx.identity, record_id=record_id or None, layer=chosen_layer or None,
                              action=chosen_action or None, person=chosen_person or None,
                              since=since.isoformat() if isinstance(since, dt.date) else None,
                              until=(until or since).isoformat() if isinstance(since, dt.date) else None)
    frame = frame.rename(columns={c: t(f"maintenance.history.{c}", lang) for c in HISTORY_COLUMNS})
    st.dataframe(frame, hide_index=True, width="stretch")
    csv, excel = st.columns(2)
    csv.download_button(t("maintenance.admin.csv", lang), table_csv_bytes(frame, lang), "regionmap-history.csv",
                        "text/csv", key="mt_h_csv", on_click="ignore")
    excel.download_button(t("maintenance.admin.excel", lang), table_excel_bytes(frame, "history"),
                          "regionmap-history.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="mt_h_excel",
                          on_click="ignore")


def render(ctx: Context) -> None:
    """Grants and the history (admins only: the library refuses everyone else)."""
    _grants(ctx)
    _history(ctx)
