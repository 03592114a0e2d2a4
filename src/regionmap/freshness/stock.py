"""The records of the editable layers as the editing side holds them, as one frame per layer (reads a store)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from regionmap.editing.records import editable_layers, schema_of
from regionmap.editing.repository import CurrentRecord, Edits, source_only

RECORD_COLUMNS = ("layer", "id", "status", "revision", "organisation", "confirmed_by", "confirmed_on", "ags",
                  "municipality", "kreis_ags", "kreis")


def records_frame(records: Iterable[CurrentRecord], layer: str) -> pd.DataFrame:
    """Current records (`Edits.current_records`, withdrawn ones included) as a frame: `RECORD_COLUMNS`, then every
    field of the layer's schema as text (`area_ha` "12.5"; "" when empty)."""
    fields = [f.name for f in schema_of(layer).fields if f.name not in RECORD_COLUMNS]
    rows = []
    for record in records:
        place = record.place
        rows.append({"layer": layer, "id": record.id, "status": record.status, "revision": record.revision,
                     "organisation": record.organisation, "confirmed_by": record.confirmed_by,
                     "confirmed_on": record.confirmed_on or record.values.get("confirmed_on", ""),
                     "ags": place.ags if place else "", "municipality": place.municipality if place else "",
                     "kreis_ags": place.kreis_ags if place else "", "kreis": place.kreis if place else "",
                     **{name: record.values.get(name, "") for name in fields}})
    return pd.DataFrame(rows, columns=[*RECORD_COLUMNS, *fields])


def maintained(records: Iterable[CurrentRecord], layer: str) -> list[CurrentRecord]:
    """The records of `layer` that partners maintain: not those of categories only the sources give (mobility's
    stations and airports, `repository.source_only`), whose currency is their source's reference date."""
    schema = schema_of(layer)
    return [r for r in records if not source_only(r, schema)]


def layer_records(edits: Edits, layer: str) -> pd.DataFrame:
    """Every record of `layer` that partners maintain (`maintained`), as the dashboard shows it now, withdrawn ones
    included (`records_frame`)."""
    return records_frame(maintained(edits.current_records(layer).values(), layer), layer)


def all_records(edits: Edits) -> pd.DataFrame:
    """The records of every editable layer (`layer_records`); a column only some layers have is empty (NaN) in the
    others' rows."""
    return pd.concat([layer_records(edits, layer.id) for layer in editable_layers()], ignore_index=True)


def sites_on(current: gpd.GeoDataFrame, built: gpd.GeoDataFrame, history: pd.DataFrame,
             day: dt.date) -> gpd.GeoDataFrame:
    """The sites layer as it was at the end of `day` (`history.sites_as_of`), for the site finder: the shown sites
    (`current`, the store's layer) with the official ones withdrawn since (from `built`, the official build) put
    back, each set back to its values then; the points and distances stay as now."""
    from regionmap.freshness.history import sites_as_of

    withdrawn = built[~built["id"].isin(current["id"])].assign(status="withdrawn")
    records = pd.concat([current.assign(status="shown"), withdrawn], ignore_index=True)
    stock = sites_as_of(gpd.GeoDataFrame(records, geometry="geometry", crs=current.crs), history, day)
    return gpd.GeoDataFrame(stock.drop(columns="status"), geometry="geometry", crs=current.crs)
