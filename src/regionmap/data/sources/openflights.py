"""OpenFlights airports database (extended): no header, `\\N` for null."""

from __future__ import annotations

from pathlib import Path

from regionmap.data.sources.tabular import SourceTable, check_ids, parse_coordinates, parse_numbers, read_records
from regionmap.spatial import points_from_lonlat

NAMES = ["airport_id", "name", "city", "country", "iata", "icao", "lat", "lon", "alt_ft", "tz_offset", "dst", "tz",
         "type", "source"]
COLUMNS = ["id", "name", "city", "iata", "icao", "altitude_ft"]
AIRPORT = "airport"


def read_airports(path: Path, source_id: str = "openflights_airports") -> SourceTable:
    """Rows of type "airport" as WGS84 points: `id`, `name`, `city`, `iata`, `icao`, `altitude_ft`.

    Every row is checked (ids, coordinates, altitude), including the other types, which are then dropped.
    """
    frame = read_records(path, source_id, names=NAMES, null_values=("", "\\N"))
    check_ids(frame, "airport_id", source_id, path)
    frame = parse_coordinates(frame, "lon", "lat", source_id, path).assign(
        id=parse_numbers(frame, "airport_id", source_id, path).astype("int64"),
        altitude_ft=parse_numbers(frame, "alt_ft", source_id, path, required=False).round().astype("Int64"),
    )
    airports = frame[frame["type"].str.strip().str.lower() == AIRPORT]
    return SourceTable(points_from_lonlat(airports[[*COLUMNS, "lon", "lat"]]).drop(columns=["lon", "lat"]), len(frame))
