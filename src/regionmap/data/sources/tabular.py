"""Reading delimited text sources with the line number of every record, and checking their columns and coordinates."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from regionmap.errors import SourceError

LINE = "_line"
"""Column holding the 1-based line number where a record starts in its file."""

ENCODINGS = ("utf-8-sig", "cp1252")
"""Encodings tried in order: current distributions are UTF-8, older ones Windows-1252."""


@dataclass(frozen=True)
class SourceTable:
    """A source's normalised rows and the number of data rows in the file."""

    frame: pd.DataFrame
    rows_read: int


def _read_text(path: Path, source_id: str, member: str | None) -> str:
    try:
        if member is None:
            data = path.read_bytes()
        else:
            with zipfile.ZipFile(path) as zf:
                data = zf.read(member)
    except FileNotFoundError as exc:
        raise SourceError(source_id, path, "file not found") from exc
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise SourceError(source_id, path, f"unreadable file: {exc}") from exc
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(source_id, path, f"unreadable file: not text in {' or '.join(ENCODINGS)}")


def read_records(
    path: Path,
    source_id: str,
    *,
    delimiter: str | None = ",",
    names: Sequence[str] | None = None,
    null_values: Iterable[str] = ("",),
    member: str | None = None,
    quoting: int = csv.QUOTE_MINIMAL,
) -> pd.DataFrame:
    """All records of a delimited file as strings (None for null values), plus the line column `_line`.

    With `names` the file has no header and every record must have that many fields; otherwise the first record is
    the header. `delimiter=None` takes the most frequent of `;`, `,` and tab in the first line. `member` reads a file
    inside a zip archive. Blank lines are skipped.
    """
    text = _read_text(path, source_id, member)
    if delimiter is None:
        first_line = text.split("\n", 1)[0]
        delimiter = max((";", ",", "\t"), key=first_line.count)
    nulls = set(null_values)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
    header: list[str] | None = [n for n in names] if names is not None else None
    rows: list[list[str | None]] = []
    lines: list[int] = []
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not record or record == [""]:
                continue
            if header is None:
                header = [field.strip() for field in record]
                continue
            if len(record) != len(header):
                raise SourceError(source_id, path, f"line {line}: {len(record)} fields, expected {len(header)}")
            rows.append([None if value in nulls else value for value in record])
            lines.append(line)
    except csv.Error as exc:
        raise SourceError(source_id, path, f"unreadable file: line {reader.line_num}: {exc}") from exc
    if header is None:
        raise SourceError(source_id, path, "the file is empty")
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame[LINE] = lines
    return frame


def require_columns(frame: pd.DataFrame, columns: Iterable[str], source_id: str, path: Path) -> pd.DataFrame:
    """Check that the columns exist (matched case-insensitively) and rename them to the spelling asked for."""
    by_lower = {str(c).lower(): c for c in frame.columns}
    wanted = list(columns)
    missing = [c for c in wanted if c.lower() not in by_lower]
    if missing:
        found = ", ".join(str(c) for c in frame.columns if c != LINE)
        raise SourceError(source_id, path, f"missing column(s) {', '.join(missing)} (found: {found})")
    return frame.rename(columns={by_lower[c.lower()]: c for c in wanted})


def check_ids(frame: pd.DataFrame, column: str, source_id: str, path: Path, *, unique: bool = True) -> None:
    """Check that an id column has a value in every row (and, if `unique`, no duplicates)."""
    missing = frame[column].isna() | (frame[column].astype("string").str.strip() == "")
    if missing.any():
        raise SourceError(source_id, path, f"line {first_bad(frame, missing)}, field '{column}': value is missing")
    duplicated = frame[column].duplicated()
    if unique and duplicated.any():
        raise SourceError(source_id, path, f"line {first_bad(frame, duplicated)}, field '{column}': duplicate value "
                                           f"'{frame.loc[duplicated, column].iloc[0]}'")


def first_bad(frame: pd.DataFrame, mask: pd.Series) -> int:
    """The file line of the first row where `mask` is true."""
    return int(frame.loc[mask[mask].index[0], LINE])


def parse_numbers(frame: pd.DataFrame, column: str, source_id: str, path: Path, *, decimal_comma: bool = False,
                  required: bool = True) -> pd.Series:
    """A column as floats; a non-numeric value (or a missing one when `required`) names its line and field."""
    raw = frame[column]
    text = raw.astype("string").str.strip()
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = values.isna() & text.notna() & (text != "")
    if bad.any():
        line = first_bad(frame, bad)
        raise SourceError(source_id, path, f"line {line}, field '{column}': '{raw[bad].iloc[0]}' is not a number")
    if required and values.isna().any():
        line = first_bad(frame, values.isna())
        raise SourceError(source_id, path, f"line {line}, field '{column}': value is missing")
    return values


def parse_coordinates(frame: pd.DataFrame, lon: str, lat: str, source_id: str, path: Path, *,
                      decimal_comma: bool = False) -> pd.DataFrame:
    """Add float columns `lon`, `lat` (WGS84 degrees) parsed from `lon`/`lat`, checking that each value is in range."""
    result = {}
    for column, out, limit in ((lon, "lon", 180.0), (lat, "lat", 90.0)):
        values = parse_numbers(frame, column, source_id, path, decimal_comma=decimal_comma)
        outside = values.abs() > limit
        if outside.any():
            line = first_bad(frame, outside)
            raise SourceError(source_id, path, f"line {line}, field '{column}': {values[outside].iloc[0]} is outside "
                                               f"[-{limit:g}, {limit:g}]")
        result[out] = values
    return frame.assign(**result)
