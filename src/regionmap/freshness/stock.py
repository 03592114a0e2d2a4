"""The records of the editable layers as the editing side holds them, as one frame per layer (reads a store)."""

from __future__ import annotations

import pandas as pd

from regionmap.editing.records import editable_layers, schema_of
from regionmap.editing.repository import CurrentRecord, Edits

RECORD_COLUMNS = ("layer", "id", "status", "revision", "organisation", "confirmed_by", "confirmed_on", "ags",
                  "municipality", "kreis_ags", "kreis")


def records_frame(records: list[CurrentRecord], layer: str) -> pd.DataFrame:
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


def layer_records(edits: Edits, layer: str) -> pd.DataFrame:
    """Every record of `layer` as the dashboard shows it now, withdrawn ones included (`records_frame`)."""
    return records_frame(list(edits.current_records(layer).values()), layer)


def all_records(edits: Edits) -> pd.DataFrame:
    """The records of every editable layer (`layer_records`), with the columns they share."""
    frames = [layer_records(edits, layer.id) for layer in editable_layers()]
    return pd.concat(frames, ignore_index=True, join="inner")
