"""Curated layer files (`data/geo/curated/*.csv`): their schema, reading, and every record check.

The same checks serve `regionmap validate` and the build (`regionmap.data.thematic`), so both agree on what is valid.
A check never stops at the first problem: it returns every `Problem` with file, row (the line a person sees in an
editor, header = line 1), id and field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from regionmap.config import LANGUAGES
from regionmap.data.check_messages import CheckMessage, raised_message
from regionmap.errors import RegionmapError
from regionmap.data.sources.bkg import KINDS as GEMEINDE_KINDS
from regionmap.data.record_texts import RecordTexts, load_record_texts
from regionmap.spatial import METRIC_CRS, WGS84
from regionmap.taxonomy import CONFIRMATION_FIELDS, CORE_FIELDS, Layer, Taxonomy, taxonomy

MISSING_ID = "-"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
AGS_PATTERN = re.compile(r"^\d{8}$")
DATE_PATTERNS = (re.compile(r"^\d{4}-\d{2}-\d{2}$"), re.compile(r"^\d{4}-\d{2}$"))
EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&*+/=?^_{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                           r"[A-Za-z]{2,63}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()/-]+$")
MAX_EMAIL_CHARS = 254
PHONE_DIGITS = (6, 20)  # the fewest and most digits of a phone number
HTML_PATTERNS = (
    (re.compile(r"<\s*/?\s*[a-zA-Z!?]"), "html_tag"),
    (re.compile(r"javascript\s*:", re.IGNORECASE), "html_javascript"),
    (re.compile(r"\bon[a-z]+\s*=", re.IGNORECASE), "html_handler"),
    (re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);"), "html_entity"),
)
PROJECTIONS = (
    ("EPSG:25832", "UTM zone 32N (EPSG:25832)"),
    ("EPSG:31467", "Gauss-Krüger zone 3 (EPSG:31467)"),
    ("EPSG:31468", "Gauss-Krüger zone 4 (EPSG:31468)"),
)
MAX_LISTED_PROBLEMS = 20


ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    """One problem in one record (row None: the whole file). A warning does not stop a build unless it is strict."""

    file: str
    row: int | None
    id: str
    field: str
    message: str
    severity: str = ERROR

    def format(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        label = "warning: " if self.severity == WARNING else ""
        return f"{where}: {label}id={self.id} field={self.field}: {self.message}"


def errors_of(problems: Sequence[Problem], strict: bool = False) -> list[Problem]:
    """The problems that stop a build: the errors, and with `strict` the warnings too."""
    return [p for p in problems if strict or p.severity == ERROR]


def warnings_of(problems: Sequence[Problem]) -> list[Problem]:
    """The problems that are only warnings."""
    return [p for p in problems if p.severity == WARNING]


class CuratedDataError(RegionmapError):
    """Curated data that does not pass the checks; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        listed = "\n".join(p.format() for p in self.problems[:MAX_LISTED_PROBLEMS])
        more = len(self.problems) - MAX_LISTED_PROBLEMS
        tail = f"\n... and {more} more (run `regionmap validate`)" if more > 0 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the curated data:\n{listed}{tail}")


# --- schema -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """A column of a curated file. `kind` selects the check and the type it is read as."""

    name: str
    kind: str  # text, text_id, id, layer, category, sectors, ags, url, date, float, bool, lon, lat, choice, register_id,
    #            email, phone
    required: bool = True  # the value may not be empty
    choices: tuple[str, ...] = ()
    may_be_absent: bool = False  # the column may be left out of the header
    months: bool = True  # a date may be a month (YYYY-MM) as well as a day
    future: bool = False  # a date may lie after today


@dataclass(frozen=True)
class Schema:
    """The columns of one kind of curated file. `key` names the column that identifies a record."""

    name: str
    fields: tuple[Field, ...]
    key: str = "id"
    layer: str | None = None
    categories: tuple[str, ...] = ()  # allowed categories when only part of the layer's are curated
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of columns of which a record fills at least one
    required_if_true: tuple[tuple[str, str], ...] = ()  # (column, bool column that makes it required)
    excluded_if_true: tuple[tuple[str, str], ...] = ()  # (column, bool column that makes it stay empty)
    at_most: tuple[tuple[str, str], ...] = ()  # (number column, number column it may not exceed when both are set)
    requires: tuple[tuple[str, str], ...] = ()  # (column, column that must be set when it is)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def has_points(self) -> bool:
        return "lon" in self.columns and "lat" in self.columns


