"""The data page's freshness section: per layer, how many records are confirmed, due and overdue (a chart with its
table), and the yearly monitoring report (XLSX, PDF) as downloads built when pressed."""

from __future__ import annotations

import datetime as dt

import altair as alt
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


def counts_chart(table: pd.DataFrame, lang: str) -> alt.Chart:
    """Stacked horizontal bars, one per layer in the registry's order, with whole layer names (no cut labels)."""
    settings = freshness_settings()
    states = list(table.columns)
    long = table.reset_index(names="layer").melt(id_vars="layer", var_name="state", value_name="count")
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("count:Q", stack=True, title=t("freshness.page.count", lang)),
        y=alt.Y("layer:N", sort=list(table.index), title=None, axis=alt.Axis(labelLimit=0)),
        color=alt.Color("state:N", sort=states, title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=states, range=[settings.colour(state) for state in STATES])),
        order=alt.Order("state_order:Q"),
        tooltip=[alt.Tooltip("layer:N", title=t("freshness.page.layer", lang)),
                 alt.Tooltip("state:N", title=t("freshness.page.state", lang)),
                 alt.Tooltip("count:Q", title=t("freshness.page.count", lang))],
    ).transform_calculate(state_order=f"indexof({states!r}, datum.state)")


def render(store: StoreData, lang: str) -> None:
    today = dt.date.today()
    st.subheader(t("freshness.page.heading", lang))
    st.caption(t("freshness.page.caption", lang, date=format_date(today.isoformat(), lang)))
    table = counts_table(_counts(store.cache_key, today.isoformat(), store), lang)
    st.altair_chart(counts_chart(table, lang), width="stretch")
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
