"""Reading an uploaded file into a table of text cells or a GeoDataFrame, with the libraries made for each format.

CSV/TSV: the encodings Excel writes (UTF-8 with or without BOM, Windows-1252), `;`, `,` or tab separated (stdlib
`csv` sniffs, pandas reads); XLSX: openpyxl (cached values only, formulas are never evaluated); GeoJSON, GeoPackage,
zipped shapefiles and KML: pyogrio/GDAL. Size, rows and zip contents are checked before anything is parsed or
extracted; a file whose content is not what its name says is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pyogrio.errors

from regionmap.uploads.problems import UploadProblem, fail, problem
from regionmap.uploads.settings import UploadSettings

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = ";,\t"
ROW = "_row"  # the row a person sees (header = 1) or the feature number
SNIFF_BYTES = 64 * 1024
COPY_CHUNK = 1 << 20
SINGLE_LAYER = ("geojson",)  # formats with exactly one layer: no listing needed


@dataclass
class RawData:
    """What a file holds before coordinates are placed: text cells (tables) or geometries (vector files)."""

    name: str
    format: str
    frame: pd.DataFrame | gpd.GeoDataFrame
    layers: tuple[str, ...] = ()
    layer: str | None = None
    crs_from_file: bool = False
    problems: list[UploadProblem] = field(default_factory=list)

    @property
    def is_vector(self) -> bool:
        return isinstance(self.frame, gpd.GeoDataFrame)


def cell_value(value: object) -> object:
    """A cell as read: dates and times as ISO text (a date at midnight as `YYYY-MM-DD`), the rest unchanged."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def _content_kind(data: bytes) -> str:
    """What the bytes are, whatever the file is called: zip, xlsx, sqlite, json, xml or text (or binary)."""
    head = data[:SNIFF_BYTES]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            return "binary"
        return "xlsx" if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names) else "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if b"\x00" in head:
        return "binary"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"{", b"[")):
        return "json"
    if text.startswith(b"<") and b"<kml" in head.lower():
        return "kml"
    return "text"


EXPECTED_CONTENT = {"csv": {"text"}, "xlsx": {"xlsx"}, "geojson": {"json"}, "gpkg": {"sqlite"},
                    "shapefile_zip": {"zip"}, "kml": {"kml"}}


def detect_format(name: str, data: bytes, settings: UploadSettings) -> str:
    """The format of an upload from its name, checked against its content."""
    suffix = PurePosixPath(name).suffix.lower()
    fmt = settings.formats.get(suffix)
    if fmt is None:
        raise fail("unknown_suffix", name, suffix=suffix or "-", accepted=", ".join(sorted(settings.formats)))
    if len(data) > settings.max_bytes:
        raise fail("too_large", name, size=len(data), limit=settings.max_bytes)
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise fail("empty", name)
    kind = _content_kind(data)
    if kind not in EXPECTED_CONTENT[fmt]:
        raise fail("content_mismatch", name, suffix=suffix, content=kind)
    return fmt


# --- tables --------------------------------------------------------------------------------------------------------

