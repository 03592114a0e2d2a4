"""The site finder's explained matching: the weights of the profile's criteria, the sites that miss it with their
reasons ("Autobahnanschluss 7,2 km > 5 km"), and the "as of" date of a historical view. The ranking itself is
`regionmap.investor.matching`; every control lives in the view state and the URL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import streamlit as st

from regionmap.dashboard.details import display_value
from regionmap.dashboard.filters import filter_points
from regionmap.dashboard.urlstate import ViewState
from regionmap.data.store import StoreData
from regionmap.freshness.stock import sites_on
from regionmap.i18n import format_date, format_number, t, tn
from regionmap.investor.comparison import AREA_ROW
from regionmap.investor.factors import LocationFactor
from regionmap.investor.finder import SiteQuery, site_vocabulary
from regionmap.investor.matching import BROADBAND, Match, Miss, matching_settings, scored_criteria
from regionmap.investor.sheet import LAYER
from regionmap.ui import data, view
from regionmap.ui.tables import static_table
from regionmap.ui.text import plain

CODE_CRITERIA = ("category", "availability", "planning_status", "land_use", "sectors")
FLAG_CRITERIA = ("serviced", "rail_siding", "operation_24h")
MAX_LISTED = 50  # near misses listed at most


def criterion_label(criterion: str, factors: Sequence[LocationFactor], lang: str) -> str:
    """A criterion's name: a location factor's label, the area, the broadband, or the column's."""
    by_id = {f.id: f.label(lang) for f in factors}
    if criterion in by_id:
        return by_id[criterion]
    if criterion == AREA_ROW:
        return t("investor.compare.area", lang)
    return t("column.broadband_mbps" if criterion == BROADBAND else f"column.{criterion}", lang)


def _codes(criterion: str, codes: object, lang: str) -> str:
    tax = data.tax()
    items = codes if isinstance(codes, tuple) else str(codes).split(",") if criterion == "sectors" else (codes,)
    if criterion == "availability":
        return ", ".join(site_vocabulary().availability_label(c, lang) for c in items)
    return ", ".join(display_value(criterion, c, LAYER, tax, lang) or str(c) for c in items)


def miss_text(miss: Miss, factors: Sequence[LocationFactor], lang: str) -> str:
    """One reason in the page's language: "Autobahnanschluss 7,2 km > 5 km", "Breitband: keine Angabe"."""
    label = criterion_label(miss.criterion, factors, lang)
    if miss.actual is None:
        return t("investor.match.not_stated", lang, criterion=label)
    if miss.criterion in FLAG_CRITERIA:
        return t("investor.match.flag_no", lang, criterion=label)
    if miss.criterion in CODE_CRITERIA:
        return t("investor.match.codes", lang, criterion=label, actual=_codes(miss.criterion, miss.actual, lang),
                 wanted=_codes(miss.criterion, miss.limit, lang))
    if miss.criterion == AREA_ROW:
        low, high = miss.limit
        if isinstance(miss.actual, str):  # only the size class is known
            return t("investor.match.size_class", lang, criterion=label,
                     actual=site_vocabulary().size_class_label(miss.actual, lang), range=_range(low, high, lang))
        limit, sign = (low, "<") if miss.actual < low else (high, ">")
        return f"{label} {_pair(miss.actual, limit, 'ha', sign, lang)}"
    unit, sign = ("mbps", "<") if miss.criterion == BROADBAND else ("km", ">")
    return f"{label} {_pair(miss.actual, miss.limit, unit, sign, lang)}"


def _pair(actual: float, limit: float, unit: str, sign: str, lang: str) -> str:
    """"7,2 km > 5 km": up to one decimal, none when whole, more when one would show the two as equal
    ("2,94 km > 2,93 km")."""
    for decimals in (1, 2, 3):
        shown = [format_number(v, lang, decimals, trim=True) for v in (actual, limit)]
        if shown[0] != shown[1]:
            break
    return f"{t(f'unit.{unit}', lang, value=shown[0])} {sign} {t(f'unit.{unit}', lang, value=shown[1])}"


