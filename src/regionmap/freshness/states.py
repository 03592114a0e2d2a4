"""A record's freshness: when it was last confirmed, and whether it is confirmed, due or overdue on a given day.

A record's confirmation date is its `confirmed_on` (set when its partner publishes or confirms it), else, for a record
no partner ever confirmed, its `as_of` (a month `YYYY-MM` counts from its first day). Its limit is that date plus its
layer's `max_age_months` (data/layers.toml). On day `d` it is `overdue` when `d` lies after the limit, `due` in the
last `due_window_days` (data/freshness.toml) up to and including the limit, else `confirmed`.
"""

from __future__ import annotations

import calendar
import re
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from regionmap import i18n
from regionmap.config import data_dir, load_toml
from regionmap.editing.records import editable_layers
from regionmap.editing.roles import EDITOR, Grant
from regionmap.errors import ConfigError
from regionmap.taxonomy import Taxonomy

CONFIRMED, DUE, OVERDUE = "confirmed", "due", "overdue"
STATES = (CONFIRMED, DUE, OVERDUE)
NO_ORGANISATION = ""  # a record no editor's area covers: listed under this organisation so it cannot hide
DUE_COLUMNS = ("organisation", "layer", "id", "name", "kreis_ags", "kreis", "municipality", "state", "confirmed_on",
               "confirmed_by", "due_on", "notice")


@dataclass(frozen=True)
class FreshnessSettings:
    """data/freshness.toml: how many days before its limit a record becomes due."""

    due_window_days: int = 30
    colours: tuple[tuple[str, str], ...] = ((CONFIRMED, "#2e7d32"), (DUE, "#ad6800"), (OVERDUE, "#c62828"))

    def colour(self, state: str) -> str:
        return dict(self.colours)[state]


def load_freshness_settings(path: Path | None = None) -> FreshnessSettings:
    path = path or data_dir() / "freshness.toml"
    raw = load_toml(path)
    unknown = sorted(set(raw) - {"due_window_days", "colours"})
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}")
    days = raw.get("due_window_days", FreshnessSettings.due_window_days)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
        raise ConfigError(f"{path}: 'due_window_days' must be a whole number of days from 0 to 366, got {days!r}")
    colours = {**dict(FreshnessSettings.colours), **raw.get("colours", {})}
    if set(colours) != set(STATES) or not all(re.fullmatch(r"#[0-9a-fA-F]{6}", str(c)) for c in colours.values()):
        raise ConfigError(f"{path}: 'colours' must give a #rrggbb colour to each of {', '.join(STATES)}")
    return FreshnessSettings(due_window_days=days, colours=tuple((state, str(colours[state])) for state in STATES))


@lru_cache(maxsize=1)
def freshness_settings() -> FreshnessSettings:
    """The configured settings (cached)."""
    return load_freshness_settings()


def parse_day(value: object) -> dt.date | None:
    """An ISO day (`YYYY-MM-DD`, the date part of a timestamp) or month (`YYYY-MM`: its first day); None when empty
    or not a date."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()
    try:
        if len(text) == 7:
            return dt.date.fromisoformat(f"{text}-01")
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def confirmation_date(confirmed_on: object, as_of: object) -> dt.date | None:
    """When a record was last confirmed: `confirmed_on`, else (never confirmed by a partner) its `as_of`."""
    return parse_day(confirmed_on) or parse_day(as_of)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` `months` calendar months later (the month's last day when it is shorter: 31 Aug + 6 = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def state_on(confirmed: dt.date | None, max_age_months: int, day: dt.date,
             settings: FreshnessSettings | None = None) -> str:
    """The state on `day` of a record confirmed on `confirmed` (None: never, so overdue)."""
    if confirmed is None:
        return OVERDUE
    limit = add_months(confirmed, max_age_months)
    if day > limit:
        return OVERDUE
    window = (settings or freshness_settings()).due_window_days
    return DUE if day > limit - dt.timedelta(days=window) else CONFIRMED


def max_ages(tax: Taxonomy | None = None) -> dict[str, int]:
    """The maximum age in months of every editable layer, by layer id."""
    return {layer.id: layer.editing.max_age_months for layer in editable_layers(tax) if layer.editing}


def with_states(records: pd.DataFrame, day: dt.date, *, ages: Mapping[str, int] | None = None,
                settings: FreshnessSettings | None = None) -> pd.DataFrame:
    """`records` (columns `layer`, `confirmed_on`, `as_of`; other columns kept) with `confirmation` (the date),
    `due_on` (the day the maximum age is reached) and `state` on `day`. Withdrawn records (`status`) are left out."""
    ages = dict(ages or max_ages())
    settings = settings or freshness_settings()
    out = records
    if "status" in out.columns:
        out = out[out["status"] != "withdrawn"]
    out = out.copy()
    confirmed = [confirmation_date(c, a) for c, a in zip(out["confirmed_on"], out["as_of"])]
    months = [ages[layer] for layer in out["layer"]]
    out["confirmation"] = confirmed
    out["due_on"] = [add_months(c, m) if c else None for c, m in zip(confirmed, months)]
    out["state"] = [state_on(c, m, day, settings) for c, m in zip(confirmed, months)]
    return out.reset_index(drop=True)


def layer_counts(states: pd.DataFrame, layers: Iterable[str] | None = None) -> pd.DataFrame:
    """The data page's chart: one row per layer and state (`layer`, `state`, `count`), zeros included, layers in
    registry order, states confirmed, due, overdue."""
    order = list(layers) if layers is not None else list(max_ages())
    counts = states.groupby(["layer", "state"]).size()
    rows = [(layer, state, int(counts.get((layer, state), 0))) for layer in order for state in STATES]
    return pd.DataFrame(rows, columns=["layer", "state", "count"])


def _specificity(grant: Grant, kreis_ags: str, ags: str) -> int:
    """How closely a grant's area fits a place: 3 the municipality, 2 its Kreis, 1 the whole region, 0 not at all."""
    if ags in grant.municipalities:
        return 3
    if kreis_ags in grant.kreise:
        return 2
    return 1 if grant.whole_region else 0


