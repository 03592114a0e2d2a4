"""GeoNames postal-code place points (a geocoding fallback): tab-separated, no header, plain or in a zip."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path, PurePosixPath

import pandas as pd

from regionmap.errors import SourceError
from regionmap.data.sources.tabular import LINE, parse_coordinates, parse_numbers, read_records

NAMES = ["country", "postal_code", "place_name", "admin_name1", "admin_code1", "admin_name2", "admin_code2",
         "admin_name3", "admin_code3", "lat", "lon", "accuracy"]


def _member(path: Path, source_id: str) -> str:
    """The data file inside a GeoNames zip: the only `.txt` member other than `readme.txt`."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist()
                     if n.lower().endswith(".txt") and PurePosixPath(n).name.lower() != "readme.txt"]
    except FileNotFoundError as exc:
        raise SourceError(source_id, path, "file not found") from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(source_id, path, f"unreadable file: not a valid zip archive ({exc})") from exc
    if len(names) != 1:
        raise SourceError(source_id, path, f"expected one data .txt file in the archive, found {len(names)}")
    return names[0]


def read_postal_codes(path: Path, source_id: str = "geonames_postalcodes") -> pd.DataFrame:
    """Postal-code places with WGS84 `lon`/`lat` (postal codes stay strings), from `DE.txt` or its zip."""
    member = _member(path, source_id) if path.suffix.lower() == ".zip" else None
    frame = read_records(path, source_id, delimiter="\t", names=NAMES, member=member, quoting=csv.QUOTE_NONE)
    frame = parse_coordinates(frame, "lon", "lat", source_id, path)
    frame["accuracy"] = parse_numbers(frame, "accuracy", source_id, path, required=False).round().astype("Int64")
    return frame.drop(columns=[LINE]).reset_index(drop=True)
