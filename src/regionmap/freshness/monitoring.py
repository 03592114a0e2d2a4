"""The yearly site monitoring's figures, from the editing history and the official build (no rendering here).

Per Kreis and for the region, by site type (`category`) and planning status (`planning_status`; "not_stated" when
empty or when the layer has no such column): the available area at the start (end of 31 December of the year before)
and at the end of the year, and the flows of the year, replayed event by event from the history. For each group
`available_end = available_start + added - removed + resized`: `added` is area that entered the available stock (a
new site, a site made available, or one moved into the group), `removed` area that left it (reserved, sold, withdrawn,
otherwise unavailable, or moved out of the group), `resized` the area change of sites that stayed available in the
group. `reserved_ha` and `sold_ha` are the areas of the sites whose availability changed into the reserved and sold
classes (data/monitoring.toml) during the year. The share confirmed is, per layer and Kreis, the share of the records
shown at the end of the year that a partner published or confirmed during it (or whose official `confirmed_on` lies in
it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from regionmap.config import Region, data_dir, load_toml, region
from regionmap.errors import ConfigError
from regionmap.freshness.history import KEPT, created_ids, present_on, record_changes, records_as_of, values_as_of
from regionmap.freshness.states import parse_day
from regionmap.investor.finder import site_vocabulary

REGION = "region"  # the kreis_ags of the region's rows
NOT_STATED = "not_stated"
CLASSES = ("available", "reserved", "sold")
FLOWS = ("available_start_ha", "added_ha", "removed_ha", "resized_ha", "available_end_ha", "reserved_ha", "sold_ha")
GROUP = ("kreis_ags", "category", "planning_status")
CONFIRMING = ("create", "update", "confirm")
INTEREST = ("site_id", "month", "shortlisted", "enquired")


@dataclass(frozen=True)
class MonitoringSettings:
    """data/monitoring.toml: the area column and the availability codes of each class."""

    area: str
    classes: dict[str, tuple[str, ...]]

    def class_of(self, availability: object) -> str:
        return next((name for name, codes in self.classes.items() if availability in codes), "")


def load_monitoring_settings(path: Path | None = None) -> MonitoringSettings:
    path = path or data_dir() / "monitoring.toml"
    raw = load_toml(path)
    unknown = sorted(set(raw) - {"area", *CLASSES})
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}")
    known = {code.id for code in site_vocabulary().availability}
    classes: dict[str, tuple[str, ...]] = {}
    for name in CLASSES:
        codes = raw.get(name, [])
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{path}: '{name}' must be a list of availability codes")
        bad = sorted(set(codes) - known)
        if bad:
            raise ConfigError(f"{path}: {name}: {', '.join(bad)} not among the availability codes of "
                              "data/location_factors.toml")
        classes[name] = tuple(codes)
    seen = [c for codes in classes.values() for c in codes]
    if len(seen) != len(set(seen)):
        raise ConfigError(f"{path}: an availability code belongs to more than one class")
    area = raw.get("area", "area_ha")
    if not isinstance(area, str) or not area:
        raise ConfigError(f"{path}: 'area' must name the sites' area column")
    return MonitoringSettings(area=area, classes=classes)


@lru_cache(maxsize=1)
def monitoring_settings() -> MonitoringSettings:
    return load_monitoring_settings()


@dataclass(frozen=True)
class MonitoringFigures:
    """The report's tables. `areas`: one row per Kreis (and REGION), category and planning status with `FLOWS`;
    `kreise`: the same summed per Kreis (and REGION); `confirmed`: per layer and Kreis (and REGION) the records shown
    at the year's end (`records`), those confirmed in the year (`confirmed`) and the `share`; `sites`: the sites shown
    at the year's end (`id`, `name`, `kreis_ags`, `category`, `availability`, `class`, `area_ha`, `lon`, `lat`), for the
    map; `data_date`: the last change the figures rest on (the build's date, or the last history row of the year);
    `interest`: per site and month of the year how often it was shortlisted and enquired about (`INTEREST`,
    `regionmap.leads`)."""

    year: int
    areas: pd.DataFrame
    kreise: pd.DataFrame
    confirmed: pd.DataFrame
    sites: pd.DataFrame
    data_date: dt.date
    interest: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(INTEREST)))


def _area(value: object) -> float:
    """An area value (a number, or text as in the records and the history) in ha; 0 when not stated."""
    number = value if isinstance(value, (int, float)) else (float(value) if str(value or "").strip() else 0.0)
    return 0.0 if number != number else float(number)


def _state(values: Mapping[str, object], shown: bool, settings: MonitoringSettings) -> tuple:
    """What the monitoring sees of a site: (group, class, area), class "" when it is not shown."""
    group = (str(values.get("kreis_ags") or ""), str(values.get("category") or ""),
             str(values.get("planning_status") or "") or NOT_STATED)
    return group, settings.class_of(values.get("availability")) if shown else "", _area(values.get(settings.area))


def _apply(values: dict[str, object], rows: pd.DataFrame) -> None:
    for row in rows.itertuples(index=False):
        if row.field == "ags" and row.after_value:
            values["kreis_ags"] = str(row.after_value)[:5]
        if row.field in values and row.field not in KEPT:
            values[row.field] = row.after_value or ""


def area_flows(sites: pd.DataFrame, history: pd.DataFrame, year: int,
               settings: MonitoringSettings | None = None) -> pd.DataFrame:
    """The per-group flows of `year` (see the module), one row per (Kreis, category, planning status) that had any
    available, reserved or sold area; `sites` is the sites' records frame, withdrawn ones included."""
    settings = settings or monitoring_settings()
    sites = sites if "planning_status" in sites.columns else sites.assign(planning_status="")
    history = history[history["record_id"].isin(sites["id"])]
    start_day, end_day = dt.date(year - 1, 12, 31), dt.date(year, 12, 31)
    start = values_as_of(sites, history, start_day)
    official = ~start["id"].isin(created_ids(history))
    shown = dict(zip(start["id"], present_on(history, start["id"], official, start_day)))
    values = {row["id"]: row for row in start.to_dict("records")}
    totals: dict[tuple, dict[str, float]] = defaultdict(lambda: dict.fromkeys(FLOWS, 0.0))
    for record_id, row in values.items():
        group, kind, area = _state(row, shown[record_id], settings)
        if kind == "available":
            totals[group]["available_start_ha"] += area
    changes = record_changes(history)
    year_rows = changes[(changes["at"] > f"{start_day.isoformat()}T\uffff") & (changes["at"] <= f"{end_day}T\uffff")]
    keys = ["record_id", "at", "action", year_rows["changeset_id"].fillna(-1)]
    for (record_id, _, action, _), rows in year_rows.groupby(keys, sort=False):
        before = _state(values[record_id], shown[record_id], settings)
        _apply(values[record_id], rows)
        shown[record_id] = action != "withdraw"
        after = _state(values[record_id], shown[record_id], settings)
        _flow(totals, before, after)
    for record_id, row in values.items():
        group, kind, area = _state(row, shown[record_id], settings)
        if kind == "available":
            totals[group]["available_end_ha"] += area
    rows = [dict(zip(GROUP, group), **flows) for group, flows in totals.items()]
    return pd.DataFrame(rows, columns=[*GROUP, *FLOWS]).sort_values(list(GROUP)).reset_index(drop=True)


def _flow(totals: dict[tuple, dict[str, float]], before: tuple, after: tuple) -> None:
    """Book one event of a site: from `before` to `after` (group, class, area)."""
    (group_b, kind_b, area_b), (group_a, kind_a, area_a) = before, after
    if kind_b == kind_a == "available" and group_b == group_a:
        totals[group_a]["resized_ha"] += area_a - area_b
    else:
        if kind_b == "available":
            totals[group_b]["removed_ha"] += area_b
        if kind_a == "available":
            totals[group_a]["added_ha"] += area_a
    for kind in ("reserved", "sold"):
        if kind_a == kind and kind_b != kind:
            totals[group_a][f"{kind}_ha"] += area_a


def with_region(frame: pd.DataFrame, by: Sequence[str], values: Sequence[str], geography: Region) -> pd.DataFrame:
    """`frame` summed by `by` ("kreis_ags" first) plus the region's rows (kreis_ags REGION), Kreise in the region's
    order (every Kreis, zeros when it has no rows), the region last."""
    rest = [c for c in by if c != "kreis_ags"]
    kreise = frame.groupby(list(by), as_index=False)[list(values)].sum()
    whole = frame.groupby(rest, as_index=False)[list(values)].sum() if rest else frame[list(values)].sum().to_frame().T
    whole.insert(0, "kreis_ags", REGION)
    if not rest:
        present = set(kreise["kreis_ags"])
        missing = pd.DataFrame([{"kreis_ags": k, **dict.fromkeys(values, 0.0)} for k in geography.kreis_ags
                                if k not in present])
        kreise = pd.concat([kreise, missing], ignore_index=True) if len(missing) else kreise
    order = {k: i for i, k in enumerate([*geography.kreis_ags, REGION])}
    out = pd.concat([kreise, whole], ignore_index=True)
    out = out.sort_values(["kreis_ags", *rest], key=lambda c: c.map(order) if c.name == "kreis_ags" else c,
                          kind="stable")
    names = {k.ags: k.name for k in geography.kreise}
    out.insert(1, "kreis", out["kreis_ags"].map(names).fillna(""))
    return out.reset_index(drop=True)


def confirmed_share(records: pd.DataFrame, history: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per layer and Kreis: records shown at the end of `year`, those a partner published or confirmed in it (or
    whose official `confirmed_on` lies in it), and their share; `records` of every layer, withdrawn ones included."""
    end_day = dt.date(year, 12, 31)
    rows = []
    changes = record_changes(history)
    in_year = changes[changes["at"].str[:4] == str(year)]
    touched = set(in_year.loc[in_year["action"].isin(CONFIRMING), "record_id"])
    named = set(changes["record_id"])
    for layer, frame in records.groupby("layer", sort=False):
        layer_history = history[history["record_id"].isin(frame["id"])]
        end = values_as_of(frame, layer_history, end_day)
        shown = present_on(layer_history, end["id"], ~end["id"].isin(created_ids(layer_history)), end_day)
        end = end[shown.to_numpy()]
        baseline = [record_id not in named and (parse_day(on) or dt.date.min).year == year
                    for record_id, on in zip(end["id"], end["confirmed_on"])]
        confirmed = end["id"].isin(touched).to_numpy() | pd.Series(baseline, dtype=bool).to_numpy()
        rows.append(pd.DataFrame({"layer": layer, "kreis_ags": end["kreis_ags"].to_numpy(), "records": 1.0,
                                  "confirmed": confirmed.astype(float)}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["layer", "kreis_ags", "records",
                                                                                 "confirmed"])


def monitoring_figures(records: pd.DataFrame, history: pd.DataFrame, year: int, *, built_at: str = "",
                       settings: MonitoringSettings | None = None, geography: Region | None = None,
                       ) -> MonitoringFigures:
    """The report's figures for `year` from `records` (every editable layer's records frame, withdrawn ones
    included; `regionmap.freshness.stock.all_records` plus the sites' own columns) and the history."""
    geography = geography or region()
    sites = records[records["layer"] == "sites"]
    flows = area_flows(sites, history, year, settings)
    areas = with_region(flows, GROUP, FLOWS, geography)
    kreise = with_region(flows, ("kreis_ags",), FLOWS, geography)
    share = confirmed_share(records, history, year)
    confirmed = pd.concat([with_region(part, ("kreis_ags",), ("records", "confirmed"), geography)
                           .assign(layer=layer) for layer, part in share.groupby("layer", sort=False)],
                          ignore_index=True)
    confirmed["share"] = (confirmed["confirmed"] / confirmed["records"]).where(confirmed["records"] > 0)
    confirmed = confirmed[["layer", "kreis_ags", "kreis", "records", "confirmed", "share"]]
    for column in ("records", "confirmed"):
        confirmed[column] = confirmed[column].astype(int)
    settings = settings or monitoring_settings()
    shown = records_as_of(sites, history, dt.date(year, 12, 31))
    stock = pd.DataFrame({"id": shown["id"], "name": shown["name"], "kreis_ags": shown["kreis_ags"],
                          "category": shown["category"], "availability": shown["availability"],
                          "class": [settings.class_of(a) for a in shown["availability"]],
                          "area_ha": [_area(a) for a in shown[settings.area]],
                          "lon": pd.to_numeric(shown["lon"]), "lat": pd.to_numeric(shown["lat"])})
    end = f"{year}-12-31T\uffff"
    last = history.loc[history["at"] <= end, "at"].max() if len(history) else None
    dates = [d for d in (parse_day(built_at), parse_day(last)) if d]
    return MonitoringFigures(year, areas, kreise, confirmed, stock, max(dates) if dates else dt.date(year, 12, 31))
