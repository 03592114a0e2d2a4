"""Published partner records on the store's layers: what every reader of the store (the app, the exposé, the OGC API)
sees, on both backends alike.

The store's layer tables hold the official build; the partners' records live in the editing tables
(`regionmap.editing.repository`) and survive every rebuild. Reading a layer replaces each record a partner has
published by the partner's version, adds the partners' new records and drops the withdrawn ones, then recounts the
municipalities' `n_<layer>` columns. The rows come out in the build's form (`regionmap.data.thematic.layer_frame`):
the same columns, types and order (by id).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from regionmap.data.curated import CuratedTable, Record, table_frame
from regionmap.data.record_texts import load_record_texts
from regionmap.data.thematic import layer_frame
from regionmap.editing.records import schema_of
from regionmap.editing.repository import PublishedRecord
from regionmap.spatial import points_from_lonlat
from regionmap.taxonomy import taxonomy

Bounds = tuple[float, float, float, float]
PUBLISHED = "published"


def partner_rows(layer_id: str, records: Sequence[PublishedRecord]) -> gpd.GeoDataFrame:
    """Published records as store rows of their layer, placed where the publication placed them."""
    tax = taxonomy()
    table = CuratedTable(Path("partner records"), schema_of(layer_id, tax),
                         tuple(Record(line, r.values) for line, r in enumerate(records, start=2)))
    frame = load_record_texts().expand(table_frame(table, tax.sector_ids))
    points = points_from_lonlat(frame).drop(columns=["lon", "lat"])
    points = points.assign(ags=[r.place.ags for r in records], municipality=[r.place.municipality for r in records],
                           kreis_ags=[r.place.kreis_ags for r in records], kreis=[r.place.kreis for r in records])
    for column in ("confirmed_by", "confirmed_on"):
        points[column] = [getattr(r, column) or None for r in records]
    return layer_frame(points, tax.layer(layer_id))


def _shown(record: PublishedRecord, bbox: Bounds | None, ags: str | None, kreis: str | None) -> bool:
    if record.status != PUBLISHED:
        return False
    if ags is not None and record.place.ags != ags:
        return False
    if kreis is not None and record.place.kreis_ags != kreis:
        return False
    if bbox is not None:
        west, south, east, north = bbox
        lon, lat = float(record.values["lon"]), float(record.values["lat"])
        return west <= lon <= east and south <= lat <= north
    return True


def overlaid(layer_id: str, built: gpd.GeoDataFrame, published: Sequence[PublishedRecord], *,
             bbox: Bounds | None = None, ags: str | None = None, kreis: str | None = None,
             derive: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame] | None = None) -> gpd.GeoDataFrame:
    """Layer `layer_id` as read from the build (filtered by `bbox`/`ags`/`kreis`) with the partners' records.
    `derive` adds to the partners' rows the columns the build derives for its own (the sites' location factors)."""
    if not published:
        return built
    kept = built[~built["id"].isin({r.id for r in published})]
    shown = [r for r in published if _shown(r, bbox, ags, kreis)]
    if not shown:
        return kept.reset_index(drop=True)
    rows = partner_rows(layer_id, shown)
    if derive is not None:
        rows = derive(rows)
    rows = rows.reindex(columns=built.columns)
    for column in built.columns:
        if column != "geometry" and built[column].dtype != object and rows[column].notna().all():
            rows[column] = rows[column].astype(built[column].dtype)
    merged = pd.concat([kept, rows], ignore_index=True) if len(kept) else rows
    merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=built.crs or "EPSG:4326")
    return merged.sort_values("id", kind="stable").reset_index(drop=True)


def recounted(gemeinden: gpd.GeoDataFrame, layer_id: str, layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The municipalities with `n_<layer_id>` counted again from the overlaid layer."""
    column = f"n_{layer_id}"
    counts = layer["ags"].value_counts()
    out = gemeinden.copy()
    out[column] = out["ags"].map(counts).fillna(0).astype(gemeinden[column].dtype)
    return out
