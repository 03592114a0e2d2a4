"""The past from the editing history: a layer's records as they were on a day, and the sites' status changes.

The history (`Edits.history`) has one row per published field change: `action` create / update / withdraw /
confirm, `record_id`, `field`, `before_value`, `after_value`, `at` (UTC). The records as they are now (withdrawn
ones included, `status` "withdrawn") are the starting point; every change after the day is undone, newest first.
A record first created by a partner after the day did not exist yet; a withdrawal after the day had not happened.
A record the history never names is as the official build has it (the baseline). A day counts until its end (UTC).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from regionmap.editing.changesets import CREATE, WITHDRAW

PUBLISHED_ACTIONS = (CREATE, "update", WITHDRAW, "confirm")
"""History actions that change a shown record (the others are drafts, reviews, grants, sign-ins)."""
STATUS_FIELDS = ("availability", "area_ha", "net_area_ha")
"""The site fields whose changes make its status history."""
KEPT = ("id", "layer")
"""Fields a record keeps through its history (a creation logs them, empty before)."""
SITE_COLUMNS = ("id", "name", "category", "kreis_ags", "kreis", "municipality", "availability", "area_ha",
                "net_area_ha", "planning_status", "status_since")


def record_changes(history: pd.DataFrame) -> pd.DataFrame:
    """The history rows that changed a shown record, oldest first (by `seq` when present, else `at`)."""
    rows = history[history["action"].isin(PUBLISHED_ACTIONS) & history["record_id"].notna()]
    return rows.sort_values("seq" if "seq" in rows.columns else "at", kind="stable").reset_index(drop=True)


def _end_of(day: dt.date) -> str:
    """The last `at` of a UTC day, as text that sorts with the history's ISO timestamps."""
    return f"{day.isoformat()}T\uffff"


def _typed(value: object, like: pd.Series) -> object:
    """A history value (text, None for empty) in the type of the column it goes back into (empty text "")."""
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return float("nan") if pd.api.types.is_float_dtype(like) else ""
    if pd.api.types.is_float_dtype(like):
        return float(value)
    if pd.api.types.is_bool_dtype(like):
        return str(value).lower() == "true"
    return str(value)


def present_on(history: pd.DataFrame, record_ids: pd.Series, official: pd.Series, day: dt.date) -> pd.Series:
    """Whether each record was shown at the end of `day`: after its last published change up to then (shown
    unless that was a withdrawal), else when it is an official record (`official` True) that partners had not yet
    created."""
    changes = record_changes(history)
    until = changes[changes["at"] <= _end_of(day)]
    last = until.groupby("record_id")["action"].last()
    shown = []
    for record_id, is_official in zip(record_ids, official):
        action = last.get(record_id)
        shown.append(bool(is_official) if action is None else action != WITHDRAW)
    return pd.Series(shown, index=record_ids.index)


def values_as_of(records: pd.DataFrame, history: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """`records` (one layer, as now) with each column a history row names set back to its value at the end of `day`
    (`ags` also sets `kreis_ags`); every record is kept, shown then or not. The point and place names stay as now."""
    changes = record_changes(history[history["record_id"].isin(records["id"])])
    out = records.copy().reset_index(drop=True)
    index = {record_id: i for i, record_id in enumerate(out["id"])}
    later = changes[changes["at"] > _end_of(day)]
    for row in reversed(list(later.itertuples(index=False))):
        if row.field == "ags" and "kreis_ags" in out.columns and row.before_value:
            out.at[index[row.record_id], "kreis_ags"] = str(row.before_value)[:5]
        if row.field in out.columns and row.field not in KEPT:
            out.at[index[row.record_id], row.field] = _typed(row.before_value, out[row.field])
    return out


def created_ids(history: pd.DataFrame) -> set[str]:
    """The records partners created (the others are the official build's)."""
    changes = record_changes(history)
    return set(changes.loc[changes["action"] == CREATE, "record_id"])


def records_as_of(records: pd.DataFrame, history: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """`records` (one layer, as now: `id`, and `status` "withdrawn" for withdrawn ones, which must be included for
    the past to show them) as they were at the end of `day` (`values_as_of`), without the records not shown then."""
    out = values_as_of(records, history, day)
    official = ~out["id"].isin(created_ids(history))
    return out[present_on(history, out["id"], official, day).to_numpy()].reset_index(drop=True)


def status_changes(history: pd.DataFrame, fields: tuple[str, ...] = STATUS_FIELDS) -> pd.DataFrame:
    """Every change of a site's status fields (availability, areas) with its day: `record_id`, `day`, `action`,
    `field`, `before`, `after` ("" when empty), oldest first; a withdrawal is a row with field "status"."""
    changes = record_changes(history)
    rows = changes[changes["field"].isin(fields) | (changes["action"] == WITHDRAW)]
    frame = pd.DataFrame({"record_id": rows["record_id"], "day": rows["at"].str[:10], "action": rows["action"],
                          "field": rows["field"].where(rows["action"] != WITHDRAW, "status"),
                          "before": rows["before_value"].fillna(""), "after": rows["after_value"].fillna("")})
    frame.loc[rows["action"].to_numpy() == WITHDRAW, "after"] = WITHDRAW
    return frame.drop_duplicates(["record_id", "day", "action", "field"]).reset_index(drop=True)


def sites_as_of(current_sites: pd.DataFrame, history: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The stock of sites at the end of `day` (`records_as_of`), with `status_since`: the day of the last change of
    its availability up to then ("" when the official build's). Columns: `SITE_COLUMNS` the frame has, then the
    others; for the site finder's "as of" date and `regionmap sites --as-of`."""
    stock = records_as_of(current_sites, history, day)
    changes = record_changes(history)
    availability = changes[(changes["field"] == "availability") & (changes["at"] <= _end_of(day))]
    since = availability.groupby("record_id")["at"].last().str[:10]
    stock["status_since"] = [since.get(record_id, "") for record_id in stock["id"]]
    first = [c for c in SITE_COLUMNS if c in stock.columns]
    return stock[first + [c for c in stock.columns if c not in first]]
