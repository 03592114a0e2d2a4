"""Due: the records of the chosen layer in the person's area that are due or overdue for confirmation
(`regionmap.freshness.states`), soonest first, each with "unchanged, confirm" and a selection confirmed at once.
Confirming goes through `Edits.confirm`, which checks the grant for every record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from regionmap.editing.roles import PermissionDenied
from regionmap.freshness.states import DUE, OVERDUE, notice, with_states
from regionmap.freshness.stock import maintained, records_frame
from regionmap.i18n import format_date, format_number, t, tn
from regionmap.ui.maintenance_common import Context, attempt, refusal_text
from regionmap.ui.text import plain

PAGE_SIZE = 25  # records listed at once; the rest on the next pages


def due_records(ctx: Context, day: dt.date) -> pd.DataFrame:
    """The person's records of the layer due or overdue on `day`: overdue first, then by due date and name."""
    records = maintained(ctx.edits.records_for(ctx.identity, ctx.layer.id), ctx.layer.id)
    states = with_states(records_frame(records, ctx.layer.id), day)
    due = states[states["state"].isin([OVERDUE, DUE])].copy()
    due["rank"] = (due["state"] != OVERDUE).astype(int)
    return due.sort_values(["rank", "due_on", "name", "id"], kind="stable").reset_index(drop=True)


def _key(layer: str, record_id: str) -> str:
    return f"mt_due_{layer}_{record_id}"


def _confirm(ctx: Context, record_ids: Sequence[str]) -> None:
    """Confirm the records unchanged; the outcome is the next run's message, the selection is cleared."""
    done = tn("maintenance.due.confirmed", len(record_ids), ctx.lang)
    if attempt(lambda: ctx.edits.confirm(ctx.identity, ctx.layer.id, record_ids), done, ctx.lang):
        for record_id in record_ids:
            st.session_state.pop(_key(ctx.layer.id, record_id), None)


def _select(layer: str, record_ids: Sequence[str]) -> None:
    for record_id in record_ids:
        st.session_state[_key(layer, record_id)] = True


def _line(ctx: Context, record: pd.Series) -> None:
    """One record: a checkbox with its name and place, its notice, and "unchanged, confirm"."""
    lang, layer = ctx.lang, ctx.layer.id
    pick, state, button = st.columns([5, 4, 3], vertical_alignment="center")
    place = " · ".join(str(v) for v in (record["municipality"], record["kreis"]) if v)
    pick.checkbox(plain(f"{record['name'] or record['id']} ({place})"), key=_key(layer, record["id"]))
    label = t(f"freshness.state.{record['state']}", lang)
    state.markdown(plain(f"{label}: {notice(record['state'], record['confirmation'], record['due_on'], lang)}"))
    button.button(t("maintenance.due.confirm_one", lang), key=f"mt_due_one_{layer}_{record['id']}",
                  on_click=_confirm, args=(ctx, [record["id"]]),
                  help=t("maintenance.due.confirm_help", lang, name=record["name"] or record["id"]))


def render(ctx: Context) -> None:
    """The due list of the chosen layer."""
    lang, layer = ctx.lang, ctx.layer.id
    today = dt.date.today()
    try:
        due = due_records(ctx, today)
    except PermissionDenied as refusal:
        st.error(plain(refusal_text(refusal, lang)))
        return
    if due.empty:
        st.success(t("freshness.nothing_due", lang))
        return
    months = ctx.layer.editing.max_age_months if ctx.layer.editing else 0
    st.caption(plain(t("maintenance.due.caption", lang, count=format_number(len(due), lang),
                       months=format_number(months, lang), date=format_date(today.isoformat(), lang))))
    pages = (len(due) - 1) // PAGE_SIZE + 1
    page = 1
    if pages > 1:
        page = int(st.number_input(t("maintenance.due.page", lang, pages=pages), min_value=1, max_value=pages,
                                   value=1, step=1, key=f"mt_due_page_{layer}"))
    shown = due.iloc[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    st.button(t("maintenance.due.select_page", lang), key=f"mt_due_all_{layer}", on_click=_select,
              args=(layer, list(shown["id"])))
    for _, record in shown.iterrows():
        _line(ctx, record)
    chosen = [i for i in due["id"] if st.session_state.get(_key(layer, i))]
    st.button(t("maintenance.due.confirm_selected", lang, count=format_number(len(chosen), lang)),
              key=f"mt_due_selected_{layer}", type="primary", disabled=not chosen, on_click=_confirm,
              args=(ctx, chosen))
