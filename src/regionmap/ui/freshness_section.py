"""The data page's freshness section: per layer, how many records are confirmed, due and overdue (a chart with its
table), and the yearly monitoring report (XLSX, PDF) as downloads built when pressed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from regionmap.data.store import StoreData
from regionmap.freshness.report import monitoring_report, report_filename
from regionmap.freshness.states import STATES, freshness_settings, layer_counts, with_states
from regionmap.freshness.stock import all_records
from regionmap.i18n import format_date, t
from regionmap.ui import data
from regionmap.ui.tables import static_table

FIRST_YEAR = 2026  # the first year with a history of partners' changes


@data.per_store_version
@st.cache_data(show_spinner=False, max_entries=4)
def _counts(cache_key: str, day: str, _store: StoreData) -> pd.DataFrame:
    records = all_records(_store.backend.edits())
    return layer_counts(with_states(records, dt.date.fromisoformat(day)))


@data.per_store_version
@st.cache_data(show_spinner=False, max_entries=6)
def _report(cache_key: str, year: int, lang: str, _store: StoreData) -> dict[str, bytes]:
    return monitoring_report(_store.backend, year, lang)


def counts_table(counts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Layers as rows, the states as columns, with their labels in `lang`."""
    tax = data.tax()
    table = counts.pivot(index="layer", columns="state", values="count").reindex(
        index=list(dict.fromkeys(counts["layer"])), columns=list(STATES))
    table.index = [tax.layer(layer).label(lang) for layer in table.index]
    table.columns = [t(f"freshness.state.{state}", lang) for state in STATES]
    return table.rename_axis(t("freshness.page.layer", lang))


def render(store: StoreData, lang: str) -> None:
    today = dt.date.today()
    st.subheader(t("freshness.page.heading", lang))
    st.caption(t("freshness.page.caption", lang, date=format_date(today.isoformat(), lang)))
    table = counts_table(_counts(store.cache_key, today.isoformat(), store), lang)
    settings = freshness_settings()
    st.bar_chart(table, horizontal=True, stack=True, color=[settings.colour(state) for state in STATES],
                 x_label=t("freshness.page.count", lang), y_label="")
    static_table(table.reset_index())  # the chart's values as text

    st.subheader(t("freshness.page.monitoring_heading", lang))
    st.caption(t("freshness.page.monitoring_caption", lang))
    year = st.selectbox(t("freshness.page.year", lang), list(range(today.year, FIRST_YEAR - 1, -1)),
                        key="rm_monitoring_year")
    for column, suffix, mime in zip(st.columns(2), ("xlsx", "pdf"),
                                    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                     "application/pdf")):
        name = report_filename(year, lang, suffix)
        column.download_button(t(f"freshness.page.{suffix}", lang, year=year),
                               data=lambda name=name: _report(store.cache_key, year, lang, store)[name],
                               file_name=name, mime=mime, key=f"rm_monitoring_{suffix}", on_click="ignore",
                               width="stretch")
