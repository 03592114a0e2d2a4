"""Eurostat GISCO healthcare services: hospital sites (CSV with lat/lon)."""

from __future__ import annotations

from pathlib import Path

from regionmap.data.sources.tabular import SourceTable, check_ids, parse_coordinates, read_records, require_columns
from regionmap.spatial import points_from_lonlat

REQUIRED = ["id", "hospital_name", "site_name", "lat", "lon", "street", "house_number", "postcode", "city"]
COLUMNS = ["id", "name", "site_name", "street", "house_number", "postcode", "city"]


def read_hospitals(path: Path, source_id: str = "gisco_hospitals") -> SourceTable:
    """Hospital sites as WGS84 points: `id`, `name`, `site_name`, `street`, `house_number`, `postcode`, `city`.

    `id` is the register's site id (IK_version_site); the 2020 file repeats some ids with other addresses or names.
    """
    frame = require_columns(read_records(path, source_id), REQUIRED, source_id, path)
    check_ids(frame, "id", source_id, path, unique=False)  # the register repeats a site id for some moved sites
    frame = parse_coordinates(frame, "lon", "lat", source_id, path).rename(columns={"hospital_name": "name"})
    return SourceTable(points_from_lonlat(frame[[*COLUMNS, "lon", "lat"]]).drop(columns=["lon", "lat"]), len(frame))