def _quantity(value: float, unit: str, lang: str) -> str:
    """A figure: up to one decimal, none when whole ("7,2 km", "5 km")."""
    return t(f"unit.{unit}", lang, value=format_number(value, lang, 1, trim=True))


def _range(low: float, high: float, lang: str) -> str:
    if high == float("inf"):
        return t("investor.match.at_least", lang, value=_quantity(low, "ha", lang))
    return t("sites.range", lang, low=format_number(low, lang, 1, trim=True), high=_quantity(high, "ha", lang))


def weights_control(query: SiteQuery, factors: Sequence[LocationFactor], state: ViewState) -> dict[str, float]:
    """A weight (0..max_weight) per criterion of the profile that has degrees, from and to the view state; the
    configured weights where the user chose none."""
    criteria = scored_criteria(query)
    settings = matching_settings()
    chosen = dict(state.weights)
    if not criteria:
        return {}
    lang = state.lang
    st.caption(t("investor.match.weights_help", lang))
    weights: dict[str, float] = {}
    columns = st.columns(min(len(criteria), 4))
    for i, criterion in enumerate(criteria):
        key = f"finder_weight_{criterion}"
        view.seed_widget(key, int(settings.weight(criterion, chosen)))
        weights[criterion] = columns[i % len(columns)].slider(
            t("investor.match.weight", lang, criterion=criterion_label(criterion, factors, lang)),
            0, settings.max_weight, step=1, key=key)
    default = {c: settings.weight(c) for c in criteria}
    view.update(weights=tuple((c, int(w)) for c, w in weights.items() if w != default[c]))
    return weights


def as_of_control(state: ViewState) -> dt.date | None:
    """The "as of" day of a historical view (None: today's stock), from and to the view state."""
    lang = state.lang
    view.seed_widget("finder_as_of", dt.date.fromisoformat(state.as_of) if state.as_of else None)
    day = st.date_input(t("investor.match.as_of", lang), value=None, key="finder_as_of",
                        max_value=dt.date.today(), min_value=dt.date(2000, 1, 1),
                        format=t("maintenance.form.date_format", lang), help=t("investor.match.as_of_help", lang))
    day = day if isinstance(day, dt.date) and day < dt.date.today() else None
    view.update(as_of=day.isoformat() if day else None)
    return day


def historical_sites(store: StoreData, state: ViewState, day: dt.date) -> gpd.GeoDataFrame:
    """The sites of the view's place and search as they were at the end of `day`, with a notice saying so."""
    backend = store.backend
    sites = sites_on(store[LAYER], backend.read_built(LAYER), backend.edits().history(None, layer=LAYER), day)
    st.info(plain(t("investor.match.as_of_notice", state.lang, date=format_date(day.isoformat(), state.lang))),
            icon=":material/history:")
    return filter_points(sites, kreis=state.kreis, gemeinde=state.gemeinde, q=state.q)


def excluded_list(missed: Sequence[Match], sites: pd.DataFrame, factors: Sequence[LocationFactor],
                  lang: str) -> None:
    """The sites that miss the profile, nearest misses first, each with every reason."""
    if not missed:
        return
    by_id = sites.drop_duplicates("id").set_index("id")
    with st.expander(tn("investor.match.excluded", len(missed), lang)), st.container(key="finder_excluded"):
        rows = [(by_id.at[m.site_id, "name"], by_id.at[m.site_id, "municipality"],
                 "; ".join(miss_text(x, factors, lang) for x in m.misses)) for m in missed[:MAX_LISTED]]
        static_table(pd.DataFrame(rows, columns=[t("column.name", lang), t("column.municipality", lang),
                                                 t("investor.match.reasons", lang)]))
        if len(missed) > MAX_LISTED:
            st.caption(t("investor.match.more", lang, count=format_number(len(missed) - MAX_LISTED, lang)))