def _decode(name: str, data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise fail("encoding", name)  # unreachable for cp1252 but for its five undefined bytes


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        return max(DELIMITERS, key=header.count)


def _unique_headers(name: str, headers: list[object], problems: list[UploadProblem]) -> list[str]:
    """Header names made unique ("name", "name (2)") and non-empty ("column 3"), each change reported."""
    seen: dict[str, int] = {}
    out = []
    for position, raw in enumerate(headers, start=1):
        header = "" if raw is None else str(raw).strip()
        if not header:
            header = f"column_{position}"
            problems.append(problem("empty_header", name, 1, header, position=position))
        if header in seen:
            seen[header] += 1
            renamed = f"{header} ({seen[header]})"
            problems.append(problem("duplicate_header", name, 1, header, renamed=renamed))
            header = renamed
        else:
            seen[header] = 1
        out.append(header)
    return out


def _check_rows(name: str, rows: int, settings: UploadSettings) -> None:
    if rows == 0:
        raise fail("only_header", name)
    if rows > settings.max_rows:
        raise fail("too_many_rows", name, rows=rows, limit=settings.max_rows)


def _cut_long_cells(name: str, frame: pd.DataFrame, settings: UploadSettings, problems: list[UploadProblem]) -> None:
    """Cut text cells longer than the limit, reporting the first one per column and how many."""
    for column in [c for c in frame.columns if c != ROW]:
        values = frame[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        lengths = values.astype(object).where(values.map(type) == str, "").str.len()
        long = lengths > settings.max_cell_chars
        if long.any():
            first = int(frame.loc[long, ROW].iloc[0])
            problems.append(problem("long_cell", name, first, str(column), count=int(long.sum()),
                                    limit=settings.max_cell_chars))
            frame.loc[long, column] = values[long].map(lambda v: v[:settings.max_cell_chars] + "…")


def read_csv(name: str, data: bytes, settings: UploadSettings) -> RawData:
    """A CSV or TSV file as text cells."""
    text = _decode(name, data)
    delimiter = _delimiter(text)
    problems: list[UploadProblem] = []
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (StopIteration, csv.Error) as exc:
        raise fail("not_a_table", name, reason=str(exc) or "no header") from exc
    columns = _unique_headers(name, header, problems)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, header=None,
                            skiprows=1, names=columns, index_col=False, skip_blank_lines=True,
                            on_bad_lines="error", nrows=settings.max_rows + 1)
    except (pd.errors.ParserError, ValueError) as exc:
        raise fail("not_a_table", name, reason=str(exc).splitlines()[0]) from exc
    _check_rows(name, len(frame), settings)
    frame.insert(0, ROW, range(2, len(frame) + 2))
    _cut_long_cells(name, frame, settings, problems)
    return RawData(name, "csv", frame, problems=problems)


def _check_zip(name: str, data: bytes, settings: UploadSettings) -> zipfile.ZipFile:
    """An archive whose members stay in their folder and whose declared size is within the limit."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    total = 0
    for info in archive.infolist():
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise fail("zip_path", name, member=info.filename)
        total += info.file_size
    if total > settings.max_uncompressed_bytes:
        raise fail("zip_bomb", name, size=total, limit=settings.max_uncompressed_bytes)
    return archive


def read_xlsx(name: str, data: bytes, settings: UploadSettings, sheet: str | None = None) -> RawData:
    """The first (or the named) sheet of a workbook as cells; formulas give their cached values, never run."""
    _check_zip(name, data, settings)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise fail("not_a_table", name, reason=type(exc).__name__) from exc
    sheets = tuple(book.sheetnames)
    chosen = sheet or sheets[0]
    if chosen not in sheets:
        raise fail("unknown_layer", name, layer=chosen, layers=", ".join(sheets))
    rows = book[chosen].iter_rows(values_only=True)
    problems: list[UploadProblem] = []
    header = next(rows, None)
    if header is None:
        raise fail("empty", name)
    columns = _unique_headers(name, list(header), problems)
    records = []
    for values in rows:
        if len(records) > settings.max_rows:
            break
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        records.append([cell_value(v) for v in (list(values) + [None] * len(columns))[:len(columns)]])
    book.close()
    _check_rows(name, len(records), settings)
    frame = pd.DataFrame(records, columns=columns, dtype=object)
    frame.insert(0, ROW, range(2, len(frame) + 2))
    _cut_long_cells(name, frame, settings, problems)
    return RawData(name, "xlsx", frame, layers=sheets, layer=chosen, problems=problems)


# --- vector files --------------------------------------------------------------------------------------------------

def _extract(name: str, archive: zipfile.ZipFile, folder: Path, settings: UploadSettings) -> None:
    """Extract every member, counting the bytes really written (a forged size header cannot pass the limit)."""
    written = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        target = folder / PurePosixPath(info.filename.replace("\\", "/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, target.open("wb") as dst:
            while chunk := src.read(COPY_CHUNK):
                written += len(chunk)
                if written > settings.max_uncompressed_bytes:
                    raise fail("zip_bomb", name, size=written, limit=settings.max_uncompressed_bytes)
                dst.write(chunk)


@contextmanager
def _on_disk(name: str, data: bytes, fmt: str, settings: UploadSettings) -> Iterator[list[Path]]:
    """The upload in a temporary folder that is removed afterwards; yields the dataset files to read."""
    with tempfile.TemporaryDirectory(prefix="regionmap-upload-") as tmp:
        folder = Path(tmp)
        if fmt == "shapefile_zip":
            try:
                archive = _check_zip(name, data, settings)
            except zipfile.BadZipFile as exc:
                raise fail("content_mismatch", name, suffix=".zip", content="binary") from exc
            with archive:
                try:
                    _extract(name, archive, folder, settings)
                except (zipfile.BadZipFile, EOFError) as exc:
                    raise fail("not_readable", name, reason=str(exc)) from exc
            shapes = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".shp"
                            and not any(part.startswith("__MACOSX") for part in p.parts))
            if not shapes:
                raise fail("zip_no_shp", name)
            yield shapes
        else:
            path = folder / f"upload{PurePosixPath(name).suffix.lower()}"
            path.write_bytes(data)
            yield [path]


def _layer_names(name: str, paths: list[Path], fmt: str) -> tuple[tuple[str, ...], dict[str, tuple[Path, str | None]]]:
    """The layers a file offers (shapefiles in a zip count as layers), each with its path and GDAL layer."""
    if fmt in SINGLE_LAYER:
        return (PurePosixPath(name).stem,), {PurePosixPath(name).stem: (paths[0], None)}
    if fmt == "shapefile_zip":
        stems = [p.stem for p in paths]
        where = {(p.stem if stems.count(p.stem) == 1 else f"{p.parent.name}/{p.stem}"): (p, None) for p in paths}
        return tuple(where), where
    try:
        listed = pyogrio.list_layers(paths[0])
    except pyogrio.errors.DataSourceError as exc:
        raise fail("not_readable", name, reason=str(exc).splitlines()[0]) from exc
    layers = tuple(str(layer) for layer, _ in listed)
    if not layers:
        raise fail("empty", name)
    return layers, {layer: (paths[0], layer) for layer in layers}


def read_vector(name: str, data: bytes, fmt: str, settings: UploadSettings, layer: str | None = None) -> RawData:
    """A vector file's features as a GeoDataFrame (CRS as the file states it, or None)."""
    with _on_disk(name, data, fmt, settings) as paths:
        layers, where = _layer_names(name, paths, fmt)
        chosen = layer or layers[0]
        if chosen not in where:
            raise fail("unknown_layer", name, layer=chosen, layers=", ".join(layers))
        path, gdal_layer = where[chosen]
        try:
            frame = pyogrio.read_dataframe(path, layer=gdal_layer, max_features=settings.max_rows + 1)
            if len(frame) > settings.max_rows:
                rows = pyogrio.read_info(path, layer=gdal_layer)["features"]
                raise fail("too_many_rows", name, rows=rows, limit=settings.max_rows)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FeatureError,
                pyogrio.errors.FieldError, pyogrio.errors.GeometryError, pyogrio.errors.CRSError) as exc:
            raise fail("not_readable", name, reason=str(exc).splitlines()[0]) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise fail("no_geometry", name)
    if frame.empty:
        raise fail("only_header", name)
    problems: list[UploadProblem] = []
    renamed = _unique_headers(name, [c for c in frame.columns if c != frame.geometry.name], problems)
    geometry = frame.geometry.name
    frame = frame.rename(columns=dict(zip([c for c in frame.columns if c != geometry], renamed, strict=True)))
    frame.insert(0, ROW, range(1, len(frame) + 1))
    _cut_long_cells(name, frame, settings, problems)
    crs_from_file = frame.crs is not None
    if fmt in ("geojson", "kml") and frame.crs is None:  # both formats are WGS84 by definition
        frame = frame.set_crs("EPSG:4326")
        crs_from_file = True
    return RawData(name, fmt, frame, layers=layers, layer=chosen, crs_from_file=crs_from_file, problems=problems)


def read_raw(name: str, data: bytes, settings: UploadSettings, layer: str | None = None) -> RawData:
    """Any accepted upload as `RawData`."""
    fmt = detect_format(name, data, settings)
    if fmt == "csv":
        return read_csv(name, data, settings)
    if fmt == "xlsx":
        return read_xlsx(name, data, settings, layer)
    return read_vector(name, data, fmt, settings, layer)
