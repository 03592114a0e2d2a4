"""Deutsche Bahn station data ("Haltestellen"): `;`-separated, decimal comma."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from regionmap.data.sources.tabular import SourceTable, check_ids, parse_coordinates, read_records, require_columns
from regionmap.spatial import points_from_lonlat

REQUIRED = ["EVA_NR", "NAME", "Laenge", "Breite"]
OPTIONAL = {"DS100": "ds100", "Verkehr": "traffic", "Betreiber_Name": "operator"}
TRAFFIC = ("FV", "RV", "nur DPN")  # long-distance, regional, only non-DB regional operators
COLUMNS = ["eva_nr", "ds100", "name", "traffic", "operator"]


def read_stations(path: Path, source_id: str = "db_stations") -> SourceTable:
    """Stations as WGS84 points: `eva_nr`, `ds100`, `name`, `traffic`, `operator`.

    Vintages without a `Verkehr` column give unknown (null) traffic; values other than FV, RV, "nur DPN" are null too.
    """
    frame = read_records(path, source_id, delimiter=None)
    optional = [c for c in OPTIONAL if c.lower() in {str(f).lower() for f in frame.columns}]
    frame = require_columns(frame, [*REQUIRED, *optional], source_id, path)
    check_ids(frame, "EVA_NR", source_id, path)
    frame = parse_coordinates(frame, "Laenge", "Breite", source_id, path, decimal_comma=True)
    out = pd.DataFrame({"eva_nr": frame["EVA_NR"].str.strip(), "name": frame["NAME"]}, index=frame.index)
    for column, target in OPTIONAL.items():
        out[target] = frame[column] if column in frame.columns else None
    out["traffic"] = out["traffic"].where(out["traffic"].isin(TRAFFIC), None)
    out[["lon", "lat"]] = frame[["lon", "lat"]]
    return SourceTable(points_from_lonlat(out[[*COLUMNS, "lon", "lat"]]).drop(columns=["lon", "lat"]), len(frame))