def core_fields(optional: Iterable[str], join: bool) -> tuple[Field, ...]:
    """The core curated columns; `optional` names those that may be empty. `layer` may be left out: the file name
    says it. A join file has no id, location or address (they come from the source) and may leave out its name.
    The confirmation columns (`confirmed_by`, `confirmed_on`: a past day) are optional and may be left out."""
    kinds = {"id": "id", "layer": "layer", "category": "category", "sectors": "sectors", "ags": "ags",
             "website": "url", "source": "text_id", "as_of": "date", "confirmed_on": "date", "lon": "lon",
             "lat": "lat"}
    optional = set(optional) | ({"name"} if join else set()) | set(CONFIRMATION_FIELDS)
    names = [n for n in (*CORE_FIELDS, "lon", "lat")
             if not join or n not in ("id", "layer", "ags", "address", "lon", "lat")]
    return tuple(Field(n, kinds.get(n, "text"), required=n not in optional,
                       may_be_absent=n in ("layer", *CONFIRMATION_FIELDS) or (join and n == "name"),
                       months=n != "confirmed_on") for n in names)


def layer_schema(layer: Layer) -> Schema | None:
    """The schema of a layer's curated file as `data/layers.toml` declares it (None: the layer has none)."""
    spec = layer.curated
    if spec is None:
        return None
    extra = tuple(Field(c.name, c.type, required=c.required, choices=c.choices, months=False, future=True)
                  for c in spec.columns if c.curated)  # a date column: a day, which may lie ahead
    if spec.join:
        key = next(f for f in extra if f.name == spec.join)
        fields = (key, *core_fields(spec.optional, join=True), *(f for f in extra if f is not key))
    else:
        fields = core_fields(spec.optional, join=False) + extra
    return Schema(layer.id, fields, key=spec.join or "id", layer=layer.id, categories=spec.categories,
                  one_of=spec.one_of, required_if_true=spec.required_if_true, excluded_if_true=spec.excluded_if_true,
                  at_most=spec.at_most, requires=spec.requires)


GEMEINDE_STATUS = Schema(
    "gemeinde_status",
    (
        Field("ags", "ags"),
        Field("name", "text"),
        Field("kind", "choice", choices=GEMEINDE_KINDS),  # as the pipeline reads them
        Field("source", "text_id"),
        Field("as_of", "date"),
    ),
    key="ags",
)


def curated_schemas(tax: Taxonomy | None = None) -> dict[str, Schema]:
    """The schema of every curated file by file name stem: each layer's (data/layers.toml) and `gemeinde_status`."""
    tax = tax or taxonomy()
    schemas = {Path(layer.curated.file).stem: layer_schema(layer) for layer in tax.layers if layer.curated}
    return {**schemas, GEMEINDE_STATUS.name: GEMEINDE_STATUS}


# --- reading ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Record:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class CuratedTable:
    """A curated file as read: raw (stripped) text values per record, and the problems found while reading."""

    path: Path
    schema: Schema | None
    records: tuple[Record, ...]
    problems: tuple[Problem, ...] = ()

    def key(self, record: Record) -> str:
        key = self.schema.key if self.schema else "id"
        return record.values.get(key) or MISSING_ID


def schema_for(path: Path, records: Sequence[Record], schemas: Mapping[str, Schema] | None = None) -> Schema | None:
    """The schema of a file: by its name (`research.csv`), else by the one `layer` value all its records share."""
    schemas = schemas if schemas is not None else curated_schemas()
    if path.stem in schemas:
        return schemas[path.stem]
    layers = {r.values.get("layer", "") for r in records}
    if len(layers) == 1:
        layer = layers.pop()
        by_layer = {s.layer: s for s in schemas.values() if s.layer and s.has_points}
        if layer in by_layer:
            return by_layer[layer]
    return None


