"""An uploaded file as curated records, so `regionmap validate PATH --layer sites` checks any accepted format.

Table cells become the record's text values; a vector file's points give `lon`/`lat` in WGS84 degrees. Row numbers
are those a person sees (header = row 1; features counted from 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from regionmap.data.check_messages import CheckMessage
from regionmap.data.curated import MISSING_ID, CuratedTable, Problem, Record, Schema
from regionmap.uploads.formats import ROW, cell_value, read_raw
from regionmap.uploads.problems import UploadError, UploadProblem
from regionmap.uploads.settings import UploadSettings, settings as default_settings

COORDINATE_DECIMALS = 7


def _text(value: object) -> str:
    value = cell_value(value)
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value).strip()


def _problem(p: UploadProblem) -> Problem:
    return Problem(p.file, p.row, MISSING_ID, p.field or MISSING_ID,
                   CheckMessage(p.code, texts="upload.problem", **dict(p.params)))


@dataclass(frozen=True)
class FileRecords:
    """A file's rows as text records (`lon`/`lat` from a vector file's points), its columns, and what reading found."""

    columns: tuple[str, ...]
    records: tuple[Record, ...]
    problems: tuple[Problem, ...]
    points: bool  # lon/lat come from the file's geometries


def file_records(name: str, data: bytes, settings: UploadSettings | None = None) -> FileRecords:
    """The rows of an uploaded file (any upload format) as text records; UploadError when it cannot be read."""
    raw = read_raw(name, data, settings or default_settings())
    problems = [_problem(p) for p in raw.problems]
    frame = raw.frame
    columns = [c for c in frame.columns if c != ROW and not (raw.is_vector and c == frame.geometry.name)]
    records = []
    if raw.is_vector:
        assert isinstance(frame, gpd.GeoDataFrame)
        if frame.crs is not None:
            frame = frame.to_crs("EPSG:4326")
        for row, geometry, values in zip(frame[ROW], frame.geometry, frame[columns].itertuples(index=False)):
            record = {c: _text(v) for c, v in zip(columns, values)}
            if geometry is None or geometry.geom_type != "Point":
                problems.append(Problem(name, int(row), record.get("id") or MISSING_ID, "geometry",
                                        CheckMessage("not_point")))
            else:
                record["lon"] = f"{geometry.x:.{COORDINATE_DECIMALS}f}"
                record["lat"] = f"{geometry.y:.{COORDINATE_DECIMALS}f}"
            records.append(Record(int(row), record))
    else:
        for row, values in zip(frame[ROW], frame[columns].itertuples(index=False)):
            records.append(Record(int(row), {c: _text(v) for c, v in zip(columns, values)}))
    return FileRecords(tuple(columns), tuple(records), tuple(problems), raw.is_vector)


def upload_table(path: Path, schema: Schema | None, settings: UploadSettings | None = None) -> CuratedTable:
    """The file at `path` (any upload format) as a curated table to check against `schema`."""
    name = str(path)
    try:
        read = file_records(name, path.read_bytes(), settings)
    except UploadError as exc:
        return CuratedTable(path, schema, (), tuple(_problem(p) for p in exc.problems))
    except OSError as exc:
        return CuratedTable(path, schema, (), (Problem(name, None, MISSING_ID, MISSING_ID,
                                                       CheckMessage("cannot_read", reason=str(exc))),))
    problems = list(read.problems)
    if schema is not None:
        present = set(read.columns) | ({"lon", "lat"} if read.points else set())
        problems += [Problem(name, 1, MISSING_ID, f.name, CheckMessage("missing_column"))
                     for f in schema.fields if f.name not in present and not f.may_be_absent]
    return CuratedTable(path, schema, read.records, tuple(problems))