def responsible(layer: str, kreis_ags: str, ags: str, organisation: str, grants: Iterable[Grant]) -> list[str]:
    """Who answers for a record: the organisation of its published record; for an official record the
    organisations of the editors whose grant covers its layer and place, the closest fit only (a municipality's
    editors before its Kreis's, those before region-wide ones); NO_ORGANISATION when none does."""
    if organisation:
        return [organisation]
    fits = [(_specificity(g, kreis_ags, ags), g.organisation) for g in grants
            if g.role == EDITOR and g.may_edit_layer(layer)]
    best = max((score for score, _ in fits), default=0)
    if best == 0:
        return [NO_ORGANISATION]
    return sorted({name for score, name in fits if score == best})


def due_list(states: pd.DataFrame, grants: Iterable[Grant], lang: str = "de") -> pd.DataFrame:
    """The records due or overdue, one row per responsible organisation and record (`DUE_COLUMNS`), by organisation,
    layer, due date and id; `notice` says in `lang` since or until when (`freshness.overdue_since`, `due_until`)."""
    grants = list(grants)
    rows = []
    for record in states[states["state"].isin([DUE, OVERDUE])].to_dict("records"):
        owner = str(record.get("organisation") or "")
        for organisation in responsible(record["layer"], str(record["kreis_ags"]), str(record["ags"]), owner, grants):
            rows.append({**{c: record.get(c) for c in DUE_COLUMNS}, "organisation": organisation,
                         "confirmed_on": _iso(record["confirmation"]), "due_on": _iso(record["due_on"]),
                         "notice": notice(record["state"], record["confirmation"], record["due_on"], lang)})
    frame = pd.DataFrame(rows, columns=list(DUE_COLUMNS))
    return frame.sort_values(["organisation", "layer", "due_on", "id"], kind="stable").reset_index(drop=True)


def notice(state: str, confirmed: dt.date | None, due_on: dt.date | None, lang: str = "de") -> str:
    """The marker text of a record's state: "nicht bestätigt seit <date>" when overdue, "zu bestätigen bis <date>"
    when due, "" when confirmed."""
    if state == OVERDUE:
        if confirmed is None:
            return i18n.t("freshness.never_confirmed", lang)
        return i18n.t("freshness.overdue_since", lang, date=i18n.format_date(confirmed.isoformat(), lang))
    if state == DUE and due_on is not None:
        return i18n.t("freshness.due_until", lang, date=i18n.format_date(due_on.isoformat(), lang))
    return ""


def overdue(records: pd.DataFrame, layer: str, day: dt.date | None = None) -> pd.Series:
    """Which records of `layer` (a frame of the store's layer) are past its maximum age on `day` (default today):
    the map draws them hollow. All false for a layer partners do not maintain."""
    months = max_ages().get(layer)
    if months is None or records.empty:
        return pd.Series(False, index=records.index, dtype=bool)
    day = day or dt.date.today()
    confirmed_on = records["confirmed_on"] if "confirmed_on" in records.columns else pd.Series(None, index=records.index)
    as_of = records["as_of"] if "as_of" in records.columns else pd.Series(None, index=records.index)
    return pd.Series([state_on(confirmation_date(c, a), months, day) == OVERDUE for c, a in zip(confirmed_on, as_of)],
                     index=records.index, dtype=bool)


def freshness_cells(records: pd.DataFrame, layer: str, day: dt.date | None = None, lang: str = "de") -> list[str] | None:
    """The tables' freshness column of `records` of `layer` on `day` (default today): each record's notice
    ("nicht bestätigt seit …", "zu bestätigen bis …") or "bestätigt"; None for a layer partners do not maintain."""
    months = max_ages().get(layer)
    if months is None:
        return None
    day = day or dt.date.today()
    empty = pd.Series(None, index=records.index, dtype=object)
    cells = []
    for c, a in zip(records.get("confirmed_on", empty), records.get("as_of", empty)):
        confirmed = confirmation_date(c, a)
        state = state_on(confirmed, months, day)
        cells.append(notice(state, confirmed, add_months(confirmed, months) if confirmed else None, lang)
                     or i18n.t(f"freshness.state.{state}", lang))
    return cells


def record_notice(record: Mapping[str, object], day: dt.date | None = None, lang: str = "de") -> str:
    """The freshness notice of one record of an editable layer on `day` (default today): "nicht bestätigt seit …"
    or "zu bestätigen bis …", "" when it is confirmed within its layer's maximum age or its layer is not edited."""
    months = max_ages().get(str(record.get("layer", "")))
    if months is None:
        return ""
    confirmed = confirmation_date(record.get("confirmed_on"), record.get("as_of"))
    state = state_on(confirmed, months, day or dt.date.today())
    return notice(state, confirmed, add_months(confirmed, months) if confirmed else None, lang)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""