def _decode(path: Path, data: bytes) -> tuple[str | None, Problem | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(str(path), line, MISSING_ID, MISSING_ID, CheckMessage("not_utf8", byte=exc.start))


def read_curated(path: Path, schema: Schema | None = None) -> CuratedTable:
    """Read a curated CSV; its schema is `schema` or found by `schema_for`. Reading problems are in `.problems`."""
    name = str(path)

    def unreadable(row: int | None, message: str) -> CuratedTable:
        return CuratedTable(path, schema, (), (Problem(name, row, MISSING_ID, MISSING_ID, message),))

    try:
        data = path.read_bytes()
    except OSError as exc:
        return unreadable(None, CheckMessage("cannot_read", reason=str(exc.strerror)))
    text, problem = _decode(path, data)
    if text is None:
        return CuratedTable(path, schema, (), (problem,))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        return unreadable(1, CheckMessage("csv_header", error=str(exc)))
    if not any(header):
        return unreadable(1, CheckMessage("empty_file"))
    if len(header) == 1 and ";" in header[0]:
        return unreadable(1, CheckMessage("semicolons"))
    for column in sorted({h for h in header if header.count(h) > 1}):
        problems.append(Problem(name, 1, MISSING_ID, column, CheckMessage("duplicate_column")))
    records: list[Record] = []
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(name, line, MISSING_ID, MISSING_ID, CheckMessage("csv_invalid", error=str(exc))))
            break
        if any(cell.strip() for cell in row):
            if len(row) != len(header):
                problems.append(Problem(name, line, row[0].strip() if row else MISSING_ID, MISSING_ID,
                                        CheckMessage("field_count", fields=len(row), header=len(header))))
            records.append(Record(line, {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}))
        line = reader.line_num + 1
    schemas = curated_schemas() if schema is None else {}
    schema = schema or schema_for(path, records, schemas)
    if schema is None:
        problems.append(Problem(name, None, MISSING_ID, "layer", CheckMessage("no_schema", files=", ".join(schemas))))
    else:
        for f in schema.fields:
            if f.name not in header and not f.may_be_absent:
                problems.append(Problem(name, 1, MISSING_ID, f.name, CheckMessage("missing_column")))
        for column in header:
            if column and column not in schema.columns:
                problems.append(Problem(name, 1, MISSING_ID, column,
                                        CheckMessage("unknown_column", schema=schema.name)))
    return CuratedTable(path, schema, tuple(records), tuple(problems))


# --- value checks -------------------------------------------------------------------------------------------------

def html_problem(value: str) -> str | None:
    """Why a text holds HTML or script, or None when it is plain text."""
    for pattern, code in HTML_PATTERNS:
        if pattern.search(value):
            return CheckMessage(code)
    return None


def parse_date(value: str, today: dt.date | None, months: bool = True) -> dt.date:
    """An ISO `YYYY-MM-DD` date (or with `months` also `YYYY-MM`), not after `today` unless that is None;
    ValueError with the reason otherwise."""
    patterns = DATE_PATTERNS if months else DATE_PATTERNS[:1]
    if not any(p.match(value) for p in patterns):
        raise ValueError(CheckMessage("date_format" if months else "day_format", value=value))
    try:
        date = dt.date.fromisoformat(value if len(value) == 10 else f"{value}-01")
    except ValueError as exc:
        raise ValueError(CheckMessage("date_invalid", value=value)) from exc
    if today is not None and date > today:
        raise ValueError(CheckMessage("date_future", value=value))
    return date


def email_problem(value: str) -> str | None:
    """Why a value is not one e-mail address (name@domain.tld, no spaces, quotes or angle brackets)."""
    if len(value) > MAX_EMAIL_CHARS or not EMAIL_PATTERN.fullmatch(value) or ".." in value:
        return CheckMessage("email", value=value)
    return None


def phone_problem(value: str) -> str | None:
    """Why a value is not a phone number: digits, spaces, a leading +, - / ( ), and 6 to 20 digits."""
    if not PHONE_PATTERN.fullmatch(value):
        return CheckMessage("phone", value=value)
    digits = sum(c.isdigit() for c in value)
    if not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        return CheckMessage("phone_digits", value=value, digits=digits, low=PHONE_DIGITS[0], high=PHONE_DIGITS[1])
    return None


def parse_float(value: str) -> float:
    """A finite number written with a decimal point."""
    try:
        number = float(value)
    except ValueError:
        comma = re.fullmatch(r"-?\d+,\d+", value)
        raise ValueError(CheckMessage("number_comma" if comma else "number", value=value)) from None
    if not math.isfinite(number):
        raise ValueError(CheckMessage("number_finite", value=value))
    return number


def parse_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise ValueError(CheckMessage("bool", value=value))
    return lowered == "true"


def flag(value: object) -> bool | None:
    """A stored yes/no value as `table_frame` writes it: a bool, or for an optional bool column `true`/`false` text;
    None when not stated (None, NaN, empty or other text)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower())
    return bool(value)


def ags_problem(value: str, kreis_ags: frozenset[str]) -> str | None:
    """Why a value is not the 8-digit AGS of a municipality in the region's Kreise."""
    if not AGS_PATTERN.match(value):
        if re.fullmatch(r"\d{7}", value):
            return CheckMessage("ags_seven_digits", value=value)
        return CheckMessage("ags", value=value)
    if value[:5] not in kreis_ags:
        return CheckMessage("ags_region", value=value)
    return None


def url_problem(value: str) -> str | None:
    """Why a value is not an absolute http(s) URL."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return CheckMessage("url", value=value)
    if re.search(r"[\s<>\"'`\\]", value):
        return CheckMessage("url_characters")
    return None


def split_sectors(value: str | None) -> list[str]:
    """The items of a comma-separated text, stripped, empty items left out."""
    if not value:
        return []
    return [item.strip() for item in str(value).split(",") if item.strip()]


def normalise_sectors(ids: Iterable[str], order: Sequence[str]) -> str:
    """Sector ids deduplicated and in taxonomy order, as one comma-separated string (unknown ids last)."""
    unique = list(dict.fromkeys(ids))
    rank = {s: i for i, s in enumerate(order)}
    return ",".join(sorted(unique, key=lambda s: rank.get(s, len(rank))))


# --- record checks ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """What records are checked against. `boundaries` (the store's `gemeinden`) enables the geographic checks;
    `register_ids` (the region's hospital sites) the health join check; `record_texts` is the vocabulary the
    `text_id` fields name their texts from."""

    taxonomy: Taxonomy
    kreis_ags: frozenset[str]
    boundaries: gpd.GeoDataFrame | None = None
    register_ids: frozenset[str] | None = None
    today: dt.date = field(default_factory=dt.date.today)
    record_texts: RecordTexts = field(default_factory=load_record_texts)
    tolerance_m: float = 0.0  # the boundaries' positional tolerance: a point this close to its municipality is kept


def _field_problem(f: Field, value: str, schema: Schema, ref: Reference) -> str | None:
    """Why one non-empty value of a field is wrong, or None."""
    try:
        if f.kind in ("text", "choice"):
            if f.kind == "choice" and value not in f.choices:
                return CheckMessage("choice", value=value, allowed=", ".join(f.choices))
            return html_problem(value)
        if f.kind == "text_id":
            known = ref.record_texts.ids(f.name)
            if value not in known:
                return (f"'{value}' is not a text id of [{f.name}] in {ref.record_texts.path.name} (known: "
                        f"{', '.join(known) or 'none'}): name one, or add it there with its de, en and fr text")
            return None
        if f.kind == "id":
            if not ID_PATTERN.match(value):
                return CheckMessage("id", value=value, pattern=ID_PATTERN.pattern)
            if schema.layer and not value.startswith(f"{schema.layer}-"):
                return CheckMessage("id_prefix", value=value, prefix=f"{schema.layer}-")
            return None
        if f.kind == "layer":
            return None if value == schema.layer else f"'{value}' must be '{schema.layer}' in a {schema.name} file"
        if f.kind == "category":
            layer = ref.taxonomy.layer(schema.layer or "")
            allowed = schema.categories or layer.category_ids
            if value not in allowed:
                return CheckMessage("category", value=value, layer=layer.id, allowed=", ".join(allowed))
            return None
        if f.kind == "sectors":
            unknown = [s for s in split_sectors(value) if s not in ref.taxonomy.sector_ids]
            if unknown:
                return CheckMessage("sectors", unknown=", ".join(unknown), known=", ".join(ref.taxonomy.sector_ids))
            return None if split_sectors(value) else CheckMessage("no_sector")
        if f.kind == "ags":
            return ags_problem(value, ref.kreis_ags)
        if f.kind == "url":
            return url_problem(value)
        if f.kind == "date":
            parse_date(value, None if f.future else ref.today, f.months)
        elif f.kind == "email":
            return email_problem(value)
        elif f.kind == "phone":
            return phone_problem(value)
        elif f.kind in ("float", "lon", "lat"):
            number = parse_float(value)
            if f.kind == "float" and number < 0:
                return CheckMessage("negative", value=value)
        elif f.kind == "bool":
            parse_bool(value)
        elif f.kind == "register_id":
            if html_problem(value):
                return html_problem(value)
            if ref.register_ids is not None and value not in ref.register_ids:
                return f"register id '{value}' is not among the region's GISCO hospital sites"
        return None
    except ValueError as exc:
        return raised_message(exc)


def _record_problems(table: CuratedTable, record: Record, ref: Reference) -> list[Problem]:
    schema = table.schema
    assert schema is not None
    name, key = str(table.path), table.key(record)
    problems = []
    for f in schema.fields:
        value = record.values.get(f.name, "")
        if not value:
            if f.required and f.name in record.values:
                problems.append(Problem(name, record.line, key, f.name, CheckMessage("required")))
            continue
        message = _field_problem(f, value, schema, ref)
        if message:
            problems.append(Problem(name, record.line, key, f.name, message))
    problems.extend(_translation_problems(table, record))
    values = record.values
    for group in schema.one_of:
        if not any(values.get(column) for column in group):
            problems.append(Problem(name, record.line, key, group[0], CheckMessage("one_of", fields=" or ".join(group))))
    for column, condition in schema.required_if_true:
        if values.get(condition, "").lower() == "true" and not values.get(column):
            problems.append(Problem(name, record.line, key, column,
                                    CheckMessage("required_if_true", condition=condition, field=column)))
    problems.extend(Problem(name, record.line, key, column, message)
                    for column, message in cross_field_problems(schema, values))
    return problems


def cross_field_problems(schema: Schema, values: Mapping[str, str]) -> list[tuple[str, str]]:
    """(field, message) for the schema's rules between columns: `excluded_if_true` (empty when the bool column is
    true), `requires` (set only with the other column) and `at_most` (not larger than the other number)."""
    problems = []
    for column, condition in schema.excluded_if_true:
        if values.get(condition, "").lower() == "true" and values.get(column):
            problems.append((column, CheckMessage("excluded_if_true", value=values[column], condition=condition)))
    for column, other in schema.requires:
        if values.get(column) and not values.get(other):
            problems.append((column, CheckMessage("requires", other=other)))
    for column, other in schema.at_most:
        try:
            number, limit = parse_float(values.get(column, "")), parse_float(values.get(other, ""))
        except ValueError:
            continue  # empty, or reported by the field checks
        if number > limit:
            problems.append((column, CheckMessage("at_most", value=values[column], other=other,
                                                  limit=values[other])))
    return problems


def record_text_problems(texts: RecordTexts) -> list[Problem]:
    """Every problem of the record-text vocabulary: missing translations, unknown tables or languages, markup."""
    name = str(texts.path)
    problems = [Problem(name, g.line, g.entry, g.lang, g.message) for g in texts.gaps]
    for field_name, entries in texts.texts.items():
        for entry, translations in entries.items():
            for lang, text in translations.items():
                message = html_problem(text)
                if message:
                    key = f"{field_name}.{entry}"
                    problems.append(Problem(name, texts.lines.get(key), key, lang, message))
    return problems


def _translation_problems(table: CuratedTable, record: Record) -> list[Problem]:
    """A text given in one language (`description_de`) must be given in every language: a view never shows another
    language's text. Empty required columns are reported by the field checks."""
    assert table.schema is not None
    groups: dict[str, list[Field]] = {}
    for f in table.schema.fields:
        base, _, lang = f.name.rpartition("_")
        if base and lang in LANGUAGES and f.name in record.values:
            groups.setdefault(base, []).append(f)
    problems = []
    for fields in groups.values():
        given = [f.name for f in fields if record.values[f.name]]
        if not given:
            continue
        for f in fields:
            if not record.values[f.name] and not f.required:
                problems.append(Problem(str(table.path), record.line, table.key(record), f.name,
                                        f"translation missing: {', '.join(given)} given, {f.name} empty"))
    return problems


def _duplicate_problems(tables: Sequence[CuratedTable]) -> list[Problem]:
    """Ids (record keys) that occur more than once, within a file or across files; reported at each repetition."""
    first: dict[tuple[str, str], tuple[str, int]] = {}
    problems = []
    for table in tables:
        if table.schema is None:
            continue
        namespace = "gemeinde" if table.schema.key == "ags" else table.schema.key
        for record in table.records:
            key = table.key(record)
            if key == MISSING_ID:
                continue
            seen = first.setdefault((namespace, key), (str(table.path), record.line))
            if seen != (str(table.path), record.line):
                problems.append(Problem(str(table.path), record.line, key, table.schema.key,
                                        f"duplicate {table.schema.key}: first used at {seen[0]}:{seen[1]}"))
    return problems


# --- geographic checks --------------------------------------------------------------------------------------------

def point_municipalities(boundaries: gpd.GeoDataFrame, lon: Sequence[float], lat: Sequence[float]) -> list[list[str]]:
    """For each WGS84 point, the AGS of every municipality it lies in (several on a shared border, none outside)."""
    found: list[list[str]] = [[] for _ in range(len(lon))]
    if not found:
        return found
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    polygons = boundaries.to_crs(WGS84) if boundaries.crs != WGS84 else boundaries
    point_index, polygon_index = polygons.sindex.query(points, predicate="intersects")
    ags = polygons["ags"].astype(str).to_numpy()
    for p, g in sorted(zip(point_index, polygon_index)):
        found[p].append(str(ags[g]))
    return found


def _label(boundaries: gpd.GeoDataFrame, ags: str) -> str:
    names = boundaries.loc[boundaries["ags"] == ags, "name"]
    return f"{names.iloc[0]} ({ags})" if len(names) else ags


def _distance_m(boundaries: gpd.GeoDataFrame, ags: str, lon: float, lat: float) -> float:
    polygon = boundaries.loc[boundaries["ags"] == ags].to_crs(METRIC_CRS).geometry.union_all()
    point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    return float(polygon.distance(point))


def _projected_hint(boundaries: gpd.GeoDataFrame, x: float, y: float) -> str:
    """Where metres read in a German projected CRS (either axis order) land, if in the region."""
    for crs, label in PROJECTIONS:
        to_wgs84 = Transformer.from_crs(crs, WGS84, always_xy=True)
        for east, north in ((x, y), (y, x)):
            lon, lat = to_wgs84.transform(east, north)
            if math.isfinite(lon) and math.isfinite(lat):
                ags = next(iter(point_municipalities(boundaries, [lon], [lat])[0]), None)
                if ags is not None:
                    swapped = " with the two values swapped" if (east, north) != (x, y) else ""
                    return (f"; read as {label}{swapped} they lie in {_label(boundaries, ags)} at "
                            f"lon={lon:.5f}, lat={lat:.5f}: convert them to WGS84 degrees")
    return ""


def _num(value: float) -> str:
    """A coordinate as written by a person: no exponent, no trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def coordinate_problems(boundaries: gpd.GeoDataFrame | None, lon: float, lat: float, ags: str,
                        tolerance_m: float = 0.0) -> list[tuple[str, str, str]]:
    """(field, message, severity) for a WGS84 point that is not degrees, not in the region, or not in `ags`.

    The point's position decides its municipality; the stated AGS is a check. A stated AGS these boundaries do not
    have (merged, split, renumbered) is a warning, and so is a point outside its municipality or the region by at
    most `tolerance_m` (the boundaries' positional tolerance). Farther off is an error. Without boundaries only the
    degree ranges are checked."""
    if abs(lon) > 180 or abs(lat) > 90:
        message = f"lon={_num(lon)}, lat={_num(lat)} are not WGS84 degrees (outside ±180/±90)"
        if abs(lon) > 1000 and abs(lat) > 1000:
            message += "; they look like projected metres (UTM/Gauss-Krüger)"
            if boundaries is not None:
                message += _projected_hint(boundaries, lon, lat)
        return [("lon" if abs(lon) > 180 else "lat", message, ERROR)]
    if boundaries is None:
        return []
    found, swapped = point_municipalities(boundaries, [lon, lat], [lat, lon])
    known = AGS_PATTERN.match(ags) is not None and bool((boundaries["ags"] == ags).any())
    if not found:
        nearest, distance = nearest_municipality(boundaries, lon, lat)
        if distance <= tolerance_m:
            found = [nearest]
            if not known or nearest == ags:
                return [("lon", CheckMessage("near_region", lon=_num(lon), lat=_num(lat), distance=round(distance),
                                             tolerance=round(tolerance_m), place=_label(boundaries, nearest)), WARNING)]
        elif swapped:
            return [("lon", CheckMessage("swapped", lon=_num(lat), lat=_num(lon), place=_label(boundaries, swapped[0])),
                     ERROR)]
        else:
            return [("lon", CheckMessage("outside_region", lon=_num(lon), lat=_num(lat)), ERROR)]
    if not AGS_PATTERN.match(ags) or ags in found:
        return []
    if not known:
        return [("ags", CheckMessage("ags_unknown_point", value=ags, place=_label(boundaries, found[0])), WARNING)]
    distance = _distance_m(boundaries, ags, lon, lat)
    if distance <= tolerance_m:
        return [("ags", CheckMessage("near_ags", place=_label(boundaries, found[0]), distance=round(distance),
                                     named=_label(boundaries, ags), tolerance=round(tolerance_m)), WARNING)]
    return [("ags", CheckMessage("outside_ags", place=_label(boundaries, found[0]), distance=distance,
                                 named=_label(boundaries, ags), tolerance=tolerance_m), ERROR)]


def nearest_municipality(boundaries: gpd.GeoDataFrame, lon: float, lat: float) -> tuple[str, float]:
    """The AGS of the municipality nearest to a WGS84 point, and its distance in metres."""
    metric = boundaries.to_crs(METRIC_CRS)
    point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    distances = metric.geometry.distance(point)
    position = int(np.argmin(distances.to_numpy()))
    return str(metric["ags"].iloc[position]), float(distances.iloc[position])


def _location_problems(table: CuratedTable, ref: Reference) -> list[Problem]:
    schema = table.schema
    assert schema is not None
    problems = []
    for record in table.records:
        values = record.values
        if schema.has_points:
            try:
                lon, lat = parse_float(values.get("lon", "")), parse_float(values.get("lat", ""))
            except ValueError:
                continue  # reported by the field checks
            for name, message, severity in coordinate_problems(ref.boundaries, lon, lat, values.get("ags", ""),
                                                               ref.tolerance_m):
                problems.append(Problem(str(table.path), record.line, table.key(record), name, message, severity))
        elif schema.key == "ags" and ref.boundaries is not None:
            ags = values.get("ags", "")
            if AGS_PATTERN.match(ags) and not (ref.boundaries["ags"] == ags).any():
                problems.append(Problem(str(table.path), record.line, ags, "ags",
                                        CheckMessage("ags_unknown", value=ags), WARNING))
    return problems


# --- entry points -------------------------------------------------------------------------------------------------

def check_tables(tables: Sequence[CuratedTable], ref: Reference) -> list[Problem]:
    """Every problem in the tables: reading, fields, vocabularies, duplicate ids (across all), geography."""
    problems: list[Problem] = []
    for table in tables:
        problems.extend(table.problems)
        if table.schema is None:
            continue
        for record in table.records:
            problems.extend(_record_problems(table, record, ref))
        problems.extend(_location_problems(table, ref))
    problems.extend(_duplicate_problems(tables))
    order = {str(t.path): i for i, t in enumerate(tables)}
    return sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.row or 0))


def table_frame(table: CuratedTable, sector_order: Sequence[str]) -> pd.DataFrame:
    """A checked table as typed columns: text (object, None when empty), float, bool; sectors normalised.

    An optional bool column is text `true`/`false`, None when not stated: the GeoPackage and PostGIS share no
    nullable boolean (`regionmap.dashboard.details.flag` reads either form)."""
    assert table.schema is not None
    columns: dict[str, list] = {}
    for f in table.schema.fields:
        values = [r.values.get(f.name, "") for r in table.records]
        if f.kind in ("float", "lon", "lat"):
            columns[f.name] = [parse_float(v) if v else np.nan for v in values]
        elif f.kind == "bool" and not f.required:
            columns[f.name] = [str(parse_bool(v)).lower() if v else None for v in values]
        elif f.kind == "bool":
            columns[f.name] = [parse_bool(v) if v else False for v in values]
        elif f.kind == "sectors":
            columns[f.name] = [normalise_sectors(split_sectors(v), sector_order) or None for v in values]
        else:
            columns[f.name] = [v or None for v in values]
    dtypes = {"float": float, "lon": float, "lat": float, "bool": bool}
    return pd.DataFrame({f.name: pd.Series(columns[f.name], dtype=dtypes.get(f.kind, object) if f.required
                                           or f.kind != "bool" else object) for f in table.schema.fields})
